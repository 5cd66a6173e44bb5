import Foundation
import RehabCore
import RehabPipeline
import Testing

@Suite("The pipeline file's mesh section")
struct MESHConfigTests {
    static func load(_ mesh: String) throws -> PipelineConfig {
        try AnalysisSettingsTests.load(mesh)
    }

    static let section = """
        mesh:
          url: https://localhost:8700
          mailbox: X26ABC2
          client_certificate: certs/mesh.crt
          client_key: /etc/rehabcount/mesh.key
          chunk_size: 5MiB
          max_message_size: 1GiB
          senders:
            X26ABC1: RY2
            X26ABC3: RDR
        """

    @Test("A full section reads as written, with the workflows' defaults; without one, MESH is off")
    func reads() throws {
        let mesh = try #require(try Self.load(Self.section).mesh)
        #expect(mesh.url.absoluteString == "https://localhost:8700")
        #expect(mesh.mailbox == "X26ABC2")
        #expect(mesh.chunkSize == 5 << 20 && mesh.maxMessageSize == 1 << 30)
        #expect(mesh.extractWorkflow == "REHABCOUNT_EXTRACT" && mesh.feedbackWorkflow == "REHABCOUNT_FEEDBACK")
        #expect(mesh.senders == ["X26ABC1": "RY2", "X26ABC3": "RDR"])
        #expect(try Self.load(Self.section).stages == [.collect, .validate, .load, .analyse, .report, .deliver])
        let bare = try Self.load("")
        #expect(bare.mesh == nil && bare.stages == [.validate, .load, .analyse, .report])
    }

    @Test(
        "A wrong mesh section is a configuration error that says what to write",
        arguments: [
            ("mesh: {url: ftp://x, mailbox: X26ABC2}", "https://"),
            ("mesh: {url: https://x, mailbox: 'X26 ABC2'}", "mailbox id"),
            ("mesh: {url: https://x, mailbox: X26ABC2, client_certificate: c.pem}", "go together"),
            ("mesh: {url: https://x, mailbox: X26ABC2, chunk_size: 2TB}", "such as 20MiB"),
            ("mesh: {url: https://x, mailbox: X26ABC2, chunk_size: 500MiB}", "such as 20MiB"),
            ("mesh: {url: https://x, mailbox: X26ABC2, senders: {X26ABC1: ry2}}", "ODS code"),
            ("mesh: {url: https://x, mailbox: X26ABC2, extract_workflow: 'A B'}", "workflow id"),
            ("mesh: {url: https://x, mailbox: X26ABC2, password: hunter2}", "password"),
            ("stages: [validate, collect]\nmesh: {url: https://x, mailbox: X26ABC2}", "`collect` comes first"),
            ("stages: [deliver, validate]\nmesh: {url: https://x, mailbox: X26ABC2}", "`deliver` comes last"),
            ("stages: [collect, validate]", "`collect` needs a mesh: section"),
        ]
    )
    func refused(_ text: String, _ says: String) throws {
        let error = try #require(throws: RehabError.self) { try Self.load(text) }
        #expect(error.code == .configuration)
        #expect("\(error)".contains(says), "\(error)")
    }

    @Test("Secrets come from the environment or files it names, and a missing one names both variables")
    func secrets() throws {
        let mesh = try #require(try Self.load(Self.section).mesh)
        let folder = try PipelineFixtures.folder()
        try "key-from-file\n".write(toFile: "\(folder)/key", atomically: true, encoding: .utf8)
        let endpoint = try mesh.endpoint(
            environment: ["REHABCOUNT_MESH_PASSWORD": "hunter2", "REHABCOUNT_MESH_SHARED_KEY_FILE": "\(folder)/key"],
            root: "/srv/rehabcount"
        )
        #expect(endpoint.clientCertificate == "/srv/rehabcount/certs/mesh.crt")
        #expect(endpoint.clientKey == "/etc/rehabcount/mesh.key")
        let shown = "\(endpoint) \(String(reflecting: endpoint))"
        #expect(!shown.contains("hunter2") && !shown.contains("key-from-file"))

        let error = try #require(throws: RehabError.self) {
            try mesh.endpoint(environment: ["REHABCOUNT_MESH_PASSWORD": "hunter2"], root: "/")
        }
        #expect(error.code == .configuration)
        #expect(error.message.contains("REHABCOUNT_MESH_SHARED_KEY or REHABCOUNT_MESH_SHARED_KEY_FILE"))
    }
}

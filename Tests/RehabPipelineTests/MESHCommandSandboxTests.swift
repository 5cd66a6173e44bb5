import Foundation
import RehabCore
import RehabTestSupport
import Testing

/// `rehabcount mesh check` against NHS England's MESH sandbox, which `scripts/with-mesh.sh` starts for the test
/// run. `scripts/test.sh --unit` leaves this suite out.
@Suite("rehabcount mesh check, against the MESH sandbox", .serialized)
struct MESHCommandSandboxTests {
    let server: String
    let sharedKey: String

    init() throws {
        (server, sharedKey) = try MESHTrust.sandbox()
    }

    func pipeline(url: String, workflow: String) throws -> String {
        try AnalysisSettingsTests.file(
            """
            mesh:
              url: \(url)
              mailbox: X26ABC2
              extract_workflow: \(workflow)
              senders: {X26ABC1: RY2}
            """
        )
    }

    /// A trust's system sends one extract to RehabCount's mailbox, through NHS England's mesh-client.
    func trustSends(workflow: String) throws {
        let folder = try PipelineFixtures.folder()
        try "org_code\nRY2\n".write(toFile: "\(folder)/RY2_referrals_2025-09.csv", atomically: true, encoding: .utf8)
        try MESHTrust.run(["send", "X26ABC1", "X26ABC2", workflow, "\(folder)/RY2_referrals_2025-09.csv"])
    }

    @Test("With the right secrets it counts the extracts waiting; with a wrong password it exits 2 and shows none")
    func check() throws {
        let workflow = "REHABCOUNT_EXTRACT_\(UUID().uuidString.prefix(8))"
        try trustSends(workflow: workflow)
        let file = try pipeline(url: server, workflow: workflow)
        let good = try rehabcount(
            ["mesh", "check", file],
            environment: ["REHABCOUNT_MESH_PASSWORD": "password", "REHABCOUNT_MESH_SHARED_KEY": sharedKey]
        )
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("Extracts waiting under \(workflow): 1"))
        #expect(good.stdout.contains("X26ABC1 sends for RY2"))

        let bad = try rehabcount(
            ["mesh", "check", file],
            environment: ["REHABCOUNT_MESH_PASSWORD": "not-the-password", "REHABCOUNT_MESH_SHARED_KEY": sharedKey]
        )
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("MESH refused mailbox X26ABC2"))
        #expect(
            !(bad.stdout + bad.stderr).contains("not-the-password") && !(bad.stdout + bad.stderr).contains(sharedKey)
        )

        let missing = try rehabcount(
            ["mesh", "check", file],
            environment: ["REHABCOUNT_MESH_PASSWORD": "", "REHABCOUNT_MESH_SHARED_KEY": sharedKey]
        )
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("REHABCOUNT_MESH_PASSWORD or REHABCOUNT_MESH_PASSWORD_FILE"))
    }

    @Test("A MESH server that is not there exits 1, saying so")
    func unreachable() throws {
        let file = try pipeline(url: "http://127.0.0.1:9", workflow: "REHABCOUNT_EXTRACT")
        let run = try rehabcount(
            ["mesh", "check", file],
            environment: ["REHABCOUNT_MESH_PASSWORD": "password", "REHABCOUNT_MESH_SHARED_KEY": sharedKey]
        )
        #expect(run.status == 1)
        #expect(run.stderr.contains("MESH could not be reached"))
    }
}

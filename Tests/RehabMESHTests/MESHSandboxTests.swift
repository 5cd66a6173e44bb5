import Crypto
import Foundation
import Logging
import RehabCore
import RehabTestSupport
import Testing

@testable import RehabMESH

/// Against NHS England's MESH sandbox with full authentication, which `scripts/with-mesh.sh` starts for the test
/// run; the trust's side is NHS England's own Python client. `scripts/test.sh --unit` leaves this suite out.
@Suite("MESH client, against the MESH sandbox", .serialized)
struct MESHSandboxTests {
    static let trust = "X26ABC1"
    static let rehabcount = "X26ABC2"

    let server: URL
    let sharedKey: String
    let folder: String

    init() throws {
        let sandbox = try MESHTrust.sandbox()
        server = try #require(URL(string: sandbox.url))
        sharedKey = sandbox.sharedKey
        folder = NSTemporaryDirectory() + "/rehabcount-mesh-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func client(password: String = "password", key: String? = nil, attempts: Int = 3) throws -> MESHClient {
        var endpoint = MESHEndpoint(
            url: server,
            mailbox: Self.rehabcount,
            password: Secret(password),
            sharedKey: Secret(key ?? sharedKey)
        )
        endpoint.retry = RetryPolicy(attempts: attempts, base: .milliseconds(50), maximum: .milliseconds(200))
        return try MESHClient(endpoint, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// A file of `count` bytes of CSV-like text that does not compress to nothing.
    func extract(_ name: String, bytes count: Int) throws -> (path: String, bytes: [UInt8]) {
        var bytes: [UInt8] = []
        var generator = SystemRandomNumberGenerator()
        while bytes.count < count {
            bytes += Array("RY2,RY2-R\(UInt32.random(in: 0...999_999, using: &generator)),2025-09-03\n".utf8)
        }
        bytes.removeLast(bytes.count - count)
        let path = folder + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, bytes)
    }

    static func workflow(_ stem: String) -> String { "\(stem)_\(UUID().uuidString.prefix(8))" }

    @Test("The handshake passes with the right credentials; a wrong password or shared key is an authentication error")
    func authentication() async throws {
        let good = try client()
        try await good.handshake()
        try await good.shutdown()
        for bad in [try client(password: "wrong"), try client(key: "not the key")] {
            await #expect { try await bad.handshake() } throws: { ($0 as? MESHError)?.kind == .authentication }
            try await bad.shutdown()
        }
    }

    @Test("A trust's chunked, compressed extract arrives whole; other workflows are left unread")
    func receiveChunked() async throws {
        let extractWorkflow = Self.workflow("REHABCOUNT_EXTRACT")
        let otherWorkflow = Self.workflow("OTHER")
        let file = try extract("RY2_referrals_2025-09.csv", bytes: 250_000)
        let sent = try MESHTrust.run([
            "send", Self.trust, Self.rehabcount, extractWorkflow, file.path, "--chunk-size", "100000", "--compress",
            "--local-id", "RY2-2025-09",
        ])
        try MESHTrust.run(["send", Self.trust, Self.rehabcount, otherWorkflow, file.path])

        let mesh = try client()
        let waiting = try await mesh.inbox(workflow: extractWorkflow)
        try #require(waiting == sent)
        let message = try await mesh.download(waiting[0], to: folder + "/received", limit: 1 << 20)
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/received")) == Data(file.bytes))
        #expect(message.sender == Self.trust)
        #expect(message.workflow == extractWorkflow)
        #expect(message.fileName == "RY2_referrals_2025-09.csv")
        #expect(message.localID == "RY2-2025-09")
        #expect(message.chunks == 3)
        #expect(message.compressed)
        #expect(message.bytes == file.bytes.count)
        #expect(message.sha256 == SHA256.hash(data: file.bytes).map { String(format: "%02x", $0) }.joined())

        try await mesh.acknowledge(waiting[0])
        #expect(try await mesh.inbox(workflow: extractWorkflow).isEmpty)
        #expect(try await mesh.inbox(workflow: otherWorkflow).count == 1)
        try await mesh.shutdown()
    }

    @Test("The inbox is read to its last page")
    func pages() async throws {
        let workflow = Self.workflow("REHABCOUNT_EXTRACT")
        let file = try extract("RY2_referrals_2025-10.csv", bytes: 100)
        let sent = try MESHTrust.run(["send", Self.trust, Self.rehabcount, workflow, file.path, "--copies", "23"])
        let mesh = try client()
        let listed = try await mesh.inbox(workflow: workflow, pageSize: 10)
        #expect(listed.count == 23)
        #expect(Set(listed) == Set(sent))
        for id in listed { try await mesh.acknowledge(id) }
        try await mesh.shutdown()
    }

    @Test("A message over the limit is refused as too large, and leaves no file")
    func tooLarge() async throws {
        let workflow = Self.workflow("REHABCOUNT_EXTRACT")
        let file = try extract("RY2_contacts_2025-09.csv", bytes: 50_000)
        let sent = try MESHTrust.run(["send", Self.trust, Self.rehabcount, workflow, file.path, "--compress"])
        let mesh = try client()
        let path = folder + "/too-large"
        await #expect { _ = try await mesh.download(sent[0], to: path, limit: 40_000) } throws: {
            // The refusal knows whom to answer, and about which file.
            let error = $0 as? MESHError
            return error?.kind == .tooLarge && error?.sender == Self.trust
                && error?.fileName == "RY2_contacts_2025-09.csv"
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        try await mesh.shutdown()
    }

    @Test("A checksum that matches is verified; one that does not refuses the message")
    func checksums() async throws {
        let workflow = Self.workflow("REHABCOUNT_EXTRACT")
        let file = try extract("RY2_workforce_2025-09.csv", bytes: 30_000)
        let md5 = Insecure.MD5.hash(data: file.bytes).map { String(format: "%02x", $0) }.joined()
        let good = try MESHTrust.run([
            "send", Self.trust, Self.rehabcount, workflow, file.path, "--checksum", "md5:\(md5)",
        ])
        let bad = try MESHTrust.run([
            "send", Self.trust, Self.rehabcount, workflow, file.path, "--checksum",
            "md5:" + String(repeating: "0", count: 32),
        ])
        let mesh = try client()
        let message = try await mesh.download(good[0], to: folder + "/good", limit: 1 << 20)
        #expect(message.checksumVerified)
        await #expect { _ = try await mesh.download(bad[0], to: folder + "/bad", limit: 1 << 20) } throws: {
            ($0 as? MESHError)?.kind == .checksum
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/bad"))
        try await mesh.shutdown()
    }

    @Test("A sent message is found again by its local id, as a night that stopped before recording it needs")
    func tracking() async throws {
        let workflow = Self.workflow("REHABCOUNT_FEEDBACK")
        let file = try extract("RY2_workforce_2025-09.feedback.zip", bytes: 1_000)
        let mesh = try client()
        let localID = "rehabcount-\(UUID().uuidString)"
        #expect(try await mesh.sentMessage(localID: localID) == nil)
        let id = try await mesh.send(
            file: file.path,
            to: Self.trust,
            workflow: workflow,
            fileName: "RY2_workforce_2025-09.feedback.zip",
            localID: localID,
            chunkSize: 100_000
        )
        #expect(try await mesh.sentMessage(localID: localID) == id)
        try await mesh.shutdown()
        try MESHTrust.run(["receive", Self.trust, folder, "--workflow", workflow])
    }

    @Test("A waiting message's accepted time comes from its headers, without downloading it")
    func acceptedAt() async throws {
        let workflow = Self.workflow("REHABCOUNT_EXTRACT")
        let file = try extract("RY2_contacts_2025-09.csv", bytes: 1_000)
        let before = Date().addingTimeInterval(-2)
        let sent = try MESHTrust.run(["send", Self.trust, Self.rehabcount, workflow, file.path])
        let mesh = try client()
        let accepted = try #require(try await mesh.acceptedAt(sent[0]))
        #expect(accepted >= before && accepted <= Date().addingTimeInterval(2))
        try await mesh.acknowledge(sent[0])
        try await mesh.shutdown()
    }

    @Test("RehabCount's chunked send arrives whole through NHS England's client")
    func sendChunked() async throws {
        let workflow = Self.workflow("REHABCOUNT_FEEDBACK")
        let file = try extract("RY2_referrals_2025-09.feedback.zip", bytes: 230_000)
        let mesh = try client()
        let id = try await mesh.send(
            file: file.path,
            to: Self.trust,
            workflow: workflow,
            fileName: "RY2_referrals_2025-09.feedback.zip",
            localID: "feedback-1",
            chunkSize: 100_000
        )
        #expect(MESHClient.isMessageID(id))
        try await mesh.shutdown()
        let inbox = folder + "/trust"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        let names = try MESHTrust.run(["receive", Self.trust, inbox, "--workflow", workflow])
        #expect(names == ["RY2_referrals_2025-09.feedback.zip"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: inbox + "/" + names[0])) == Data(file.bytes))
    }

    @Test("Over HTTPS with a client certificate, as live MESH; a server the CAs did not sign, or no certificate, fails")
    func https() async throws {
        let environment = ProcessInfo.processInfo.environment
        let url = try #require(environment["REHABCOUNT_TEST_MESH_TLS_URL"].flatMap(URL.init(string:)))
        let tls = try #require(environment["REHABCOUNT_TEST_MESH_TLS"])
        func client(ca: String, certificate: Bool = true) throws -> MESHClient {
            var endpoint = MESHEndpoint(
                url: url,
                mailbox: Self.rehabcount,
                password: Secret("password"),
                sharedKey: Secret(sharedKey)
            )
            endpoint.caCertificates = "\(tls)/\(ca)"
            if certificate {
                endpoint.clientCertificate = "\(tls)/client.pem"
                endpoint.clientKey = "\(tls)/client.key"
            }
            endpoint.retry = RetryPolicy(attempts: 1)
            endpoint.connectTimeout = .seconds(2)
            return try MESHClient(endpoint, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
        let good = try client(ca: "ca.pem")
        try await good.handshake()
        try await good.shutdown()
        for bad in [try client(ca: "other-ca.pem"), try client(ca: "ca.pem", certificate: false)] {
            await #expect { try await bad.handshake() } throws: { ($0 as? MESHError)?.kind == .unavailable }
            try await bad.shutdown()
        }
        // A certificate without its key is a configuration error before anything is sent.
        var endpoint = MESHEndpoint(url: url, mailbox: "X", password: Secret("p"), sharedKey: Secret("k"))
        endpoint.clientCertificate = "\(tls)/client.pem"
        #expect { _ = try MESHClient(endpoint, logger: Logger(label: "test")) } throws: {
            ($0 as? MESHError)?.kind == .configuration
        }
    }

    @Test("A server that is not there is unavailable, after the retries, and says nothing secret")
    func unreachable() async throws {
        var endpoint = MESHEndpoint(
            url: URL(string: "http://127.0.0.1:9")!,
            mailbox: Self.rehabcount,
            password: Secret("password-not-to-show"),
            sharedKey: Secret(sharedKey)
        )
        endpoint.retry = RetryPolicy(attempts: 2, base: .milliseconds(10), maximum: .milliseconds(20))
        endpoint.connectTimeout = .milliseconds(500)
        let mesh = try MESHClient(endpoint, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        do {
            try await mesh.handshake()
            Issue.record("A handshake with no server succeeded")
        } catch let error as MESHError {
            #expect(error.kind == .unavailable)
            #expect(!error.message.contains("password-not-to-show") && !error.message.contains(sharedKey))
        }
        try await mesh.shutdown()
    }
}

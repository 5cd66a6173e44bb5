import Foundation
import RehabCore
import Testing

@testable import RehabMESH

@Suite("MESH client, without a server")
struct MESHClientTests {
    @Test("The authorisation header is the one NHS England's mesh-client makes for the same inputs")
    func authorisationHeader() {
        let authorization = MESHAuthorization(
            mailbox: "X26ABC2",
            password: Secret("password"),
            sharedKey: Secret("RehabCountTestKey")
        )
        // mesh_client 5.0.2's AuthTokenGenerator, with its nonce, nonce count and clock set to these values.
        let expected =
            "NHSMESH X26ABC2:5D1A7C52-8E6B-4F0D-9C3A-2B7E41F0A9D8:3:202612050831:"
            + "e587d2833ae2ebc27a468617a6991f6b63665d73911a7919d0eb8cbc7f6c4cbf"
        let at = Date(timeIntervalSince1970: 1_796_459_502)  // 2026-12-05 08:31:42 UTC
        #expect(authorization.header(nonce: "5D1A7C52-8E6B-4F0D-9C3A-2B7E41F0A9D8", count: 3, at: at) == expected)
    }

    @Test("A secret never shows in text")
    func secretsStayHidden() {
        let endpoint = MESHEndpoint(
            url: URL(string: "https://localhost:8700")!,
            mailbox: "X26ABC2",
            password: Secret("hunter2"),
            sharedKey: Secret("BackBone")
        )
        let text = "\(endpoint) \(String(reflecting: endpoint)) \(endpoint.password)"
        #expect(!text.contains("hunter2") && !text.contains("BackBone"))
    }

    @Test(
        "Checksums are read in the forms senders write them",
        arguments: [
            ("md5:9e107d9d372bb6826bd81d3542a419d6", true), ("MD5 9E107D9D372BB6826BD81D3542A419D6", true),
            ("9e107d9d372bb6826bd81d3542a419d6", true), ("sha256=" + String(repeating: "a", count: 64), true),
            ("crc32:414fa339", false), ("md5:not-hex", false), ("", false),
        ]
    )
    func checksumForms(_ header: String, _ readable: Bool) {
        #expect((ContentChecksum(header) != nil) == readable)
    }

    @Test("mex-StatusTimestamp is read as UTC; anything else is not a time")
    func statusTimestamps() {
        #expect(MESHClient.statusTimestamp("20261205103015") == Date(timeIntervalSince1970: 1_796_466_615))
        for bad in ["2026120510301", "2026-12-05T10:30", "20261305103015", "20260230103015", ""] {
            #expect(MESHClient.statusTimestamp(bad) == nil, "\(bad)")
        }
    }

    @Test("gzip round trip, and inflating stops at the limit")
    func gzip() throws {
        let text = Array(String(repeating: "RY2,referral,2025-09\n", count: 5000).utf8)
        let packed = try Gzip.compress(text)
        #expect(packed.count < text.count / 10)
        var out: [UInt8] = []
        let inflater = try GzipInflater(limit: text.count)
        try packed.withUnsafeBytes { raw in try inflater.inflate(raw) { out.append(copying: $0) } }
        try inflater.finish()
        #expect(out == text)

        let small = try GzipInflater(limit: text.count - 1)
        #expect(throws: MESHError.self) {
            try packed.withUnsafeBytes { raw in try small.inflate(raw) { _ in } }
        }
        let cut = try GzipInflater(limit: text.count)
        try packed.prefix(packed.count / 2).withUnsafeBytes { raw in try cut.inflate(raw) { _ in } }
        #expect(throws: MESHError.self) { try cut.finish() }
    }
}

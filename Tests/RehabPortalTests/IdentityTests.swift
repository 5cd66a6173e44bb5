import Testing

@testable import RehabPortal

@Suite("Portal identities and passwords")
struct IdentityTests {
    @Test("A trust's identity sees its own trust and its sites, never another; a central one sees every trust")
    func scope() {
        let ry2 = Identity(actor: "user:a@ry2.nhs.uk", scope: .trust("RY2"), userID: 1)
        #expect(ry2.maySee(org: "RY2") && ry2.maySee(org: "RY2AB"))
        #expect(!ry2.maySee(org: "RDR") && !ry2.maySee(org: "RY") && !ry2.maySee(org: "RY2ABC"))
        let central = Identity(actor: "user:lead@england.nhs.uk", scope: .central, userID: 2)
        #expect(central.maySee(org: "RDR") && central.org == nil)
    }

    @Test(
        "Weak passwords are refused with the reason",
        arguments: [
            ("short1!", "at least 12"), (String(repeating: "é", count: 40), "at most 72 bytes"),
            ("analyst-password-2026", "the user's name"), ("aaaabbbbaaaabbbb", "more than four different"),
        ]
    )
    func weak(_ password: String, _ reason: String) {
        #expect(Passwords.weakness(of: password, email: "analyst@ry2.nhs.uk")?.contains(reason) == true)
    }

    @Test("A good password passes, hashes with bcrypt at cost 12 and verifies; another does not")
    func hashing() {
        let password = "correct horse battery staple"
        #expect(Passwords.weakness(of: password, email: "analyst@ry2.nhs.uk") == nil)
        let hash = Passwords.hash(password)
        #expect(hash.hasPrefix("$2b$12$") || hash.hasPrefix("$2a$12$") || hash.hasPrefix("$2y$12$"))
        #expect(Passwords.verify(password, hash: hash))
        #expect(!Passwords.verify("correct horse battery stapler", hash: hash))
        #expect(Passwords.hash(password) != hash, "each hash has its own salt")
    }

    @Test("Addresses are lower-cased; what is not one is refused")
    func addresses() throws {
        #expect(try PortalDirectory.normalised("  Analyst@RY2.nhs.uk ") == "analyst@ry2.nhs.uk")
        for bad in ["analyst", "@ry2.nhs.uk", "analyst@ry2", "a b@ry2.nhs.uk", "a@@ry2.nhs.uk"] {
            #expect(throws: (any Error).self, "\(bad)") { try PortalDirectory.normalised(bad) }
        }
    }

    @Test("Token secrets are 256 random bits in base64url, ids 12 hex digits; equal-length comparison is exact")
    func tokens() {
        let id = PortalDirectory.randomText(bytes: 6, hex: true)
        let secret = PortalDirectory.randomText(bytes: 32, hex: false)
        #expect(id.count == 12 && id.allSatisfy(\.isHexDigit))
        #expect(secret.count == 43 && !secret.contains("+") && !secret.contains("/") && !secret.contains("="))
        #expect(secret != PortalDirectory.randomText(bytes: 32, hex: false))
        #expect(PortalDirectory.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!PortalDirectory.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!PortalDirectory.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
    }
}

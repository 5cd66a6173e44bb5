import Foundation
import RehabCore
import RehabDatabase
import RehabPortal
import RehabTestSupport
import Testing

/// `rehabcount portal user …` and `portal token …`, the real binary against a throwaway database, and what the portal
/// then makes of a login or a token.
@Suite(
    "The portal's people and tokens",
    .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh")
)
struct PortalCommandTests {
    /// Runs the binary with `input` on standard input; its status, output and error output.
    func portal(
        _ arguments: [String],
        input: String = "",
        _ db: borrowing TestDatabase
    ) throws -> (
        Int32, String, String
    ) {
        let url = try db.url()
        let stdin = Pipe()
        let process = try CLI.start(["portal"] + arguments + ["--database", url]) { process in
            process.standardInput = stdin
            process.standardOutput = Pipe()
            process.standardError = Pipe()
        }
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let errors = Background { (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile() }
        let output = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: output, as: UTF8.self),
            String(decoding: try errors.value(), as: UTF8.self)
        )
    }

    @Test(
        "A trust's user is added with a bcrypt hash, logs in, is disabled (sessions end) and reset; bad input exits 2"
    )
    func users() throws {
        let db = try TestFixtures.database()
        let c = try db.connect()
        let password = "a long enough passphrase\n"
        let added = try portal(["user", "add", "Analyst@RY2.nhs.uk", "--org", "RY2"], input: password, db)
        #expect(added.0 == 0, "\(added.2)")
        #expect(added.1 == "Added analyst@ry2.nhs.uk (RY2).\n")
        let stored = try #require(
            try c.query("SELECT org_code, password_hash FROM portal.users WHERE email = 'analyst@ry2.nhs.uk'").rows
                .first
        )
        #expect(stored[0] == "RY2")
        #expect(stored[1]?.dropFirst(4).hasPrefix("12$") == true, "bcrypt at cost 12")
        #expect(!(stored[1] ?? "").contains("passphrase"))

        // Refused, each with exit 2 and a reason: the address again, a weak password, an unknown trust, both scopes.
        let again = try portal(["user", "add", "analyst@ry2.nhs.uk", "--org", "RY2"], input: password, db)
        #expect(again.0 == 2 && again.2.contains("already has a portal account"))
        let weak = try portal(["user", "add", "b@ry2.nhs.uk", "--org", "RY2"], input: "short\n", db)
        #expect(weak.0 == 2 && weak.2.contains("at least 12 characters"))
        let unknown = try portal(["user", "add", "c@zz.nhs.uk", "--org", "ZZZ"], input: password, db)
        #expect(unknown.0 == 2 && unknown.2.contains("ZZZ is not a trust"))
        let both = try portal(["user", "add", "d@ry2.nhs.uk", "--org", "RY2", "--central"], input: password, db)
        #expect(both.0 != 0 && both.2.contains("exactly one of --org"))
        let empty = try portal(["user", "add", "e@ry2.nhs.uk", "--org", "RY2"], db)
        #expect(empty.0 == 2 && empty.2.contains("No password on standard input"))

        // The portal's login: the right password, and only that.
        let login = { (secret: String) throws -> Identity? in
            try PortalDirectory.login(email: "ANALYST@ry2.nhs.uk", password: secret, address: "10.0.0.7", connection: c)
        }
        let identity = try #require(try login("a long enough passphrase"))
        #expect(identity.scope == .trust("RY2") && identity.actor == "user:analyst@ry2.nhs.uk")
        #expect(try login("a long enough passphrasE") == nil)
        #expect(
            try PortalDirectory.login(email: "nobody@ry2.nhs.uk", password: "x", address: nil, connection: c) == nil
        )
        #expect(
            try c.query("SELECT string_agg(succeeded::text, ',' ORDER BY attempted_at) FROM portal.login_attempts")
                .scalar == "true,false,false"
        )

        // Disabled: an open session ends at once, and the password no longer logs in.
        try c.query(
            "INSERT INTO portal.sessions (session_hash, user_id, csrf_token, expires_at) VALUES ('s', $1, 't', now() + interval '8 hours')",
            [String(identity.userID ?? 0)]
        )
        let disabled = try portal(["user", "disable", "analyst@ry2.nhs.uk"], db)
        #expect(disabled.0 == 0)
        #expect(try c.query("SELECT count(*) FROM portal.sessions").scalar == "0")
        #expect(try login("a long enough passphrase") == nil)
        // A new password enables them again; the old one is gone.
        let reset = try portal(
            ["user", "reset-password", "analyst@ry2.nhs.uk"],
            input: "another long passphrase\n",
            db
        )
        #expect(reset.0 == 0)
        #expect(try login("another long passphrase") != nil)
        #expect(try login("a long enough passphrase") == nil)

        let central = try portal(["user", "add", "lead@england.nhs.uk", "--central"], input: password, db)
        #expect(central.0 == 0)
        #expect(
            try PortalDirectory.login(
                email: "lead@england.nhs.uk",
                password: "a long enough passphrase",
                address: nil,
                connection: c
            )?.scope == .central
        )
        let events = try c.query("SELECT event FROM audit.portal_events WHERE actor LIKE 'cli:%' ORDER BY event_id")
            .rows.map { $0[0] ?? "" }
        #expect(events == ["user-added", "user-disabled", "password-reset", "user-added"])
    }

    @Test("A token is printed once as its only line, opens its trust only, is stored hashed, and dies when revoked")
    func tokens() throws {
        let db = try TestFixtures.database()
        let c = try db.connect()
        let (status, output, _) = try portal(["token", "add", "--org", "RY2", "--label", "EPR job"], db)
        #expect(status == 0)
        let lines = output.split(separator: "\n")
        try #require(lines.count == 1)
        let token = String(lines[0])
        let parts = token.split(separator: ".")
        #expect(parts.count == 2 && parts[0].count == 12 && parts[1].count == 43)
        let identity = try #require(try PortalDirectory.identity(token: token, connection: c))
        #expect(identity.scope == .trust("RY2") && identity.actor == "token:\(parts[0])")
        #expect(
            try c.query(
                "SELECT count(*) FROM portal.tokens WHERE secret_hash LIKE '%' || $1 || '%'",
                [String(parts[1])]
            ).scalar == "0"
        )
        // A secret one character off, or another id, is no token.
        var wrong = Array(token)
        wrong[wrong.count - 1] = wrong.last == "A" ? "B" : "A"
        #expect(try PortalDirectory.identity(token: String(wrong), connection: c) == nil)
        #expect(try PortalDirectory.identity(token: "000000000000." + parts[1], connection: c) == nil)

        let revoked = try portal(["token", "revoke", String(parts[0])], db)
        #expect(revoked.0 == 0)
        #expect(try PortalDirectory.identity(token: token, connection: c) == nil)
        let unknown = try portal(["token", "revoke", "ffffffffffff"], db)
        #expect(unknown.0 == 2 && unknown.2.contains("No token has the id"))
        let other = try portal(["token", "add", "--org", "ZZZ"], db)
        #expect(other.0 == 2 && other.1.isEmpty)
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import RehabDatabase
import RehabPipeline
import RehabPortal
import RehabTestSupport
import Testing

/// The portal over HTTP, served live on a loopback port, against a throwaway database holding the sample month.
@Suite("The trust portal", .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"))
struct PortalServerTests {
    static let password = "a long enough passphrase"

    /// A database with the sample month loaded, RY2's analyst and a central lead.
    static func database() throws -> TestDatabase {
        let db = try TestFixtures.database()
        _ = try TestFixtures.load(TestFixtures.inbox, into: db)
        let c = try db.connect()
        try PortalDirectory.addUser(
            email: "analyst@ry2.nhs.uk",
            scope: .trust("RY2"),
            password: password,
            by: "test",
            connection: c
        )
        try PortalDirectory.addUser(
            email: "lead@england.nhs.uk",
            scope: .central,
            password: password,
            by: "test",
            connection: c
        )
        return db
    }

    /// Runs `test` against the portal on a free port.
    static func serve(
        _ db: borrowing TestDatabase,
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let pool = DatabasePool(conninfo: try db.url(), size: 2)
        let app = PortalServer.application(
            settings: PipelineConfig.Portal(host: "127.0.0.1", port: 0),
            pool: pool,
            logger: Logger(label: "portal-test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        try await app.test(.live, test)
        try await pool.shutdown()
    }

    /// A cookie's value from a response's Set-Cookie headers.
    static func cookie(_ name: String, in response: TestResponse) -> String? {
        for line in response.headers[values: .setCookie] where line.hasPrefix(name + "=") {
            return String(line.dropFirst(name.count + 1).prefix { $0 != ";" })
        }
        return nil
    }

    /// The CSRF token of a page's form.
    static func csrf(in response: TestResponse) -> String? {
        let html = String(buffer: response.body)
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func form(_ fields: [String: String]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return ByteBuffer(
            string: fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
                .sorted().joined(separator: "&")
        )
    }

    /// Logs in through the form as a browser would; the response to the POST.
    static func login(_ client: any TestClientProtocol, email: String, password: String) async throws -> TestResponse {
        let page = try await client.execute(uri: "/login", method: .get)
        let token = try #require(csrf(in: page))
        #expect(cookie("rehab_login", in: page) == token)
        return try await client.execute(
            uri: "/login",
            method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "rehab_login=\(token)"],
            body: form(["email": email, "password": password, "csrf": token])
        )
    }

    @Test("A trust's user logs in to a strict, HttpOnly session and sees their trust's submissions and no other's")
    func loginAndHome() async throws {
        let db = try Self.database()
        let url = try db.url()
        try await Self.serve(db) { client in
            let anonymous = try await client.execute(uri: "/", method: .get)
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/login")
            let policy = try #require(anonymous.headers[.contentSecurityPolicy])
            #expect(policy.contains("frame-ancestors 'none'") && policy.contains("script-src 'self'"))
            #expect(!policy.contains("unsafe-inline"))

            let wrong = try await Self.login(client, email: "analyst@ry2.nhs.uk", password: "not the passphrase")
            #expect(wrong.status == .unauthorized)
            #expect(String(buffer: wrong.body).contains("do not match an account"))
            #expect(Self.cookie("rehab_session", in: wrong) == nil)

            // A form without its matching cookie is refused before the password is looked at.
            let forged = try await client.execute(
                uri: "/login",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: Self.form(["email": "analyst@ry2.nhs.uk", "password": Self.password, "csrf": "guess"])
            )
            #expect(forged.status == .forbidden)

            let ok = try await Self.login(client, email: "Analyst@RY2.nhs.uk", password: Self.password)
            #expect(ok.status == .seeOther && ok.headers[.location] == "/")
            let setCookie = try #require(ok.headers[values: .setCookie].first { $0.hasPrefix("rehab_session=") })
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            #expect(!setCookie.contains("Secure"), "no Secure over plain http")
            let session = try #require(Self.cookie("rehab_session", in: ok))
            let c = try Connection(url)
            #expect(
                try c.query("SELECT count(*) FROM portal.sessions WHERE session_hash = $1", [session]).scalar == "0"
            )
            #expect(try c.query("SELECT count(*) FROM portal.sessions").scalar == "1")

            let home = try await client.execute(uri: "/", method: .get, headers: [.cookie: "rehab_session=\(session)"])
            #expect(home.status == .ok)
            let html = String(buffer: home.body)
            #expect(html.contains("Submissions from RY2"))
            for kind in ["referrals", "contacts", "workforce"] { #expect(html.contains("RY2_\(kind)_2025-09.csv")) }
            #expect(!html.contains("RDR_") && !html.contains("R1D_"))

            // Logging out needs the session's CSRF token; then the session is gone.
            let noToken = try await client.execute(
                uri: "/logout",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "rehab_session=\(session)"],
                body: Self.form(["csrf": "guess"])
            )
            #expect(noToken.status == .forbidden)
            let out = try await client.execute(
                uri: "/logout",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "rehab_session=\(session)"],
                body: Self.form(["csrf": try #require(Self.csrf(in: home))])
            )
            #expect(out.status == .seeOther && out.headers[.location] == "/login")
            let after = try await client.execute(uri: "/", method: .get, headers: [.cookie: "rehab_session=\(session)"])
            #expect(after.status == .seeOther)
            let events = try c.query(
                "SELECT event FROM audit.portal_events WHERE actor = 'user:analyst@ry2.nhs.uk' ORDER BY event_id"
            )
            .rows.map { $0[0] ?? "" }
            #expect(events == ["login-refused", "login", "logout"])
        }
    }

    @Test("A central user sees every trust; a disabled user's session ends at once")
    func centralAndDisabled() async throws {
        let db = try Self.database()
        let url = try db.url()
        try await Self.serve(db) { client in
            let lead = try #require(
                Self.cookie(
                    "rehab_session",
                    in: try await Self.login(client, email: "lead@england.nhs.uk", password: Self.password)
                )
            )
            let home = String(
                buffer: try await client.execute(uri: "/", method: .get, headers: [.cookie: "rehab_session=\(lead)"])
                    .body
            )
            #expect(
                home.contains("every trust") && home.contains("RDR_referrals_2025-09.csv")
                    && home.contains("R1D_workforce_2025-09.csv")
            )

            let analyst = try #require(
                Self.cookie(
                    "rehab_session",
                    in: try await Self.login(client, email: "analyst@ry2.nhs.uk", password: Self.password)
                )
            )
            #expect(
                try await client.execute(uri: "/", method: .get, headers: [.cookie: "rehab_session=\(analyst)"]).status
                    == .ok
            )
            try PortalDirectory.disableUser(email: "analyst@ry2.nhs.uk", by: "test", connection: try Connection(url))
            let after = try await client.execute(uri: "/", method: .get, headers: [.cookie: "rehab_session=\(analyst)"])
            #expect(after.status == .seeOther && after.headers[.location] == "/login")
        }
    }

    @Test("After five failed logins the account is refused, even with the right password, for 15 minutes")
    func throttle() async throws {
        let db = try Self.database()
        try await Self.serve(db) { client in
            for _ in 0..<Sessions.perAccount {
                let refused = try await Self.login(client, email: "analyst@ry2.nhs.uk", password: "wrong guess 12345")
                #expect(refused.status == .unauthorized)
            }
            let throttled = try await Self.login(client, email: "analyst@ry2.nhs.uk", password: Self.password)
            #expect(throttled.status == .tooManyRequests)
            #expect(String(buffer: throttled.body).contains("Too many failed attempts"))
            #expect(Self.cookie("rehab_session", in: throttled) == nil)
            // Another account from the same address is not held up by this one.
            let other = try await Self.login(client, email: "lead@england.nhs.uk", password: Self.password)
            #expect(other.status == .seeOther)
        }
    }
}

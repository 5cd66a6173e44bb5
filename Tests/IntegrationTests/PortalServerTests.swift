import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import RehabCore
import RehabDatabase
import RehabPipeline
import RehabPortal
import RehabTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The portal over HTTP, served live on a loopback port, against a throwaway database holding the sample month.
@Suite("The trust portal", .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"))
struct PortalServerTests {
    static let password = "a long enough passphrase"

    /// A database with the sample month loaded, RY2's analyst and a central lead.
    static func database() throws -> TestDatabase {
        let db = try TestFixtures.database()
        _ = try TestFixtures.load(TestFixtures.inbox, into: db)
        let c = try db.connect()
        let people: [(String, Identity.Scope)] = [
            ("analyst@ry2.nhs.uk", .trust("RY2")), ("analyst@rdr.nhs.uk", .trust("RDR")),
            ("lead@england.nhs.uk", .central),
        ]
        for (email, scope) in people {
            try PortalDirectory.addUser(email: email, scope: scope, password: password, by: "test", connection: c)
        }
        return db
    }

    /// Runs `test` against the portal on a free port.
    ///
    /// The server and the test run on an executor of their own, as `rehabcount serve` has Swift's shared pool to
    /// itself: the synchronous suites that run beside this one hold that pool's threads for seconds at a time. The
    /// client timeout is long for the same reason; `slowClient` tests it.
    static func serve(
        _ db: borrowing TestDatabase,
        folder: String? = nil,
        maxUpload: Int = 512 << 20,
        clientTimeout: Duration = .seconds(600),
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let pool = DatabasePool(conninfo: try Self.asPortal(db.url()), size: 2)
        let folder = try folder ?? TestFixtures.folder()
        var settings = PipelineConfig.Portal(host: "127.0.0.1", port: 0)
        settings.maxUpload = maxUpload
        settings.clientTimeout = clientTimeout
        let app = try PortalServer.application(
            settings: settings,
            pool: pool,
            layout: TestFixtures.layout,
            inbox: "\(folder)/inbox",
            outbox: "\(folder)/outbox",
            checks: "\(folder)/checks",
            workers: 2,
            logger: Logger(label: "portal-test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        try await withTaskExecutorPreference(QueueExecutor(label: "portal-test")) {
            try await app.test(.live, test)
        }
        try await pool.shutdown()
    }

    /// The test database's address, with the session acting as `rehab_portal`: the portal is served with the
    /// rights docs/portal.md gives it, and no more.
    static func asPortal(_ url: String) -> String {
        if url.hasPrefix("postgres"), var components = URLComponents(string: url) {
            let option = "options=-c%20role%3Drehab_portal"
            components.percentEncodedQuery = components.percentEncodedQuery.map { "\($0)&\(option)" } ?? option
            if let text = components.string { return text }
        }
        return url + " options='-c role=rehab_portal'"
    }

    /// Runs `test` against the portal on a free port and returns what it returns.
    static func serveReturning(
        _ db: borrowing TestDatabase,
        folder: String,
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> String
    ) async throws -> String {
        let box = Mutex<String>("")
        try await serve(db, folder: folder) { client in
            let value = try await test(client)
            box.withLock { $0 = value }
        }
        return box.withLock { $0 }
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
            #expect(html.contains("<h1>RY2 Bridgewater Community Healthcare NHS Foundation Trust: September 2025</h1>"))
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
            #expect(home.contains("<h1>Every trust: September 2025</h1>"))
            for org in ["R1D", "RDR", "RY2"] { #expect(home.contains("href=\"/trusts/\(org)?period=2025-09\"")) }

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

    /// A browser's multipart upload of the check form: the CSRF token first, then the file.
    /// A check's page once the check has finished: its page answers at once, and the check waits its turn.
    static func finished(
        _ client: any TestClientProtocol,
        _ location: String,
        cookie: String
    ) async throws
        -> TestResponse
    {
        for _ in 0..<600 {
            let state = try await client.execute(uri: "\(location)/state", method: .get, headers: [.cookie: cookie])
            #expect(state.status == .ok)
            if String(buffer: state.body).contains("\"done\":true") { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try await client.execute(uri: location, method: .get, headers: [.cookie: cookie])
    }

    static func upload(_ name: String, _ bytes: Data, csrf: String) -> (HTTPFields, ByteBuffer) {
        let boundary = "----RehabCountTest\(UUID().uuidString.prefix(8))"
        var body = ByteBuffer()
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf)\r\n")
        body.writeString(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n"
                + "Content-Type: text/csv\r\n\r\n"
        )
        body.writeBytes(bytes)
        body.writeString("\r\n--\(boundary)--\r\n")
        return ([.contentType: "multipart/form-data; boundary=\(boundary)"], body)
    }

    /// Logs in and returns the session cookie header and the session's CSRF token (from the check form).
    static func session(_ client: any TestClientProtocol, _ email: String) async throws -> (String, String) {
        let cookie =
            "rehab_session="
            + (try #require(Self.cookie("rehab_session", in: try await login(client, email: email, password: password))))
        let form = try await client.execute(uri: "/check", method: .get, headers: [.cookie: cookie])
        #expect(form.status == .ok)
        return (cookie, try #require(csrf(in: form)))
    }

    @Test(
        "A trust checks a file, reads its findings, downloads its workbook and submits exactly those bytes; another trust finds none of it"
    )
    func checkAndSubmit() async throws {
        let db = try Self.database()
        let url = try db.url()
        let folder = try TestFixtures.folder()
        let sample = "\(TestFixtures.root)/sample-data/inbox"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(sample)/RY2_referrals_2025-09.csv"))
        try await Self.serve(db, folder: folder) { client in
            let (cookie, csrf) = try await Self.session(client, "analyst@ry2.nhs.uk")
            var (headers, body) = Self.upload("RY2_referrals_2025-09.csv", bytes, csrf: csrf)
            headers[.cookie] = cookie
            let checked = try await client.execute(uri: "/check", method: .post, headers: headers, body: body)
            #expect(checked.status == .seeOther)
            let location = try #require(checked.headers[.location])
            #expect(location.hasPrefix("/checks/") && location.count == 8 + 32)

            let result = try await Self.finished(client, location, cookie: cookie)
            let page = String(buffer: result.body)
            #expect(page.contains("accepted with warnings"))
            #expect(page.contains("RY2_referrals_2025-09.xlsx") && page.contains("RY2_referrals_2025-09.findings.csv"))
            let workbook = try await client.execute(
                uri: "\(location)/files/RY2_referrals_2025-09.xlsx",
                method: .get,
                headers: [.cookie: cookie]
            )
            #expect(workbook.status == .ok)
            #expect(workbook.headers[.contentDisposition]?.contains("attachment") == true)
            #expect(workbook.body.getBytes(at: 0, length: 2) == Array("PK".utf8))
            let report = try await client.execute(
                uri: "\(location)/files/RY2_referrals_2025-09.html",
                method: .get,
                headers: [.cookie: cookie]
            )
            #expect(report.status == .ok && String(buffer: report.body).contains("RY2_referrals_2025-09.csv"))
            #expect(report.headers[.contentSecurityPolicy]?.contains("script") == false)
            // Report names cannot walk out of the check's folder.
            for name in ["..%2F..%2Fetc%2Fpasswd", "RY2_referrals_2025-09.csv", "other.xlsx"] {
                let walk = try await client.execute(
                    uri: "\(location)/files/\(name)",
                    method: .get,
                    headers: [.cookie: cookie]
                )
                #expect(walk.status == .notFound, "\(name)")
            }

            // Another trust's user: the check, its reports and its submit are not there, as for one that does not exist.
            let (other, otherCSRF) = try await Self.session(client, "analyst@rdr.nhs.uk")
            for path in [
                location, "\(location)/files/RY2_referrals_2025-09.xlsx",
                "/checks/" + String(repeating: "0", count: 32),
            ] {
                #expect(
                    try await client.execute(uri: path, method: .get, headers: [.cookie: other]).status == .notFound,
                    "\(path)"
                )
            }
            let foreign = try await client.execute(
                uri: "\(location)/submit",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: other],
                body: Self.form(["csrf": otherCSRF])
            )
            #expect(foreign.status == .notFound)
            // ... nor may it check a file named for RY2.
            var (rdrHeaders, rdrBody) = Self.upload("RY2_referrals_2025-09.csv", bytes, csrf: otherCSRF)
            rdrHeaders[.cookie] = other
            let named = try await client.execute(uri: "/check", method: .post, headers: rdrHeaders, body: rdrBody)
            #expect(named.status == .forbidden && String(buffer: named.body).contains("not your trust"))

            // Submitting needs the session's token; then exactly the checked bytes wait in the inbox.
            let forged = try await client.execute(
                uri: "\(location)/submit",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookie],
                body: Self.form(["csrf": "guess"])
            )
            #expect(forged.status == .forbidden)
            #expect(!FileManager.default.fileExists(atPath: "\(folder)/inbox/RY2_referrals_2025-09.csv"))
            let submitted = try await client.execute(
                uri: "\(location)/submit",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookie],
                body: Self.form(["csrf": csrf])
            )
            #expect(submitted.status == .seeOther)
            #expect(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/inbox/RY2_referrals_2025-09.csv")) == bytes)
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: "\(folder)/inbox") == ["RY2_referrals_2025-09.csv"]
            )
            let after = String(
                buffer: try await client.execute(uri: location, method: .get, headers: [.cookie: cookie]).body
            )
            #expect(after.contains("Submitted at") && !after.contains("<button type=\"submit\">Submit"))

            let c = try Connection(url)
            let events = try c.query(
                "SELECT event FROM audit.portal_events WHERE actor = 'user:analyst@ry2.nhs.uk' AND event NOT LIKE 'log%' ORDER BY event_id"
            ).rows.map { $0[0] ?? "" }
            #expect(events == ["check", "download", "download", "submission"])
        }
    }

    @Test("An upload over max_upload is refused with 413 and leaves nothing behind")
    func tooLarge() async throws {
        let db = try Self.database()
        let folder = try TestFixtures.folder()
        try await Self.serve(db, folder: folder, maxUpload: 1 << 20) { client in
            let (cookie, csrf) = try await Self.session(client, "analyst@ry2.nhs.uk")
            var (headers, body) = Self.upload("RY2_referrals_2025-09.csv", Data(count: 3 << 20), csrf: csrf)
            headers[.cookie] = cookie
            let response = try await client.execute(uri: "/check", method: .post, headers: headers, body: body)
            #expect(response.status == .contentTooLarge)
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(folder)/checks").isEmpty)
        }
    }

    @Test(
        "A check waiting for a validator says how many are ahead of it and cannot be submitted; a restart ends it with a reason"
    )
    func queued() async throws {
        let db = try Self.database()
        let url = try db.url()
        let c = try Connection(url)
        let ids = ["a", "b", "c"].map { String(repeating: $0, count: 32) }
        _ = try c.query(
            """
            INSERT INTO portal.checks (check_id, org_code, actor, file_name, bytes, sha256, status, rows_read,
                rows_quarantined, checked_at)
            VALUES ($1, 'RDR', 'user:x', 'RDR_referrals_2025-09.csv', 1, repeat('0', 64), 'validating', 0, 0,
                    now() - interval '2 minutes'),
                ($2, 'RDR', 'user:x', 'RDR_contacts_2025-09.csv', 1, repeat('0', 64), 'queued', 0, 0,
                    now() - interval '1 minute'),
                ($3, 'RY2', 'user:y', 'RY2_contacts_2025-09.csv', 1, repeat('0', 64), 'queued', 0, 0, now())
            """,
            ids
        )
        let folder = try TestFixtures.folder()
        try await Self.serve(db, folder: folder) { client in
            let (cookie, csrf) = try await Self.session(client, "analyst@ry2.nhs.uk")
            let c = try Connection(url)
            let location = "/checks/\(ids[2])"
            func page() async throws -> String {
                String(buffer: try await client.execute(uri: location, method: .get, headers: [.cookie: cookie]).body)
            }
            func state() async throws -> String {
                String(
                    buffer: try await client.execute(uri: "\(location)/state", method: .get, headers: [.cookie: cookie])
                        .body
                )
            }
            let waiting = try await page()
            #expect(waiting.contains("Waiting for a validator: 2 checks ahead of it."))
            #expect(waiting.contains("<script src=\"/portal.js\" defer></script>"))
            #expect(!waiting.contains("Submit RY2_contacts"))
            #expect(try await state().contains("\"done\":false"))
            // Submitting it does nothing until it has finished.
            let submit = try await client.execute(
                uri: "\(location)/submit",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookie],
                body: Self.form(["csrf": csrf])
            )
            #expect(submit.status == .seeOther)
            #expect(try c.query("SELECT count(*) FROM portal.checks WHERE submitted_at IS NOT NULL").scalar == "0")
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(folder)/inbox").isEmpty)
            // The check being validated finishes: one ahead.
            _ = try c.query("UPDATE portal.checks SET status = 'accepted' WHERE check_id = $1", [ids[0]])
            #expect(try await page().contains("Waiting for a validator: 1 check ahead of it."))
            // Another trust's user cannot follow it.
            let (other, _) = try await Self.session(client, "analyst@rdr.nhs.uk")
            let foreign = try await client.execute(uri: "\(location)/state", method: .get, headers: [.cookie: other])
            #expect(foreign.status == .notFound)
            // A restart ends the two left waiting, and their pages say why.
            #expect(try PortalServer.endInterruptedChecks(connection: c) == 2)
            let ended = try await page()
            #expect(ended.contains("The portal was restarted before the check finished. Check the file again."))
            #expect(!ended.contains("portal.js"))
            #expect(try await state().contains("\"done\":true"))
            let script = try await client.execute(uri: "/portal.js", method: .get)
            #expect(script.status == .ok && script.headers[.contentType]?.hasPrefix("text/javascript") == true)
            #expect(String(buffer: script.body).contains("data-state"))
        }
    }

    @Test(
        "The API: a token checks and submits a file, lists and fetches its reports; another trust's token finds nothing"
    )
    func api() async throws {
        let db = try Self.database()
        let url = try db.url()
        let folder = try TestFixtures.folder()
        let c = try Connection(url)
        let ry2 = try PortalDirectory.addToken(org: "RY2", label: "EPR", by: "test", connection: c).text
        let rdr = try PortalDirectory.addToken(org: "RDR", label: nil, by: "test", connection: c).text
        let sample = "\(TestFixtures.root)/sample-data/inbox"
        let workforce = try Data(contentsOf: URL(fileURLWithPath: "\(sample)/RY2_workforce_2025-09.csv"))
        try await Self.serve(db, folder: folder) { client in
            let document = try await client.execute(uri: "/api/openapi.yaml", method: .get)
            // The document the server was generated from, byte for byte, from the executable, not the checkout.
            let source = try String(
                contentsOfFile: "\(TestFixtures.root)/Sources/RehabAPI/openapi.yaml",
                encoding: .utf8
            )
            #expect(document.status == .ok && String(buffer: document.body) == source)
            #expect(source.hasPrefix("openapi: 3.1.0"))

            func post(_ path: String, _ token: String?, _ bytes: Data) async throws -> TestResponse {
                var headers: HTTPFields = [.contentType: "application/octet-stream"]
                if let token { headers[.authorization] = "Bearer \(token)" }
                return try await client.execute(
                    uri: path,
                    method: .post,
                    headers: headers,
                    body: ByteBuffer(bytes: bytes)
                )
            }
            func get(_ path: String, _ token: String) async throws -> TestResponse {
                try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer \(token)"])
            }
            func json(_ response: TestResponse) throws -> Any {
                try JSONSerialization.jsonObject(with: Data(buffer: response.body))
            }

            let checkPath = "/api/v1/checks?name=RY2_workforce_2025-09.csv"
            #expect(try await post(checkPath, nil, workforce).status == .unauthorized)
            #expect(try await post(checkPath, "000000000000.nope", workforce).status == .unauthorized)
            let checked = try await post(checkPath, ry2, workforce)
            #expect(checked.status == .ok)
            let check = try #require(try json(checked) as? [String: Any])
            #expect(check["file"] as? String == "RY2_workforce_2025-09.csv")
            #expect(check["rows_read"] as? Int == 60 && check["rows_quarantined"] as? Int == 1)
            #expect((check["report"] as? [String: Any])?["status"] as? String == check["status"] as? String)
            #expect(!FileManager.default.fileExists(atPath: "\(folder)/inbox/RY2_workforce_2025-09.csv"))

            let submitted = try await post("/api/v1/submissions?name=RY2_workforce_2025-09.csv", ry2, workforce)
            #expect(submitted.status == .created)
            let id = try #require((try json(submitted) as? [String: Any])?["id"] as? String)
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: "\(folder)/inbox/RY2_workforce_2025-09.csv")) == workforce
            )
            #expect(
                try await post("/api/v1/submissions?name=RY2_workforce_2025-09.csv", ry2, workforce).status == .conflict
            )

            let listed = try #require(
                try json(try await get("/api/v1/submissions?period=2025-09", ry2)) as? [[String: Any]]
            )
            #expect(listed.map { $0["id"] as? String } == [id])
            // The test database already holds the sample month: these very bytes have been loaded.
            #expect(listed.first?["loaded"] as? Bool == true)
            #expect(try await get("/api/v1/submissions?period=2025-13", ry2).status == .badRequest)
            let workbook = try await get("/api/v1/submissions/\(id)/reports/RY2_workforce_2025-09.xlsx", ry2)
            #expect(workbook.status == .ok && workbook.body.getBytes(at: 0, length: 2) == Array("PK".utf8))
            let stored = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/checks/\(id)/RY2_workforce_2025-09.xlsx"))
            #expect(Data(workbook.body.readableBytesView) == stored)
            #expect(
                try await get("/api/v1/submissions/\(id)/reports/RY2_workforce_2025-09.csv", ry2).status == .notFound
            )
            #expect(try await get("/api/v1/submissions/\(id)/reports/..%2Fnightly.yaml", ry2).status == .notFound)

            // RDR's token: RY2's submission, its reports and its month are not there; nor may it send RY2's file.
            #expect(
                try await get("/api/v1/submissions/\(id)/reports/RY2_workforce_2025-09.xlsx", rdr).status == .notFound
            )
            #expect((try json(try await get("/api/v1/submissions?period=2025-09", rdr)) as? [Any])?.isEmpty == true)
            #expect(try await post(checkPath, rdr, workforce).status == .forbidden)
            #expect(try await post("/api/v1/checks?name=..%2Fetc%2Fx.csv", ry2, workforce).status == .badRequest)

            // A revoked token is no token.
            try PortalDirectory.revokeToken(id: String(ry2.prefix(12)), by: "test", connection: try Connection(url))
            #expect(try await get("/api/v1/submissions?period=2025-09", ry2).status == .unauthorized)
        }
    }

    @Test("An API upload whose length is over max_upload is refused with 413 before it is read")
    func apiTooLarge() async throws {
        let db = try Self.database()
        let folder = try TestFixtures.folder()
        let token = try PortalDirectory.addToken(org: "RY2", label: nil, by: "test", connection: try db.connect()).text
        try await Self.serve(db, folder: folder, maxUpload: 1 << 20) { client in
            let response = try await client.execute(
                uri: "/api/v1/checks?name=RY2_referrals_2025-09.csv",
                method: .post,
                headers: [.authorization: "Bearer \(token)", .contentType: "application/octet-stream"],
                body: ByteBuffer(bytes: [UInt8](repeating: 65, count: 2 << 20))
            )
            #expect(response.status == .contentTooLarge)
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(folder)/checks").isEmpty)
        }
    }

    @Test("A client that stops sending mid-request is cut off after client_timeout")
    func slowClient() async throws {
        let db = try Self.database()
        try await Self.serve(db, clientTimeout: .seconds(1)) { client in
            let port = try #require(client.port)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            try #require(fd >= 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            try #require(connected == 0)
            // Half a request, then silence; the wait for the server's answer blocks a thread, so it waits on one of
            // its own, not on the executor the server shares with this test.
            let (read, waited) = await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    let partial = Array("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n".utf8)
                    _ = partial.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                    var limit = timeval(tv_sec: 10, tv_usec: 0)
                    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
                    let started = Date()
                    var buffer = [UInt8](repeating: 0, count: 512)
                    let read = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    continuation.resume(returning: (read, Date().timeIntervalSince(started)))
                }
            }
            #expect(read == 0, "the server closed the connection")
            #expect(waited >= 0.8 && waited < 8, "after about a second, not \(waited) s")
        }
    }
}

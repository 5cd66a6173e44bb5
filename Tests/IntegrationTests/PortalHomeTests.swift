import Foundation
import HTTPTypes
import HummingbirdTesting
import RehabDatabase
import RehabPipeline
import RehabTestSupport
import Testing

/// The home pages: a trust's period (what was expected and what arrived, its score chart, its night's reports, its
/// published figures beside its ICB's and England's) and a central user's list of every trust, most urgent first.
@Suite("The portal's home pages", .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"))
struct PortalHomeTests {
    static let cookie = PortalServerTests.cookie

    /// Logs in and returns the session cookie's header value.
    static func session(_ client: any TestClientProtocol, _ email: String) async throws -> String {
        let response = try await PortalServerTests.login(client, email: email, password: PortalServerTests.password)
        return "rehab_session=\(try #require(cookie("rehab_session", response)))"
    }

    static func page(_ client: any TestClientProtocol, _ uri: String, _ session: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: [.cookie: session])
    }

    @Test(
        "A trust sees what was due and how each file arrived, its score chart, reports and published figures; a central user sees the trust with nothing sent first"
    )
    func homePages() async throws {
        let db = try PortalServerTests.database()
        let url = try db.url()
        let c = try Connection(url)
        // A trust of RY2's ICB that was due to send everything and sent only a contacts file that was rejected.
        let late = try #require(
            try c.query(
                """
                SELECT trust_ods FROM reference.trust
                WHERE icb_ods = (SELECT icb_ods FROM reference.trust WHERE trust_ods = 'RY2')
                    AND trust_ods NOT IN ('RY2', 'RDR', 'R1D')
                ORDER BY trust_ods LIMIT 1
                """
            ).scalar
        )
        for org in ["RY2", "RDR", "R1D", late] {
            for kind in ["referrals", "contacts", "workforce"] {
                _ = try c.query(
                    "INSERT INTO reference.expected_submissions (org_code, kind, period_from) VALUES ($1, $2, '2025-09-01')",
                    [org, kind]
                )
            }
        }
        let folder = try TestFixtures.folder()
        let broken = "\(folder)/\(late)_contacts_2025-09.csv"
        try "not,the,contract\n1,2,3\n".write(toFile: broken, atomically: true, encoding: .utf8)
        _ = try TestFixtures.load([broken], into: db)
        #expect(
            try c.query("SELECT status FROM audit.submissions WHERE file_name = $1", ["\(late)_contacts_2025-09.csv"])
                .scalar == "rejected"
        )
        _ = try AnalyseJob.run(database: url, repetitions: 200, seed: 1, logger: TestFixtures.logger)

        // RY2's contacts came through the portal, its workforce through MESH; a newer referrals file waits.
        func sha(_ file: String) throws -> String {
            try #require(try c.query("SELECT sha256 FROM audit.submissions WHERE file_name = $1", [file]).scalar)
        }
        _ = try c.query(
            """
            INSERT INTO portal.checks (check_id, org_code, actor, file_name, bytes, sha256, status, rows_read,
                rows_quarantined, submitted_at, submitted_by)
            VALUES (md5('a'), 'RY2', 'user:a', 'RY2_contacts_2025-09.csv', 1, $1, 'accepted', 1, 0, now(), 'user:a'),
                (md5('b'), 'RY2', 'user:a', 'RY2_referrals_2025-09.csv', 1, repeat('ab', 32), 'accepted', 1, 0,
                 now(), 'user:a')
            """,
            [try sha("RY2_contacts_2025-09.csv")]
        )
        _ = try c.query(
            "INSERT INTO audit.mesh_messages (message_id, sha256, outcome) VALUES ('m1', $1, 'collected')",
            [try sha("RY2_workforce_2025-09.csv")]
        )
        // The night's reports in RY2's outbox folder: two of September's, one of August's, one hidden file.
        let outbox = "\(folder)/outbox/RY2"
        try FileManager.default.createDirectory(atPath: outbox, withIntermediateDirectories: true)
        for name in [
            "RY2_referrals_2025-09.html", "RY2_2025-09.quality.html", "RY2_referrals_2025-08.html", ".RY2_2025-09.html",
        ] {
            try "<p>\(name)</p>".write(toFile: "\(outbox)/\(name)", atomically: true, encoding: .utf8)
        }
        // A quarantine file of several read chunks, to come back byte for byte.
        let large = (0..<40_000).map { "row \($0),field,\($0 % 7)\n" }.joined()
        try large.write(toFile: "\(outbox)/RY2_referrals_2025-09.quarantine.csv", atomically: true, encoding: .utf8)

        try await PortalServerTests.serve(db, folder: folder) { client in
            let ry2 = try await Self.session(client, "analyst@ry2.nhs.uk")
            let home = try await Self.page(client, "/", ry2)
            #expect(home.status == .ok)
            let html = String(buffer: home.body)
            #expect(html.contains("Expected for September 2025, and what arrived"))
            #expect(html.contains("<td>folder</td><td>RY2_referrals_2025-09.csv</td>"))
            #expect(html.contains("<td>portal</td><td>RY2_contacts_2025-09.csv</td>"))
            #expect(html.contains("<td>MESH</td><td>RY2_workforce_2025-09.csv</td>"))
            #expect(html.contains("a newer file is waiting for tonight's run"))
            #expect(html.contains("<svg") && html.contains("Data-quality score of RY2, month by month"))
            #expect(html.contains("RY2 beside its ICB and England, September 2025"))
            // RY2 sent all three; its ICB's two trusts sent three of six; England's four sent nine of twelve.
            #expect(
                html.contains(
                    "<th scope=\"row\">Expected extracts received</th><td class=\"number\">100.0%</td>"
                        + "<td class=\"number\">50.0%</td><td class=\"number\">75.0%</td>"
                )
            )
            #expect(html.contains("Referrals by deprivation in NHS Cheshire and Merseyside Integrated Care Board"))
            // The published figures are read once a refresh: changed without one, the page keeps them; once a
            // refresh is recorded, the page reads them again.
            let writer = try Connection(url)
            _ = try writer.query(
                "UPDATE published.completeness_trust SET coverage = 0.5 WHERE org_code = 'RY2' AND period = '2025-09-01'"
            )
            let coverage = "<th scope=\"row\">Expected extracts received</th><td class=\"number\">"
            #expect(String(buffer: try await Self.page(client, "/", ry2).body).contains(coverage + "100.0%"))
            _ = try writer.query("UPDATE audit.analysis_state SET refreshed_at = now() + interval '1 minute'")
            #expect(String(buffer: try await Self.page(client, "/", ry2).body).contains(coverage + "50.0%"))
            // The reports of the period, the quality page first; not August's, not a hidden file.
            let quality = try #require(html.range(of: "/trusts/RY2/reports/RY2_2025-09.quality.html"))
            let referrals = try #require(html.range(of: "/trusts/RY2/reports/RY2_referrals_2025-09.html"))
            #expect(quality.lowerBound < referrals.lowerBound)
            #expect(html.contains("RY2_referrals_2025-09.html\">HTML</a>"))
            #expect(!html.contains("2025-08.html") && !html.contains(".RY2_2025-09"))

            let report = try await Self.page(client, "/trusts/RY2/reports/RY2_referrals_2025-09.html", ry2)
            #expect(report.status == .ok && String(buffer: report.body) == "<p>RY2_referrals_2025-09.html</p>")
            #expect(report.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true)
            let quarantine = try await Self.page(
                client,
                "/trusts/RY2/reports/RY2_referrals_2025-09.quarantine.csv",
                ry2
            )
            #expect(quarantine.body.readableBytes > 256 << 10 && String(buffer: quarantine.body) == large)
            #expect(quarantine.headers[HTTPField.Name("Content-Disposition")!]?.contains("attachment") == true)
            for uri in [
                "/trusts/RY2/reports/.RY2_2025-09.html", "/trusts/RY2/reports/..%2F..%2Fetc%2Fpasswd",
                "/trusts/RY2/reports/RY2_missing_2025-09.html", "/trusts/RDR", "/trusts/ry2%2F..",
            ] {
                #expect(try await Self.page(client, uri, ry2).status == .notFound, "\(uri)")
            }
            #expect(try await Self.page(client, "/?period=2025-13", ry2).status == .badRequest)

            // Another trust finds none of it, exactly as if it did not exist.
            let rdr = try await Self.session(client, "analyst@rdr.nhs.uk")
            for uri in ["/trusts/RY2", "/trusts/RY2/reports/RY2_referrals_2025-09.html"] {
                let answer = try await Self.page(client, uri, rdr)
                #expect(answer.status == .notFound, "\(uri)")
                #expect(!String(buffer: answer.body).contains("RY2_referrals"))
            }

            // The central lead: the late trust first, with its two missing extracts and its rejected one.
            let lead = try await Self.session(client, "lead@england.nhs.uk")
            let overview = String(buffer: try await Self.page(client, "/", lead).body)
            #expect(overview.contains("2 missing, 1 rejected"))
            let first = try #require(overview.range(of: "href=\"/trusts/\(late)?period=2025-09\""))
            for org in ["R1D", "RDR", "RY2"] {
                let row = try #require(overview.range(of: "href=\"/trusts/\(org)?period=2025-09\""))
                #expect(first.lowerBound < row.lowerBound, "\(late) before \(org)")
            }
            let latePage = try await Self.page(client, "/trusts/\(late)?period=2025-09", lead)
            #expect(latePage.status == .ok)
            let lateHTML = String(buffer: latePage.body)
            #expect(lateHTML.contains("state-rejected") && lateHTML.contains("state-missing"))
        }
        let downloads = try c.query(
            """
            SELECT detail FROM audit.portal_events WHERE event = 'download' AND actor = 'user:analyst@ry2.nhs.uk'
            ORDER BY event_id
            """
        ).rows.map { $0[0] ?? "" }
        #expect(downloads == ["RY2_referrals_2025-09.html", "RY2_referrals_2025-09.quarantine.csv"])
    }
}

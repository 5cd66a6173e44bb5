import Foundation
import RehabAnalyse
import RehabCore
import RehabDatabase
import RehabPipeline
import RehabTestSupport
import Testing

@testable import RehabAnalyse
@testable import RehabReport

@Suite(
    "Analyse, national report and data dictionary",
    .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh")
)
struct GapReportTests {
    @Test("rehabcount analyse fills the SII and RII limits around the estimates stats.sii gives")
    func simulatedLimits() throws {
        let db = try TestFixtures.database()
        _ = try TestFixtures.load(TestFixtures.inbox, into: db)
        let summary = try AnalyseJob.run(
            database: try db.url(),
            repetitions: 20_000,
            seed: 7,
            logger: TestFixtures.logger
        )
        #expect(summary.tables.contains { $0.name == "analysis.access" && $0.rows > 0 })
        #expect(summary.simulated > 0)
        let c = try db.connect()
        let rows = try c.query(
            """
            SELECT i.sii, i.sii_lower, i.sii_upper, i.rii, i.rii_lower, i.rii_upper,
                   array_agg(a.dsr ORDER BY a.imd_quintile)::text, array_agg(a.population ORDER BY a.imd_quintile)::text
            FROM analysis.inequality i JOIN analysis.access a USING (period, icb_ods, service_line)
            WHERE i.sii IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6
            """
        ).rows
        #expect(rows.count == summary.simulated)
        for row in rows {
            let value = row.map { $0.flatMap(Double.init) }
            let (sii, low, high) = (try #require(value[0]), try #require(value[1]), try #require(value[2]))
            #expect(low < sii && sii < high)
            if let rii = value[3] { #expect(try #require(value[4]) < rii && rii < (try #require(value[5]))) }
            // The Swift estimator and stats.sii agree on the point estimate.
            let dsr = AnalysisRefresh.numbers(row[6]).compactMap { $0 }
            let population = AnalysisRefresh.numbers(row[7]).compactMap { $0 }
            let estimate = try #require(InequalityIndex.estimate(values: dsr, populations: population))
            #expect(abs(estimate.sii - sii) <= 1e-6 * max(1, abs(sii)))
        }
        // The published view shows them too, and a second refresh gives the same limits (fixed seed).
        let published = try c.query("SELECT count(*) FROM published.inequality WHERE sii_lower IS NOT NULL").scalar
        #expect(published != "0")
        let before = try c.query(
            "SELECT string_agg(sii_lower::text, ',' ORDER BY icb_ods, service_line) FROM analysis.inequality"
        ).scalar
        _ = try AnalyseJob.run(database: try db.url(), repetitions: 20_000, seed: 7, logger: TestFixtures.logger)
        #expect(
            try c.query(
                "SELECT string_agg(sii_lower::text, ',' ORDER BY icb_ods, service_line) FROM analysis.inequality"
            ).scalar == before
        )
    }

    @Test("analyse --period refreshes the month asked for, and refuses a month with nothing on record")
    func periodOption() throws {
        let db = try TestFixtures.database()
        _ = try TestFixtures.load(TestFixtures.inbox, into: db)
        let error = try #require(throws: RehabError.self) {
            try AnalyseJob.run(
                database: try db.url(),
                periods: [Period("2024-01")!],
                repetitions: 1_000,
                seed: 1,
                logger: TestFixtures.logger
            )
        }
        #expect(error.code == .noData && error.message.contains("2024-01"))
        #expect(error.hint == "Months on record: 2025-09.")
        let summary = try AnalyseJob.run(
            database: try db.url(),
            periods: [Period("2025-09")!],
            repetitions: 1_000,
            seed: 1,
            logger: TestFixtures.logger
        )
        #expect(summary.periods == [Period("2025-09")!] && summary.simulated > 0)
        // The month's submissions are now analysed: a night would have nothing to catch up.
        let c = try db.connect()
        #expect(try c.query("SELECT bool_and(analysed_at IS NOT NULL) FROM audit.submissions").scalar == "t")
    }

    /// The sample month loaded, analysed and written as the national report of published figures, into `folder`.
    static func sampleReport(_ db: borrowing TestDatabase, into folder: String) throws -> NationalReportJob.Written {
        _ = try TestFixtures.load(TestFixtures.inbox, into: db)
        _ = try AnalyseJob.run(database: try db.url(), repetitions: 1_000, seed: 1, logger: TestFixtures.logger)
        return try NationalReportJob.run(
            database: try db.url(),
            source: "published",
            period: nil,
            outputDirectory: folder,
            logger: TestFixtures.logger
        )
    }

    @Test("The national report is one self-contained page and a CSV per table, from published by default")
    func nationalReport() throws {
        let db = try TestFixtures.database()
        let out = try TestFixtures.folder()
        let written = try GapReportTests.sampleReport(db, into: out)
        #expect(written.period == "2025-09-01")
        let html = try String(contentsOfFile: written.page, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        // Nothing loads from elsewhere: no script, no source, no address but the SVG namespace.
        let offline = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        for forbidden in ["<script", "http://", "https://", "src="] {
            #expect(!offline.contains(forbidden), "\(forbidden)")
        }
        #expect(html.contains("cleared for sharing"))
        #expect(html.components(separatedBy: "<svg").count - 1 >= 5)
        // Every table, each month's rates for the ICB pages, the SPC series, each trust's score variation, its items
        // beside the national and peer figures and its rule failures, and the two funnels' limits.
        let offered = try NationalFiguresReader.measures(try db.connect()).filter(\.inReport)
        #expect(offered.map(\.name).contains("access") && offered.count >= 8)
        #expect(written.csvFiles.count == offered.count + 7)
        #expect(offered.allSatisfy { m in written.csvFiles.contains { $0.hasSuffix("/\(m.name).csv") } })
        // Each download says what it is, from the manifest.
        let accessMeasure = try #require(offered.first { $0.name == "access" })
        #expect(html.contains("access.csv</a> \u{2014} \(accessMeasure.title) ("))
        let spc = try String(
            contentsOfFile: try #require(written.csvFiles.first { $0.hasSuffix("/spc.csv") }),
            encoding: .utf8
        ).split(separator: "\r\n")
        // England's four series of one month first, then each ICB's from its published counts.
        #expect(spc.dropFirst().prefix(4).allSatisfy { $0.hasPrefix("E92000001,England,") })
        #expect(spc.dropFirst(5).allSatisfy { !$0.hasPrefix("E92000001") } && spc.count > 5)
        #expect(
            html.contains("England month by month") && html.contains("Latest complete month: common-cause variation")
        )
        let funnel = try String(
            contentsOfFile: try #require(written.csvFiles.first { $0.hasSuffix("/funnel_outcome_recorded.csv") }),
            encoding: .utf8
        )
        #expect(funnel.split(separator: "\r\n").count == 101)
        #expect(html.contains("Outcome recording by trust: funnel plot") && html.contains("stroke-dasharray=\"1 2\""))
        // ICBs' referral rates in a funnel: a dot for each ICB whose five quintiles are published, and the limits.
        let rateFunnel = try String(
            contentsOfFile: try #require(written.csvFiles.first { $0.hasSuffix("/funnel_icb_referral_rate.csv") }),
            encoding: .utf8
        )
        #expect(rateFunnel.split(separator: "\r\n").count == 101)
        #expect(html.contains("New referral rates by ICB: funnel plot") && html.contains("per 100,000 of "))

        // The CSV is the published table: every count suppressed or a multiple of 5.
        let c = try db.connect()
        let access = try String(
            contentsOfFile: try #require(written.csvFiles.first { $0.hasSuffix("/access.csv") }),
            encoding: .utf8
        )
        let lines = access.split(separator: "\r\n")
        #expect(
            lines.count - 1
                == Int(try c.query("SELECT count(*) FROM published.access WHERE period = '2025-09-01'").scalar ?? "")
        )
        // Names are quoted where they hold commas: split as CSV.
        let header = FunnelTests.fields(String(lines[0]))
        let referrals = try #require(header.firstIndex(of: "new_referrals"))
        for line in lines.dropFirst() {
            let value = FunnelTests.fields(String(line))[referrals]
            #expect(value.isEmpty || Int(value).map { $0 % 5 == 0 } == true, "\(value)")
        }

        // England's headline figures first: its referrals are the published quintiles' sum.
        let englandReferrals = try #require(
            try c.query(
                """
                SELECT to_char(sum(new_referrals), 'FM999,999,999') FROM published.access
                WHERE period = '2025-09-01' AND icb_ods = 'E92000001' AND service_line = 'all'
                """
            ).scalar
        )
        #expect(html.contains("<h2>England this month</h2>"))
        #expect(html.contains("<dt>New referrals (received in the month)</dt><dd>\(englandReferrals)</dd>"))
        #expect(html.range(of: "England this month")!.lowerBound < html.range(of: "for each ICB")!.lowerBound)

        // A page per ICB, linked from the index, with its quintiles beside England's and its trusts by name.
        let icbs = try c.query(
            "SELECT DISTINCT icb_ods FROM published.access WHERE period = '2025-09-01' AND icb_ods <> 'E92000001'"
        ).rows.compactMap { $0[0] }
        #expect(written.icbPages.count == icbs.count && icbs.count >= 3)
        for icb in icbs {
            #expect(html.contains("href=\"national-gap-report-2025-09-icb/\(icb).html\""), "\(icb)")
        }
        let qyg = try String(
            contentsOfFile: try #require(written.icbPages.first { $0.hasSuffix("/QYG.html") }),
            encoding: .utf8
        )
        #expect(qyg.contains("Cheshire and Merseyside (QYG): community rehabilitation, September 2025"))
        #expect(qyg.contains("This month by deprivation quintile") && qyg.contains("Q1 (most deprived)"))
        #expect(qyg.contains("The gap between the most and least deprived fifths"))
        // Each measure beside England's with its comparison and spine, and England's waits, outcomes and Core20 by
        // quintile on the index.
        #expect(qyg.contains("<h2>Against England</h2>") && qyg.contains("<table class=\"data spine\">"))
        #expect(qyg.contains("Discharges with an outcome recorded") && qyg.contains("to England"))
        #expect(html.contains("Waits, outcomes and Core20 by deprivation quintile, England"))
        #expect(
            html.contains("Core20: ") && html.contains("of England&#39;s new referrals come from the most deprived")
        )
        // Its trusts' data quality: items against England and the rules behind the scores, by name.
        #expect(qyg.contains("Data items below the national figure") && qyg.contains("The rules behind the scores"))
        #expect(qyg.contains("<th scope=\"row\">Bridgewater Community Healthcare NHS Foundation Trust (RY2)</th>"))
        // Its own SPC charts, from its published counts: one per series it has.
        let qygSeries = try c.query(
            "SELECT count(DISTINCT series) FROM published.spc WHERE icb_ods = 'QYG' AND org_code = ''"
        ).scalar
        #expect(qygSeries != "0")
        #expect(
            qyg.contains("Month by month: statistical process control")
                && String(qyg.components(separatedBy: "<figure>").count - 1) == qygSeries
        )
        #expect(qyg.contains("(RY2)") && qyg.contains("href=\"../national-gap-report-2025-09.html\""))
        // Each trust's score read as a Making Data Count series: one month so far.
        #expect(qyg.contains("<th>Score month by month</th>") && qyg.contains("<td>first month</td>"))

        // Names beside codes, and no figure with more than 4 decimal places.
        let icb = try #require(header.firstIndex(of: "icb_ods"))
        #expect(header[icb + 1] == "icb_name")
        #expect(access.contains(",E92000001,England,") && access.contains(",QYG,NHS Cheshire and Merseyside"))
        #expect(access.contains(",QOC,\"NHS Shropshire, Telford and Wrekin Integrated Care Board\","))
        let trusts = try String(
            contentsOfFile: try #require(written.csvFiles.first { $0.hasSuffix("/completeness_trust.csv") }),
            encoding: .utf8
        )
        #expect(trusts.hasPrefix("period,org_code,trust_name,icb_ods,icb_name,"))
        for file in written.csvFiles {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(
                text.range(of: #"(^|,)-?\d+\.\d{5,}(,|\r)"#, options: .regularExpression) == nil,
                "\(file) has a figure with more than 4 decimal places"
            )
        }
        #expect(NationalReport.rounded("1.431637177326875695200000") == "1.4316")
        #expect(NationalReport.rounded("-0.0004") == "-0.0004" && NationalReport.rounded("12.5") == "12.5")
        #expect(
            NationalReport.rounded("-2.718281") == "-2.7183"
                && NationalReport.rounded("trust 1.123456") == "trust 1.123456"
        )

        // A role that may read only published still gets the report (ICB codes instead of names).
        try c.query("CREATE ROLE report_reader LOGIN IN ROLE rehab_public")
        let url = try db.url()
        let publicURL =
            url.hasPrefix("postgres")
            ? url.replacingOccurrences(of: "://rehabcount@", with: "://report_reader@") : url + " user=report_reader"
        let publicOut = try TestFixtures.folder()
        let publicPage = try NationalReportJob.run(
            database: publicURL,
            source: "published",
            period: nil,
            outputDirectory: publicOut,
            logger: TestFixtures.logger
        )
        #expect(try String(contentsOfFile: publicPage.page, encoding: .utf8).contains("Data completeness"))
        #expect(throws: DatabaseError.self) {
            try NationalReportJob.run(
                database: publicURL,
                source: "analysis",
                period: nil,
                outputDirectory: publicOut,
                logger: TestFixtures.logger
            )
        }
        try c.query("DROP OWNED BY report_reader")
        try c.query("DROP ROLE report_reader")
    }

    @Test(
        "A trust that did not send its referrals reads “not sent” in the completeness table, never the suppression mark"
    )
    func notSentIsNotSuppressed() throws {
        let db = try TestFixtures.database()
        _ = try TestFixtures.load(TestFixtures.inbox.filter { !$0.hasSuffix("RY2_referrals_2025-09.csv") }, into: db)
        _ = try AnalyseJob.run(database: try db.url(), repetitions: 100, seed: 1, logger: TestFixtures.logger)
        let written = try NationalReportJob.run(
            database: try db.url(),
            source: "published",
            period: nil,
            outputDirectory: try TestFixtures.folder(),
            logger: TestFixtures.logger
        )
        let html = try String(contentsOfFile: written.page, encoding: .utf8)
        // RY2's row, by name and code: coverage shown, its three recording shares not sent.
        let ry2 = try #require(
            html.components(separatedBy: "<tr>").first { $0.hasPrefix("<th>") && $0.contains(" (RY2)</th>") }
        )
        #expect(ry2.components(separatedBy: ">not sent<").count - 1 == 3)
        #expect(!ry2.contains(">s<"))
        #expect(html.contains("<strong>Not sent:</strong> RY2 referrals."))
        // England's figures are flagged as computed without one of the three referrals extracts.
        #expect(html.contains("incomplete: 2 of 3 expected referrals extracts loaded"))
        let c = try db.connect()
        #expect(
            try c.query(
                """
                SELECT DISTINCT referral_submissions_loaded || '/' || referral_submissions_expected || ' '
                       || round(referral_coverage, 3)
                FROM published.access WHERE icb_ods = 'E92000001'
                """
            ).rows == [["2/3 0.667"]]
        )
        #expect(
            try c.query(
                "SELECT DISTINCT round(referral_coverage, 3)::text FROM analysis.inequality WHERE icb_ods = 'E92000001'"
            )
            .rows == [["0.667"]]
        )
        // The published row says so: its recording figures were not sent, not suppressed.
        let note = try c.query("SELECT value_note FROM published.completeness_trust WHERE org_code = 'RY2'").scalar
        #expect(
            note?.hasPrefix("not sent: discharges, ethnicity_recorded") == true
                && note?.contains("suppressed") == false,
            "\(note ?? "")"
        )
        // Its CSV lists what is missing, by name.
        let csv = try String(
            contentsOfFile: try #require(written.csvFiles.first { $0.hasSuffix("/missing_submissions.csv") }),
            encoding: .utf8
        )
        #expect(csv.contains("RY2") && csv.contains("referrals") && csv.contains("not received"))
    }

    @Test("docs/data-dictionary.md is what `rehabcount db dictionary` writes, and every table and column has a comment")
    func dictionaryUpToDate() throws {
        let db = try TestFixtures.migrated()
        let generated = try DatabaseJob.dictionary(database: try db.url(), requireComments: true)
        let committed = try String(contentsOfFile: "\(TestFixtures.root)/docs/data-dictionary.md", encoding: .utf8)
        #expect(generated == committed, "regenerate it: rehabcount db dictionary --out docs/data-dictionary.md")
    }
}

import Foundation
import RehabAnalyse
import RehabCore
import RehabDatabase
import RehabPipeline
import RehabTestSupport
import Testing

/// A measure is declared once, in `published.measures`: what the analyst guide's "Adding a measure" promises.
@Suite("The manifest of measures", .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"))
struct MeasureManifestTests {
    @Test(
        "A new measure (its tables, its unit, one manifest row) is refreshed, named, published under disclosure control and offered by the report"
    )
    func newMeasure() throws {
        let db = try TestFixtures.database()
        _ = try TestFixtures.load(TestFixtures.inbox, into: db)
        let c = try db.connect()
        // The analyst guide's three edits, as an analyst would make them: the tables, a unit, a manifest row.
        try c.query(
            """
            CREATE TABLE analysis.self_referral (
                period date, icb_ods text, imd_quintile smallint, service_line text, referrals bigint, self_referrals bigint, self_referral_share numeric,
                self_referral_share_lower numeric, self_referral_share_upper numeric, mean_age numeric,
                icb_name text, PRIMARY KEY (period, icb_ods, imd_quintile, service_line))
            """
        )
        try c.query("CREATE TABLE published.self_referral (LIKE analysis.self_referral, value_note text)")
        try c.query(
            """
            CREATE FUNCTION analysis.refresh_self_referral(touched date[]) RETURNS void LANGUAGE sql AS $$
                DELETE FROM analysis.self_referral WHERE touched IS NULL OR period = ANY (touched);
                INSERT INTO analysis.self_referral (period, icb_ods, imd_quintile, service_line, referrals,
                                                    self_referrals, self_referral_share, mean_age)
                SELECT period, icb_ods, imd_quintile, service_line, count(*), count(*) FILTER (WHERE referral_source = 'self'),
                       count(*) FILTER (WHERE referral_source = 'self')::numeric / count(*), avg(age_at_referral)
                FROM core.referrals
                WHERE icb_ods IS NOT NULL AND (touched IS NULL OR period = ANY (touched))
                GROUP BY period, icb_ods, imd_quintile, service_line;
            $$
            """
        )
        let manifest = try #require(try c.query("SELECT pg_get_viewdef('published.measures'::regclass)").scalar)
        try c.query(
            """
            CREATE OR REPLACE VIEW published.measures AS
            \(manifest.trimmingCharacters(in: .whitespacesAndNewlines).dropLast())
            UNION ALL
            SELECT 'self_referral', 45, 'icb', 'Self-referrals by ICB', 'refresh_self_referral', 'table', true,
                   'self_referral', ARRAY['referrals', 'self_referrals'],
                   '{"self_referral_share": ["self_referrals", "referrals"]}',
                   '{}', '{"mean_age": ["referrals"]}', '{}', '{"mean_age": 1}', '{}', NULL
            """
        )

        try c.query("SET ROLE rehab_loader")
        let summary = try c.refreshAnalysis()
        try c.query("RESET ROLE")
        let tables = Dictionary(summary.map { ($0[0] ?? "", Int($0[1] ?? "") ?? -1) }, uniquingKeysWith: { a, _ in a })
        let rows = try #require(tables["analysis.self_referral"])
        #expect(rows > 0)
        #expect(tables["published.self_referral"] == rows)

        // Named by its grain, before it was published.
        #expect(
            try c.query("SELECT count(*) FROM published.self_referral WHERE icb_name IS NULL").scalar == "0"
        )
        // Disclosure control by the declaration: counts of 1 to 7 suppressed and the rest rounded to 5, the share
        // and its Wilson limits from the published counts, the figure on a suppressed count withheld and rounded,
        // and each empty figure's reason.
        let checked = try c.query(
            """
            SELECT a.self_referrals, p.self_referrals, p.referrals, p.self_referral_share, p.self_referral_share_lower,
                   w.lower, p.mean_age, round(a.mean_age, 1), a.referrals, p.value_note
            FROM analysis.self_referral a
            JOIN published.self_referral p USING (period, icb_ods, imd_quintile, service_line)
            LEFT JOIN LATERAL stats.wilson_ci(p.self_referrals, NULLIF(p.referrals, 0)) w ON true
            """
        ).rows
        var suppressed = 0
        var shown = 0
        for row in checked {
            let raw = Int(row[0] ?? "") ?? -1
            let referrals = Int(row[8] ?? "") ?? -1
            if (1...7).contains(raw) {
                suppressed += 1
                #expect(row[1] == nil && row[3] == nil)
                #expect(row[9]?.contains("suppressed: ") == true && row[9]?.contains("self_referrals") == true)
            } else {
                if raw > 7 { shown += 1 }
                #expect(Int(row[1] ?? "").map { $0 % 5 == 0 } == true)
                if let published = Double(row[1] ?? ""), let whole = Double(row[2] ?? ""), whole > 0 {
                    #expect(abs(Double(row[3] ?? "")! - published / whole) < 1e-9)
                    #expect(row[4] == row[5])
                }
            }
            #expect((1...7).contains(referrals) ? row[6] == nil : row[6] == row[7])
        }
        #expect(suppressed > 0 && shown > 0, "the sample month has cells of 1 to 7 self-referrals, and of more")

        // The report offers it, as a table and a CSV file.
        let measures = try NationalFiguresReader.measures(c)
        #expect(measures.first { $0.name == "self_referral" }?.inReport == true)
        let out = try TestFixtures.folder()
        let written = try NationalReportJob.run(
            connection: c,
            source: "published",
            period: nil,
            outputDirectory: out,
            logger: TestFixtures.logger
        )
        let csv = try String(
            contentsOfFile: try #require(written.csvFiles.first { $0.hasSuffix("/self_referral.csv") }),
            encoding: .utf8
        )
        #expect(csv.hasPrefix("period,icb_ods,icb_name,imd_quintile,service_line,referrals,self_referrals,"))
        #expect(try String(contentsOfFile: written.page, encoding: .utf8).contains("self_referral.csv"))
    }

    @Test("Every published table of the manifest is written by its declaration alone, and nothing else is")
    func declarationsMatchTables() throws {
        let db = try TestFixtures.database()
        let c = try db.connect()
        // Every column a declaration names is a column of the analysis and published tables of a measure that
        // uses it, and every published table is declared.
        let problems = try c.query(
            """
            WITH named AS (
                SELECT DISTINCT m.disclosure, c.name
                FROM published.measures m,
                     LATERAL (SELECT unnest(m.counts) UNION SELECT jsonb_object_keys(m.shares)
                              UNION SELECT jsonb_array_elements_text(v) FROM jsonb_each(m.shares) s(k, v)
                              UNION SELECT jsonb_object_keys(m.rates) UNION SELECT jsonb_object_keys(m.withheld)
                              UNION SELECT jsonb_object_keys(m.computed) UNION SELECT jsonb_object_keys(m.rounded)) c(name)
                WHERE m.published_as = 'table'
            )
            SELECT n.disclosure || '.' || n.name FROM named n
            WHERE NOT EXISTS (SELECT FROM published.measures m
                              JOIN information_schema.columns p
                                ON p.table_schema = 'published' AND p.table_name = m.measure AND p.column_name = n.name
                              JOIN information_schema.columns a
                                ON a.table_schema = 'analysis' AND a.table_name = m.measure AND a.column_name = n.name
                              WHERE m.disclosure = n.disclosure)
            UNION ALL
            SELECT 'undeclared published table ' || t.table_name FROM information_schema.tables t
            WHERE t.table_schema = 'published' AND t.table_type = 'BASE TABLE' AND t.table_name <> 'spc_icb'
              AND NOT EXISTS (SELECT FROM published.measures m WHERE m.measure = t.table_name)
            """
        ).rows.compactMap { $0[0] }
        #expect(problems.isEmpty, "\(problems)")
        // The statement it runs is there to read, and names the manifest's rules.
        let statement = try #require(try c.query("SELECT analysis.publication_statement('core20')").scalar)
        #expect(statement.contains("published.sdc_count(a.referrals_q1)"))
        #expect(statement.contains("stats.wilson_ci(p.referrals_q1, NULLIF(p.referrals, 0))"))
        let unknown = try #require(throws: DatabaseError.self) {
            try c.query("SELECT analysis.publication_statement('inequality')")
        }
        #expect(unknown.sqlState == "42704")
    }
}

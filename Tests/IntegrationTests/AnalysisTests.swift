import Foundation
import Logging
import RehabDatabase
import RehabPipeline
import RehabTestSupport
import Testing

/// The analysis layer of sql/migrations/0009_analysis.sql: analysis.refresh(), the analysis tables, the published
/// tables with disclosure control, and who may read what.
///
/// Three kinds of check: the sample month loaded through the real load path, compared with the loaded rows by SQL
/// written independently of the migration; a small month built by hand, whose figures are worked out in the comments
/// below; and the schema's comments and privileges.
private enum Analysis {
    static let tolerance = 1e-9

    /// A fresh database with every migration applied the way `rehabcount db migrate` applies them.
    static func migrated() throws -> TestDatabase { try TestFixtures.migrated() }

    /// Runs analysis.refresh() as rehab_loader, the only role allowed to, and returns its summary.
    @discardableResult
    static func refresh(_ c: borrowing Connection) throws -> [String: Int] {
        try c.query("SET ROLE rehab_loader")
        defer { _ = try? c.query("RESET ROLE") }
        let rows = try c.refreshAnalysis()
        var summary: [String: Int] = [:]
        for row in rows { summary[row[0] ?? ""] = Int(row[1] ?? "") }
        return summary
    }

    static func count(_ c: borrowing Connection, _ sql: String) throws -> Int {
        Int(try c.query(sql).scalar ?? "") ?? -1
    }

    /// The single row a statement returns, as numbers (nil for NULL).
    static func row(_ c: borrowing Connection, _ sql: String) throws -> [Double?] {
        let rows = try c.query(sql).rows
        try #require(rows.count == 1, "\(sql)")
        return rows[0].map { $0.flatMap(Double.init) }
    }

    /// Whether `actual` is `expected` within the relative tolerance (exactly, for 0 and NULL).
    static func close(_ actual: Double?, _ expected: Double?) -> Bool {
        guard let actual, let expected else { return actual == nil && expected == nil }
        if expected == 0 { return abs(actual) < 1e-12 }
        return abs(actual - expected) <= tolerance * abs(expected)
    }

    /// Checks the one row `sql` returns against `expected`, column by column.
    static func check(
        _ c: borrowing Connection,
        _ sql: String,
        _ expected: [Double?],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let actual = try row(c, sql)
        #expect(actual.count == expected.count, "\(sql)", sourceLocation: sourceLocation)
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            #expect(
                close(a, e),
                "column \(i + 1) of \(sql): got \(String(describing: a)), expected \(String(describing: e))",
                sourceLocation: sourceLocation
            )
        }
    }

    /// Statements that each return the number of rows breaking a rule: all must return 0.
    static func expectNoViolations(
        _ c: borrowing Connection,
        _ rules: [(String, String)],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        for (rule, sql) in rules {
            #expect(try count(c, sql) == 0, "\(rule)", sourceLocation: sourceLocation)
        }
    }

    /// The published count columns of each table, with the key that pairs a published row with its analysis row.
    static let countColumns: [(table: String, key: String, columns: [String])] = [
        (
            "access", "period, icb_ods, imd_quintile, service_line",
            ["new_referrals", "open_caseload", "seen", "waiting", "waiting_over_18w", "discharges", "outcome_recorded"]
        ),
        (
            "new_referrals_by_age", "period, icb_ods, imd_quintile, service_line, esp_age_band", ["new_referrals"]
        ),
        ("outcome_change", "period, icb_ods, imd_quintile, service_line, outcome_tool", ["discharges"]),
        ("inequality", "period, icb_ods, service_line", ["referrals", "q1_referrals", "q5_referrals"]),
        ("core20", "period, icb_ods, service_line", ["referrals", "referrals_q1"]),
        (
            "workforce_trust", "period, org_code, profession",
            ["posts_filled", "posts_vacant", "posts_registered", "posts_support", "referrals"]
        ),
        (
            "workforce_icb", "period, icb_ods, profession",
            ["posts_filled", "posts_vacant", "posts_registered", "posts_support", "referrals"]
        ),
        (
            "completeness_trust", "period, org_code",
            ["referrals", "lsoa_known", "ethnicity_recorded", "discharges", "outcome_recorded"]
        ),
        (
            "completeness_icb", "period, icb_ods",
            ["referrals", "lsoa_known", "ethnicity_recorded", "discharges", "outcome_recorded"]
        ),
    ]

    /// Disclosure control, table by table: the same rows as analysis; every count NULL where the analysis count is
    /// 1-7 and otherwise the analysis count rounded to the nearest 5; the values derived from a count suppressed
    /// with it; rates and shares recomputed from the published counts.
    static func disclosureRules() -> [(String, String)] {
        var rules: [(String, String)] = []
        for (table, key, columns) in countColumns {
            rules.append(
                (
                    "published.\(table) has the rows of analysis.\(table)",
                    """
                    SELECT count(*) FROM (SELECT \(key) FROM analysis.\(table)) a
                    FULL JOIN (SELECT \(key) FROM published.\(table)) p USING (\(key))
                    WHERE num_nonnulls(a.*) = 0 OR num_nonnulls(p.*) = 0
                    """
                )
            )
            for column in columns {
                rules.append(
                    (
                        "published.\(table).\(column) is suppressed or rounded",
                        """
                        SELECT count(*) FROM analysis.\(table) a JOIN published.\(table) p USING (\(key))
                        WHERE NOT CASE WHEN a.\(column) IS NULL OR a.\(column) BETWEEN 1 AND 7 THEN p.\(column) IS NULL
                                       ELSE p.\(column) = round(a.\(column) / 5.0) * 5 AND p.\(column) % 5 = 0 END
                        """
                    )
                )
            }
        }
        let access = "analysis.access a JOIN published.access p USING (period, icb_ods, imd_quintile, service_line)"
        rules += [
            (
                "published crude rates are stats.rate_ci of the published count",
                """
                SELECT count(*) FROM \(access)
                CROSS JOIN LATERAL stats.rate_ci(p.new_referrals, NULLIF(p.population, 0)) r
                WHERE (p.crude_rate, p.crude_rate_lower, p.crude_rate_upper)
                      IS DISTINCT FROM (r.value, r.lower, r.upper)
                """
            ),
            (
                "published DSRs are the analysis DSRs to 1 decimal place unless the count is suppressed",
                """
                SELECT count(*) FROM \(access)
                WHERE (p.dsr, p.dsr_lower, p.dsr_upper) IS DISTINCT FROM
                      (CASE WHEN a.new_referrals NOT BETWEEN 1 AND 7
                            THEN (round(a.dsr, 1), round(a.dsr_lower, 1), round(a.dsr_upper, 1))
                            ELSE (NULL::numeric, NULL::numeric, NULL::numeric) END)
                   OR p.dsr <> round(p.dsr, 1)
                """
            ),
            (
                "published waits are suppressed with seen",
                """
                SELECT count(*) FROM \(access)
                WHERE (p.wait_median_days, p.wait_p90_days) IS DISTINCT FROM
                      (CASE WHEN a.seen NOT BETWEEN 1 AND 7 THEN (a.wait_median_days, a.wait_p90_days)
                            ELSE (NULL::numeric, NULL::numeric) END)
                """
            ),
            (
                "published shares come from the published counts and are NULL when one is suppressed",
                """
                SELECT count(*) FROM \(access)
                CROSS JOIN LATERAL stats.wilson_ci(p.outcome_recorded, NULLIF(p.discharges, 0)) w
                WHERE (p.outcome_recorded_share, p.outcome_recorded_share_lower, p.outcome_recorded_share_upper)
                      IS DISTINCT FROM (p.outcome_recorded::numeric / NULLIF(p.discharges, 0), w.lower, w.upper)
                   OR ((a.discharges BETWEEN 1 AND 7 OR a.outcome_recorded BETWEEN 1 AND 7)
                       AND p.outcome_recorded_share IS NOT NULL)
                """
            ),
            (
                "published outcome means are suppressed with their count",
                """
                SELECT count(*) FROM analysis.outcome_change a JOIN published.outcome_change p
                    USING (period, icb_ods, imd_quintile, service_line, outcome_tool)
                WHERE (p.mean_change IS NULL) <> (a.discharges BETWEEN 1 AND 7)
                   OR (p.mean_change IS NOT NULL AND (p.mean_start, p.mean_end, p.mean_change, p.sd_change)
                       IS DISTINCT FROM (a.mean_start, a.mean_end, a.mean_change, a.sd_change))
                """
            ),
            (
                "published inequality figures are suppressed with the quintile counts, and rounded",
                """
                SELECT count(*) FROM analysis.inequality a
                JOIN published.inequality p USING (period, icb_ods, service_line)
                WHERE (a.q1_referrals BETWEEN 1 AND 7 AND p.q1_dsr IS NOT NULL)
                   OR (a.min_quintile_referrals BETWEEN 1 AND 7 AND p.sii IS NOT NULL)
                   OR (a.q1_referrals NOT BETWEEN 1 AND 7 AND a.q5_referrals NOT BETWEEN 1 AND 7
                       AND (p.q1_dsr, p.q5_dsr, p.rate_ratio, p.rate_difference) IS DISTINCT FROM
                           (round(a.q1_dsr, 1), round(a.q5_dsr, 1), round(a.rate_ratio, 2), round(a.rate_difference, 1)))
                   OR (a.min_quintile_referrals NOT BETWEEN 1 AND 7
                       AND (p.sii, p.rii, p.sii_lower, p.sii_upper, p.rii_lower, p.rii_upper) IS DISTINCT FROM
                           (round(a.sii, 1), round(a.rii, 2), round(a.sii_lower, 1), round(a.sii_upper, 1),
                            round(a.rii_lower, 2), round(a.rii_upper, 2)))
                """
            ),
            (
                "published workforce FTE is suppressed with the posts it sums",
                """
                SELECT count(*) FROM analysis.workforce_trust a
                JOIN published.workforce_trust p USING (period, org_code, profession)
                WHERE (p.fte_in_post IS NULL) <> (a.posts_filled BETWEEN 1 AND 7)
                   OR (p.vacancy_rate IS NOT NULL AND (a.posts_filled BETWEEN 1 AND 7 OR a.posts_vacant BETWEEN 1 AND 7))
                   OR (p.fte_in_post IS NOT NULL AND p.fte_in_post <> a.fte_in_post)
                """
            ),
            (
                "published completeness shares come from the published counts",
                """
                SELECT count(*) FROM analysis.completeness_trust a
                JOIN published.completeness_trust p USING (period, org_code)
                WHERE p.lsoa_known_share IS DISTINCT FROM p.lsoa_known::numeric / NULLIF(p.referrals, 0)
                   OR (p.score_mean, p.coverage) IS DISTINCT FROM (a.score_mean, a.coverage)
                """
            ),
        ]
        return rules
    }
}

@Suite("Analysis layer", .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"), .serialized)
struct AnalysisTests {
    @Test("The sample month: the analysis tables agree with the loaded rows, and published follows the rules")
    func sampleMonth() throws {
        let db = try Analysis.migrated()
        let url = try db.url()
        _ = try LoadJob.loadReference(
            layout: TestFixtures.layout,
            referenceDirectory: nil,
            database: url,
            logger: TestFixtures.logger
        )
        let loaded = try TestFixtures.load(TestFixtures.inbox, into: db)
        #expect(loaded.count == 9)
        let c = try db.connect()
        let summary = try Analysis.refresh(c)
        // One row a table of every measure the manifest builds: its analysis table, and its published one.
        let manifest = try c.query(
            "SELECT measure, published_as IS NOT NULL FROM published.measures WHERE built_by IS NOT NULL"
        ).rows.map { (name: $0[0] ?? "", published: $0[1] == "t") }
        #expect(manifest.count == 10)
        #expect(summary.count == manifest.count + manifest.filter(\.published).count)
        for measure in manifest {
            #expect(summary["analysis.\(measure.name)"] != nil, "analysis.\(measure.name)")
            #expect((summary["published.\(measure.name)"] != nil) == measure.published, "published.\(measure.name)")
        }
        #expect((summary["analysis.spc"] ?? 0) > 0)
        for table in [
            "access", "new_referrals_by_age", "outcome_change", "inequality", "core20", "workforce_trust",
            "workforce_icb", "completeness_trust", "completeness_icb",
        ] {
            #expect((summary["analysis.\(table)"] ?? 0) > 0, "analysis.\(table)")
            #expect(summary["published.\(table)"] == summary["analysis.\(table)"], "published.\(table)")
        }

        // The headline identities: over the quintiles, service line 'all', the open caseload is every referral
        // with a known residence, and new referrals those of them received in the month.
        let known = try Analysis.count(c, "SELECT count(*) FROM core.referrals WHERE imd_quintile IS NOT NULL")
        let new = try Analysis.count(
            c,
            """
            SELECT count(*) FROM core.referrals
            WHERE imd_quintile IS NOT NULL AND date_trunc('month', referral_received_date) = period
            """
        )
        #expect(known > 1000 && new > 100)
        // The extract is mostly referrals received earlier and still open: the two must not be confused.
        #expect(new * 2 < known)
        // England's rows count every referral of known residence, over every ICB's population.
        for area in ["<> 'E92000001'", "= 'E92000001'"] {
            let sums = try c.query(
                """
                SELECT sum(new_referrals), sum(open_caseload) FROM analysis.access
                WHERE service_line = 'all' AND icb_ods \(area)
                """
            ).rows[0]
            #expect(sums == [String(new), String(known)], "\(area)")
        }
        // The counts by age band are the DSR's: they never exceed the new referrals of their cell.
        #expect(
            try Analysis.count(
                c,
                """
                SELECT count(*) FROM analysis.access a
                JOIN (SELECT period, icb_ods, imd_quintile, service_line, sum(new_referrals) AS n
                      FROM analysis.new_referrals_by_age GROUP BY 1, 2, 3, 4) b
                  USING (period, icb_ods, imd_quintile, service_line)
                WHERE b.n > a.new_referrals
                """
            ) == 0
        )
        #expect(
            try Analysis.count(c, "SELECT count(*) FROM analysis.inequality WHERE icb_ods = 'E92000001'")
                == Analysis.count(c, "SELECT count(DISTINCT (period, service_line)) FROM analysis.inequality")
        )
        // The checks below build every figure again from core, England included: each referral of known residence
        // counts once for its ICB and once for England.
        try c.query(
            """
            CREATE TEMP TABLE area_referrals AS
            SELECT * FROM core.referrals WHERE icb_ods IS NOT NULL AND imd_quintile IS NOT NULL
            """
        )
        try c.query("UPDATE area_referrals SET icb_ods = 'E92000001'")
        try c.query("INSERT INTO area_referrals SELECT * FROM core.referrals")
        #expect(
            try Analysis.count(c, "SELECT count(*) FROM core.referrals WHERE lsoa_vintage IS NOT NULL") == known
        )

        // Built again here from core and reference, without the migration's code paths.
        let population = """
            (SELECT coalesce(a.area, x.icb_ods) AS icb_ods, x.imd_quintile, x.age_band, sum(x.population) AS population
             FROM (SELECT l.icb22_ods AS icb_ods, i.imd_quintile, p.age_band, p.population
                   FROM reference.population_lsoa11 p JOIN reference.lsoa11 l USING (lsoa11_code)
                   JOIN reference.imd2019_lsoa11 i USING (lsoa11_code)) x
             CROSS JOIN (VALUES (NULL::text), ('E92000001')) AS a(area)
             GROUP BY 1, 2, 3)
            """
        let seen = """
            first_contact_date >= period AND first_contact_date < period + interval '1 month' AND wait_days >= 0
            """
        let waiting = """
            first_contact_date IS NULL AND discharge_date IS NULL AND coalesce(referral_outcome, 'open') = 'open'
            """
        try Analysis.expectNoViolations(
            c,
            [
                (
                    "each cell counts the new referrals and open caseload of its ICB, quintile and service line",
                    """
                    SELECT count(*) FROM (
                        SELECT period, icb_ods, imd_quintile, coalesce(service_line, 'all') AS service_line,
                               count(*) FILTER (WHERE date_trunc('month', referral_received_date) = period) AS n,
                               count(*) AS caseload, count(*) FILTER (WHERE \(seen)) AS seen,
                               count(*) FILTER (WHERE \(waiting)) AS waiting,
                               count(*) FILTER (WHERE \(waiting)
                                   AND (period + interval '1 month' - interval '1 day')::date
                                       - referral_received_date > 126)
                                   AS over,
                               count(*) FILTER (WHERE referral_outcome = 'discharged') AS discharges,
                               count(*) FILTER (WHERE referral_outcome = 'discharged' AND outcome_tool <> 'none'
                                   AND outcome_score_start IS NOT NULL AND outcome_score_end IS NOT NULL) AS recorded
                        FROM pg_temp.area_referrals WHERE imd_quintile IS NOT NULL
                        GROUP BY GROUPING SETS ((period, icb_ods, imd_quintile, service_line),
                                                (period, icb_ods, imd_quintile))
                    ) r
                    FULL JOIN analysis.access a USING (period, icb_ods, imd_quintile, service_line)
                    WHERE (coalesce(r.n, 0), coalesce(r.caseload, 0), coalesce(r.seen, 0), coalesce(r.waiting, 0),
                           coalesce(r.over, 0), coalesce(r.discharges, 0), coalesce(r.recorded, 0))
                          IS DISTINCT FROM (a.new_referrals, a.open_caseload, a.seen, a.waiting, a.waiting_over_18w,
                                            a.discharges, a.outcome_recorded)
                    """
                ),
                (
                    "every ICB has all five quintiles for every service line",
                    """
                    SELECT count(*) FROM (SELECT count(*) AS n FROM analysis.access
                                          GROUP BY period, icb_ods, service_line) g WHERE n <> 5
                    """
                ),
                (
                    "the population is the mid-2020 population of the ICB and IMD 2019 quintile",
                    """
                    SELECT count(*) FROM analysis.access a
                    LEFT JOIN (SELECT icb_ods, imd_quintile, sum(population) AS population FROM \(population) p
                               GROUP BY 1, 2) p USING (icb_ods, imd_quintile)
                    WHERE p.population IS DISTINCT FROM a.population::numeric
                    """
                ),
                (
                    "crude rates are stats.rate_ci of the row's own count and population",
                    """
                    SELECT count(*) FROM analysis.access a, stats.rate_ci(a.new_referrals, a.population) r
                    WHERE (r.value, r.lower, r.upper)
                          IS DISTINCT FROM (a.crude_rate, a.crude_rate_lower, a.crude_rate_upper)
                    """
                ),
                (
                    "DSRs are sum(x w / n) / sum(w) * 100000 over the ESP bands, and stats.dsr's limits",
                    """
                    WITH bands AS (
                        SELECT a.period, a.icb_ods, a.imd_quintile, a.service_line, e.band_order,
                               e.standard_population::numeric AS w, p.population::numeric AS n,
                               (SELECT count(*) FROM pg_temp.area_referrals r
                                WHERE r.period = a.period AND r.icb_ods = a.icb_ods
                                  AND r.imd_quintile = a.imd_quintile AND r.esp_age_band = e.age_band
                                  AND date_trunc('month', r.referral_received_date) = r.period
                                  AND (a.service_line = 'all' OR r.service_line = a.service_line))::numeric AS x
                        FROM analysis.access a CROSS JOIN reference.esp2013 e
                        JOIN \(population) p ON p.icb_ods = a.icb_ods AND p.imd_quintile = a.imd_quintile
                                            AND p.age_band = e.age_band
                        WHERE a.service_line IN ('all', 'msk')
                    ), cells AS (
                        SELECT period, icb_ods, imd_quintile, service_line, sum(x) AS total,
                               sum(x * w / n) / sum(w) * 100000 AS dsr,
                               array_agg(x ORDER BY band_order) AS xs, array_agg(n ORDER BY band_order) AS ns,
                               array_agg(w ORDER BY band_order) AS ws
                        FROM bands GROUP BY 1, 2, 3, 4
                    )
                    SELECT count(*) FROM cells c
                    JOIN analysis.access a USING (period, icb_ods, imd_quintile, service_line)
                    CROSS JOIN LATERAL stats.dsr(c.xs, c.ns, c.ws) d
                    WHERE (d.value, d.lower, d.upper) IS DISTINCT FROM (a.dsr, a.dsr_lower, a.dsr_upper)
                       OR (c.total >= 10) <> (a.dsr IS NOT NULL)
                       OR abs(a.dsr - c.dsr) > 1e-9 * c.dsr
                    """
                ),
                (
                    "waits are percentile_cont over the referrals first seen in the period",
                    """
                    SELECT count(*) FROM (
                        SELECT period, icb_ods, imd_quintile, coalesce(service_line, 'all') AS service_line,
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_days) AS median,
                               percentile_cont(0.9) WITHIN GROUP (ORDER BY wait_days) AS p90
                        FROM pg_temp.area_referrals WHERE imd_quintile IS NOT NULL AND \(seen)
                        GROUP BY GROUPING SETS ((period, icb_ods, imd_quintile, service_line),
                                                (period, icb_ods, imd_quintile))
                    ) r
                    RIGHT JOIN analysis.access a USING (period, icb_ods, imd_quintile, service_line)
                    WHERE (r.median::numeric, r.p90::numeric) IS DISTINCT FROM (a.wait_median_days, a.wait_p90_days)
                    """
                ),
                (
                    "shares are the row's own ratios, with stats.wilson_ci",
                    """
                    SELECT count(*) FROM analysis.access a
                    CROSS JOIN LATERAL stats.wilson_ci(a.outcome_recorded, NULLIF(a.discharges, 0)) o
                    CROSS JOIN LATERAL stats.wilson_ci(a.waiting_over_18w, NULLIF(a.waiting, 0)) w
                    WHERE (a.outcome_recorded_share, a.outcome_recorded_share_lower, a.outcome_recorded_share_upper)
                          IS DISTINCT FROM (a.outcome_recorded::numeric / NULLIF(a.discharges, 0), o.lower, o.upper)
                       OR (a.waiting_over_18w_share, a.waiting_over_18w_share_lower, a.waiting_over_18w_share_upper)
                          IS DISTINCT FROM (a.waiting_over_18w::numeric / NULLIF(a.waiting, 0), w.lower, w.upper)
                    """
                ),
                (
                    "mean outcome change is the mean of end - start over discharges with both scores",
                    """
                    SELECT count(*) FROM (
                        SELECT period, icb_ods, imd_quintile, coalesce(service_line, 'all') AS service_line,
                               outcome_tool, count(*) AS n, avg(outcome_score_end - outcome_score_start) AS mean,
                               stddev_samp(outcome_score_end - outcome_score_start) AS sd
                        FROM pg_temp.area_referrals
                        WHERE imd_quintile IS NOT NULL AND referral_outcome = 'discharged'
                          AND outcome_tool IN ('barthel', 'eq5d5l', 'toms', 'psfs', 'mrs')
                          AND outcome_score_start IS NOT NULL AND outcome_score_end IS NOT NULL
                        GROUP BY GROUPING SETS ((period, icb_ods, imd_quintile, service_line, outcome_tool),
                                                (period, icb_ods, imd_quintile, outcome_tool))
                    ) r
                    FULL JOIN analysis.outcome_change o
                        USING (period, icb_ods, imd_quintile, service_line, outcome_tool)
                    WHERE r.n IS DISTINCT FROM o.discharges OR abs(r.mean - o.mean_change) > 1e-12
                       OR (r.sd IS NULL) <> (o.sd_change IS NULL) OR abs(r.sd - o.sd_change) > 1e-12
                       OR o.higher_is_better <> (o.outcome_tool <> 'mrs')
                    """
                ),
                (
                    "SII and RII are stats.sii over the quintile DSRs, most deprived first; Q1/Q5 from the DSRs",
                    """
                    SELECT count(*) FROM analysis.inequality i
                    JOIN (SELECT period, icb_ods, service_line, array_agg(dsr ORDER BY imd_quintile) AS dsrs,
                                 array_agg(population::numeric ORDER BY imd_quintile) AS pops,
                                 sum(new_referrals) AS referrals, min(new_referrals) AS smallest,
                                 min(dsr) FILTER (WHERE imd_quintile = 1) AS q1,
                                 min(dsr) FILTER (WHERE imd_quintile = 5) AS q5
                          FROM analysis.access GROUP BY 1, 2, 3) a USING (period, icb_ods, service_line)
                    CROSS JOIN LATERAL stats.sii(a.dsrs, a.pops) s
                    WHERE (s.sii, s.rii, a.q1, a.q5, a.referrals, a.smallest, a.q1 / a.q5, a.q1 - a.q5)
                          IS DISTINCT FROM (i.sii, i.rii, i.q1_dsr, i.q5_dsr, i.referrals::numeric,
                                            i.min_quintile_referrals, i.rate_ratio, i.rate_difference)
                       OR num_nonnulls(i.sii_lower, i.sii_upper, i.rii_lower, i.rii_upper) > 0
                    """
                ),
                (
                    "Core20 compares quintile 1's share of referrals with its share of the population",
                    """
                    SELECT count(*) FROM analysis.core20 c
                    JOIN (SELECT period, icb_ods, service_line, sum(new_referrals) AS n,
                                 sum(new_referrals) FILTER (WHERE imd_quintile = 1) AS q1, sum(population) AS pop,
                                 sum(population) FILTER (WHERE imd_quintile = 1) AS pop_q1
                          FROM analysis.access GROUP BY 1, 2, 3) a USING (period, icb_ods, service_line)
                    CROSS JOIN LATERAL stats.wilson_ci(a.q1, NULLIF(a.n, 0)) w
                    WHERE (c.referrals, c.referrals_q1, c.population, c.population_q1) <> (a.n, a.q1, a.pop, a.pop_q1)
                       OR (c.referral_share_q1, c.referral_share_q1_lower, c.referral_share_q1_upper)
                          IS DISTINCT FROM (a.q1 / NULLIF(a.n, 0), w.lower, w.upper)
                       OR abs(c.representation_ratio - (a.q1 / NULLIF(a.n, 0)) / (a.pop_q1 / a.pop)) > 1e-12
                    """
                ),
                (
                    "workforce FTE and posts of each trust and profession match core.workforce",
                    """
                    SELECT count(*) FROM (
                        SELECT period, org_code, coalesce(profession, 'all') AS profession,
                               count(*) FILTER (WHERE post_status = 'filled') AS filled,
                               count(*) FILTER (WHERE post_status = 'vacant') AS vacant,
                               coalesce(sum(fte) FILTER (WHERE post_status = 'filled'), 0) AS fte_filled,
                               coalesce(sum(fte) FILTER (WHERE post_status = 'vacant'), 0) AS fte_vacant
                        FROM core.workforce
                        GROUP BY GROUPING SETS ((period, org_code, profession), (period, org_code))
                    ) w
                    FULL JOIN analysis.workforce_trust t USING (period, org_code, profession)
                    WHERE (w.filled, w.vacant, w.fte_filled, w.fte_vacant)
                          IS DISTINCT FROM (t.posts_filled, t.posts_vacant, t.fte_in_post, t.fte_vacant)
                       OR t.vacancy_rate IS DISTINCT FROM t.fte_vacant / NULLIF(t.fte_establishment, 0)
                    """
                ),
                (
                    "each trust's skill mix sums to 1 over its professions",
                    """
                    SELECT count(*) FROM (SELECT sum(skill_mix_share) AS total FROM analysis.workforce_trust
                                          WHERE profession <> 'all' GROUP BY period, org_code) s
                    WHERE abs(total - 1) > 1e-12
                    """
                ),
                (
                    "ICB workforce is the sum of its trusts, per 100k of the ICB population",
                    """
                    SELECT count(*) FROM analysis.workforce_icb i
                    JOIN (SELECT period, t.icb_ods, w.profession, sum(w.fte_in_post) AS fte,
                                 sum(w.posts_filled) AS filled
                          FROM analysis.workforce_trust w JOIN reference.trust t ON t.trust_ods = w.org_code
                          GROUP BY 1, 2, 3) s USING (period, icb_ods, profession)
                    JOIN (SELECT icb_ods, sum(population) AS population FROM \(population) p GROUP BY 1) p
                        USING (icb_ods)
                    WHERE (i.fte_in_post, i.posts_filled, i.population) <> (s.fte, s.filled, p.population)
                       OR abs(i.fte_per_100k - s.fte / p.population * 100000) > 1e-12
                    """
                ),
                (
                    "trust completeness counts the trust's loaded referrals and its current submissions",
                    """
                    SELECT count(*) FROM analysis.completeness_trust c
                    JOIN (SELECT period, org_code, count(*) AS n, count(lsoa_vintage) AS lsoa,
                                 count(*) FILTER (WHERE ethnic_category IS NOT NULL
                                                    AND ethnic_category NOT IN ('Z', '99')) AS ethnicity
                          FROM core.referrals GROUP BY 1, 2) r USING (period, org_code)
                    JOIN (SELECT period, org_code, avg(score) AS score, count(*) AS received
                          FROM audit.submissions WHERE is_current GROUP BY 1, 2) s USING (period, org_code)
                    WHERE (c.referrals, c.lsoa_known, c.ethnicity_recorded, c.score_mean, c.submissions_received)
                          <> (r.n, r.lsoa, r.ethnicity, s.score, s.received)
                       OR (c.expected_source, c.submissions_expected, c.submissions_missing, c.coverage)
                          <> ('assumed', 3, 0, 1)
                    """
                ),
            ]
        )
        #expect(try Analysis.count(c, "SELECT count(*) FROM analysis.completeness_trust") == 3)

        // The SII of the sample's planted gap: rates rise from the most to the least deprived in every ICB.
        #expect(
            try Analysis.count(
                c,
                "SELECT count(*) FROM analysis.inequality WHERE service_line = 'all' AND sii > 0 AND rate_ratio < 1"
            ) >= 2
        )

        // Every gap with a value has limits around it, and they agree with stats.dsr_compare's own ratio.
        #expect(try Analysis.count(c, "SELECT count(*) FROM analysis.inequality WHERE rate_difference IS NOT NULL") > 0)
        #expect(
            try Analysis.count(
                c,
                """
                SELECT count(*) FROM analysis.inequality
                WHERE rate_difference IS NOT NULL
                  AND NOT (rate_difference_lower < rate_difference AND rate_difference < rate_difference_upper
                           AND rate_ratio_lower < rate_ratio AND rate_ratio < rate_ratio_upper)
                """
            ) == 0
        )

        // Every expected referrals extract of the sample was loaded: full coverage everywhere, England included;
        // an ICB that hosts no trust (its residents were referred across a border) has no coverage to give.
        #expect(
            try Analysis.count(
                c,
                """
                SELECT count(*) FROM analysis.access a
                WHERE referral_coverage IS DISTINCT FROM
                      CASE WHEN a.icb_ods = 'E92000001'
                             OR EXISTS (SELECT FROM reference.trust t
                                        JOIN audit.submissions s ON s.org_code = t.trust_ods
                                        WHERE t.icb_ods = a.icb_ods)
                           THEN 1 END
                """
            ) == 0
        )
        #expect(
            try Analysis.count(
                c,
                "SELECT max(referral_submissions_expected) FROM analysis.access WHERE icb_ods = 'E92000001'"
            ) == 3
        )

        // Each ICB's rate against England's: its interval against England's value (Fingertips), and published only
        // where the rate is.
        #expect(
            try Analysis.count(
                c,
                """
                SELECT count(*) FROM analysis.access a
                LEFT JOIN analysis.access e ON e.icb_ods = 'E92000001' AND e.period = a.period
                    AND e.imd_quintile = a.imd_quintile AND e.service_line = a.service_line
                WHERE a.compared_with_england IS DISTINCT FROM
                      CASE WHEN a.icb_ods = 'E92000001' OR a.dsr IS NULL OR e.dsr IS NULL THEN NULL
                           WHEN a.dsr_lower > e.dsr THEN 'higher' WHEN a.dsr_upper < e.dsr THEN 'lower'
                           ELSE 'similar' END
                """
            ) == 0
        )
        #expect(
            try Analysis.count(c, "SELECT count(*) FROM analysis.access WHERE compared_with_england = 'higher'") > 0
        )
        #expect(
            try Analysis.count(
                c,
                """
                SELECT count(*) FROM published.access p JOIN analysis.access a
                    USING (period, icb_ods, imd_quintile, service_line)
                WHERE p.compared_with_england IS DISTINCT FROM CASE WHEN p.dsr IS NOT NULL THEN a.compared_with_england END
                """
            ) == 0
        )

        // Disclosure control, on a month with both small and large cells.
        #expect(try Analysis.count(c, "SELECT count(*) FROM published.access WHERE new_referrals IS NULL") > 0)
        #expect(try Analysis.count(c, "SELECT count(*) FROM published.access WHERE new_referrals >= 10") > 0)
        try Analysis.expectNoViolations(c, Analysis.disclosureRules())
    }

    // The hand-built month. One ICB, QAA, with five LSOAs 2011, one per IMD 2019 quintile (deciles 1, 3, 5, 7, 9),
    // each with 2,000 residents aged 70-74 and 1,000 aged 80-84 (ESP weights 5,000 and 2,500 of 100,000) and none
    // in other bands; one LSOA only in the 2021 lookup (IMD 2025 decile 5, quintile 3); one trust, RZZ, hosted in
    // QAA. September 2025 referrals:
    //   Q1  12: 8 aged 72, 4 aged 81. Stroke: five seen in September after 10, 20, 30, 40 and 100 days, and one
    //       still waiting since 1 May (152 days at 30 September). MSK: one waiting since 1 May, one since 27 May
    //       (exactly 126 days: not over 18 weeks), and four discharged: Barthel 10 -> 15 and 12 -> 20, mRS 4 -> 2,
    //       and one with tool none.
    //       Those 12 are the open caseload; only the first was received in September. Eleven more were received
    //       on 1 September and withdrawn the next day, unseen: 5 stroke aged 72, 2 MSK aged 72, 4 MSK aged 81. So
    //       Q1 has 12 new referrals (8 aged 72, 4 aged 81) and a caseload of 23.
    //   New referrals, all received on 1 September and withdrawn unseen the next day, all MSK:
    //   Q2  16: 8 aged 72, 8 aged 81;  Q3 20: 12 + 8 (one of the 12 in the 2021-only LSOA);  Q4 24: 16 + 8;
    //   Q5  29: 16 + 12, and one of unknown age.
    //   One more with no LSOA. 113 rows in all. Ethnicity: 99 twice, Z once, empty once, otherwise A.
    // So, for service line 'all':
    //   crude rates per 100k: 12, 16, 20, 24, 29 / 3,000 = 400, 533.3, 666.7, 800, 966.7;
    //   DSRs: Q1 (8 x 5000/2000 + 4 x 2500/1000) / 100000 x 100000 = 20 + 10 = 30, then 40, 50, 60 and 70 (the
    //   referral of unknown age counts in the crude rate only);
    //   Q1 waits: median 30; 90th centile at position 0.9 x 4 = 3.6, 40 + 0.6 x (100 - 40) = 76;
    //   waiting 3, 2 of them over 18 weeks; discharges 4, 3 with an outcome;
    //   SII: equal populations, ranks 0.1 ... 0.9, DSR = 25 + 50 x rank, so SII 50 and RII (25 + 50) / 25 = 3;
    //   Q1/Q5 30 / 70 = 3/7, difference -40; Core20 12 of 101 referrals against 3,000 of 15,000 residents.
    // Workforce: physiotherapists 1.0 and 0.8 FTE in post (registered) and a 1.0 FTE vacancy, one support worker
    // 0.5 FTE: in post 2.3, vacancy 1.0 / 3.3, registered share 1.8 / 2.3, per 100k 2.3 / 15,000 x 100,000, per
    // 1,000 referrals of the caseload 2.3 / 113 x 1,000. Submission scores: referrals 90, contacts 100, workforce 80.
    static let handBuilt: [String] = [
        """
        INSERT INTO reference.esp2013 (age_band, standard_population)
        VALUES ('0-4', 5000), ('5-9', 5500), ('10-14', 5500), ('15-19', 5500), ('20-24', 6000), ('25-29', 6000),
               ('30-34', 6500), ('35-39', 7000), ('40-44', 7000), ('45-49', 7000), ('50-54', 7000), ('55-59', 6500),
               ('60-64', 6000), ('65-69', 5500), ('70-74', 5000), ('75-79', 4000), ('80-84', 2500), ('85-89', 1500),
               ('90+', 1000)
        """,
        """
        INSERT INTO reference.lsoa11
        SELECT 'E0100000' || q, 'Test 00' || q, 'E38000001', '00A', 'E54000001', 'QAA', 'E06000001', 'Test'
        FROM generate_series(1, 5) AS q
        """,
        """
        INSERT INTO reference.imd2019_lsoa11 (lsoa11_code, imd_rank, imd_decile)
        SELECT 'E0100000' || q, q * 1000, 2 * q - 1 FROM generate_series(1, 5) AS q
        """,
        """
        INSERT INTO reference.population_lsoa11
        SELECT 'E0100000' || q, e.age_band, CASE e.age_band WHEN '70-74' THEN 2000 WHEN '80-84' THEN 1000 ELSE 0 END
        FROM generate_series(1, 5) AS q CROSS JOIN reference.esp2013 e
        """,
        "INSERT INTO reference.lsoa21 VALUES ('E01099999', 'Test 099A', 'E38000001', '00A', 'E54000001', 'QAA')",
        """
        INSERT INTO reference.imd2025_lsoa21 (lsoa21_code, imd_rank, imd_decile, imd_score)
        VALUES ('E01099999', 15000, 5, 20)
        """,
        """
        INSERT INTO reference.trust
        VALUES ('RZZ', 'TEST COMMUNITY NHS TRUST', 'Y56', 'QAA', 'ZZ1 1ZZ', '2000-01-01', NULL)
        """,
        "INSERT INTO audit.runs (command, host, status, finished_at) VALUES ('test', 'test', 'succeeded', now())",
        """
        INSERT INTO audit.submissions (run_id, org_code, kind, period, file_name, sha256, contract_version,
                                       ruleset_version, rows_read, rows_loaded, rows_quarantined, status, score)
        SELECT 1, 'RZZ', k.kind, '2025-09-01', 'RZZ_' || k.kind || '_2025-09.csv', repeat(k.letter, 64), '1', '1',
               k.n, k.n, 0, 'accepted', k.score
        FROM (VALUES (1, 'referrals', 'a', 102, 90), (2, 'contacts', 'b', 0, 100), (3, 'workforce', 'c', 4, 80))
            AS k(id, kind, letter, n, score)
        ORDER BY k.id
        """,
        "SELECT core.ensure_partitions('2025-09-01')",
        "SELECT core.create_load_table('referrals', '2025-09-01', 'RZZ', 1)",
        """
        INSERT INTO staging.referrals_2025_09_rzz_s1
            (period, submission_id, org_code, referral_id, patient_id, age_at_referral, ethnic_category, lsoa_code,
             referral_received_date, service_line, first_contact_date, discharge_date, referral_outcome,
             outcome_tool, outcome_score_start, outcome_score_end, lsoa_vintage, icb_ods, imd_decile, imd_quintile,
             wait_days, esp_age_band)
        SELECT '2025-09-01', 1, 'RZZ', r.id, 'P' || r.id, r.age, r.ethnic, r.lsoa, r.received, r.line, r.seen,
               r.discharged, r.outcome, r.tool, r.score_start, r.score_end, l.lsoa_vintage, l.icb_ods, l.imd_decile,
               l.imd_quintile, r.seen - r.received, reference.esp_band(r.age)
        FROM (
            VALUES
                ('Q1-01', 'E01000001', 72, 'A', 'stroke', date '2025-09-10', date '2025-09-20', NULL::date, 'open',
                 NULL, NULL::numeric, NULL::numeric),
                ('Q1-02', 'E01000001', 72, 'A', 'stroke', '2025-08-31', '2025-09-20', NULL, 'open', NULL, NULL, NULL),
                ('Q1-03', 'E01000001', 72, 'A', 'stroke', '2025-08-21', '2025-09-20', NULL, 'open', NULL, NULL, NULL),
                ('Q1-04', 'E01000001', 72, 'A', 'stroke', '2025-08-11', '2025-09-20', NULL, 'open', NULL, NULL, NULL),
                ('Q1-05', 'E01000001', 72, 'A', 'stroke', '2025-06-12', '2025-09-20', NULL, 'open', NULL, NULL, NULL),
                ('Q1-06', 'E01000001', 72, '99', 'stroke', '2025-05-01', NULL, NULL, 'open', NULL, NULL, NULL),
                ('Q1-07', 'E01000001', 72, 'A', 'msk', '2025-05-01', NULL, NULL, 'open', NULL, NULL, NULL),
                ('Q1-08', 'E01000001', 72, 'A', 'msk', '2025-05-27', NULL, NULL, 'open', NULL, NULL, NULL),
                ('Q1-09', 'E01000001', 81, 'A', 'msk', '2025-06-01', '2025-06-15', '2025-09-05', 'discharged',
                 'barthel', 10, 15),
                ('Q1-10', 'E01000001', 81, 'A', 'msk', '2025-06-01', '2025-06-15', '2025-09-05', 'discharged',
                 'barthel', 12, 20),
                ('Q1-11', 'E01000001', 81, 'A', 'msk', '2025-06-01', '2025-06-15', '2025-09-05', 'discharged',
                 'none', NULL, NULL),
                ('Q1-12', 'E01000001', 81, 'A', 'msk', '2025-06-01', '2025-06-15', '2025-09-05', 'discharged',
                 'mrs', 4, 2),
                ('Q3-21', 'E01099999', 72, 'A', 'msk', '2025-09-01', NULL, '2025-09-02', 'withdrawn', NULL, NULL,
                 NULL),
                ('Q5-NA', 'E01000005', NULL, NULL, 'msk', '2025-09-01', NULL, '2025-09-02', 'withdrawn', NULL, NULL,
                 NULL),
                ('NONE', NULL, 72, 'Z', 'msk', '2025-09-01', NULL, '2025-09-02', 'withdrawn', NULL, NULL, NULL)
            UNION ALL
            SELECT format('Q%s-%s-%s-%s', q.q, a.line, a.age, i), 'E0100000' || q.q, a.age,
                   CASE WHEN q.q = 2 AND a.age = 72 AND i = 1 THEN '99' ELSE 'A' END,
                   a.line, '2025-09-01', NULL, '2025-09-02', 'withdrawn', NULL, NULL, NULL
            FROM (VALUES (1, 5, 2, 4), (2, 0, 8, 8), (3, 0, 11, 8), (4, 0, 16, 8), (5, 0, 16, 12))
                AS q(q, stroke72, n72, n81)
            CROSS JOIN LATERAL (VALUES ('stroke', 72, q.stroke72), ('msk', 72, q.n72), ('msk', 81, q.n81))
                AS a(line, age, n)
            CROSS JOIN LATERAL generate_series(1, a.n) AS i
        ) AS r(id, lsoa, age, ethnic, line, received, seen, discharged, outcome, tool, score_start, score_end)
        LEFT JOIN reference.lsoa_lookup l ON l.lsoa_code = r.lsoa
        """,
        "SELECT core.attach_load_table('referrals', '2025-09-01', 'RZZ', 1)",
        "SELECT core.create_load_table('workforce', '2025-09-01', 'RZZ', 3)",
        """
        INSERT INTO staging.workforce_2025_09_rzz_s3
            (period, submission_id, org_code, snapshot_date, staff_id, post_status, profession, registered, fte,
             service_line)
        VALUES ('2025-09-01', 3, 'RZZ', '2025-09-30', 'S1', 'filled', 'physiotherapist', 'Y', 1.0, 'msk'),
               ('2025-09-01', 3, 'RZZ', '2025-09-30', 'S2', 'filled', 'physiotherapist', 'Y', 0.8, 'msk'),
               ('2025-09-01', 3, 'RZZ', '2025-09-30', 'V1', 'vacant', 'physiotherapist', 'Y', 1.0, 'msk'),
               ('2025-09-01', 3, 'RZZ', '2025-09-30', 'S3', 'filled', 'rehab_support_worker', 'N', 0.5, 'msk')
        """,
        "SELECT core.attach_load_table('workforce', '2025-09-01', 'RZZ', 3)",
    ]

    @Test("Item quality as the DQMI measures it, beside national and peer figures; rule failures by trust and rule")
    func itemQualityAndRuleFailures() throws {
        let db = try Analysis.migrated()
        _ = try LoadJob.loadReference(
            layout: TestFixtures.layout,
            referenceDirectory: nil,
            database: try db.url(),
            logger: TestFixtures.logger
        )
        _ = try TestFixtures.load(TestFixtures.inbox, into: db)
        let c = try db.connect()
        // Every current submission's items are there, and a trust's org_code is 100% valid however many of its
        // rows were quarantined for other reasons (the score's validity used to be capped by them).
        let orgCode = try c.query(
            """
            SELECT count(*), min(validity), sum(s.rows_quarantined)
            FROM analysis.item_quality q JOIN audit.submissions s USING (period, org_code, kind)
            WHERE q.column_name = 'org_code' AND s.is_current
            """
        ).rows[0]
        #expect(orgCode[0] == "9" && orgCode[1] == "1.00000000000000000000" && orgCode[2] != "0", "\(orgCode)")
        // National figures are the items summed over every trust; peer over the trusts of the same ICB; the sample's
        // three trusts are in three ICBs, so each peer figure is the trust's own.
        #expect(
            try Analysis.count(
                c,
                """
                SELECT count(*) FROM analysis.item_quality q
                JOIN (SELECT period, kind, column_name, sum(valid_present)::numeric / NULLIF(sum(complete), 0) AS v,
                             sum(complete)::numeric / NULLIF(sum(applicable), 0) AS c
                      FROM analysis.item_quality GROUP BY 1, 2, 3) n USING (period, kind, column_name)
                WHERE q.national_validity IS DISTINCT FROM n.v OR q.national_completeness IS DISTINCT FROM n.c
                   OR q.peer_validity IS DISTINCT FROM q.validity OR q.national_trusts <> 3 OR q.peer_trusts <> 1
                """
            ) == 0
        )
        // An item with invalid values reads below 100%: the planted malformed LSOAs.
        #expect(
            try Analysis.count(
                c,
                "SELECT count(*) FROM analysis.item_quality WHERE column_name = 'lsoa_code' AND validity < 1"
            ) > 0
        )
        // Rule failures: exactly the failing rules of each current submission, readable by an analyst, who cannot
        // read audit itself.
        #expect(
            try Analysis.count(
                c,
                """
                SELECT count(*) FROM (
                    SELECT s.org_code, s.kind, r.rule_id, r.failures FROM audit.rule_results r
                    JOIN audit.submissions s USING (submission_id) WHERE s.is_current AND r.failures > 0
                    EXCEPT SELECT org_code, kind, rule_id, failures FROM analysis.rule_failures) x
                """
            ) == 0
        )
        try c.query("SET ROLE rehab_analyst")
        #expect(
            try Analysis.count(
                c,
                "SELECT count(*) FROM analysis.rule_failures WHERE rule_id = 'REF-SCORE-END-RANGE-01' OR rule_id LIKE 'REF-%'"
            ) > 0
        )
        #expect(try Analysis.count(c, "SELECT count(*) FROM analysis.item_quality") > 0)
        #expect(throws: DatabaseError.self) { try c.query("SELECT count(*) FROM audit.rule_results") }
        try c.query("RESET ROLE")
    }

    @Test("A month built by hand gives the figures worked out by hand, before and after disclosure control")
    func handBuiltMonth() throws {
        let db = try Analysis.migrated()
        let c = try db.connect()
        try c.transaction { c in
            for statement in Self.handBuilt { try c.query(statement) }
        }
        #expect(try Analysis.count(c, "SELECT count(*) FROM core.referrals") == 113)
        let summary = try Analysis.refresh(c)
        #expect(summary["analysis.access"] == 30)  // 5 quintiles x (msk, stroke, all), for the ICB and England
        #expect(summary["analysis.outcome_change"] == 8)  // (msk, all) x (barthel, mrs), quintile 1, twice
        // With one ICB, England's rows are that ICB's, figure for figure, before and after disclosure control.
        for table in [
            "analysis.access", "analysis.outcome_change", "analysis.inequality", "analysis.core20", "published.access",
            "published.outcome_change", "published.inequality", "published.core20",
        ] {
            for (a, b) in [("QAA", "E92000001"), ("E92000001", "QAA")] {
                let differing = try Analysis.count(
                    c,
                    """
                    SELECT count(*) FROM (
                        SELECT to_jsonb(t) - 'icb_ods' - 'icb_name' - 'compared_with_england' FROM \(table) t
                        WHERE icb_ods = '\(a)'
                        EXCEPT SELECT to_jsonb(t) - 'icb_ods' - 'icb_name' - 'compared_with_england' FROM \(table) t
                        WHERE icb_ods = '\(b)') x
                    """
                )
                #expect(differing == 0, "\(table): rows of \(a) not in \(b)")
            }
        }
        // The one ICB is England: every rate it has is similar to England's.
        #expect(
            try Analysis.count(
                c,
                """
                SELECT count(*) FROM analysis.access WHERE icb_ods = 'QAA'
                  AND compared_with_england IS DISTINCT FROM CASE WHEN dsr IS NOT NULL THEN 'similar' END
                """
            ) == 0
        )
        // The rest of this test reads the ICB's rows alone.
        for table in ["access", "outcome_change", "inequality", "core20"] {
            try c.query("DELETE FROM analysis.\(table) WHERE icb_ods = 'E92000001'")
            if table != "inequality" { try c.query("DELETE FROM published.\(table) WHERE icb_ods = 'E92000001'") }
        }

        let cell = "FROM analysis.access WHERE service_line = 'all' AND imd_quintile ="
        let rates = "new_referrals, population, crude_rate, dsr"
        try Analysis.check(c, "SELECT \(rates) \(cell) 1", [12, 3000, 400, 30])
        try Analysis.check(c, "SELECT \(rates) \(cell) 2", [16, 3000, 1600.0 / 3, 40])
        try Analysis.check(c, "SELECT \(rates) \(cell) 3", [20, 3000, 2000.0 / 3, 50])
        try Analysis.check(c, "SELECT \(rates) \(cell) 4", [24, 3000, 800, 60])
        try Analysis.check(c, "SELECT \(rates) \(cell) 5", [29, 3000, 2900.0 / 3, 70])
        try Analysis.check(
            c,
            """
            SELECT seen, wait_median_days, wait_p90_days, waiting, waiting_over_18w, waiting_over_18w_share,
                   discharges, outcome_recorded, outcome_recorded_share \(cell) 1
            """,
            [5, 30, 76, 3, 2, 2.0 / 3, 4, 3, 0.75]
        )
        // The limits: stats.rate_ci and stats.wilson_ci (tested in StatsTests) of the row's own figures, and
        // Dobson's DSR limits by hand: var = (8 x 2.5^2 + 4 x 2.5^2) / 100000^2, sqrt(var / 12) x 100000 = 2.5, so
        // DSR + 2.5 (Byar(12) - 12).
        try Analysis.check(
            c,
            """
            SELECT a.crude_rate_lower - r.lower, a.crude_rate_upper - r.upper,
                   a.dsr_lower - (30 + 2.5 * (b.lower - 12)), a.dsr_upper - (30 + 2.5 * (b.upper - 12)),
                   a.outcome_recorded_share_lower - w.lower
            FROM analysis.access a, stats.rate_ci(12, 3000) r, stats.wilson_ci(3, 4) w, stats.byar_ci(12) b
            WHERE a.service_line = 'all' AND a.imd_quintile = 1
            """,
            [0, 0, 0, 0, 0]
        )
        // Stroke: only quintile 1 has any (6, too few for a DSR); the other quintiles are zeros, not missing.
        try Analysis.check(
            c,
            """
            SELECT sum(new_referrals), count(*), count(dsr), sum(crude_rate) FILTER (WHERE imd_quintile > 1),
                   max(wait_median_days), max(waiting_over_18w)
            FROM analysis.access WHERE service_line = 'stroke'
            """,
            [6, 5, 0, 0, 30, 1]
        )
        try Analysis.check(
            c,
            """
            SELECT referrals, population, q1_referrals, q5_referrals, min_quintile_referrals, q1_dsr, q5_dsr,
                   rate_ratio, rate_difference, sii, rii, num_nonnulls(sii_lower, sii_upper, rii_lower, rii_upper)
            FROM analysis.inequality WHERE service_line = 'all'
            """,
            [101, 15000, 12, 29, 12, 30, 70, 3.0 / 7, -40, 50, 3, 0]
        )
        // The gap's limits by hand. Every referral of known age counts 2.5 per 100,000 (ESP weight 5000 over 2000
        // people at 70-74, 2500 over 1000 at 80-84), so a DSR's variance is 2.5^2 x its count: 75 for Q1 (12), 175
        // for Q5 (28 of known age). Ratio: 3/7 exp(-/+ z sqrt(75/30^2 + 175/70^2)) = 3/7 exp(-/+ z sqrt(1/12 + 1/28));
        // difference: -40 -/+ z sqrt(75 + 175).
        let z = 1.959963984540054
        let logSE = (1.0 / 12 + 1.0 / 28).squareRoot()
        try Analysis.check(
            c,
            """
            SELECT rate_ratio_lower, rate_ratio_upper, rate_difference_lower, rate_difference_upper
            FROM analysis.inequality WHERE service_line = 'all'
            """,
            [
                3.0 / 7 * Foundation.exp(-z * logSE), 3.0 / 7 * Foundation.exp(z * logSE), -40 - z * 250.0.squareRoot(),
                -40 + z * 250.0.squareRoot(),
            ]
        )
        try Analysis.check(
            c,
            """
            SELECT referrals, referrals_q1, referral_share_q1, population, population_q1, population_share_q1,
                   representation_ratio
            FROM analysis.core20 WHERE service_line = 'all'
            """,
            [101, 12, 12.0 / 101, 15000, 3000, 0.2, 12.0 / 101 / 0.2]
        )
        let outcome = "FROM analysis.outcome_change WHERE service_line = 'all' AND outcome_tool ="
        try Analysis.check(
            c,
            "SELECT discharges, mean_start, mean_end, mean_change, sd_change, higher_is_better::int \(outcome) 'barthel'",
            [2, 11, 17.5, 6.5, 4.5.squareRoot(), 1]
        )
        try Analysis.check(
            c,
            "SELECT discharges, mean_start, mean_end, mean_change, sd_change, higher_is_better::int \(outcome) 'mrs'",
            [1, 4, 2, -2, nil, 0]
        )
        let workforce = """
            posts_filled, posts_vacant, fte_in_post, fte_vacant, fte_establishment, vacancy_rate, posts_registered,
            posts_support, fte_registered, fte_support, registered_share, skill_mix_share, population, fte_per_100k,
            referrals, fte_per_1000_referrals
            """
        let wholeTrust: [Double?] = [
            3, 1, 2.3, 1, 3.3, 1 / 3.3, 2, 1, 1.8, 0.5, 1.8 / 2.3, 1, 15000, 2.3 / 15000 * 100_000, 113,
            2.3 / 113 * 1000,
        ]
        try Analysis.check(c, "SELECT \(workforce) FROM analysis.workforce_trust WHERE profession = 'all'", wholeTrust)
        try Analysis.check(c, "SELECT \(workforce) FROM analysis.workforce_icb WHERE profession = 'all'", wholeTrust)
        try Analysis.check(
            c,
            "SELECT skill_mix_share, vacancy_rate FROM analysis.workforce_trust WHERE profession = 'physiotherapist'",
            [1.8 / 2.3, 1 / 2.8]
        )
        let completeness = """
            submissions_expected, submissions_received, submissions_missing, coverage, score_mean, score_referrals,
            score_contacts, score_workforce, referrals, lsoa_known, lsoa_known_share, ethnicity_recorded,
            ethnicity_recorded_share, discharges, outcome_recorded, outcome_recorded_share
            """
        let trustCompleteness: [Double?] = [
            3, 3, 0, 1, 90, 90, 100, 80, 113, 112, 112.0 / 113, 109, 109.0 / 113, 4, 3, 0.75,
        ]
        try Analysis.check(c, "SELECT \(completeness) FROM analysis.completeness_trust", trustCompleteness)
        // One trust: its ICB and England are the trust.
        try Analysis.check(
            c,
            "SELECT \(completeness) FROM analysis.completeness_icb WHERE icb_ods <> 'E92000001'",
            trustCompleteness
        )
        try Analysis.check(
            c,
            "SELECT \(completeness) FROM analysis.completeness_icb WHERE icb_ods = 'E92000001'",
            trustCompleteness
        )
        #expect(try c.query("SELECT expected_source FROM analysis.completeness_trust").scalar == "assumed")

        // Published. Q1: 12 referrals -> 10, rate recomputed from 10; the DSR stays (12 is not suppressed);
        // 5 seen, 3 waiting and 4 discharges are suppressed, and all that is derived from them.
        let published = "FROM published.access WHERE service_line = 'all' AND imd_quintile ="
        try Analysis.check(
            c,
            """
            SELECT new_referrals, population, crude_rate, dsr, seen, wait_median_days, waiting, waiting_over_18w_share,
                   discharges, outcome_recorded_share \(published) 1
            """,
            [10, 3000, 1000.0 / 3, 30, nil, nil, nil, nil, nil, nil]
        )
        try Analysis.check(
            c,
            "SELECT new_referrals, crude_rate, dsr, seen, waiting \(published) 5",
            [30, 1000, 70, 0, 0]
        )
        try Analysis.check(
            c,
            "SELECT count(*) FROM published.access p, stats.rate_ci(10, 3000) r WHERE p.crude_rate_lower = r.lower",
            [1]  // quintile 1 all, the only cell of 10
        )
        #expect(try Analysis.count(c, "SELECT count(*) FROM published.access WHERE service_line = 'stroke'") == 5)
        let strokeCell = "FROM published.access WHERE service_line = 'stroke' AND imd_quintile ="
        try Analysis.check(
            c,
            "SELECT new_referrals, crude_rate, dsr, wait_median_days \(strokeCell) 1",
            [nil, nil, nil, nil]
        )
        try Analysis.check(
            c,
            """
            SELECT referrals, q1_referrals, q5_referrals, min_quintile_referrals, q1_dsr, q5_dsr, rate_ratio, sii, rii
            FROM published.inequality WHERE service_line = 'all'
            """,
            [100, 10, 30, 10, 30, 70, 0.43, 50, 3]  // the rate ratio 3/7, to 2 decimal places
        )
        // Published limits, rounded as the ratio (2 places) and the difference (1 place) are.
        try Analysis.check(
            c,
            """
            SELECT rate_ratio_lower, rate_ratio_upper, rate_difference_lower, rate_difference_upper
            FROM published.inequality WHERE service_line = 'all'
            """,
            [0.22, 0.84, -71.0, -9.0]
        )
        try Analysis.check(
            c,
            """
            SELECT referrals, referrals_q1, referral_share_q1, population_share_q1, representation_ratio
            FROM published.core20 WHERE service_line = 'all'
            """,
            [100, 10, 0.1, 0.2, 0.5]
        )
        try Analysis.check(
            c,
            "SELECT discharges, mean_change, sd_change FROM published.outcome_change WHERE service_line = 'all' LIMIT 1",
            [nil, nil, nil]
        )
        // 3 posts filled and 1 vacant: every FTE figure goes; the population (public) and the caseload (113 -> 115)
        // stay.
        try Analysis.check(
            c,
            "SELECT \(workforce) FROM published.workforce_trust WHERE profession = 'all'",
            [nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, 15000, nil, 115, nil]
        )
        // 113 -> 115 referral rows, 112 -> 110 with an LSOA and 109 -> 110 with an ethnicity: the published shares
        // are 110 / 115. Scores and submission counts are not about people and stay as they are.
        try Analysis.check(
            c,
            "SELECT \(completeness) FROM published.completeness_trust",
            [3, 3, 0, 1, 90, 90, 100, 80, 115, 110, 110.0 / 115, 110, 110.0 / 115, nil, nil, nil]
        )

        // The simulation stage (as rehab_loader) fills the SII limits; published.inequality shows them at once, and
        // the next refresh empties them.
        try c.query("SET ROLE rehab_loader")
        try c.query(
            "UPDATE analysis.inequality SET sii_lower = 40, sii_upper = 60, rii_lower = 2, rii_upper = 4"
        )
        try c.query("RESET ROLE")
        try Analysis.check(
            c,
            "SELECT sii_lower, sii_upper, rii_lower, rii_upper FROM published.inequality WHERE service_line = 'all'",
            [40, 60, 2, 4]
        )
        try Analysis.check(
            c,
            "SELECT count(*) FROM published.inequality WHERE service_line = 'msk' AND sii_lower IS NOT NULL",
            [0]  // msk quintile 1 has 6 referrals
        )
        try Analysis.refresh(c)
        // The ICB's and England's SII, limits emptied again.
        try Analysis.check(c, "SELECT count(sii_lower), count(sii) FROM analysis.inequality", [0, 2])

        // Expected submissions: referrals expected from RZZ from January, contacts until August only, and a
        // workforce return from a trust that has sent nothing (and is not in reference.trust).
        try c.query(
            """
            INSERT INTO reference.expected_submissions
            VALUES ('RZZ', 'referrals', '2025-01-01', NULL), ('RZZ', 'contacts', '2025-01-01', '2025-08-01'),
                   ('RYY', 'workforce', '2025-09-01', NULL)
            """
        )
        // Twice in one transaction: the second refresh replaces the first's temporary tables and rows.
        try c.transaction { c in
            try Analysis.refresh(c)
            try Analysis.refresh(c)
        }
        let expectations = try c.query(
            """
            SELECT org_code, icb_ods, expected_source, submissions_expected, submissions_received, submissions_missing,
                   coverage::float8
            FROM analysis.completeness_trust ORDER BY org_code
            """
        ).rows
        #expect(
            expectations == [
                ["RYY", nil, "reference", "1", "0", "1", "0"], ["RZZ", "QAA", "reference", "1", "3", "0", "1"],
            ]
        )
        try Analysis.check(
            c,
            "SELECT trusts, submissions_expected, coverage FROM analysis.completeness_icb WHERE icb_ods = 'QAA'",
            [1, 1, 1]
        )
        // The rule itself (reference.expected_extracts), for a month nobody has sent anything for yet: the
        // schedule's rows, RZZ's contacts ended, none assumed.
        #expect(
            try c.query(
                """
                SELECT org_code, kind, expected_source FROM reference.expected_extracts(ARRAY['2025-10-01'::date])
                ORDER BY 1, 2
                """
            ).rows == [["RYY", "workforce", "reference"], ["RZZ", "referrals", "reference"]]
        )
        // The public reads who is missing through the same rule, without reading audit.
        try c.query("SET ROLE rehab_public")
        #expect(
            try c.query("SELECT org_code, kind, expected_source, state FROM published.missing_submissions").rows
                == [["RYY", "workforce", "reference", "not received"]]
        )
        try c.query("RESET ROLE")
        // England counts every trust, RYY too, though no ICB does.
        try Analysis.check(
            c,
            "SELECT trusts, submissions_expected, coverage FROM analysis.completeness_icb WHERE icb_ods = 'E92000001'",
            [2, 2, 0.5]
        )
        #expect(try c.query("SELECT count(*) FROM analysis.completeness_icb").scalar == "2")
        try Analysis.expectNoViolations(c, Analysis.disclosureRules())
    }

    @Test("published.sdc_count suppresses 1-7 and rounds the rest to the nearest 5")
    func sdcCount() throws {
        let db = try Analysis.migrated()
        let c = try db.connect()
        let rows = try c.query(
            """
            SELECT n, published.sdc_count(n), published.sdc_suppressed(n)
            FROM unnest(ARRAY[NULL, 0, 1, 2, 7, 8, 9, 10, 12, 13, 17, 18, 1000002, 1000003]::bigint[]) AS n
            """
        ).rows
        let expected: [[String?]] = [
            [nil, nil, nil], ["0", "0", "f"], ["1", nil, "t"], ["2", nil, "t"], ["7", nil, "t"], ["8", "10", "f"],
            ["9", "10", "f"], ["10", "10", "f"], ["12", "10", "f"], ["13", "15", "f"], ["17", "15", "f"],
            ["18", "20", "f"], ["1000002", "1000000", "f"], ["1000003", "1000005", "f"],
        ]
        #expect(rows == expected)
        let error = try #require(throws: DatabaseError.self) { try c.query("SELECT published.sdc_count(-1)") }
        #expect(error.sqlState == "22023")
    }

    @Test("Every analysis and published column is commented; rehab_public reads published only")
    func commentsAndPrivileges() throws {
        let db = try Analysis.migrated()
        let c = try db.connect()
        let uncommented = try c.query(
            """
            SELECT n.nspname || '.' || r.relname || coalesce('.' || a.attname, '')
            FROM pg_class r
            JOIN pg_namespace n ON n.oid = r.relnamespace
            LEFT JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE r.relkind IN ('r', 'v', 'm') AND (n.nspname IN ('analysis', 'published')
                                                    OR r.oid = 'reference.expected_submissions'::regclass)
              AND (obj_description(r.oid, 'pg_class') IS NULL
                   OR (a.attnum IS NOT NULL AND col_description(r.oid, a.attnum) IS NULL))
            ORDER BY 1
            """
        ).rows.compactMap { $0[0] }
        #expect(uncommented.isEmpty, "\(uncommented)")
        let tables = try c.query(
            """
            SELECT r.oid::regclass::text FROM pg_class r
            WHERE r.relnamespace IN ('analysis'::regnamespace, 'published'::regnamespace) AND r.relkind IN ('r', 'v')
            ORDER BY 1
            """
        ).rows.compactMap { $0[0] }
        // With analysis.spc, its published view and the ICB charts behind it (published.spc_icb), and the
        // missing_submissions views of both schemas, and the manifest of measures (published.measures).
        #expect(tables.count == 26)
        #expect(
            try c.query(
                """
                SELECT bool_and(obj_description(p.oid, 'pg_proc') IS NOT NULL) FROM pg_proc p
                WHERE p.pronamespace IN ('analysis'::regnamespace, 'published'::regnamespace)
                """
            ).scalar == "t"
        )
        #expect(
            try c.query(
                """
                SELECT p.prosecdef AND 'search_path=pg_catalog, pg_temp' = ANY (p.proconfig)
                       AND pg_get_userbyid(p.proowner) = current_user
                FROM pg_proc p WHERE p.oid = 'analysis.refresh(date[])'::regprocedure
                """
            ).scalar == "t"
        )

        // Who may do what, as the catalog says.
        let privileges = try c.query(
            """
            SELECT r.role,
                   bool_and(has_table_privilege(r.role, t.oid, 'SELECT'))
                       FILTER (WHERE t.relnamespace = 'analysis'::regnamespace),
                   bool_and(has_table_privilege(r.role, t.oid, 'SELECT'))
                       FILTER (WHERE t.relnamespace = 'published'::regnamespace),
                   has_function_privilege(r.role, 'analysis.refresh(date[])', 'EXECUTE'),
                   bool_or(has_function_privilege(r.role, u.oid, 'EXECUTE')),
                   has_column_privilege(r.role, 'analysis.inequality', 'sii_lower', 'UPDATE'),
                   has_column_privilege(r.role, 'analysis.inequality', 'sii', 'UPDATE'),
                   has_table_privilege(r.role, 'reference.expected_submissions', 'INSERT')
            FROM unnest(ARRAY['rehab_analyst', 'rehab_loader', 'rehab_public']) AS r(role)
            CROSS JOIN pg_class t
            -- The units of the refresh, which only the refresh may call.
            CROSS JOIN (SELECT oid FROM pg_proc
                        WHERE pronamespace = 'analysis'::regnamespace AND proname LIKE 'refresh\\_%') u
            WHERE t.relnamespace IN ('analysis'::regnamespace, 'published'::regnamespace) AND t.relkind IN ('r', 'v')
            GROUP BY r.role ORDER BY r.role
            """
        ).rows
        #expect(
            privileges == [
                ["rehab_analyst", "t", "t", "f", "f", "f", "f", "f"],
                ["rehab_loader", "t", "t", "t", "f", "t", "f", "t"],
                ["rehab_public", "f", "t", "f", "f", "f", "f", "f"],
            ]
        )
        let publicSchemas = try c.query(
            """
            SELECT string_agg(n.nspname, ',' ORDER BY n.nspname) FROM pg_namespace n
            WHERE has_schema_privilege('rehab_public', n.oid, 'USAGE')
              AND n.nspname NOT IN ('information_schema', 'public') AND n.nspname NOT LIKE 'pg\\_%'
            """
        ).scalar
        #expect(publicSchemas == "published")

        // The refresh reads one snapshot: outside a REPEATABLE READ transaction it refuses, and says how.
        try c.query("SET ROLE rehab_loader")
        let autocommit = try #require(throws: DatabaseError.self) { try c.query("SELECT * FROM analysis.refresh()") }
        #expect(autocommit.sqlState == "25001" && autocommit.serverMessage?.contains("REPEATABLE READ") == true)
        try c.query("RESET ROLE")

        // And in practice, after a refresh of an empty database.
        try Analysis.refresh(c)
        try c.query("SET ROLE rehab_public")
        let published = try c.query(
            "SELECT relname FROM pg_class WHERE relnamespace = 'published'::regnamespace AND relkind IN ('r', 'v')"
        ).rows.compactMap { $0[0] }
        // The nine tables of figures, missing_submissions, spc, spc_icb and the manifest of measures.
        #expect(published.count == 13)
        for table in published { try c.query("SELECT * FROM published.\(table)") }
        for denied in [
            "SELECT 1 FROM analysis.access", "SELECT 1 FROM analysis.inequality", "SELECT 1 FROM core.referrals",
            "SELECT 1 FROM reference.trust", "SELECT 1 FROM audit.submissions", "SELECT * FROM analysis.refresh()",
        ] {
            let error = try #require(throws: DatabaseError.self, "\(denied)") { try c.query(denied) }
            #expect(error.sqlState == "42501", "\(denied)")
        }
        try c.query("RESET ROLE")
        try c.query("SET ROLE rehab_analyst")
        try c.query("SELECT * FROM analysis.access")
        try c.query("SELECT * FROM published.inequality")
        for denied in ["SELECT * FROM analysis.refresh()", "UPDATE analysis.inequality SET sii_lower = 0"] {
            let error = try #require(throws: DatabaseError.self, "\(denied)") { try c.query(denied) }
            #expect(error.sqlState == "42501", "\(denied)")
        }
        try c.query("RESET ROLE")
    }
}

import Foundation
import RehabCore
import RehabDatabase

/// Reads the national gap report's figures of one period: the measures that `published.measures` offers to the
/// report, and the report's own series, from the `published` schema (small numbers suppressed) or `analysis`.
///
/// A role that may read only the published schema gets what it may read: reference names, the audit's "as at", the
/// charts as they stood in an earlier month, rebase notes, the trusts' data items and the funnels are left out where
/// the role lacks the privilege (SQLSTATE 42501), and only there.
public enum NationalFiguresReader {
    /// - Parameters:
    ///   - source: `published` or `analysis`.
    ///   - period: the month; nil for the latest with figures.
    ///   - generatedAt: when the report is written, ISO 8601.
    /// - Throws: `RehabError` for a bad source, a period without figures or no figures at all; `DatabaseError`.
    public static func read(
        connection: borrowing Connection,
        source: String,
        period: Period?,
        generatedAt: String
    ) throws -> NationalFigures {
        guard source == "published" || source == "analysis" else {
            throw RehabError(.usage, "Unknown source '\(source)'.", hint: "Use --source published or analysis.")
        }
        let withFigures = try periodsWithFigures(source: source, connection: connection)
        let latest = withFigures.last?.start.description
        let chosen: String
        if let period {
            chosen = period.start.description
            guard withFigures.contains(period) else {
                let periods = withFigures.isEmpty ? "none yet" : withFigures.map(\.description).joined(separator: ", ")
                throw RehabError(
                    .noData,
                    "\(source).access has no figures for \(period): no report written.",
                    hint:
                        "Periods with figures: \(periods). Load that month's extracts and run `rehabcount analyse` first."
                )
            }
        } else if let latest {
            chosen = latest
        } else {
            throw RehabError(
                .usage,
                "\(source).access has no figures.",
                hint: "Load extracts and run `rehabcount analyse` first."
            )
        }
        let measures = try self.measures(connection)
        var figures: [NationalFigures.Table] = []
        for table in measures.filter(\.inReport).map(\.name) {
            let result = try connection.query(
                "SELECT * FROM \(source).\(Connection.quoteIdentifier(table)) WHERE period = $1::date ORDER BY 1, 2, 3",
                [chosen]
            )
            figures.append(.init(name: table, columns: result.columns, rows: result.rows))
        }
        // ICB names are reference data; a role that may read only the published schema gets codes instead.
        var names: [String: String] = [:]
        if let rows = try permitted(connection, "SELECT icb_ods, icb_name FROM reference.icb")?.rows {
            for row in rows { if let code = row[0], let name = row[1] { names[code] = name } }
        }
        var trustNames: [String: String] = [:]
        if let rows = try permitted(connection, "SELECT trust_ods, trust_name FROM reference.trust")?.rows {
            for row in rows { if let code = row[0], let name = row[1] { trustNames[code] = name } }
        }
        // When the latest submission of the period was loaded: the audit schema, which a role that may read only
        // the published schema cannot see.
        let asAt = try permitted(
            connection,
            """
            SELECT to_char(max(received_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM audit.submissions WHERE period = $1::date AND is_current
            """,
            [chosen]
        )?.scalar
        // Every month up to this one, for each ICB's page: its quintiles over time.
        let history = try connection.query(
            """
            SELECT period, icb_ods, imd_quintile, dsr, dsr_lower, dsr_upper
            FROM \(source).access WHERE service_line = 'all' AND period <= $1::date
            ORDER BY icb_ods, period, imd_quintile
            """,
            [chosen]
        )
        figures.append(.init(name: "access_history", columns: history.columns, rows: history.rows))
        // The Making Data Count charts of England and of each ICB. The latest month's are as stored; an earlier
        // month's are charted again from its own month and those before, so that its report shows the limits and
        // signals as they stood then, not as later months moved them. A role without the stats schema gets the
        // stored charts up to the month.
        let stored = """
            SELECT icb_ods, series, period, value, mean, lpl, upl, point_type, improvement, points, latest_variation,
                   coverage, incomplete, phase, target, assurance
            FROM \(source).spc WHERE org_code = '' AND period <= $1::date
            ORDER BY icb_ods <> 'E92000001', icb_ods, series, period
            """
        // As they stood then: the same months, incomplete as stored, rebased and targeted as now.
        let asThen = """
            WITH s AS (
                SELECT icb_ods, series, improvement, max(target) AS target,
                       array_agg(period ORDER BY period) AS periods,
                       array_agg(value::double precision ORDER BY period) AS vals,
                       array_agg(incomplete ORDER BY period) AS incomplete,
                       array_agg(coverage ORDER BY period) AS coverage
                FROM \(source).spc WHERE org_code = '' AND period <= $1::date
                GROUP BY icb_ods, series, improvement
            )
            SELECT s.icb_ods, s.series, c.period, round(c.value::numeric, 3) AS value,
                   round(c.mean::numeric, 3) AS mean, round(c.lpl::numeric, 3) AS lpl, round(c.upl::numeric, 3) AS upl,
                   c.point_type, s.improvement, cardinality(s.periods) AS points, c.latest_variation,
                   s.coverage[array_position(s.periods, c.period)] AS coverage, c.point_type = 'incomplete' AS incomplete,
                   c.phase, s.target, c.assurance
            FROM s CROSS JOIN LATERAL analysis.spc_chart(
                s.periods, s.vals, s.incomplete, s.improvement,
                (SELECT coalesce(array_agg(r.period), '{}'::date[]) FROM reference.spc_rebase r
                 WHERE r.series = s.series AND r.area IN ('', s.icb_ods)),
                s.target) c
            ORDER BY s.icb_ods <> 'E92000001', s.icb_ods, s.series, 3
            """
        var spc = chosen == latest ? nil : try permitted(connection, asThen, [chosen])
        if spc == nil { spc = try permitted(connection, stored, [chosen]) }
        if let spc, !spc.rows.isEmpty {
            figures.append(.init(name: "spc", columns: spc.columns, rows: spc.rows))
        }
        // The rebase points and their reasons, for the notes under the charts (reference data: a role that may read
        // only the published schema gets the charts without the notes).
        if let rebases = try permitted(
            connection,
            "SELECT series, area, period, reason FROM reference.spc_rebase WHERE period <= $1::date ORDER BY 1, 2, 3",
            [chosen]
        ), !rebases.rows.isEmpty {
            figures.append(.init(name: "spc_rebase", columns: rebases.columns, rows: rebases.rows))
        }
        // Each trust's data items beside the national and peer figures, and the rules its submissions failed:
        // about records, not people (audit, through analysis views that a published-only role cannot read).
        if let items = try permitted(
            connection,
            """
            SELECT org_code, icb_ods, kind, column_name, status, completeness, validity, peer_completeness,
                   peer_validity, national_completeness, national_validity, peer_trusts, national_trusts
            FROM analysis.item_quality WHERE period = $1::date ORDER BY org_code, kind, column_name
            """,
            [chosen]
        ), !items.rows.isEmpty {
            figures.append(.init(name: "item_quality", columns: items.columns, rows: items.rows))
        }
        if let failures = try permitted(
            connection,
            """
            SELECT org_code, icb_ods, kind, rule_id, severity, failures, rows_read, failures_per_row
            FROM analysis.rule_failures WHERE period = $1::date ORDER BY org_code, failures DESC, rule_id
            """,
            [chosen]
        ), !failures.rows.isEmpty {
            figures.append(.init(name: "rule_failures", columns: failures.columns, rows: failures.rows))
        }
        // Each trust's data-quality score as a Making Data Count series up to the month: the variation of its
        // latest point, as it stood then.
        if let trend = try permitted(
            connection,
            """
            SELECT org_code, stats.spc_variation(array_agg(value::double precision ORDER BY period), 'increase')
                       AS variation,
                   count(*) AS points
            FROM \(source).spc
            WHERE series = 'data_quality_score' AND period <= $1::date
            GROUP BY org_code
            HAVING max(period) = $1::date
            ORDER BY org_code
            """,
            [chosen]
        ), !trend.rows.isEmpty {
            figures.append(.init(name: "score_variation", columns: trend.columns, rows: trend.rows))
        }
        // The funnel of trusts' outcome recording, from the same (published) counts: PHE's limits around the overall
        // share, or, when the trusts are overdispersed (phi > 1), the additive random-effects limits FunnelPlotR
        // draws. A role without the stats schema gets the report without it.
        if let funnel = try permitted(
            connection,
            """
            WITH t AS (
                SELECT array_agg(outcome_recorded::numeric ORDER BY org_code) AS recorded,
                       array_agg(discharges::numeric ORDER BY org_code) AS discharges
                FROM \(source).completeness_trust
                WHERE period = $1::date AND discharges > 0 AND outcome_recorded IS NOT NULL
            ), d AS (
                SELECT t.*, x.phi, x.tau2, x.overdispersed
                FROM t CROSS JOIN LATERAL stats.funnel_dispersion(t.recorded, t.discharges, 'proportion') x
                WHERE t.recorded IS NOT NULL
            )
            SELECT f.denominator AS discharges, f.lower_2s, f.upper_2s, f.lower_3s, f.upper_3s, f.baseline,
                   d.phi, d.tau2, f.method_used AS method
            FROM d CROSS JOIN LATERAL stats.funnel_overdispersed(d.recorded, d.discharges, 'proportion', 'additive', 100) f
            WHERE d.overdispersed
            UNION ALL
            SELECT f.population, f.lower_2s, f.upper_2s, f.lower_3s, f.upper_3s, f.baseline, d.phi, d.tau2, 'none'
            FROM d CROSS JOIN LATERAL stats.funnel_proportion(d.recorded, d.discharges, 100) f
            WHERE NOT d.overdispersed
            ORDER BY 1
            """,
            [chosen]
        ), !funnel.rows.isEmpty {
            figures.append(.init(name: "funnel_outcome_recorded", columns: funnel.columns, rows: funnel.rows))
        }
        // The funnel of ICBs' crude rates of new referrals: PHE's exact Poisson limits around the rate over every
        // ICB, or the additive random-effects limits when the ICBs are overdispersed, from the counts of ICBs whose
        // five quintiles are all published.
        if let funnel = try permitted(
            connection,
            """
            WITH icb AS (
                SELECT icb_ods, sum(new_referrals)::numeric AS referrals, sum(population)::numeric AS population
                FROM \(source).access
                WHERE period = $1::date AND service_line = 'all' AND icb_ods <> 'E92000001'
                GROUP BY icb_ods
                HAVING count(new_referrals) = 5 AND sum(new_referrals) > 0 AND sum(population) > 0
            ), t AS (
                SELECT array_agg(referrals ORDER BY icb_ods) AS referrals,
                       array_agg(referrals / population * 100000 ORDER BY icb_ods) AS rates,
                       array_agg(population ORDER BY icb_ods) AS populations
                FROM icb
            ), d AS (
                SELECT t.*, x.phi, x.tau2, x.overdispersed
                FROM t CROSS JOIN LATERAL stats.funnel_dispersion(t.referrals, t.populations, 'rate') x
                WHERE t.referrals IS NOT NULL
            )
            SELECT NULL::double precision AS events, f.denominator AS lower_2s_population, f.lower_2s,
                   f.denominator AS upper_2s_population, f.upper_2s, f.denominator AS lower_3s_population, f.lower_3s,
                   f.denominator AS upper_3s_population, f.upper_3s, f.baseline, d.phi, d.tau2,
                   f.method_used AS method
            FROM d CROSS JOIN LATERAL stats.funnel_overdispersed(d.referrals, d.populations, 'rate', 'additive', 100000) f
            WHERE d.overdispersed
            UNION ALL
            SELECT f.events, f.lower_2s_population_1_year, f.lower_2s,
                   f.upper_2s_population_1_year, f.upper_2s,
                   f.lower_3s_population_1_year, f.lower_3s,
                   f.upper_3s_population_1_year, f.upper_3s, f.baseline, d.phi, d.tau2, 'none'
            FROM d CROSS JOIN LATERAL stats.funnel_rate(d.referrals, d.rates, 100000, 1, 'crude', d.populations) f
            WHERE NOT d.overdispersed
            """,
            [chosen]
        ), !funnel.rows.isEmpty {
            figures.append(.init(name: "funnel_icb_referral_rate", columns: funnel.columns, rows: funnel.rows))
        }
        return NationalFigures(
            source: source,
            period: chosen,
            measures: measures,
            tables: figures,
            icbNames: names,
            trustNames: trustNames,
            dataAsAt: asAt ?? nil,
            generatedAt: generatedAt
        )
    }

    /// The measures of the manifest, `published.measures`, in their order.
    public static func measures(_ connection: borrowing Connection) throws -> [Measure] {
        try connection.query(
            "SELECT measure, grain, title, published_as, in_report FROM published.measures ORDER BY position"
        ).rows.map {
            Measure(
                name: $0[0] ?? "",
                grain: $0[1] ?? "",
                title: $0[2] ?? "",
                publishedAs: $0[3],
                inReport: $0[4] == "t"
            )
        }
    }

    /// A query that a role may not be allowed to run: nil when the role lacks the privilege (SQLSTATE 42501), so
    /// that a role that may read only the published schema still gets the report, without what it cannot see. Any
    /// other error is the report's failure, not a missing section.
    static func permitted(
        _ connection: borrowing Connection,
        _ sql: String,
        _ parameters: [String?] = []
    ) throws -> QueryResult? {
        do {
            return try connection.query(sql, parameters)
        } catch let error as DatabaseError where error.sqlState == "42501" {
            return nil
        }
    }

    /// Every period with access figures in `source` (`published` or `analysis`), earliest first: none when only
    /// workforce has been loaded, say.
    public static func periodsWithFigures(source: String, connection: borrowing Connection) throws -> [Period] {
        try connection.query("SELECT DISTINCT to_char(period, 'YYYY-MM') FROM \(source).access ORDER BY 1").rows
            .compactMap { $0[0].flatMap { Period($0) } }
    }
}

import Foundation
import RehabCore

/// The figures of one period for the national gap report, as read from the `published` (or `analysis`) schema:
/// every table whole, so that the report can chart some columns and offer all of them as CSV.
public struct NationalFigures: Sendable {
    public struct Table: Sendable {
        public var name: String
        public var columns: [String]
        public var rows: [[String?]]

        public init(name: String, columns: [String], rows: [[String?]]) {
            self.name = name
            self.columns = columns
            self.rows = rows
        }

        /// The rows as dictionaries keyed by column name.
        var records: [[String: String]] {
            rows.map { row in
                var record: [String: String] = [:]
                for (column, value) in zip(columns, row) { record[column] = value }
                return record
            }
        }
    }

    /// `published` or `analysis`.
    public var source: String
    /// The reporting period, YYYY-MM-DD (first of the month).
    public var period: String
    public var tables: [Table] { didSet { records = Self.records(of: tables) } }
    /// Each table's rows as column → value, made once: every section and ICB page reads them.
    private var records: [String: [[String: String]]]
    /// ICB ODS code → name, where known.
    public var icbNames: [String: String]
    /// Trust ODS code → name, where known.
    public var trustNames: [String: String]
    /// When the latest submission the figures include was loaded, ISO 8601; nil when it cannot be read.
    public var dataAsAt: String?
    /// When the report was written, ISO 8601.
    public var generatedAt: String

    public init(
        source: String,
        period: String,
        tables: [Table],
        icbNames: [String: String],
        trustNames: [String: String] = [:],
        dataAsAt: String? = nil,
        generatedAt: String
    ) {
        self.source = source
        self.period = period
        self.tables = tables
        self.records = Self.records(of: tables)
        self.icbNames = icbNames
        self.trustNames = trustNames
        self.dataAsAt = dataAsAt
        self.generatedAt = generatedAt
    }

    func table(_ name: String) -> [[String: String]] { records[name] ?? [] }

    private static func records(of tables: [Table]) -> [String: [[String: String]]] {
        Dictionary(tables.map { ($0.name, $0.records) }, uniquingKeysWith: { first, _ in first })
    }
}

/// The national gap report: one self-contained HTML page (inline SVG, no script, no network) and a CSV per table.
public enum NationalReport {
    /// The page, and the CSV files to write beside it in `csvFolder` (file name → contents), which the page links.
    public static func render(
        _ figures: NationalFigures,
        csvFolder: String,
        icbFolder: String? = nil
    ) -> (html: String, csv: [(name: String, text: String)]) {
        let csv = figures.tables.map { (name: "\($0.name).csv", text: csvText($0, names: figures)) }
        return (page(figures, csvFolder: csvFolder, icbFolder: icbFolder), csv)
    }

    static func page(_ f: NationalFigures, csvFolder: String, icbFolder: String? = nil) -> String {
        var page = HTML()
        let title = "Community rehabilitation: national gap report, \(String(f.period.prefix(7)))"
        page.raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        page.element("title", title)
        page.raw("<style>\(style)</style></head><body><main>")
        page.element("h1", title)
        page.raw("<p class=\"asat\">")
        page.value(
            (f.dataAsAt.map { "Data as at \($0), the latest load of this period included. " } ?? "")
                + "Generated \(f.generatedAt)."
        )
        page.raw("</p>")
        page.raw("<p class=\"note\">")
        if f.source == "published" {
            page.value(
                "Figures from the published schema, cleared for sharing: counts of 1 to 7 are suppressed (shown as "
                    + "\u{2018}s\u{2019}) and other counts rounded to the nearest 5; a rate or share built on a "
                    + "suppressed count is suppressed too, and standardised rates and inequality measures are "
                    + "published rounded."
            )
        } else {
            page.value(
                "Figures from the analysis schema, NOT cleared for publication: small numbers are not suppressed. "
                    + "Do not share this page outside the analyst team."
            )
        }
        page.value(
            " Rates are referrals per 100,000 residents in the month, age-standardised to the European Standard "
                + "Population 2013, by the national IMD quintile of the patient's area (Q1 most deprived)."
        )
        page.raw("</p>")

        englandSection(f, into: &page)
        rateSection(f, into: &page, icbFolder: icbFolder)
        spcSection(f, into: &page, icbFolder: icbFolder)
        rateFunnelSection(f, into: &page)
        inequalitySection(f, into: &page)
        workforceSection(f, into: &page)
        completenessSection(f, into: &page)
        funnelSection(f, into: &page)

        page.element("h2", "Download the tables")
        page.raw("<ul class=\"downloads\">")
        for table in f.tables {
            page.raw("<li><a href=\"\(HTML.escape(csvFolder))/\(HTML.escape(table.name)).csv\">")
            page.value("\(table.name).csv")
            page.raw("</a> ")
            page.value("(\(table.rows.count) rows, \(table.columns.count) columns)")
            page.raw("</li>")
        }
        page.raw("</ul>")
        page.raw(
            "<p class=\"note\">Column meanings: docs/data-dictionary.md. Made by RehabCount "
                + "\(HTML.escape(RehabCountVersion.tool)) at \(HTML.escape(f.generatedAt)).</p></main></body></html>"
        )
        return page.text
    }

    // MARK: - Sections

    /// England's headline figures for the month, in words a board paper can quote: referrals and their rate, the
    /// most and least deprived fifths and the gap between them, waits, outcome recording, and how much of the data
    /// arrived.
    static func englandSection(_ f: NationalFigures, into page: inout HTML) {
        let rows = f.table("access").filter { $0["icb_ods"] == england && $0["service_line"] == "all" }
        guard !rows.isEmpty else { return }
        func total(_ column: String) -> Double? {
            let values = rows.map { number($0[column]) }
            return values.contains(nil) ? nil : values.compactMap { $0 }.reduce(0, +)
        }
        func share(_ part: String, _ whole: String) -> String {
            guard let p = total(part), let w = total(whole), w > 0 else { return "s" }
            return String(format: "%.1f%%", 100 * p / w)
        }
        let q1 = rows.first { $0["imd_quintile"] == "1" }
        let q5 = rows.first { $0["imd_quintile"] == "5" }
        let gap = f.table("inequality").first { $0["icb_ods"] == england && $0["service_line"] == "all" }
        let wait = f.table("spc").first {
            $0["icb_ods"] == england && $0["series"] == "median_wait_days" && $0["period"] == f.period
        }
        var facts: [(String, String)] = []
        if let referrals = total("referrals"), let population = total("population"), population > 0 {
            facts.append(("Referrals", Int(referrals).formatted(.number.locale(Locale(identifier: "en_GB")))))
            facts.append(("Referrals per 100,000 residents", SVGChart.format(referrals / population * 100_000)))
        }
        facts.append(
            ("Most deprived fifth (Q1), age-standardised", interval(q1?["dsr"], q1?["dsr_lower"], q1?["dsr_upper"]))
        )
        facts.append(
            ("Least deprived fifth (Q5), age-standardised", interval(q5?["dsr"], q5?["dsr_lower"], q5?["dsr_upper"]))
        )
        if let gap {
            facts.append(
                (
                    "Q1 minus Q5, per 100,000",
                    interval(gap["rate_difference"], gap["rate_difference_lower"], gap["rate_difference_upper"])
                )
            )
            facts.append(("Slope index of inequality", interval(gap["sii"], gap["sii_lower"], gap["sii_upper"])))
        }
        if let days = number(wait?["value"]) {
            facts.append(("Median wait to first contact", "\(SVGChart.format(days)) days"))
        }
        facts.append(("Of those waiting, waiting over 18 weeks", share("waiting_over_18w", "waiting")))
        facts.append(("Discharges with an outcome recorded", share("outcome_recorded", "discharges")))
        if let expected = rows.first.flatMap({ number($0["referral_submissions_expected"]) }),
            let loaded = rows.first.flatMap({ number($0["referral_submissions_loaded"]) })
        {
            facts.append(("Referrals extracts loaded", "\(Int(loaded)) of \(Int(expected)) expected"))
        }
        page.element("h2", "England this month")
        page.raw("<dl class=\"facts\">")
        for (label, value) in facts {
            page.element("dt", label)
            page.element("dd", value)
        }
        page.raw("</dl>")
        page.element(
            "p",
            "Rates are per 100,000 residents in the month; ranges are 95% confidence intervals. Q1 minus Q5 above 0 "
                + "means the most deprived fifth is referred more per head; the slope index runs the other way, from "
                + "the most to the least deprived end, so there the same gap is below 0. The figures count the trusts "
                + "whose extracts were loaded: see the data completeness below for who is missing.",
            attributes: "class=\"note\""
        )
    }

    /// Small multiples: for each ICB, the age-standardised rate of each quintile with its 95% interval.
    static func rateSection(_ f: NationalFigures, into page: inout HTML, icbFolder: String? = nil) {
        page.element("h2", "Referral rates by deprivation quintile, for each ICB")
        let rows = f.table("access").filter { $0["service_line"] == "all" }
        let byICB = Dictionary(grouping: rows) { $0["icb_ods"] ?? "" }
        guard !byICB.isEmpty else {
            page.element("p", "No access figures for this period.")
            return
        }
        let maximum = rows.compactMap { number($0["dsr_upper"]) ?? number($0["dsr"]) }.max() ?? 1
        page.element(
            "p",
            "Dots are age-standardised rates per 100,000; lines are 95% confidence intervals. A gap in a chart is a "
                + "suppressed or unreliable rate (fewer than 10 referrals). All charts share one scale. England, "
                + "first, counts every referral of known residence over the population of all of England, so it "
                + "stays low until every trust submits (see data completeness below). Each ICB's dot is coloured by "
                + "its rate against England's in the same quintile, as Fingertips compares: dark blue higher, light "
                + "blue lower, amber similar (England's value inside the ICB's interval), grey England or not "
                + "compared; England's rate in each quintile is the dashed line behind the ICB's dot.",
            attributes: "class=\"note\""
        )
        page.raw("<div class=\"grid\">")
        // England first, then the ICBs by code.
        for icb in byICB.keys.sorted(by: { ($0 == england ? 0 : 1, $0) < ($1 == england ? 0 : 1, $1) }) {
            let points = (1...5).map { q -> Whisker in
                let row = byICB[icb]?.first { $0["imd_quintile"] == String(q) }
                return Whisker(
                    label: "Q\(q)",
                    value: number(row?["dsr"]),
                    lower: number(row?["dsr_lower"]),
                    upper: number(row?["dsr_upper"]),
                    comparison: icb == england ? nil : row?["compared_with_england"]
                )
            }
            // Figures computed while expected referrals extracts are missing say so under the chart.
            let first = byICB[icb]?.first
            let partial: String? =
                if let expected = first?["referral_submissions_expected"].flatMap(Int.init),
                    let loaded = first?["referral_submissions_loaded"].flatMap(Int.init), loaded < expected
                {
                    "incomplete: \(loaded) of \(expected) expected referrals extracts loaded"
                } else {
                    nil
                }
            page.raw(partial == nil ? "<figure>" : "<figure class=\"partial\">")
            let reference: [Double?] =
                icb == england
                ? [] : (1...5).map { q in number(byICB[england]?.first { $0["imd_quintile"] == String(q) }?["dsr"]) }
            page.raw(SVGChart.whiskers(points, maximum: maximum, title: name(icb, f), reference: reference))
            page.raw("<figcaption>")
            areaName(icb, f, linkedFrom: icbFolder, into: &page)
            if let partial {
                page.raw("<br><span class=\"partial\">")
                page.value(partial)
                page.raw("</span>")
            }
            page.raw("</figcaption></figure>")
        }
        page.raw("</div>")
    }

    /// ICBs ranked by the slope index of inequality, with simulated 95% limits.
    static func inequalitySection(_ f: NationalFigures, into page: inout HTML) {
        page.element("h2", "ICBs ranked by the slope index of inequality")
        let rows = f.table("inequality").filter { $0["service_line"] == "all" }
            .compactMap { row -> (String, Double, Double?, Double?)? in
                guard let sii = number(row["sii"]) else { return nil }
                return (row["icb_ods"] ?? "", sii, number(row["sii_lower"]), number(row["sii_upper"]))
            }
            .sorted { $0.1 < $1.1 }
        guard !rows.isEmpty else {
            page.element("p", "No ICB has a slope index of inequality for this period (each needs all five quintiles).")
            return
        }
        page.element(
            "p",
            "The SII is the modelled gap in the age-standardised referral rate per 100,000 between the least and the "
                + "most deprived ends of the ICB's population. Below zero: people in more deprived areas are referred "
                + "more per head; above zero: less. Lines are 95% limits by simulation; a dark dot is a gap beyond "
                + "chance (its limits exclude zero), a light one is not.",
            attributes: "class=\"note\""
        )
        page.raw(
            SVGChart.forest(
                rows.map { Whisker(label: name($0.0, f), value: $0.1, lower: $0.2, upper: $0.3) },
                title: "Slope index of inequality by ICB",
                axisTitle: "SII, referrals per 100,000"
            )
        )
    }

    static func workforceSection(_ f: NationalFigures, into page: inout HTML) {
        page.element("h2", "Rehabilitation workforce per 100,000 population")
        let rows = f.table("workforce_icb").filter { $0["profession"] == "all" }
            .compactMap { row -> (String, Double, String)? in
                guard let fte = number(row["fte_per_100k"]) else { return nil }
                let vacancy = number(row["vacancy_rate"]).map { String(format: ", %.0f%% vacant", $0 * 100) } ?? ""
                return (row["icb_ods"] ?? "", fte, String(format: "%.1f FTE", fte) + vacancy)
            }
            .sorted { $0.1 > $1.1 }
        guard !rows.isEmpty else {
            page.element("p", "No workforce figures for this period.")
            return
        }
        page.element(
            "p",
            "Whole-time equivalent staff in post, all professions, per 100,000 residents of the ICB, from the trusts "
                + "that submitted a workforce extract.",
            attributes: "class=\"note\""
        )
        let maximum = rows.map(\.1).max() ?? 1
        page.raw(
            SVGChart.bars(
                rows.map { .init(label: name($0.0, f), value: $0.1, caption: $0.2, colour: "#005eb8") },
                maximum: maximum,
                title: "FTE per 100,000 by ICB",
                width: 760,
                captionWidth: 150
            )
        )
    }

    /// A heat table: one row per trust, one column per completeness measure, shaded from red (0) to green (1).
    /// The share of rows quarantined is shaded the other way (none is green), and a trust with a submission that
    /// needs attention (it quarantined more than the pipeline's share of its rows) is marked, so that loaded but
    /// incomplete data never looks complete.
    static func completenessSection(_ f: NationalFigures, into page: inout HTML) {
        page.element("h2", "Data completeness by trust")
        page.element(
            "p",
            "Rows quarantined are records a trust sent that broke a record rule: they are in no figure of this "
                + "report. A trust marked “needs attention” had a submission that quarantined more than its "
                + "pipeline’s threshold (5% unless set otherwise).",
            attributes: "class=\"explain\""
        )
        let rows = f.table("completeness_trust").sorted { ($0["org_code"] ?? "") < ($1["org_code"] ?? "") }
        guard !rows.isEmpty else {
            page.element("p", "No completeness figures for this period.")
            return
        }
        // Extracts expected and not loaded: a figure they would give is "not sent", never the suppression mark.
        var missing: [String: [String]] = [:]
        for row in f.table("missing_submissions") {
            guard let org = row["org_code"], let kind = row["kind"] else { continue }
            missing[org, default: []].append(kind + (row["state"] == "rejected" ? " (rejected)" : ""))
        }
        let needsReferrals: Set<String> = ["lsoa_known_share", "ethnicity_recorded_share", "outcome_recorded_share"]
        // Each measure's colour: its place between red (0) and green (1). Shares run from 0 to 100%; the score from
        // 70 to 100, where trusts differ (below 70 is as red as it gets); a quarantined share from 20% or more (red)
        // down to 0 (green).
        func share(_ v: Double) -> Double { min(max(v, 0), 1) }
        func percent(_ v: Double) -> String { String(format: "%.0f%%", v * 100) }
        let measures: [(column: String, label: String, colour: (Double) -> Double, text: (Double) -> String)] = [
            ("coverage", "Submissions received", share, percent),
            ("lsoa_known_share", "LSOA known", share, percent),
            ("ethnicity_recorded_share", "Ethnicity recorded", share, percent),
            ("outcome_recorded_share", "Outcome recorded (discharges)", share, percent),
            ("score_mean", "Data-quality score", { share(($0 - 70) / 30) }, { String(format: "%.1f", $0) }),
            (
                "rows_quarantined_share", "Rows quarantined", { 1 - share($0 / 0.2) },
                { String(format: "%.1f%%", $0 * 100) }
            ),
        ]
        page.raw("<table class=\"heat\"><thead><tr><th>Trust</th><th>ICB</th>")
        for measure in measures { page.element("th", measure.label) }
        page.raw("</tr></thead><tbody>")
        for row in rows {
            let attention = row["needs_attention"] == "t" || row["needs_attention"] == "true"
            page.raw(attention ? "<tr class=\"attention\">" : "<tr>")
            let org = row["org_code"] ?? ""
            page.raw("<th>")
            page.value(f.trustNames[org].map { "\($0) (\(org))" } ?? org)
            if attention { page.raw(" <span class=\"flag\">needs attention</span>") }
            page.raw("</th>")
            page.element("td", row["icb_ods"].map { name($0, f) } ?? "")
            for measure in measures {
                if let value = number(row[measure.column]) {
                    page.element(
                        "td",
                        measure.text(value),
                        attributes: "style=\"background:\(heat(measure.colour(value)))\""
                    )
                } else if let org = row["org_code"], let kinds = missing[org],
                    measure.column == "score_mean"
                        || (needsReferrals.contains(measure.column) && kinds.contains { $0.hasPrefix("referrals") })
                {
                    page.element(
                        "td",
                        "not sent",
                        attributes: "class=\"missing\" title=\"expected, and no submission loaded\""
                    )
                } else {
                    page.element("td", "s", attributes: "class=\"none\" title=\"suppressed, or too few to show\"")
                }
            }
            page.raw("</tr>")
        }
        page.raw("</tbody></table>")
        if !missing.isEmpty {
            page.raw("<p class=\"explain\"><strong>Not sent:</strong> ")
            page.value(
                missing.keys.sorted().map { "\($0) \(missing[$0]!.joined(separator: ", "))" }.joined(separator: "; ")
                    + ". Figures that need them read “not sent”; “s” marks a figure suppressed to protect "
                    + "small numbers."
            )
            page.raw("</p>")
        }
    }

    /// The series of the Making Data Count charts, in the order they are shown, with their titles.
    static let spcSeries: [(series: String, title: String)] = [
        ("referral_rate", "Referrals per 100,000"),
        ("median_wait_days", "Median wait to first contact, days"),
        ("waiting_over_18w_share", "Share of those waiting who have waited over 18 weeks"),
        ("outcome_recorded_share", "Share of discharges with an outcome recorded"),
    ]

    /// England's Making Data Count charts: each series month by month, its mean and process limits, each point
    /// coloured by its type, and the variation of the latest month in words; then the ICBs whose latest month is a
    /// special cause in any series, linked to their pages.
    static func spcSection(_ f: NationalFigures, into page: inout HTML, icbFolder: String? = nil) {
        let all = f.table("spc")
        let rows = all.filter { $0["icb_ods"] == england }
        guard !rows.isEmpty else { return }
        page.element("h2", "England month by month: statistical process control")
        page.element(
            "p",
            "NHS England's Making Data Count charts of England's figures, every month on record up to this one, "
                + "charted as they stood then: the solid line is the mean, the dashed lines the process limits (mean "
                + "-/+ 2.66 times the mean moving range). Blue "
                + "marks a special cause that is an improvement, orange one that is a concern, purple one where "
                + "neither direction is better; grey is common-cause variation. A series of one month has no limits.",
            attributes: "class=\"note\""
        )
        spcCharts(rows, into: &page)

        // The outliers: ICBs whose latest month is a special cause.
        let latest = Dictionary(grouping: all.filter { $0["icb_ods"] != england }) {
            "\($0["icb_ods"] ?? "")|\($0["series"] ?? "")"
        }.compactMap { $0.value.last }
        let special = latest.filter { ($0["latest_variation"] ?? "").hasPrefix("special_cause") }
        guard !latest.isEmpty else { return }
        page.element("h3", "ICBs whose latest month is a special cause")
        if special.isEmpty {
            page.element("p", "None: every ICB's latest month of every series is common-cause variation.")
            return
        }
        page.raw("<table class=\"data\"><thead><tr>")
        for heading in ["ICB", "Series", "Latest month", "Value", "Mean (process limits)"] {
            page.element("th", heading)
        }
        page.raw("</tr></thead><tbody>")
        let order = Dictionary(uniqueKeysWithValues: spcSeries.enumerated().map { ($1.series, $0) })
        for row in special.sorted(by: {
            (name($0["icb_ods"] ?? "", f), order[$0["series"] ?? ""] ?? 9)
                < (name($1["icb_ods"] ?? "", f), order[$1["series"] ?? ""] ?? 9)
        }) {
            let icb = row["icb_ods"] ?? ""
            page.raw("<tr><th>")
            areaName(icb, f, linkedFrom: icbFolder, into: &page)
            page.raw("</th>")
            page.element("td", spcSeries.first { $0.series == row["series"] }?.title ?? (row["series"] ?? ""))
            page.element(
                "td",
                String((row["period"] ?? "").prefix(7)) + ": "
                    + variation(row["latest_variation"] ?? "", row["improvement"]).replacingOccurrences(
                        of: "Latest month: ",
                        with: ""
                    )
            )
            page.element("td", number(row["value"]).map { SVGChart.format($0) } ?? "–")
            page.element("td", interval(row["mean"], row["lpl"], row["upl"]))
            page.raw("</tr>")
        }
        page.raw("</tbody></table>")
    }

    /// A grid of XmR charts, one per series of `rows` (one area's), each with the variation of its latest month.
    static func spcCharts(_ rows: [[String: String]], into page: inout HTML) {
        page.raw("<div class=\"grid spc\">")
        for (series, title) in spcSeries {
            let points = rows.filter { $0["series"] == series }
            guard let last = points.last else { continue }
            let values = points.compactMap { row -> SPCPoint? in
                guard let value = number(row["value"]) else { return nil }
                return SPCPoint(
                    label: String((row["period"] ?? "").prefix(7)),
                    value: value,
                    type: row["point_type"] ?? "common_cause"
                )
            }
            page.raw("<figure>")
            page.raw(
                SVGChart.spc(
                    values,
                    mean: number(last["mean"]),
                    lower: number(last["lpl"]),
                    upper: number(last["upl"]),
                    title: title
                )
            )
            page.raw("<figcaption>")
            page.value(title)
            page.raw("<br><strong>")
            page.value(Self.variation(last["latest_variation"] ?? "common_cause", last["improvement"]))
            page.raw("</strong></figcaption></figure>")
        }
        page.raw("</div>")
    }

    /// A variation icon's meaning, in words.
    static func variation(_ type: String, _ improvement: String?) -> String {
        switch type {
        case "special_cause_improvement": "Latest month: special cause, improvement"
        case "special_cause_concern": "Latest month: special cause, concern"
        case "special_cause_neutral_high": "Latest month: special cause, higher"
        case "special_cause_neutral_low": "Latest month: special cause, lower"
        default: "Latest month: common-cause variation"
        }
    }

    /// A funnel plot of trusts' outcome recording: each trust's share of discharges with an outcome against the
    /// 95% and 99.8% limits around the overall share at its number of discharges (stats.funnel_proportion).
    static func funnelSection(_ f: NationalFigures, into page: inout HTML) {
        let curve = f.table("funnel_outcome_recorded").compactMap { row -> FunnelLimit? in
            guard let x = number(row["discharges"]), let l2 = number(row["lower_2s"]), let u2 = number(row["upper_2s"]),
                let l3 = number(row["lower_3s"]), let u3 = number(row["upper_3s"]),
                let baseline = number(row["baseline"])
            else { return nil }
            return FunnelLimit(x: x, lower2: l2, upper2: u2, lower3: l3, upper3: u3, baseline: baseline)
        }
        guard !curve.isEmpty else { return }
        page.element("h2", "Outcome recording by trust: funnel plot")
        page.element(
            "p",
            "Each dot is a trust: the share of its discharges with an outcome recorded, against its number of "
                + "discharges. The solid line is the share over all trusts; the dashed lines are the 95% limits and "
                + "the dotted lines the 99.8% limits around it (PHE's funnel method). A trust outside the dotted "
                + "lines differs from the rest by more than chance; its dot is orange.",
            attributes: "class=\"note\""
        )
        let points = f.table("completeness_trust").compactMap { row -> (String, Double, Double)? in
            guard let org = row["org_code"], let discharges = number(row["discharges"]), discharges > 0,
                let recorded = number(row["outcome_recorded"])
            else { return nil }
            return (org, discharges, 100 * recorded / discharges)
        }
        page.raw(SVGChart.funnel(points, curve: curve, title: "Outcome recorded, % of discharges, by trust"))
    }

    /// A funnel plot of ICBs' crude referral rates in the month: each ICB's referrals per 100,000 residents
    /// against its population, with PHE's exact Poisson limits around the rate over every ICB (stats.funnel_rate).
    static func rateFunnelSection(_ f: NationalFigures, into page: inout HTML) {
        let rows = f.table("funnel_icb_referral_rate")
        guard let first = rows.first, let baseline = number(first["baseline"]) else { return }
        func curve(_ population: String, _ rate: String) -> [(x: Double, y: Double)] {
            rows.compactMap { row -> (x: Double, y: Double)? in
                guard let x = number(row[population]), let y = number(row[rate]), x.isFinite, y.isFinite else {
                    return nil
                }
                return (x, y)
            }.sorted { $0.x < $1.x }
        }
        let curves = FunnelCurves(
            baseline: baseline,
            lower2: curve("lower_2s_population", "lower_2s"),
            upper2: curve("upper_2s_population", "upper_2s"),
            lower3: curve("lower_3s_population", "lower_3s"),
            upper3: curve("upper_3s_population", "upper_3s")
        )
        // The ICBs as in the limits: those whose five quintiles are all published.
        let byICB = Dictionary(
            grouping: f.table("access").filter { $0["service_line"] == "all" && $0["icb_ods"] != england }
        ) { $0["icb_ods"] ?? "" }
        let points = byICB.compactMap { icb, rows -> (label: String, x: Double, y: Double)? in
            let referrals = rows.compactMap { number($0["referrals"]) }
            let population = rows.compactMap { number($0["population"]) }.reduce(0, +)
            guard referrals.count == 5, population > 0, referrals.reduce(0, +) > 0 else { return nil }
            return (name(icb, f), population, referrals.reduce(0, +) / population * 100_000)
        }.sorted { $0.label < $1.label }
        guard !points.isEmpty else { return }
        page.element("h2", "Referral rates by ICB: funnel plot")
        page.element(
            "p",
            "Each dot is an ICB: its referrals per 100,000 residents in the month (crude, all ages), against its "
                + "population. The solid line is the rate over every ICB shown; the dashed lines are the 95% limits "
                + "and the dotted lines the 99.8% limits around it (PHE's funnel method, exact Poisson limits). An ICB "
                + "outside the dotted lines differs from the rest by more than chance; its dot is orange. ICBs with a "
                + "suppressed quintile are left out.",
            attributes: "class=\"note\""
        )
        page.raw(
            SVGChart.funnel(
                points,
                curves: curves,
                title: "Referrals per 100,000 residents, by ICB",
                xTitle: "Residents",
                yTitle: "Referrals per 100,000",
                yRange: nil,
                describe: { "\($0): \(SVGChart.format($2)) per 100,000 of \(Int($1)) residents" }
            )
        )
        let outside = points.filter { curves.outside(x: $0.x, y: $0.y) }
        let above = outside.filter { $0.y > baseline }
        let below = outside.filter { $0.y <= baseline }
        var summary =
            outside.isEmpty
            ? "Every ICB lies within the 99.8% limits."
            : "\(outside.count) of \(points.count) ICBs lie outside the 99.8% limits."
        if outside.count * 2 > points.count {
            summary +=
                " With populations this large the limits are narrow, and a difference can lie outside them because "
                + "services are organised or record differently, not only because access differs: read the outliers "
                + "with the coverage and completeness below."
        }
        for (list, words) in [(above, "Above"), (below, "Below")] where !list.isEmpty {
            summary += " \(words): " + list.map { "\($0.label) \(SVGChart.format($0.y))" }.joined(separator: "; ") + "."
        }
        page.element("p", summary, attributes: "class=\"note\"")
    }

    // MARK: - A page per ICB

    /// One page per ICB with figures, keyed by its code: its quintiles over time and this month, its gap with
    /// limits, its trusts' data, and its workforce. `index` is the national page's address from there.
    public static func icbPages(_ f: NationalFigures, index: String) -> [(code: String, html: String)] {
        let icbs = Set(f.table("access").compactMap { $0["icb_ods"] }).subtracting([england]).sorted()
        return icbs.map { ($0, icbPage($0, f, index: index)) }
    }

    static func icbPage(_ icb: String, _ f: NationalFigures, index: String) -> String {
        var page = HTML()
        let month = String(f.period.prefix(7))
        let title = "\(name(icb, f)): community rehabilitation, \(month)"
        page.raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        page.element("title", title)
        page.raw("<style>\(style)</style></head><body><main>")
        page.raw("<p><a href=\"\(HTML.escape(index))\">")
        page.value("National gap report, \(month)")
        page.raw("</a></p>")
        page.element("h1", title)
        page.raw("<p class=\"asat\">")
        page.value(
            (f.dataAsAt.map { "Data as at \($0). " } ?? "") + "Generated \(f.generatedAt)."
                + (f.source == "published"
                    ? " Published figures: small numbers suppressed." : " NOT cleared for publication.")
        )
        page.raw("</p>")

        // Over time: each quintile's rate, month by month.
        let history = f.table("access_history").filter { $0["icb_ods"] == icb }
        let months = Array(Set(history.compactMap { $0["period"] })).sorted()
        page.element("h2", "Referral rates by deprivation quintile, month by month")
        if months.count > 1 {
            let lines = (1...5).map { q in
                (
                    label: "Q\(q)",
                    values: months.map { m in
                        number(history.first { $0["period"] == m && $0["imd_quintile"] == String(q) }?["dsr"])
                    }
                )
            }
            page.raw(SVGChart.lines(lines, labels: months.map { String($0.prefix(7)) }, title: "Rate by quintile"))
            page.element(
                "p",
                "Age-standardised referrals per 100,000 residents a month, Q1 (most deprived) to Q5 (least), one line "
                    + "each; a gap is a suppressed month.",
                attributes: "class=\"note\""
            )
        } else {
            page.element(
                "p",
                "One month on record so far: the rates of this month are below.",
                attributes: "class=\"note\""
            )
        }

        // Its Making Data Count charts.
        let spc = f.table("spc").filter { $0["icb_ods"] == icb }
        if !spc.isEmpty {
            page.element("h2", "Month by month: statistical process control")
            page.element(
                "p",
                "Making Data Count charts of this ICB's figures: the solid line is the mean, the dashed lines the "
                    + "process limits. Blue marks a special cause that is an improvement, orange a concern, purple "
                    + "a change where neither direction is better; grey is common-cause variation."
                    + (f.source == "published"
                        ? " Drawn from the published counts: a month whose count is suppressed is left out." : ""),
                attributes: "class=\"note\""
            )
            spcCharts(spc, into: &page)
        }

        // This month, by quintile, beside England.
        let access = f.table("access").filter { $0["service_line"] == "all" }
        let own = access.filter { $0["icb_ods"] == icb }
        let nation = access.filter { $0["icb_ods"] == england }
        page.element("h2", "This month by deprivation quintile")
        page.raw("<table class=\"data\"><thead><tr>")
        for heading in [
            "Quintile", "Referrals", "Rate per 100,000 (95% CI)", "England", "Against England", "Median wait (days)",
            "Waiting over 18 weeks", "Outcome recorded",
        ] {
            page.element("th", heading)
        }
        page.raw("</tr></thead><tbody>")
        for q in 1...5 {
            let row = own.first { $0["imd_quintile"] == String(q) }
            let england = nation.first { $0["imd_quintile"] == String(q) }
            page.raw("<tr>")
            page.element("th", "Q\(q)" + (q == 1 ? " (most deprived)" : q == 5 ? " (least deprived)" : ""))
            page.element("td", row?["referrals"] ?? "s")
            page.element("td", interval(row?["dsr"], row?["dsr_lower"], row?["dsr_upper"]))
            page.element("td", number(england?["dsr"]).map { SVGChart.format($0) } ?? "–")
            page.element("td", row?["compared_with_england"] ?? "–")
            page.element("td", number(row?["wait_median_days"]).map { SVGChart.format($0) } ?? "–")
            page.element("td", percent(row?["waiting_over_18w_share"]))
            page.element("td", percent(row?["outcome_recorded_share"]))
            page.raw("</tr>")
        }
        page.raw("</tbody></table>")

        // The gap between the fifths.
        if let gap = f.table("inequality").first(where: { $0["icb_ods"] == icb && $0["service_line"] == "all" }) {
            page.element("h2", "The gap between the most and least deprived fifths")
            page.raw("<dl class=\"facts\">")
            for (label, value) in [
                (
                    "Q1 minus Q5, per 100,000",
                    interval(gap["rate_difference"], gap["rate_difference_lower"], gap["rate_difference_upper"])
                ),
                ("Q1 / Q5", interval(gap["rate_ratio"], gap["rate_ratio_lower"], gap["rate_ratio_upper"], places: 2)),
                ("Slope index of inequality", interval(gap["sii"], gap["sii_lower"], gap["sii_upper"])),
                ("Relative index of inequality", interval(gap["rii"], gap["rii_lower"], gap["rii_upper"], places: 2)),
            ] {
                page.element("dt", label)
                page.element("dd", value)
            }
            page.raw("</dl>")
            page.element(
                "p",
                "Limits are 95%. A difference whose limits are both below 0 (a ratio whose limits are both below 1) "
                    + "means the most deprived fifth is referred less per head beyond chance. The slope index runs "
                    + "the other way, from the most to the least deprived end, so there the same gap is above 0.",
                attributes: "class=\"note\""
            )
        }

        // Its trusts, each with the Making Data Count reading of its score series up to this month.
        let trusts = f.table("completeness_trust").filter { $0["icb_ods"] == icb }
        var scoreTrend: [String: String] = [:]
        for row in f.table("score_variation") {
            guard let org = row["org_code"], let variation = row["variation"] else { continue }
            scoreTrend[org] =
                row["points"] == "1"
                ? "first month"
                : variation == "common_cause"
                    ? "common-cause variation" : variation.replacingOccurrences(of: "_", with: " ")
        }
        page.element("h2", "Trusts hosted by this ICB")
        if trusts.isEmpty {
            page.element("p", "No trust of this ICB submitted this month.")
        } else {
            page.raw("<table class=\"data\"><thead><tr>")
            for heading in [
                "Trust", "Submissions received", "Data-quality score", "Score month by month", "Rows quarantined",
                "Ethnicity recorded",
            ] {
                page.element("th", heading)
            }
            page.raw("</tr></thead><tbody>")
            for row in trusts {
                let org = row["org_code"] ?? ""
                page.raw("<tr>")
                page.element("th", f.trustNames[org].map { "\($0) (\(org))" } ?? org)
                page.element("td", percent(row["coverage"]))
                page.element("td", number(row["score_mean"]).map { SVGChart.format($0) } ?? "–")
                page.element("td", scoreTrend[org] ?? "–")
                page.element("td", percent(row["rows_quarantined_share"]))
                page.element("td", percent(row["ethnicity_recorded_share"]))
                page.raw("</tr>")
            }
            page.raw("</tbody></table>")
        }

        // Its workforce.
        let workforce = f.table("workforce_icb").filter { $0["profession"] == "all" }
        if let own = workforce.first(where: { $0["icb_ods"] == icb }), let fte = number(own["fte_per_100k"]) {
            let fteAll = workforce.compactMap { number($0["fte_in_post"]) }.reduce(0, +)
            let populationAll = workforce.compactMap { number($0["population"]) }.reduce(0, +)
            page.element("h2", "Workforce")
            page.element(
                "p",
                "\(SVGChart.format(fte)) whole-time equivalent staff in post per 100,000 residents"
                    + (populationAll > 0
                        ? ", against \(SVGChart.format(fteAll / populationAll * 100_000)) over every ICB with a workforce submission."
                        : ".")
            )
        }
        page.raw(
            "<p class=\"note\">Made by RehabCount \(HTML.escape(RehabCountVersion.tool)) at \(HTML.escape(f.generatedAt)).</p>"
        )
        page.raw("</main></body></html>")
        return page.text
    }

    /// "12.3 (10.1 to 14.8)", or the value alone, or "s" when suppressed.
    static func interval(_ value: String?, _ lower: String?, _ upper: String?, places: Int? = nil) -> String {
        func text(_ x: Double) -> String { places.map { String(format: "%.\($0)f", x) } ?? SVGChart.format(x) }
        guard let v = number(value) else { return "s" }
        guard let l = number(lower), let u = number(upper) else { return text(v) }
        return "\(text(v)) (\(text(l)) to \(text(u)))"
    }

    /// A 0-1 share as a percentage, or "s".
    static func percent(_ share: String?) -> String {
        number(share).map { String(format: "%.1f%%", $0 * 100) } ?? "s"
    }

    // MARK: - Helpers

    /// The ONS code of England, which the analysis tables use for England's rows beside the ICBs'.
    static let england = "E92000001"

    /// "Cheshire and Merseyside (QYG)" for "NHS Cheshire and Merseyside Integrated Care Board", short enough for
    /// a chart label; the code alone when the name is not known.
    /// An area's name, linked to its page in `icbFolder` when there is one (England has none).
    static func areaName(_ icb: String, _ f: NationalFigures, linkedFrom icbFolder: String?, into page: inout HTML) {
        guard let icbFolder, icb != england else { return page.value(name(icb, f)) }
        page.raw("<a href=\"\(HTML.escape(icbFolder))/\(HTML.escape(icb)).html\">")
        page.value(name(icb, f))
        page.raw("</a>")
    }

    static func name(_ icb: String, _ f: NationalFigures) -> String {
        if icb == england { return "England" }
        guard var name = f.icbNames[icb] else { return icb }
        if name.hasPrefix("NHS ") { name.removeFirst(4) }
        if name.hasSuffix(" Integrated Care Board") { name.removeLast(" Integrated Care Board".count) }
        return "\(name) (\(icb))"
    }

    static func number(_ text: String?) -> Double? { text.flatMap(Double.init) }

    /// Red (0) through amber to green (1), as an HSL colour light enough for black text.
    static func heat(_ fraction: Double) -> String {
        "hsl(\(Int((fraction * 120).rounded())), 70%, 78%)"
    }

    /// RFC 4180 CSV; a value starting with = + - @ tab or CR is prefixed with ' so spreadsheets do not run it.
    static func csvText(_ table: NationalFigures.Table, names: NationalFigures? = nil) -> String {
        func field(_ value: String?) -> String {
            guard var value else { return "" }
            if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first),
                Double(value) == nil
            {
                value = "'" + value
            }
            guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        // A name beside each code: icb_name after icb_ods, trust_name after org_code; the table's own name column
        // moved there when it has one, else the name from the reference data.
        enum Source {
            case column(Int)
            case name(of: Int, (String) -> String?)
        }
        var columns: [String] = []
        var sources: [Source] = []
        let pairs = ["icb_ods": "icb_name", "org_code": "trust_name"]
        let moved = Set(pairs.filter { table.columns.contains($0.key) }.values)
        for (i, column) in table.columns.enumerated() where !moved.contains(column) {
            columns.append(column)
            sources.append(.column(i))
            guard let nameColumn = pairs[column] else { continue }
            if let own = table.columns.firstIndex(of: nameColumn) {
                columns.append(nameColumn)
                sources.append(.column(own))
            } else if let names {
                columns.append(nameColumn)
                sources.append(
                    .name(
                        of: i,
                        column == "icb_ods"
                            ? { $0 == england ? "England" : names.icbNames[$0] } : { names.trustNames[$0] }
                    )
                )
            }
        }
        var out = columns.map { field($0) }.joined(separator: ",") + "\r\n"
        for row in table.rows {
            let fields = sources.map { source -> String in
                switch source {
                case .column(let i): field(row[i].map(Self.rounded))
                case .name(let i, let lookup): field(row[i].flatMap(lookup))
                }
            }
            out += fields.joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// A decimal with more than 4 places, to 4 (trailing zeros dropped): shares to a hundredth of a percentage
    /// point; values with fewer places, and text, as they are.
    static func rounded(_ value: String) -> String {
        guard let dot = value.firstIndex(of: "."), value.distance(from: dot, to: value.endIndex) > 5,
            value.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }), let number = Decimal(string: value)
        else { return value }
        var exact = number
        var result = Decimal()
        NSDecimalRound(&result, &exact, 4, .plain)
        return "\(result)"
    }

    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;color:#212b32;margin:0;background:#f0f4f5}
        table.data{border-collapse:collapse;font-size:.9em;margin:8px 0}table.data th,table.data td{padding:4px 8px;border-bottom:1px solid #d8dde0;text-align:left}
        .facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}.facts dt{font-weight:600}.facts dd{margin:0}
        .asat{font-weight:600}main{max-width:1100px;margin:0 auto;padding:24px;background:#fff}
        h1{font-size:1.6em}h2{margin-top:2em;border-bottom:2px solid #005eb8;padding-bottom:4px}
        .note{color:#4c6272;font-size:.95em}
        .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:12px}
        figure{margin:0;border:1px solid #d8dde0;padding:6px}figcaption{font-size:.8em;text-align:center}
        figure.partial{border:1px dashed #e65100}span.partial{color:#8a3b00;font-style:italic}
        table.heat{border-collapse:collapse;font-size:.9em}table.heat td,table.heat th{padding:4px 8px;border:1px solid #fff}
        table.heat td{text-align:right}td.none{background:#e8edee;color:#768692;text-align:center}
        td.missing{background:#fff;color:#8a3b00;border:1px dashed #e65100;text-align:center;font-style:italic}
        tr.attention th{box-shadow:inset 4px 0 #e65100}.flag{display:inline-block;margin-left:6px;padding:0 6px;border-radius:3px;background:#fff3e0;color:#8a3b00;border:1px solid #e65100;font-size:.8em;font-weight:600}
        """
}

/// A value with its confidence interval, for whisker and forest plots; nil members are drawn as gaps.
struct Whisker {
    var label: String
    var value: Double?
    var lower: Double?
    var upper: Double?
    /// Against England: higher, similar or lower (analysis.access.compared_with_england), or nil.
    var comparison: String? = nil

    /// Fingertips' colours for a comparison without a better or worse direction.
    var colour: String {
        switch comparison {
        case "higher": "#1d4289"
        case "lower": "#41b6e6"
        case "similar": "#ffb81c"
        default: "#768692"
        }
    }
}

extension SVGChart {
    /// Vertical dots with whiskers, one per category (quintiles), on a shared 0...maximum scale.
    static func whiskers(
        _ points: [Whisker],
        maximum: Double,
        title: String,
        axisTitle: String = "per 100,000",
        reference: [Double?] = []
    ) -> String {
        let width = 240
        let height = 160
        let left = 44
        let bottom = 125
        let plot = 105.0
        let ticks = Self.ticks(upTo: maximum)
        let top = ticks.last ?? maximum
        let step = Double(width - left - 10) / Double(max(points.count, 1))
        func y(_ value: Double) -> Int { bottom - Int((plot * min(max(value / top, 0), 1)).rounded()) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(width)\" height=\"\(height)\" "
        svg += "viewBox=\"0 0 \(width) \(height)\"><title>\(HTML.escape(title))</title>"
        // Gridlines at rounded values, and the axis title.
        for tick in ticks {
            let ty = y(tick)
            svg += "<line x1=\"\(left)\" y1=\"\(ty)\" x2=\"\(width - 5)\" y2=\"\(ty)\" "
            svg += "stroke=\"\(tick == 0 ? "#aeb7bd" : "#e8edee")\"/>"
            svg += "<text x=\"\(left - 4)\" y=\"\(ty + 4)\" text-anchor=\"end\" font-size=\"10\">"
            svg += "\(HTML.escape(tickLabel(tick, step: ticks.count > 1 ? ticks[1] - ticks[0] : 1)))</text>"
        }
        svg += "<text x=\"10\" y=\"\(bottom - Int(plot / 2))\" font-size=\"10\" text-anchor=\"middle\" "
        svg += "transform=\"rotate(-90 10 \(bottom - Int(plot / 2)))\">\(HTML.escape(axisTitle))</text>"
        for (i, point) in points.enumerated() {
            let x = left + Int((step * (Double(i) + 0.5)).rounded())
            svg += "<text x=\"\(x)\" y=\"\(bottom + 15)\" text-anchor=\"middle\" font-size=\"11\">"
            svg += "\(HTML.escape(point.label))</text>"
            // England's value in the same category: a short dashed line behind the dot.
            if i < reference.count, let england = reference[i] {
                svg += "<line x1=\"\(x - 12)\" y1=\"\(y(england))\" x2=\"\(x + 12)\" y2=\"\(y(england))\" "
                svg += "stroke=\"#231f20\" stroke-dasharray=\"3 2\"><title>"
                svg += "\(HTML.escape("England, \(point.label): \(format(england))"))</title></line>"
            }
            if let lower = point.lower, let upper = point.upper {
                svg += "<line x1=\"\(x)\" y1=\"\(y(lower))\" x2=\"\(x)\" y2=\"\(y(upper))\" stroke=\"#425563\"/>"
            }
            if let value = point.value {
                svg += "<circle cx=\"\(x)\" cy=\"\(y(value))\" r=\"4\" fill=\"\(point.colour)\">"
                let against = point.comparison.map { ", \($0) than England" } ?? ""
                svg += "<title>\(HTML.escape("\(point.label): \(format(value))\(against)"))</title></circle>"
            }
        }
        return svg + "</svg>"
    }

    /// Round axis values from 0 to at least `maximum`, 3 to 6 of them, at 1, 2, 2.5 or 5 times a power of ten.
    static func ticks(upTo maximum: Double) -> [Double] {
        guard maximum > 0, maximum.isFinite else { return [0, 1] }
        return ticks(from: 0, to: maximum)
    }

    /// Round axis values covering `low...high`, about 4 steps of 1, 2, 2.5 or 5 times a power of ten.
    static func ticks(from low: Double, to high: Double) -> [Double] {
        guard high > low, low.isFinite, high.isFinite else { return [low, low + 1] }
        let step = tickStep(low, high)
        let first = (low / step).rounded(.down)
        let last = (high / step).rounded(.up)
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }

    static func tickStep(_ low: Double, _ high: Double) -> Double {
        let rough = (high - low) / 4
        let power = pow(10, floor(log10(rough)))
        return [1.0, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
    }

    /// A tick's label: as many decimal places as its step needs (0.25 steps give 0.25, 0.50, ...), none for whole
    /// steps.
    static func tickLabel(_ value: Double, step: Double) -> String {
        var places = 0
        while places < 6, abs((step * pow(10, Double(places))).rounded() - step * pow(10, Double(places))) > 1e-9 {
            places += 1
        }
        return places == 0 ? String(Int(value.rounded())) : String(format: "%.\(places)f", value)
    }

    /// A forest plot: one row per item, a dot and its interval, with a line at zero.
    /// A forest plot: one row per label, its value and limits on a shared axis with round ticks and a line at 0. A
    /// row whose limits exclude 0 is significant: its dot is dark, the others light.
    static func forest(_ rows: [Whisker], title: String, axisTitle: String = "") -> String {
        let width = 760
        let labelWidth = max(230, (rows.map(\.label.count).max() ?? 0) * 7 + 16)
        let rowHeight = 20
        let height = rows.count * rowHeight + 50
        let values: [Double] = rows.flatMap { [$0.value, $0.lower, $0.upper].compactMap { $0 } } + [0]
        let ticks = Self.ticks(from: values.min() ?? 0, to: values.max() ?? 1)
        let low: Double = ticks.first ?? 0
        let high: Double = ticks.last ?? 1
        let span: Double = high - low > 0 ? high - low : 1
        let plotWidth = Double(width - labelWidth - 30)
        func x(_ value: Double) -> Int { labelWidth + Int((plotWidth * (value - low) / span).rounded()) }
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(width)\" height=\"\(height)\" "
        svg += "viewBox=\"0 0 \(width) \(height)\"><title>\(HTML.escape(title))</title>"
        let axisY = rows.count * rowHeight + 10
        for tick in ticks {
            svg += "<line x1=\"\(x(tick))\" y1=\"5\" x2=\"\(x(tick))\" y2=\"\(axisY)\" "
            svg += "stroke=\"\(tick == 0 ? "#768692" : "#e8edee")\"/>"
            svg += "<text x=\"\(x(tick))\" y=\"\(axisY + 14)\" text-anchor=\"middle\" font-size=\"10\">"
            svg += "\(HTML.escape(tickLabel(tick, step: step)))</text>"
        }
        if !axisTitle.isEmpty {
            svg += "<text x=\"\(labelWidth + Int(plotWidth / 2))\" y=\"\(axisY + 30)\" text-anchor=\"middle\" "
            svg += "font-size=\"11\">\(HTML.escape(axisTitle))</text>"
        }
        for (i, row) in rows.enumerated() {
            let y = 15 + i * rowHeight
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 4)\" text-anchor=\"end\" font-size=\"12\">"
            svg += "\(HTML.escape(row.label))</text>"
            if let lower = row.lower, let upper = row.upper {
                svg += "<line x1=\"\(x(lower))\" y1=\"\(y)\" x2=\"\(x(upper))\" y2=\"\(y)\" stroke=\"#425563\"/>"
            }
            if let value = row.value {
                let significant = row.lower.map { $0 > 0 } == true || row.upper.map { $0 < 0 } == true
                svg += "<circle cx=\"\(x(value))\" cy=\"\(y)\" r=\"4\" fill=\"\(significant ? "#003087" : "#aeb7bd")\">"
                let verdict = row.lower == nil ? "" : significant ? ", beyond chance (95%)" : ", within chance (95%)"
                svg += "<title>\(HTML.escape("\(row.label): SII \(format(value))\(verdict)"))</title></circle>"
            }
        }
        return svg + "</svg>"
    }

    static func format(_ value: Double) -> String {
        abs(value) >= 100 ? String(format: "%.0f", value) : String(format: "%.1f", value)
    }
}

/// One point of a funnel plot's limits.
struct FunnelLimit {
    var x: Double
    var lower2: Double
    var upper2: Double
    var lower3: Double
    var upper3: Double
    var baseline: Double
}

/// The limits of a funnel plot, each a curve of (x, y) points in increasing x, and the average they surround.
struct FunnelCurves {
    var baseline: Double
    var lower2: [(x: Double, y: Double)]
    var upper2: [(x: Double, y: Double)]
    var lower3: [(x: Double, y: Double)]
    var upper3: [(x: Double, y: Double)]

    /// From PHE's proportion limits, which share their x (the denominator).
    init(_ rows: [FunnelLimit]) {
        baseline = rows.first?.baseline ?? 0
        lower2 = rows.map { ($0.x, $0.lower2) }
        upper2 = rows.map { ($0.x, $0.upper2) }
        lower3 = rows.map { ($0.x, $0.lower3) }
        upper3 = rows.map { ($0.x, $0.upper3) }
    }

    init(
        baseline: Double,
        lower2: [(x: Double, y: Double)],
        upper2: [(x: Double, y: Double)],
        lower3: [(x: Double, y: Double)],
        upper3: [(x: Double, y: Double)]
    ) {
        self.baseline = baseline
        self.lower2 = lower2
        self.upper2 = upper2
        self.lower3 = lower3
        self.upper3 = upper3
    }

    /// A curve's value at x, by straight lines between its points; its end value beyond them.
    static func value(_ curve: [(x: Double, y: Double)], at x: Double) -> Double? {
        guard let first = curve.first, let last = curve.last else { return nil }
        if x <= first.x { return first.y }
        if x >= last.x { return last.y }
        guard let i = curve.firstIndex(where: { $0.x >= x }), i > 0 else { return last.y }
        let (a, b) = (curve[i - 1], curve[i])
        return b.x == a.x ? b.y : a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x)
    }

    /// Whether a point lies outside the 99.8% limits at its own x.
    func outside(x: Double, y: Double) -> Bool {
        if let low = Self.value(lower3, at: x), y < low { return true }
        if let high = Self.value(upper3, at: x), y > high { return true }
        return false
    }
}

extension SVGChart {
    /// A funnel of trusts' outcome recording: points (label, discharges, percentage) over PHE's limits.
    static func funnel(_ points: [(String, Double, Double)], curve: [FunnelLimit], title: String) -> String {
        funnel(
            points.map { (label: $0.0, x: $0.1, y: $0.2) },
            curves: FunnelCurves(curve),
            title: title,
            xTitle: "Discharges in the month",
            yTitle: "Outcome recorded, %",
            yRange: (0, 100),
            describe: { "\($0): \(format($2))% of \(Int($1)) discharges" }
        )
    }

    /// A funnel plot: points over the 95% (dashed) and 99.8% (dotted) limits around the average (solid), x from 0
    /// to the largest point or limit; a point outside the 99.8% limits at its own x is orange. `yRange` fixes the
    /// vertical axis (0 to 100 for percentages); nil fits it to the points and the average, and the limits are cut
    /// at its edges.
    static func funnel(
        _ points: [(label: String, x: Double, y: Double)],
        curves: FunnelCurves,
        title: String,
        xTitle: String,
        yTitle: String,
        yRange: (Double, Double)?,
        describe: (String, Double, Double) -> String
    ) -> String {
        let width = 640
        let height = 300
        let left = 56
        let right = 20
        let top = 10
        let bottom = 250
        let maxX = max(
            [curves.lower2, curves.upper2, curves.lower3, curves.upper3].compactMap { $0.last?.x }.max() ?? 1,
            points.map(\.x).max() ?? 1
        )
        let xTicks = ticks(upTo: maxX)
        let xTop = xTicks.last ?? maxX
        let yTicks: [Double]
        if let yRange {
            yTicks = stride(from: yRange.0, through: yRange.1, by: (yRange.1 - yRange.0) / 4).map { $0 }
        } else {
            let values = points.map(\.y) + [curves.baseline]
            let spread = max((values.max() ?? 1) - (values.min() ?? 0), abs(curves.baseline) * 0.1, 1e-9)
            yTicks = ticks(from: max((values.min() ?? 0) - spread * 0.25, 0), to: (values.max() ?? 1) + spread * 0.25)
        }
        let yLow = yTicks.first ?? 0
        let yHigh = yTicks.last ?? 1
        let yStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : 1
        let unit = yRange.map { $0 == (0, 100) ? "%" : "" } ?? ""
        func x(_ v: Double) -> Int { left + Int((Double(width - left - right) * v / xTop).rounded()) }
        func y(_ v: Double) -> Int {
            bottom
                - Int((Double(bottom - top) * (min(max(v, yLow), yHigh) - yLow) / max(yHigh - yLow, 1e-12)).rounded())
        }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(width)\" height=\"\(height)\" "
        svg += "viewBox=\"0 0 \(width) \(height)\"><title>\(HTML.escape(title))</title>"
        for tick in yTicks {
            svg += "<line x1=\"\(left)\" y1=\"\(y(tick))\" x2=\"\(width - right)\" y2=\"\(y(tick))\" "
            svg += "stroke=\"\(tick == yLow ? "#aeb7bd" : "#e8edee")\"/>"
            svg += "<text x=\"\(left - 4)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\" font-size=\"10\">"
            svg += "\(HTML.escape(tickLabel(tick, step: yStep) + unit))</text>"
        }
        for tick in xTicks {
            // The last label ends at the axis's end, so that it is never cut off.
            let anchor = tick == xTicks.last && xTicks.count > 1 ? "end" : "middle"
            svg += "<text x=\"\(x(tick))\" y=\"\(bottom + 14)\" text-anchor=\"\(anchor)\" font-size=\"10\">"
            svg += "\(HTML.escape(compact(tick)))</text>"
        }
        svg += "<text x=\"\((left + width - right) / 2)\" y=\"\(bottom + 32)\" text-anchor=\"middle\" "
        svg += "font-size=\"11\">\(HTML.escape(xTitle))</text>"
        svg += "<text x=\"12\" y=\"\((top + bottom) / 2)\" font-size=\"11\" text-anchor=\"middle\" "
        svg += "transform=\"rotate(-90 12 \((top + bottom) / 2))\">\(HTML.escape(yTitle))</text>"
        func path(_ curve: [(x: Double, y: Double)], _ dash: String) -> String {
            guard !curve.isEmpty else { return "" }
            let d = curve.enumerated().map { i, p in "\(i == 0 ? "M" : "L")\(x(p.x)),\(y(p.y))" }.joined(separator: " ")
            return "<path d=\"\(d)\" fill=\"none\" stroke=\"#425563\" stroke-width=\"1\"\(dash)/>"
        }
        svg += path([(0, curves.baseline), (xTop, curves.baseline)], "")
        svg += path(curves.lower2, " stroke-dasharray=\"5 3\"") + path(curves.upper2, " stroke-dasharray=\"5 3\"")
        svg += path(curves.lower3, " stroke-dasharray=\"1 2\"") + path(curves.upper3, " stroke-dasharray=\"1 2\"")
        for point in points {
            let outside = curves.outside(x: point.x, y: point.y)
            svg +=
                "<circle cx=\"\(x(point.x))\" cy=\"\(y(point.y))\" r=\"4\" fill=\"\(outside ? "#ed8b00" : "#005eb8")\">"
            svg += "<title>\(HTML.escape(describe(point.label, point.x, point.y)))</title></circle>"
        }
        return svg + "</svg>"
    }
}

extension SVGChart {
    /// A tick of a count axis, short: 250, 2,500, 25k, 1.5m.
    static func compact(_ value: Double) -> String {
        func trimmed(_ x: Double) -> String {
            x == x.rounded() ? String(Int(x)) : String(format: "%.1f", x)
        }
        switch abs(value) {
        case 1_000_000...: return trimmed(value / 1_000_000) + "m"
        case 10_000...: return trimmed(value / 1_000) + "k"
        case 1_000...:
            return Int(value.rounded()).formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_GB")))
        default: return value == value.rounded() ? String(Int(value)) : format(value)
        }
    }
}

/// One month of an SPC chart.
struct SPCPoint {
    var label: String
    var value: Double
    var type: String

    /// Making Data Count's colours.
    var colour: String {
        switch type {
        case "special_cause_improvement": "#41b6e6"
        case "special_cause_concern": "#ed8b00"
        case "special_cause_neutral_high", "special_cause_neutral_low": "#6f2c91"
        default: "#a6a6a6"
        }
    }
}

extension SVGChart {
    /// An XmR chart: the values joined month by month, the mean, and the process limits.
    static func spc(_ points: [SPCPoint], mean: Double?, lower: Double?, upper: Double?, title: String) -> String {
        let width = 250
        let height = 160
        let left = 44
        let right = 10
        let top = 10
        let bottom = 125
        // The range of the values and limits, not from 0: the chart is about change.
        let all = points.map(\.value) + [mean, lower, upper].compactMap { $0 }
        var lowest = all.min() ?? 0
        var highest = all.max() ?? 1
        if highest - lowest < 1e-9 {
            // A flat series: a band around it, not below 0 for values that cannot be negative.
            let nonNegative = lowest >= 0
            lowest -= max(abs(lowest) * 0.1, 0.5)
            highest += max(abs(highest) * 0.1, 0.5)
            if nonNegative { lowest = max(lowest, 0) }
        }
        let ticks = Self.ticks(from: lowest, to: highest)
        let low = ticks.first ?? lowest
        let high = ticks.last ?? highest
        let tickStep = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        func y(_ v: Double) -> Int {
            bottom - Int((Double(bottom - top) * (v - low) / max(high - low, 1e-12)).rounded())
        }
        let step = Double(width - left - right) / Double(max(points.count, 1))
        func x(_ i: Int) -> Int { left + Int((step * (Double(i) + 0.5)).rounded()) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(width)\" height=\"\(height)\" "
        svg += "viewBox=\"0 0 \(width) \(height)\"><title>\(HTML.escape(title))</title>"
        for tick in ticks {
            svg += "<line x1=\"\(left)\" y1=\"\(y(tick))\" x2=\"\(width - right)\" y2=\"\(y(tick))\" "
            svg += "stroke=\"\(tick == 0 ? "#aeb7bd" : "#e8edee")\"/>"
            svg += "<text x=\"\(left - 4)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\" font-size=\"10\">"
            svg += "\(HTML.escape(tickLabel(tick, step: tickStep)))</text>"
        }
        func horizontal(_ v: Double?, _ dash: String) -> String {
            guard let v else { return "" }
            return
                "<line x1=\"\(left)\" y1=\"\(y(v))\" x2=\"\(width - right)\" y2=\"\(y(v))\" stroke=\"#425563\"\(dash)/>"
        }
        svg +=
            horizontal(mean, "") + horizontal(lower, " stroke-dasharray=\"4 3\"")
            + horizontal(upper, " stroke-dasharray=\"4 3\"")
        if points.count > 1 {
            let d = points.indices.map { "\($0 == 0 ? "M" : "L")\(x($0)),\(y(points[$0].value))" }.joined(
                separator: " "
            )
            svg += "<path d=\"\(d)\" fill=\"none\" stroke=\"#768692\"/>"
        }
        for (i, point) in points.enumerated() {
            svg += "<circle cx=\"\(x(i))\" cy=\"\(y(point.value))\" r=\"3.5\" fill=\"\(point.colour)\">"
            svg +=
                "<title>\(HTML.escape("\(point.label): \(format(point.value)), \(point.type.replacingOccurrences(of: "_", with: " "))"))"
            svg += "</title></circle>"
        }
        if let first = points.first, let last = points.last {
            svg +=
                "<text x=\"\(x(0))\" y=\"\(bottom + 15)\" text-anchor=\"start\" font-size=\"10\">\(HTML.escape(first.label))</text>"
            if points.count > 1 {
                svg += "<text x=\"\(x(points.count - 1))\" y=\"\(bottom + 15)\" text-anchor=\"end\" font-size=\"10\">"
                svg += "\(HTML.escape(last.label))</text>"
            }
        }
        return svg + "</svg>"
    }
}

extension SVGChart {
    /// Lines of values over categories (months), one per series, with round ticks; nil values are gaps.
    static func lines(_ series: [(label: String, values: [Double?])], labels: [String], title: String) -> String {
        let width = 640
        let height = 240
        let left = 50
        let right = 60
        let top = 10
        let bottom = 200
        let all = series.flatMap { $0.values.compactMap { $0 } }
        let ticks = Self.ticks(upTo: max(all.max() ?? 1, 1e-9))
        let high = ticks.last ?? 1
        let step = Double(width - left - right) / Double(max(labels.count - 1, 1))
        func x(_ i: Int) -> Int { left + Int((step * Double(i)).rounded()) }
        func y(_ v: Double) -> Int { bottom - Int((Double(bottom - top) * v / high).rounded()) }
        let colours = ["#003087", "#005eb8", "#41b6e6", "#768692", "#aeb7bd"]
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(width)\" height=\"\(height)\" "
        svg += "viewBox=\"0 0 \(width) \(height)\"><title>\(HTML.escape(title))</title>"
        let tickStep = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        for tick in ticks {
            svg += "<line x1=\"\(left)\" y1=\"\(y(tick))\" x2=\"\(width - right)\" y2=\"\(y(tick))\" "
            svg += "stroke=\"\(tick == 0 ? "#aeb7bd" : "#e8edee")\"/>"
            svg += "<text x=\"\(left - 4)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\" font-size=\"10\">"
            svg += "\(HTML.escape(tickLabel(tick, step: tickStep)))</text>"
        }
        for (i, label) in labels.enumerated() where i == 0 || i == labels.count - 1 || labels.count <= 6 {
            svg += "<text x=\"\(x(i))\" y=\"\(bottom + 15)\" text-anchor=\"middle\" font-size=\"10\">"
            svg += "\(HTML.escape(label))</text>"
        }
        svg += "<text x=\"12\" y=\"\((top + bottom) / 2)\" font-size=\"10\" text-anchor=\"middle\" "
        svg += "transform=\"rotate(-90 12 \((top + bottom) / 2))\">per 100,000</text>"
        // Each line's label at its last value, moved apart where lines end close together so none overlaps.
        var ends: [(n: Int, x: Int, y: Int)] = series.enumerated().compactMap { n, line in
            guard let i = line.values.lastIndex(where: { $0 != nil }), let v = line.values[i] else { return nil }
            return (n, x(i) + 6, y(v) + 4)
        }
        ends = Self.spread(ends.sorted { $0.y < $1.y }, gap: 11, top: top + 4, bottom: bottom + 4)
        for (n, line) in series.enumerated() {
            let colour = colours[n % colours.count]
            var d = ""
            var pen = false
            for (i, value) in line.values.enumerated() {
                guard let value else {
                    pen = false
                    continue
                }
                d += "\(pen ? "L" : "M")\(x(i)),\(y(value)) "
                pen = true
            }
            svg += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
            if let end = ends.first(where: { $0.n == n }) {
                svg += "<text x=\"\(end.x)\" y=\"\(end.y)\" font-size=\"11\" fill=\"\(colour)\">"
                svg += "\(HTML.escape(line.label))</text>"
            }
        }
        return svg + "</svg>"
    }

    /// Baselines sorted top to bottom, moved apart so that each is at least `gap` below the one above, and kept
    /// within `top` and `bottom` where they fit: the labels stay in order and as near their lines as they can.
    static func spread(
        _ items: [(n: Int, x: Int, y: Int)],
        gap: Int,
        top: Int,
        bottom: Int
    )
        -> [(n: Int, x: Int, y: Int)]
    {
        var out = items
        for i in out.indices.dropFirst() where out[i].y < out[i - 1].y + gap { out[i].y = out[i - 1].y + gap }
        // Pushed past the bottom: move the run back up, as far as the top allows.
        if let last = out.indices.last, out[last].y > bottom {
            out[last].y = bottom
            for i in out.indices.dropLast().reversed() where out[i].y > out[i + 1].y - gap {
                out[i].y = max(out[i + 1].y - gap, top)
            }
        }
        return out
    }
}

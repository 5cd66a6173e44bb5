import Foundation
import RehabAnalyse
import RehabCore

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

    /// What each of the report's own tables is, beside the measures the manifest names.
    static let seriesTitles = [
        "access_history": "Each ICB quintile's age-standardised rate of new referrals, every month up to this one",
        "spc_rebase": "The months from which a chart's limits were calculated afresh, and why",
        "score_variation": "The Making Data Count variation of each trust's latest data-quality score",
        "funnel_outcome_recorded": "The limits of the funnel plot of trusts' outcome recording",
        "funnel_icb_referral_rate": "The limits of the funnel plot of ICBs' rates of new referrals",
    ]

    static func page(_ f: NationalFigures, csvFolder: String, icbFolder: String? = nil) -> String {
        var page = HTML()
        let title = "Community rehabilitation: national gap report, \(HTML.longMonth(f.period))"
        page.raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        page.element("title", title)
        page.raw("<style>\(style)</style></head><body><main>")
        page.element("h1", title)
        page.raw("<p class=\"asat\">")
        page.value(
            (f.dataAsAt.map { "Data as at \(HTML.longDate($0)), the latest load of this period included. " } ?? "")
                + "Generated \(HTML.longDate(f.generatedAt))."
        )
        page.raw("</p>")
        page.element("p", "Key: " + marksKey, attributes: "class=\"note key\"")
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
            " Rates are new referrals (received in the month) per 100,000 residents, age-standardised to the European Standard "
                + "Population 2013, by the national IMD quintile of the patient's area (Q1 most deprived)."
        )
        page.raw("</p>")

        englandSection(f, into: &page)
        rateSection(f, into: &page, icbFolder: icbFolder)
        quintileSection(f, into: &page)
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
            page.raw("</a>")
            // A measure's title from the manifest (published.measures), or what the report's own series is.
            let title = f.measures.first { $0.name == table.name }?.title ?? seriesTitles[table.name]
            let rows = table.rows.count == 1 ? "1 row" : "\(grouped(Double(table.rows.count))) rows"
            page.value((title.map { " \u{2014} \($0)" } ?? "") + " (\(rows), \(table.columns.count) columns)")
            page.raw("</li>")
        }
        page.raw("</ul>")
        page.raw(
            "<p class=\"note\">Column meanings: docs/data-dictionary.md. Made by RehabCount "
                + "\(HTML.escape(RehabCountVersion.tool)) on \(HTML.escape(HTML.longDate(f.generatedAt))).</p></main></body></html>"
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
            guard let p = total(part), let w = total(whole), w > 0 else {
                return rows.map { mark($0, part) }.contains("s") ? "s" : "–"
            }
            return HTML.percent(p / w)
        }
        let q1 = rows.first { $0["imd_quintile"] == "1" }
        let q5 = rows.first { $0["imd_quintile"] == "5" }
        let gap = f.table("inequality").first { $0["icb_ods"] == england && $0["service_line"] == "all" }
        let wait = f.spc.first { $0.icb == england && $0.series == "median_wait_days" && $0.period == f.period }
        var facts: [(String, String)] = []
        if let referrals = total("new_referrals"), let population = total("population"), population > 0 {
            facts.append(("New referrals (received in the month)", grouped(referrals)))
            facts.append(
                ("New referrals per 100,000 residents", "\(SVGChart.format(referrals / population * 100_000)) a month")
            )
        }
        if let caseload = total("open_caseload") {
            facts.append(("Open caseload (referrals open at any time in the month)", grouped(caseload)))
        }
        facts.append(
            (
                "Most deprived fifth (Q1), new referrals per 100,000 a month, age-standardised",
                interval(q1?["dsr"], q1?["dsr_lower"], q1?["dsr_upper"], mark: mark(q1, "dsr"))
            )
        )
        facts.append(
            (
                "Least deprived fifth (Q5), new referrals per 100,000 a month, age-standardised",
                interval(q5?["dsr"], q5?["dsr_lower"], q5?["dsr_upper"], mark: mark(q5, "dsr"))
            )
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
        if let days = wait?.value {
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
                + "stays low until every trust submits (see data completeness below). Each ICB's marker shows its "
                + "rate against England's in the same quintile, as Fingertips compares: England's rate is the "
                + "dashed line behind it.",
            attributes: "class=\"note\""
        )
        page.raw(Comparison.legend())
        page.raw("<div class=\"grid\">")
        // ICBs on record with no figures this month keep their place, saying why.
        let absent = icbsOnRecord(f).filter { byICB[$0] == nil }
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
        for icb in absent {
            page.raw("<figure class=\"partial absent\"><p class=\"absent\">")
            page.value(notAvailable(icb, f))
            page.raw("</p><figcaption>")
            areaName(icb, f, linkedFrom: icbFolder, into: &page)
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
                axisTitle: "SII, new referrals per 100,000"
            )
        )
    }

    static func workforceSection(_ f: NationalFigures, into page: inout HTML) {
        page.element("h2", "Rehabilitation workforce per 100,000 population")
        let rows = f.table("workforce_icb").filter { $0["profession"] == "all" }
            .compactMap { row -> (String, Double, String)? in
                guard let fte = number(row["fte_per_100k"]) else { return nil }
                // A suppressed vacancy rate says so, rather than vanishing.
                let vacancy =
                    number(row["vacancy_rate"]).map { ", \(HTML.percent($0)) vacant" }
                    ?? (mark(row, "vacancy_rate") == "s" ? ", vacancies s" : "")
                return (row["icb_ods"] ?? "", fte, String(format: "%.1f FTE per 100,000", fte) + vacancy)
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
                captionWidth: 250
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
        let measures: [(column: String, label: String, colour: (Double) -> Double, text: (Double) -> String)] = [
            ("coverage", "Submissions received", share, { HTML.percent($0) }),
            ("lsoa_known_share", "LSOA known", share, { HTML.percent($0) }),
            ("ethnicity_recorded_share", "Ethnicity recorded", share, { HTML.percent($0) }),
            ("outcome_recorded_share", "Outcome recorded (discharges)", share, { HTML.percent($0) }),
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
            page.value(trustName(org, f))
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
                    let shown = mark(row, measure.column)
                    page.element(
                        "td",
                        shown,
                        attributes: shown == "s"
                            ? "class=\"none\" title=\"suppressed: a count of 1 to 7\""
                            : "class=\"none\" title=\"not applicable or not computed\""
                    )
                }
            }
            page.raw("</tr>")
        }
        page.raw("</tbody></table>")
        if !missing.isEmpty {
            page.raw("<p class=\"explain\"><strong>Not sent:</strong> ")
            page.value(
                missing.keys.sorted().map { "\($0) \(missing[$0]!.joined(separator: ", "))" }.joined(separator: "; ")
                    + ". Figures that need them read “not sent”."
            )
            page.raw("</p>")
        }
    }

    /// The series of the Making Data Count charts, in the order they are shown, with their titles and units.
    static let spcSeries: [(series: String, title: String, unit: SPCUnit)] = [
        ("referral_rate", "New referrals per 100,000 residents a month", .rate),
        ("median_wait_days", "Median wait to first contact", .days),
        ("waiting_over_18w_share", "Of those waiting, share waiting over 18 weeks", .share),
        ("outcome_recorded_share", "Discharges with an outcome recorded", .share),
    ]

    static func unit(of series: String?) -> SPCUnit {
        spcSeries.first { $0.series == series }?.unit ?? (series == "data_quality_score" ? .score : .rate)
    }

    /// What the charts show and how to read them, under every SPC heading.
    static let spcKey =
        "The solid line is the mean and the dashed lines the process limits (mean -/+ 2.66 times the mean moving "
        + "range), each month on a time axis: a month with no figure is a gap. A hollow point over a hatched band "
        + "is a month of incomplete coverage (fewer expected extracts loaded than the pipeline's coverage "
        + "threshold): it is drawn, but left out of the limits and signals. A vertical dashed line is a rebase: "
        + "the series is charted afresh from there. A red dotted line is the target. The icons are Making Data "
        + "Count's: variation (grey common cause; blue H or L an improvement, orange H or L a concern, purple H or L "
        + "a change where neither way is better) and assurance against the target (P will meet it, F will miss it, "
        + "? may do either)."

    /// England's Making Data Count charts: the icon summary of its series, then each series month by month; then
    /// the ICBs whose latest month is a special cause in any series, linked to their pages, with their coverage.
    static func spcSection(_ f: NationalFigures, into page: inout HTML, icbFolder: String? = nil) {
        let all = f.spc
        let rows = all.filter { $0.icb == england }
        guard !rows.isEmpty else { return }
        page.element("h2", "England month by month: statistical process control")
        page.element(
            "p",
            "NHS England's Making Data Count charts of England's figures, every month on record up to this one, "
                + "charted as they stood then. " + spcKey,
            attributes: "class=\"note\""
        )
        spcSummary(rows, into: &page)
        spcCharts(rows, into: &page)
        rebaseNotes(f, area: england, into: &page)

        // The outliers: ICBs whose latest month is a special cause.
        let latest = Dictionary(grouping: all.filter { $0.icb != england }) { "\($0.icb)|\($0.series)" }
            .compactMap { $0.value.last }
        let special = latest.filter { ($0.latestVariation ?? "").hasPrefix("special_cause") }
        guard !latest.isEmpty else { return }
        page.element("h3", "ICBs whose latest month is a special cause")
        if special.isEmpty {
            page.element("p", "None: every ICB's latest complete month of every series is common-cause variation.")
            return
        }
        page.raw("<table class=\"data\"><thead><tr>")
        for heading in ["ICB", "Series", "Latest complete month", "Value", "Mean (process limits)", "Coverage"] {
            page.element("th", heading, attributes: "scope=\"col\"")
        }
        page.raw("</tr></thead><tbody>")
        let order = Dictionary(uniqueKeysWithValues: spcSeries.enumerated().map { ($1.series, $0) })
        for last in special.sorted(by: {
            (name($0.icb, f), order[$0.series] ?? 9) < (name($1.icb, f), order[$1.series] ?? 9)
        }) {
            let series = all.filter { $0.icb == last.icb && $0.series == last.series }
            // The month the variation is about: the latest complete one.
            let row = series.last { $0.pointType != "incomplete" } ?? last
            let unit = unit(of: row.series)
            page.raw("<tr><th scope=\"row\">")
            areaName(last.icb, f, linkedFrom: icbFolder, into: &page)
            page.raw("</th>")
            page.element("td", spcSeries.first { $0.series == row.series }?.title ?? row.series)
            page.raw("<td>")
            page.raw(SPCIcon.variation(row.latestVariation ?? "", improvement: row.improvement, size: 20))
            page.value(
                " \(HTML.longMonth(row.period)): \(SPCIcon.words(row.latestVariation ?? "", improvement: row.improvement))"
            )
            page.raw("</td>")
            page.element("td", row.value.map(unit.text) ?? "–")
            page.element("td", limits(row, unit: unit))
            page.element("td", coverageNote(series))
            page.raw("</tr>")
        }
        page.raw("</tbody></table>")
        page.element(
            "p",
            "Coverage is the share of the expected referrals extracts of the ICB's trusts loaded in each month. A "
                + "special cause in a month of full coverage is a change in what the ICB's data say; where earlier "
                + "months were incomplete, the limits rest on fewer months, and the signal should be read with that.",
            attributes: "class=\"note\""
        )
    }

    /// "76.5% (72.0% to 81.0%)": a point's mean and process limits in the series' unit.
    static func limits(_ row: SPCMonth, unit: SPCUnit) -> String {
        guard let mean = row.mean else { return "no limits yet" }
        guard let lower = row.lower, let upper = row.upper else { return unit.text(mean) }
        return "\(unit.text(mean)) (\(unit.text(lower)) to \(unit.text(upper)))"
    }

    /// Coverage of a series' months in words: "full", or the incomplete months with their shares.
    static func coverageNote(_ series: [SPCMonth]) -> String {
        let incomplete = series.filter(\.incomplete)
        guard !incomplete.isEmpty else {
            let partial = series.filter { $0.coverage.map { $0 < 1 } == true }
            return partial.isEmpty
                ? "full"
                : "below 100% in " + partial.map { HTML.longMonth($0.period) }.joined(separator: ", ")
        }
        return "incomplete in "
            + incomplete.map { row in
                let share = row.coverage.map { String(format: " (%.1f%%)", $0 * 100) } ?? ""
                return HTML.longMonth(row.period) + share
            }.joined(separator: ", ") + ": left out of the limits"
    }

    /// The board's usual summary: one row per series with its latest month, value, limits, target and icons.
    static func spcSummary(_ rows: [SPCMonth], into page: inout HTML) {
        let present = spcSeries.filter { s in rows.contains { $0.series == s.series } }
        guard !present.isEmpty else { return }
        page.raw("<table class=\"data icons\"><caption>Summary: variation and assurance</caption><thead><tr>")
        for heading in [
            "Measure", "Latest month", "Value", "Mean (process limits)", "Target", "Variation", "Assurance",
        ] {
            page.element("th", heading, attributes: "scope=\"col\"")
        }
        page.raw("</tr></thead><tbody>")
        for (series, title, unit) in present {
            let points = rows.filter { $0.series == series }
            guard let last = points.last else { continue }
            let latest = points.last { $0.pointType != "incomplete" } ?? last
            page.raw("<tr>")
            page.element("th", title, attributes: "scope=\"row\"")
            page.element(
                "td",
                HTML.longMonth(last.period) + (last.pointType == "incomplete" ? " (incomplete coverage)" : "")
            )
            page.element("td", last.value.map(unit.text) ?? "–")
            page.element("td", limits(latest, unit: unit))
            page.element("td", last.target.map(unit.text) ?? "none set")
            page.raw("<td>")
            page.raw(SPCIcon.variation(last.latestVariation ?? "common_cause", improvement: last.improvement))
            page.raw("<span class=\"icon-text\">")
            page.value(SPCIcon.words(last.latestVariation ?? "common_cause", improvement: last.improvement))
            page.raw("</span></td><td>")
            let assurance = last.assurance
            page.raw(SPCIcon.assurance(assurance))
            page.raw("<span class=\"icon-text\">")
            page.value(
                assurance == nil && last.improvement == "neutral"
                    ? "not applicable: neither direction is better" : SPCIcon.assuranceWords(assurance)
            )
            page.raw("</span></td></tr>")
        }
        page.raw("</tbody></table>")
    }

    /// Each rebase of an area's series, with its reason.
    static func rebaseNotes(_ f: NationalFigures, area: String, into page: inout HTML) {
        let rebases = f.rebases.filter { $0.area.isEmpty || $0.area == area }
        guard !rebases.isEmpty else { return }
        page.raw("<ul class=\"note\">")
        for rebase in rebases {
            let title = spcSeries.first { $0.series == rebase.series }?.title ?? rebase.series
            page.element("li", "\(title): rebased from \(HTML.longMonth(rebase.period)), because \(rebase.reason)")
        }
        page.raw("</ul>")
    }

    /// A grid of XmR charts, one per series of `rows` (one area's), each with its icons and the variation of its
    /// latest complete month.
    static func spcCharts(_ rows: [SPCMonth], into page: inout HTML) {
        page.raw("<div class=\"grid spc\">")
        for (series, title, unit) in spcSeries {
            spcFigure(rows.filter { $0.series == series }, title: title, unit: unit, into: &page)
        }
        page.raw("</div>")
    }

    /// One series' XmR chart (`points`, its months in order) with its icons and the variation of its latest
    /// complete month; nothing when it has no month.
    static func spcFigure(_ points: [SPCMonth], title: String, unit: SPCUnit, into page: inout HTML) {
        guard let last = points.last else { return }
        let values = points.compactMap { row -> SPCPoint? in
            guard let value = row.value, !row.period.isEmpty else { return nil }
            return SPCPoint(
                period: row.period,
                value: value,
                type: row.pointType,
                mean: row.mean,
                lower: row.lower,
                upper: row.upper,
                phase: row.phase
            )
        }
        page.raw("<figure>")
        page.raw(SVGChart.spc(values, unit: unit, target: last.target, title: title))
        page.raw("<figcaption>")
        page.value(title)
        page.raw("<br>")
        page.raw(SPCIcon.variation(last.latestVariation ?? "common_cause", improvement: last.improvement, size: 20))
        if last.target != nil {
            page.raw(SPCIcon.assurance(last.assurance, size: 20))
        }
        page.raw(" <strong>")
        page.value(Self.variation(last.latestVariation ?? "common_cause", last.improvement))
        page.raw("</strong>")
        if last.pointType == "incomplete" {
            page.raw("<br><span class=\"partial\">")
            page.value("\(HTML.longMonth(last.period)) is incomplete: left out of the limits")
            page.raw("</span>")
        }
        page.raw("</figcaption></figure>")
    }

    /// A variation icon's meaning, in words.
    static func variation(_ type: String, _ improvement: String?) -> String {
        "Latest complete month: \(SPCIcon.words(type, improvement: improvement))"
    }

    /// Which limits a funnel drew, in words: PHE's, or the overdispersion-adjusted ones, with phi and tau2.
    static func funnelMethod(phi: Double?, tau2: Double?, method: String?, exact: String) -> String {
        let phiText = phi.map { String(format: "%.2f", $0) } ?? "not estimated"
        if let method, method == "additive" || method == "multiplicative" {
            let tau = tau2.map { String(format: "%.4g", $0) } ?? "0"
            return "The units are overdispersed (phi = \(phiText), the mean squared z-score after winsorising the "
                + "most extreme 10% at each end, is above 1): they differ more than chance alone would make them, "
                + "so the limits are widened by Spiegelhalter's \(method) random-effects "
                + "adjustment (tau² = \(tau)), as NHS-R's FunnelPlotR draws them by default. A unit outside these "
                + "limits differs by more than the usual spread between units."
        }
        return "The units are not overdispersed (phi = \(phiText), at most 1), so the limits are \(exact)."
    }

    /// The units outside a funnel's 99.8% limits, named in a table under the chart.
    static func funnelOutliers(
        _ points: [(label: String, x: Double, y: Double)],
        curves: FunnelCurves,
        reading: FunnelReading,
        value: (Double) -> String,
        denominator: String,
        into page: inout HTML
    ) {
        let outside = points.compactMap { p in curves.side(x: p.x, y: p.y).map { (p, $0) } }
            .sorted { ($0.1, $1.0.y) < ($1.1, $0.0.y) }
        guard !outside.isEmpty else {
            page.element("p", "Every unit lies within the 99.8% limits.", attributes: "class=\"note\"")
            return
        }
        page.raw("<div class=\"scroll\"><table class=\"data\"><caption>")
        page.value("Outside the 99.8% limits: \(outside.count) of \(points.count)")
        page.raw("</caption><thead><tr>")
        for heading in ["Area", "Value", denominator, "99.8% limits there", "Reading"] {
            page.element("th", heading, attributes: "scope=\"col\"")
        }
        page.raw("</tr></thead><tbody>")
        for (point, side) in outside {
            page.raw("<tr>")
            page.element("th", point.label, attributes: "scope=\"row\"")
            page.element("td", value(point.y))
            page.element("td", grouped(point.x))
            let low = FunnelCurves.value(curves.lower3, at: point.x).map(value) ?? "–"
            let high = FunnelCurves.value(curves.upper3, at: point.x).map(value) ?? "–"
            page.element("td", "\(low) to \(high)")
            page.raw("<td>")
            page.raw("<svg width=\"14\" height=\"14\" viewBox=\"0 0 14 14\" aria-hidden=\"true\" ")
            page.raw(
                "xmlns=\"http://www.w3.org/2000/svg\">\(reading.marker(side, x: 7, y: 7, title: reading.words(side)))"
            )
            page.raw("</svg> ")
            page.value(reading.words(side))
            page.raw("</td></tr>")
        }
        page.raw("</tbody></table></div>")
    }

    /// A funnel plot of trusts' outcome recording: each trust's share of discharges with an outcome against the
    /// 95% and 99.8% limits around the overall share at its number of discharges: PHE's, or adjusted for
    /// overdispersion when the trusts are overdispersed. Outliers are coloured by direction and named below.
    static func funnelSection(_ f: NationalFigures, into page: inout HTML) {
        let rows = f.outcomeFunnel
        let curve = rows.compactMap { row -> FunnelLimit? in
            guard let x = row.denominator, let l2 = row.lower2, let u2 = row.upper2, let l3 = row.lower3,
                let u3 = row.upper3, let baseline = row.baseline
            else { return nil }
            return FunnelLimit(x: x, lower2: l2, upper2: u2, lower3: l3, upper3: u3, baseline: baseline)
        }
        guard !curve.isEmpty else { return }
        page.element("h2", "Outcome recording by trust: funnel plot")
        page.element(
            "p",
            "Each marker is a trust: the share of its discharges with an outcome recorded, against its number of "
                + "discharges, around the share over all trusts. "
                + funnelMethod(
                    phi: rows.first?.phi,
                    tau2: rows.first?.tau2,
                    method: rows.first?.method,
                    exact: "PHE's Wilson-score limits for proportions"
                ),
            attributes: "class=\"note\""
        )
        page.raw(FunnelReading.higherIsBetter.legend)
        let trusts = f.table("completeness_trust")
        let points = trusts.compactMap { row -> (String, Double, Double)? in
            guard let org = row["org_code"], let discharges = number(row["discharges"]), discharges > 0,
                let recorded = number(row["outcome_recorded"])
            else { return nil }
            return (trustName(org, f), discharges, 100 * recorded / discharges)
        }
        page.raw(SVGChart.funnel(points, curve: curve, title: "Outcome recorded, % of discharges, by trust"))
        funnelOutliers(
            points.map { (label: $0.0, x: $0.1, y: $0.2) },
            curves: FunnelCurves(curve),
            reading: .higherIsBetter,
            value: { String(format: "%.1f%%", $0) },
            denominator: "Discharges",
            into: &page
        )
        // Every trust is accounted for: those that cannot be shown, and why.
        let notShown = trusts.compactMap { row -> String? in
            guard let org = row["org_code"] else { return nil }
            if number(row["discharges"]) == 0 { return "\(trustName(org, f)) (no discharges)" }
            if row["discharges"] == nil || row["outcome_recorded"] == nil {
                return
                    "\(trustName(org, f)) (\(number(row["submissions_received"]) == 0 ? "nothing sent" : "a count suppressed (1 to 7)"))"
            }
            return nil
        }
        if !notShown.isEmpty {
            page.element("p", "Not shown: " + notShown.joined(separator: "; ") + ".", attributes: "class=\"note\"")
        }
    }

    /// A funnel plot of ICBs' crude rates of new referrals in the month: each ICB's rate per 100,000 residents
    /// against its population, with PHE's exact Poisson limits, or limits adjusted for overdispersion when the ICBs
    /// are overdispersed. Outliers are coloured by direction and named below; ICBs that cannot be shown are listed.
    static func rateFunnelSection(_ f: NationalFigures, into page: inout HTML) {
        let rows = f.rateFunnel
        guard let first = rows.first, let baseline = first.baseline else { return }
        func curve(_ limit: (RateFunnelLimit) -> (population: Double?, rate: Double?)) -> [(x: Double, y: Double)] {
            rows.compactMap { row -> (x: Double, y: Double)? in
                guard let x = limit(row).population, let y = limit(row).rate, x.isFinite, y.isFinite else {
                    return nil
                }
                return (x, y)
            }.sorted { $0.x < $1.x }
        }
        let curves = FunnelCurves(
            baseline: baseline,
            lower2: curve(\.lower2),
            upper2: curve(\.upper2),
            lower3: curve(\.lower3),
            upper3: curve(\.upper3)
        )
        // The ICBs as in the limits: those whose five quintiles are all published.
        let byICB = Dictionary(
            grouping: f.table("access").filter { $0["service_line"] == "all" && $0["icb_ods"] != england }
        ) { $0["icb_ods"] ?? "" }
        var notShown: [String] = []
        let points = byICB.compactMap { icb, rows -> (label: String, x: Double, y: Double)? in
            let referrals = rows.compactMap { number($0["new_referrals"]) }
            let population = rows.compactMap { number($0["population"]) }.reduce(0, +)
            guard referrals.count == 5, population > 0, referrals.reduce(0, +) > 0 else {
                notShown.append(
                    "\(name(icb, f)) (\(referrals.count < 5 ? "a quintile's count is suppressed" : "no new referrals"))"
                )
                return nil
            }
            return (name(icb, f), population, referrals.reduce(0, +) / population * 100_000)
        }.sorted { $0.label < $1.label }
        guard !points.isEmpty else { return }
        page.element("h2", "New referral rates by ICB: funnel plot")
        page.element(
            "p",
            "Each marker is an ICB: its new referrals per 100,000 residents in the month (crude, all ages), against "
                + "its population, around the rate over every ICB shown. "
                + funnelMethod(
                    phi: first.phi,
                    tau2: first.tau2,
                    method: first.method,
                    exact: "PHE's exact Poisson limits"
                ),
            attributes: "class=\"note\""
        )
        page.raw(FunnelReading.neutral.legend)
        page.raw(
            SVGChart.funnel(
                points,
                curves: curves,
                title: "New referrals per 100,000 residents, by ICB",
                xTitle: "Residents",
                yTitle: "New referrals per 100,000",
                yRange: nil,
                describe: { "\($0): \(SVGChart.format($2)) per 100,000 of \(grouped($1)) residents" }
            )
        )
        funnelOutliers(
            points,
            curves: curves,
            reading: .neutral,
            value: { "\(SVGChart.format($0)) per 100,000" },
            denominator: "Residents",
            into: &page
        )
        if !notShown.isEmpty {
            page.element(
                "p",
                "Not shown: " + notShown.sorted().joined(separator: "; ") + ".",
                attributes: "class=\"note\""
            )
        }
    }

    /// What an empty figure shows, from its row's value_note (published.value_note): "s" only where a count was
    /// suppressed, "not sent" where the extract it needs did not arrive, and "–" where nothing applies or could be
    /// computed. Without a note (the analysis schema, or no row at all), "–".
    static func mark(_ row: [String: String]?, _ column: String) -> String {
        guard let note = row?["value_note"] else { return "–" }
        for part in note.components(separatedBy: "; ") {
            let pieces = part.components(separatedBy: ": ")
            guard pieces.count == 2, pieces[1].components(separatedBy: ", ").contains(column) else { continue }
            switch pieces[0] {
            case "suppressed": return "s"
            case "not sent": return "not sent"
            default: return "–"
            }
        }
        return "–"
    }

    /// Every ICB with figures this month or in an earlier one, or hosting a trust expected this month: an ICB with
    /// no data this month still has its page and its place, saying why.
    static func icbsOnRecord(_ f: NationalFigures) -> [String] {
        Set(
            f.table("access").compactMap { $0["icb_ods"] } + f.rateHistory.map(\.icb)
                + f.table("missing_submissions").compactMap { $0["icb_ods"] }
        ).subtracting([england, ""]).sorted()
    }

    /// Why an ICB has no figures this month, in words: its trusts' referrals extracts that were expected and not
    /// received, or, when none was expected, that no referral of its residents was loaded.
    static func notAvailable(_ icb: String, _ f: NationalFigures) -> String {
        let missing = f.table("missing_submissions").filter { $0["icb_ods"] == icb && $0["kind"] == "referrals" }
        let month = HTML.longMonth(f.period)
        guard !missing.isEmpty else {
            return "Data not available: no referral of its residents was loaded for \(month)."
        }
        let trusts = missing.compactMap { $0["org_code"] }.sorted().map { trustName($0, f) }
        return "Data not available: the referrals extract of \(trusts.joined(separator: ", ")) was expected for "
            + "\(month) and not received, so no figure for its residents could be made."
    }

    /// Every month from `first` to `last` (`YYYY-MM-DD`, first days), in order, as `YYYY-MM-01`.
    static func monthsBetween(_ first: String, _ last: String) -> [String] {
        guard let a = HTML.monthIndex(first), let b = HTML.monthIndex(last), a <= b else { return [last] }
        return (a...b).map { String(format: "%04d-%02d-01", $0 / 12, $0 % 12 + 1) }
    }

    /// The key to the marks, on every page.
    static let marksKey =
        "s: suppressed, a count of 1 to 7 (or a figure resting on one) withheld to protect small numbers; "
        + "not sent: the extract it needs was expected and not received; –: not applicable (nothing to measure) or "
        + "not computed (too few, such as a rate of fewer than 10 new referrals)."

    /// "12.3 (10.1 to 14.8)", or the value alone, or `mark` when the value is empty.
    static func interval(
        _ value: String?,
        _ lower: String?,
        _ upper: String?,
        places: Int? = nil,
        mark: String = "–"
    ) -> String {
        func text(_ x: Double) -> String { places.map { String(format: "%.\($0)f", x) } ?? SVGChart.format(x) }
        guard let v = number(value) else { return mark }
        guard let l = number(lower), let u = number(upper) else { return text(v) }
        return "\(text(v)) (\(text(l)) to \(text(u)))"
    }

    /// A 0-1 share as a percentage to one decimal place, or `mark` when empty.
    static func percent(_ share: String?, mark: String = "–") -> String { percent(number(share), mark: mark) }

    /// A share (0 to 1) as a percentage to one decimal place, or the mark when there is none.
    static func percent(_ share: Double?, mark: String = "–") -> String { HTML.percent(share, mark: mark) }

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

    /// "Bridgewater Community Healthcare NHS Foundation Trust (RY2)": the trust's name in its proper case, and its
    /// code; the code alone when the name is not known.
    static func trustName(_ org: String, _ f: NationalFigures) -> String {
        f.trustNames[org].map { "\(properCase($0)) (\(org))" } ?? org
    }

    /// A name the reference data gives in capitals, as it is written: "BRIDGEWATER COMMUNITY HEALTHCARE NHS
    /// FOUNDATION TRUST" → "Bridgewater Community Healthcare NHS Foundation Trust". Acronyms stay in capitals, and
    /// small words after the first in lower case. A name already in mixed case is left as it is.
    public static func properCase(_ name: String) -> String {
        guard name == name.uppercased() else { return name }
        let acronyms: Set<String> = ["NHS", "UK", "ICB", "CIC", "LLP", "PLC", "II", "III", "2GETHER", "BMI"]
        let small: Set<String> = ["AND", "OF", "THE", "FOR", "IN", "ON", "AT", "BY", "UPON"]
        var words: [String] = []
        for (i, word) in name.split(separator: " ").enumerated() {
            let upper = String(word)
            if acronyms.contains(upper) {
                words.append(upper)
            } else if i > 0, small.contains(upper) {
                words.append(upper.lowercased())
            } else {
                // Each part of a hyphenated or apostrophed word capitalised: Stoke-on-Trent, King's.
                var out = ""
                var start = true
                for ch in upper {
                    out += start ? String(ch) : String(ch).lowercased()
                    start = ch == "-" || ch == "(" || ch == "/"
                }
                words.append(
                    out.replacingOccurrences(of: "-On-", with: "-on-").replacingOccurrences(
                        of: "-Upon-",
                        with: "-upon-"
                    )
                )
            }
        }
        return words.joined(separator: " ")
    }

    /// A whole number with thousands separators, as a board paper prints it: 130,915; 3,300.
    static func grouped(_ value: Double) -> String {
        Int(value.rounded()).formatted(.number.locale(Locale(identifier: "en_GB")))
    }

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
        .facts{display:grid;grid-template-columns:fit-content(55%) 1fr;gap:2px 16px}.facts dt{font-weight:600}.facts dd{margin:0}
        .asat{font-weight:600}main{max-width:1100px;margin:0 auto;padding:24px;background:#fff}
        h1{font-size:1.6em}h2{margin-top:2em;border-bottom:2px solid #005eb8;padding-bottom:4px}
        .note{color:#4c6272;font-size:.95em}
        .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:12px}
        figure{margin:0;border:1px solid #d8dde0;padding:6px}figcaption{font-size:.8em;text-align:center}
        figure.partial{border:1px dashed #e65100}span.partial{color:#8a3b00;font-style:italic}
        table.heat{border-collapse:collapse;font-size:.85em;width:100%;table-layout:fixed}table.heat td,table.heat th{padding:3px 5px;border:1px solid #fff;overflow-wrap:anywhere}
        table.heat thead th:first-child{width:22%}table.heat thead th:nth-child(2){width:16%}
        table.heat td{text-align:right}td.none{background:#e8edee;color:#768692;text-align:center}
        td.missing{background:#fff;color:#8a3b00;border:1px dashed #e65100;text-align:center;font-style:italic}
        tr.attention th{box-shadow:inset 4px 0 #e65100}.flag{display:inline-block;margin-left:6px;padding:0 6px;border-radius:3px;background:#fff3e0;color:#8a3b00;border:1px solid #e65100;font-size:.8em;font-weight:600}
        .legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 18px;padding:0;margin:6px 0 12px;font-size:.9em}.legend li{display:flex;align-items:center;gap:6px}
        svg[role=img]{max-width:100%;height:auto}td svg,figcaption svg{vertical-align:middle}.icon-text{margin-left:6px}table.icons td{vertical-align:middle}
        caption{text-align:left;font-weight:600;padding:4px 0}p.absent{font-size:.85em;color:#8a3b00;padding:8px}.scroll{overflow-x:auto;max-width:100%}
        @media print{@page{size:A4;margin:14mm}body{background:#fff}main{max-width:none;padding:0}
        h2,h3{break-after:avoid;page-break-after:avoid}figure,tr,.facts,table.icons{break-inside:avoid;page-break-inside:avoid}
        .grid{grid-template-columns:repeat(3,1fr)}a{color:inherit;text-decoration:none}}
        """
}

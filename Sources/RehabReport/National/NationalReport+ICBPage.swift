import Foundation
import RehabAnalyse
import RehabCore

extension NationalReport {
    // MARK: - A page per ICB

    /// One page per ICB with figures, keyed by its code: its quintiles over time and this month, its gap with
    /// limits, its trusts' data, and its workforce. `index` is the national page's address from there.
    public static func icbPages(_ f: NationalFigures, index: String) -> [(code: String, html: String)] {
        icbsOnRecord(f).map { ($0, icbPage($0, f, index: index)) }
    }

    static func icbPage(_ icb: String, _ f: NationalFigures, index: String) -> String {
        var page = HTML()
        let month = HTML.longMonth(f.period)
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
            (f.dataAsAt.map { "Data as at \(HTML.longDate($0)). " } ?? "")
                + "Generated \(HTML.longDate(f.generatedAt))."
                + (f.source == "published"
                    ? " Published figures: small numbers suppressed." : " NOT cleared for publication.")
        )
        page.raw("</p>")
        page.element("p", "Key: " + marksKey, attributes: "class=\"note key\"")
        if !f.table("access").contains(where: { $0["icb_ods"] == icb }) {
            page.element("h2", "Data not available for \(month)")
            page.element("p", notAvailable(icb, f))
        }

        // Over time: each quintile's rate, month by month.
        // Every month from the ICB's first on record to this one, so that a month without figures is a gap in the
        // lines, not squeezed out of the axis.
        let history = f.rateHistory.filter { $0.icb == icb }
        let months = monthsBetween(history.map(\.period).min() ?? f.period, f.period)
        page.element("h2", "Referral rates by deprivation quintile, month by month")
        if months.count > 1 {
            let lines = (1...5).map { (q: Int) in
                (
                    label: "Q\(q)",
                    values: months.map { m in
                        history.first { $0.period == m && $0.quintile == q }?.dsr
                    }
                )
            }
            page.raw(SVGChart.lines(lines, labels: months.map(HTML.shortMonth), title: "Rate by quintile"))
            page.element(
                "p",
                "Age-standardised new referrals per 100,000 residents a month, Q1 (most deprived) to Q5 (least), one line "
                    + "each; a gap is a month with no published rate (suppressed, too few, or no data).",
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
        let spc = f.spc.filter { $0.icb == icb }
        if !spc.isEmpty {
            page.element("h2", "Month by month: statistical process control")
            page.element(
                "p",
                "Making Data Count charts of this ICB's figures. " + spcKey
                    + (f.source == "published"
                        ? " Drawn from the published counts: a month whose count is suppressed is left out." : ""),
                attributes: "class=\"note\""
            )
            spcSummary(spc, into: &page)
            spcCharts(spc, into: &page)
            rebaseNotes(f, area: icb, into: &page)
        }

        // This month, by quintile, beside England.
        let access = f.table("access").filter { $0["service_line"] == "all" }
        let own = access.filter { $0["icb_ods"] == icb }
        let nation = access.filter { $0["icb_ods"] == england }
        againstEngland(icb, f, into: &page)
        page.element("h2", "This month by deprivation quintile")
        page.raw("<table class=\"data\"><thead><tr>")
        for heading in [
            "Quintile", "New referrals", "Rate per 100,000 (95% CI)", "England", "Against England",
            "Median wait (days)",
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
            page.element("td", row?["new_referrals"].flatMap(number).map(grouped) ?? mark(row, "new_referrals"))
            page.element("td", interval(row?["dsr"], row?["dsr_lower"], row?["dsr_upper"], mark: mark(row, "dsr")))
            page.element("td", number(england?["dsr"]).map { SVGChart.format($0) } ?? "–")
            if let verdict = Comparison.words(row?["compared_with_england"]) {
                page.raw("<td><svg width=\"14\" height=\"14\" viewBox=\"0 0 14 14\" aria-hidden=\"true\" ")
                page.raw("xmlns=\"http://www.w3.org/2000/svg\">")
                page.raw(Comparison.marker(row?["compared_with_england"], x: 7, y: 7, title: verdict))
                page.raw("</svg> ")
                page.value(verdict)
                page.raw("</td>")
            } else {
                page.element("td", "not compared")
            }
            page.element("td", number(row?["wait_median_days"]).map { SVGChart.format($0) } ?? "–")
            page.element(
                "td",
                percent(row?["waiting_over_18w_share"], mark: mark(row, "waiting_over_18w_share"))
            )
            page.element("td", percent(row?["outcome_recorded_share"], mark: mark(row, "outcome_recorded_share")))
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
        for row in f.scoreVariation {
            guard let variation = row.variation else { continue }
            scoreTrend[row.org] = row.points == 1 ? "first month" : SPCIcon.words(variation, improvement: "increase")
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
                page.element("th", trustName(org, f))
                page.element("td", percent(row["coverage"], mark: mark(row, "coverage")))
                page.element("td", number(row["score_mean"]).map { SVGChart.format($0) } ?? "–")
                page.element("td", scoreTrend[org] ?? "–")
                page.element("td", percent(row["rows_quarantined_share"], mark: mark(row, "rows_quarantined_share")))
                page.element(
                    "td",
                    percent(row["ethnicity_recorded_share"], mark: mark(row, "ethnicity_recorded_share"))
                )
                page.raw("</tr>")
            }
            page.raw("</tbody></table>")
        }

        trustQuality(icb, f, into: &page)

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
            "<p class=\"note\">Made by RehabCount \(HTML.escape(RehabCountVersion.tool)) on \(HTML.escape(HTML.longDate(f.generatedAt))).</p>"
        )
        page.raw("</main></body></html>")
        return page.text
    }

    /// The data items of this ICB's trusts that fall below the national figure (DQMI validity and completeness,
    /// beside the peer figure of the ICB's trusts), and the rules behind each trust's score.
    static func trustQuality(_ icb: String, _ f: NationalFigures, into page: inout HTML) {
        let items = f.itemQuality.filter { $0.icb == icb }
        let failures = f.ruleFailures.filter { $0.icb == icb }
        guard !items.isEmpty || !failures.isEmpty else { return }
        page.element("h3", "Data items below the national figure")
        // An item 2 percentage points or more below England in validity or completeness.
        let below = items.filter(\.belowEngland)
        if below.isEmpty {
            page.element(
                "p",
                "None: every data item of this ICB's trusts is within 2 percentage points of England's validity and "
                    + "completeness.",
                attributes: "class=\"note\""
            )
        } else {
            page.raw("<div class=\"scroll\"><table class=\"data\"><thead><tr>")
            for heading in [
                "Trust", "Extract", "Item", "Validity", "Peer validity", "England validity", "Completeness",
                "Peer completeness", "England completeness",
            ] {
                page.element("th", heading, attributes: "scope=\"col\"")
            }
            page.raw("</tr></thead><tbody>")
            for row in below {
                page.raw("<tr>")
                page.element("th", trustName(row.org, f), attributes: "scope=\"row\"")
                page.element("td", row.kind)
                page.element("td", row.column)
                for share in [
                    row.validity, row.peerValidity, row.nationalValidity, row.completeness, row.peerCompleteness,
                    row.nationalCompleteness,
                ] {
                    page.element("td", percent(share))
                }
                page.raw("</tr>")
            }
            page.raw("</tbody></table></div>")
        }
        page.element(
            "p",
            "Validity is the share of the values present that are valid, and completeness the share of the rows an "
                + "item applies to that have a value, as NHS England's Data Quality Maturity Index measures them; "
                + "peer is the trusts hosted by this ICB.",
            attributes: "class=\"note\""
        )
        guard !failures.isEmpty else { return }
        page.element("h3", "The rules behind the scores")
        page.raw("<div class=\"scroll\"><table class=\"data\"><thead><tr>")
        for heading in ["Trust", "Extract", "Rule", "Severity", "Rows failing", "Share of rows"] {
            page.element("th", heading, attributes: "scope=\"col\"")
        }
        page.raw("</tr></thead><tbody>")
        // Each trust's five rules with the most failures.
        for (org, rows) in Dictionary(grouping: failures, by: \.org).sorted(by: { $0.key < $1.key }) {
            for row in rows.prefix(5) {
                page.raw("<tr>")
                page.element("th", trustName(org, f), attributes: "scope=\"row\"")
                page.element("td", row.kind)
                page.element("td", row.rule)
                page.element("td", row.severity)
                page.element("td", grouped(Double(row.failures)))
                page.element("td", percent(row.failuresPerRow))
                page.raw("</tr>")
            }
        }
        page.raw("</tbody></table></div>")
        page.element(
            "p",
            "Each trust's five rules that failed most often this month; every rule is in analysis.rule_failures, and "
                + "its message and guidance in the rule catalogue (docs/rule-catalogue.md).",
            attributes: "class=\"note\""
        )
    }
}

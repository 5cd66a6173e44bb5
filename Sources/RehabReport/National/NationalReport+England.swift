import Foundation
import RehabAnalyse

// England beside every ICB measure, with its significance (Fingertips' comparison), and the spine chart of an ICB's
// page; and England's waits, outcomes and Core20 share by deprivation quintile.

/// One measure of an area beside England's, with the area's 95% interval when the measure has one.
struct AreaMeasure {
    var title: String
    var unit: String
    var value: Double?
    var lower: Double?
    var upper: Double?
    var england: Double?
    /// Every ICB's value, for the spine chart's range.
    var spread: [Double]
    var format: (Double) -> String

    /// Fingertips' comparison of the area with England: England's value inside the interval is similar.
    var comparison: String? {
        guard let england, let lower, let upper else { return nil }
        return england < lower ? "higher" : england > upper ? "lower" : "similar"
    }
}

extension NationalReport {
    /// Wilson's 95% interval of x out of n.
    static func wilson(_ x: Double, _ n: Double) -> (Double, Double)? {
        guard n > 0, x >= 0, x <= n else { return nil }
        let z = 1.959964
        let p = x / n
        let centre = p + z * z / (2 * n)
        let spread = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()
        let denominator = 1 + z * z / n
        return ((centre - spread) / denominator, (centre + spread) / denominator)
    }

    /// Byar's 95% interval of a Poisson count (as stats.byar_ci), exact enough from about 10 events.
    static func byar(_ x: Double) -> (Double, Double)? {
        guard x >= 10 else { return nil }
        let z = 1.959964
        let lower = x * pow(1 - 1 / (9 * x) - z / (3 * x.squareRoot()), 3)
        let y = x + 1
        let upper = y * pow(1 - 1 / (9 * y) + z / (3 * y.squareRoot()), 3)
        return (lower, upper)
    }

    /// The ICB measures that a board compares with England: new referrals, waits, outcome recording, Core20 and
    /// workforce, each from the published counts summed over the area's quintiles.
    static func areaMeasures(_ icb: String, _ f: NationalFigures) -> [AreaMeasure] {
        let access = f.table("access").filter { $0["service_line"] == "all" }
        func sums(_ area: String) -> [String: Double]? {
            let rows = access.filter { $0["icb_ods"] == area }
            guard !rows.isEmpty else { return nil }
            var totals: [String: Double] = [:]
            for column in [
                "new_referrals", "population", "waiting", "waiting_over_18w", "discharges", "outcome_recorded",
            ] {
                let values = rows.map { number($0[column]) }
                // A quintile suppressed: the area's total is not known.
                if !values.contains(nil) { totals[column] = values.compactMap { $0 }.reduce(0, +) }
            }
            return totals
        }
        let icbs = Set(access.compactMap { $0["icb_ods"] }).subtracting([england])
        let all = Dictionary(uniqueKeysWithValues: icbs.compactMap { code in sums(code).map { (code, $0) } })
        let nation = sums(england) ?? [:]
        func ratio(_ t: [String: Double]?, _ part: String, _ whole: String, _ scale: Double = 1) -> Double? {
            guard let t, let p = t[part], let w = t[whole], w > 0 else { return nil }
            return p / w * scale
        }
        let own = all[icb]
        var measures: [AreaMeasure] = []
        // New referrals per 100,000 a month (crude, all ages), Byar's interval.
        let rate = ratio(own, "new_referrals", "population", 100_000)
        let rateLimits = own.flatMap { t in t["new_referrals"].flatMap(byar) }
        let population = own?["population"] ?? 0
        measures.append(
            AreaMeasure(
                title: "New referrals per 100,000 a month",
                unit: "per 100,000",
                value: rate,
                lower: rateLimits.map { $0.0 / population * 100_000 },
                upper: rateLimits.map { $0.1 / population * 100_000 },
                england: ratio(nation, "new_referrals", "population", 100_000),
                spread: all.values.compactMap { ratio($0, "new_referrals", "population", 100_000) },
                format: { SVGChart.format($0) }
            )
        )
        for (part, whole, title) in [
            ("waiting_over_18w", "waiting", "Of those waiting, waiting over 18 weeks"),
            ("outcome_recorded", "discharges", "Discharges with an outcome recorded"),
        ] {
            let limits = own.flatMap { t in t[part].flatMap { x in t[whole].flatMap { wilson(x, $0) } } }
            measures.append(
                AreaMeasure(
                    title: title,
                    unit: "%",
                    value: ratio(own, part, whole),
                    lower: limits?.0,
                    upper: limits?.1,
                    england: ratio(nation, part, whole),
                    spread: all.values.compactMap { ratio($0, part, whole) },
                    format: { HTML.percent($0) }
                )
            )
        }
        // Core20: the most deprived fifth's share of new referrals, with its published limits.
        let core20 = f.table("core20").filter { $0["service_line"] == "all" }
        let ownCore20 = core20.first { $0["icb_ods"] == icb }
        measures.append(
            AreaMeasure(
                title: "Share of new referrals from the most deprived fifth (Core20)",
                unit: "%",
                value: number(ownCore20?["referral_share_q1"]),
                lower: number(ownCore20?["referral_share_q1_lower"]),
                upper: number(ownCore20?["referral_share_q1_upper"]),
                england: number(core20.first { $0["icb_ods"] == england }?["referral_share_q1"]),
                spread: core20.filter { $0["icb_ods"] != england }.compactMap { number($0["referral_share_q1"]) },
                format: { HTML.percent($0) }
            )
        )
        // Workforce per 100,000: no interval (a count of posts, not a sample), so not compared.
        let workforce = f.table("workforce_icb").filter { $0["profession"] == "all" }
        let fte = workforce.compactMap { number($0["fte_in_post"]) }.reduce(0, +)
        let residents = workforce.compactMap { number($0["population"]) }.reduce(0, +)
        measures.append(
            AreaMeasure(
                title: "Whole-time equivalent staff per 100,000 residents",
                unit: "FTE per 100,000",
                value: number(workforce.first { $0["icb_ods"] == icb }?["fte_per_100k"]),
                lower: nil,
                upper: nil,
                england: residents > 0 ? fte / residents * 100_000 : nil,
                spread: workforce.compactMap { number($0["fte_per_100k"]) },
                format: { SVGChart.format($0) }
            )
        )
        return measures
    }

    /// The ICB beside England: each measure's value, England's, the comparison in words and marker, and a spine
    /// (the range of every ICB, its middle half darker, England's value a line, this ICB's the marker).
    static func againstEngland(_ icb: String, _ f: NationalFigures, into page: inout HTML) {
        let measures = areaMeasures(icb, f)
        guard measures.contains(where: { $0.value != nil }) else { return }
        page.element("h2", "Against England")
        page.element(
            "p",
            "Each measure of this ICB beside England's, from the published counts, compared as Fingertips compares "
                + "(England's value inside the ICB's 95% interval: similar). The spine shows the range over every "
                + "ICB, the middle half darker; the black line is England, the marker this ICB. A measure with no "
                + "interval (the workforce, a count of posts) is not compared.",
            attributes: "class=\"note\""
        )
        page.raw(Comparison.legend(notCompared: "Not compared (no interval, or a count suppressed)"))
        page.raw("<div class=\"scroll\"><table class=\"data spine\"><thead><tr>")
        for heading in ["Measure", "This ICB (95% CI)", "England", "Against England", "Range over ICBs"] {
            page.element("th", heading, attributes: "scope=\"col\"")
        }
        page.raw("</tr></thead><tbody>")
        for m in measures {
            page.raw("<tr>")
            page.element("th", m.title, attributes: "scope=\"row\"")
            let value = m.value.map(m.format) ?? "s"
            let interval = m.lower.flatMap { l in m.upper.map { " (\(m.format(l)) to \(m.format($0)))" } } ?? ""
            page.element("td", value + interval)
            page.element("td", m.england.map(m.format) ?? "–")
            page.raw("<td>")
            if let verdict = Comparison.words(m.comparison) {
                page.raw("<svg width=\"14\" height=\"14\" viewBox=\"0 0 14 14\" aria-hidden=\"true\" ")
                page.raw("xmlns=\"http://www.w3.org/2000/svg\">")
                page.raw(Comparison.marker(m.comparison, x: 7, y: 7, title: verdict))
                page.raw("</svg> ")
                page.value(verdict)
            } else {
                page.value("not compared")
            }
            page.raw("</td><td>")
            page.raw(spine(m))
            page.raw("</td></tr>")
        }
        page.raw("</tbody></table></div>")
    }

    /// One measure's spine: 200 by 18 pixels.
    static func spine(_ m: AreaMeasure) -> String {
        let values = m.spread.sorted()
        guard let low = values.first, let high = values.last, high > low else { return "" }
        func quantile(_ p: Double) -> Double {
            let h = Double(values.count - 1) * p
            let i = Int(h.rounded(.down))
            let j = min(i + 1, values.count - 1)
            return values[i] + (h - Double(i)) * (values[j] - values[i])
        }
        let width = 200.0
        func x(_ v: Double) -> Int { Int((4 + (width - 8) * (min(max(v, low), high) - low) / (high - low)).rounded()) }
        let title =
            "\(m.title): this ICB \(m.value.map(m.format) ?? "not known"), England \(m.england.map(m.format) ?? "not known"), "
            + "ICBs from \(m.format(low)) to \(m.format(high))"
        var svg = SVGChart.open(width: Int(width), height: 18, title: title)
        svg += "<rect x=\"\(x(low))\" y=\"5\" width=\"\(x(high) - x(low))\" height=\"8\" fill=\"#E8EDEE\"/>"
        svg += "<rect x=\"\(x(quantile(0.25)))\" y=\"5\" width=\"\(max(x(quantile(0.75)) - x(quantile(0.25)), 1))\" "
        svg += "height=\"8\" fill=\"#AEB7BD\"/>"
        if let england = m.england {
            svg +=
                "<line x1=\"\(x(england))\" y1=\"1\" x2=\"\(x(england))\" y2=\"17\" stroke=\"#000000\" stroke-width=\"2\"/>"
        }
        if let value = m.value {
            svg += Comparison.marker(m.comparison, x: x(value), y: 9, title: title)
        }
        return svg + "</svg>"
    }

    /// England's waits, outcomes and Core20 share by deprivation quintile: the measures behind the gap.
    static func quintileSection(_ f: NationalFigures, into page: inout HTML) {
        let rows = f.table("access").filter { $0["icb_ods"] == england && $0["service_line"] == "all" }
        guard !rows.isEmpty else { return }
        page.element("h2", "Waits, outcomes and Core20 by deprivation quintile, England")
        page.raw("<div class=\"scroll\"><table class=\"data\"><thead><tr>")
        for heading in [
            "Quintile", "New referrals per 100,000 (95% CI)", "Median wait", "Waiting over 18 weeks",
            "Outcome recorded", "Barthel change (mean)",
        ] {
            page.element("th", heading, attributes: "scope=\"col\"")
        }
        page.raw("</tr></thead><tbody>")
        let barthel = f.table("outcome_change").filter {
            $0["icb_ods"] == england && $0["service_line"] == "all" && $0["outcome_tool"] == "barthel"
        }
        for q in 1...5 {
            let row = rows.first { $0["imd_quintile"] == String(q) }
            page.raw("<tr>")
            page.element("th", "Q\(q)" + (q == 1 ? " (most deprived)" : q == 5 ? " (least deprived)" : ""))
            page.element("td", interval(row?["dsr"], row?["dsr_lower"], row?["dsr_upper"], mark: mark(row, "dsr")))
            page.element(
                "td",
                number(row?["wait_median_days"]).map { "\(SVGChart.format($0)) days" } ?? mark(row, "wait_median_days")
            )
            page.element(
                "td",
                percent(row?["waiting_over_18w_share"], mark: mark(row, "waiting_over_18w_share"))
            )
            page.element("td", percent(row?["outcome_recorded_share"], mark: mark(row, "outcome_recorded_share")))
            let change = barthel.first { $0["imd_quintile"] == String(q) }
            page.element(
                "td",
                number(change?["mean_change"]).map { String(format: "%+.1f points", $0) } ?? mark(change, "mean_change")
            )
            page.raw("</tr>")
        }
        page.raw("</tbody></table></div>")
        if let core20 = f.table("core20").first(where: { $0["icb_ods"] == england && $0["service_line"] == "all" }),
            let share = number(core20["referral_share_q1"]), let population = number(core20["population_share_q1"])
        {
            page.element(
                "p",
                "Core20: \(HTML.percent(share)) of England's new referrals come from the most "
                    + "deprived fifth of areas, which hold \(HTML.percent(population)) of its "
                    + "residents (representation ratio \(number(core20["representation_ratio"]).map { String(format: "%.2f", $0) } ?? "–"); "
                    + "below 1, the most deprived are referred less than their share). Barthel change is the mean "
                    + "change from the first to the last score (0-20, higher is better) of discharges with both.",
                attributes: "class=\"note\""
            )
        }
    }
}

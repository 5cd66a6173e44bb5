import Foundation
import RehabCore

// The charts of the national report and the ICB pages: inline SVG, no script.

/// A value with its confidence interval, for whisker and forest plots; nil members are drawn as gaps.
struct Whisker {
    var label: String
    var value: Double?
    var lower: Double?
    var upper: Double?
    /// Against England: higher, similar or lower (analysis.access.compared_with_england), or nil.
    var comparison: String? = nil

    /// Fingertips' colours for a comparison without a better or worse direction (fingertipscharts, theme.R):
    /// light blue higher, dark blue lower, amber similar, grey not compared.
    var colour: String { Comparison.colour(comparison) }

    /// The comparison in words, as a tooltip or a table says it: "higher than England", "similar to England".
    var verdict: String? { Comparison.words(comparison) }
}

/// Fingertips' comparison with England for measures without a better or worse direction: its colours, the
/// marker each is drawn with (so that colour is never the only cue), its words and the legend.
enum Comparison {
    static func colour(_ comparison: String?) -> String {
        switch comparison {
        case "higher": "#BED2FF"
        case "lower": "#5555E6"
        case "similar": "#FFC000"
        default: "#C9C9C9"
        }
    }

    static func words(_ comparison: String?) -> String? {
        switch comparison {
        case "higher": "higher than England"
        case "lower": "lower than England"
        case "similar": "similar to England"
        default: nil
        }
    }

    /// The marker at (x, y): a triangle pointing up for higher, down for lower, a circle otherwise, filled with
    /// the comparison's colour and outlined so that the light fills show on white. `title` is its tooltip.
    static func marker(_ comparison: String?, x: Int, y: Int, title: String) -> String {
        let fill = colour(comparison)
        let outline = "stroke=\"#212b32\" stroke-width=\"0.8\""
        let tip = "<title>\(HTML.escape(title))</title>"
        switch comparison {
        case "higher":
            return
                "<path d=\"M\(x) \(y - 6)L\(x + 5) \(y + 4)L\(x - 5) \(y + 4)Z\" fill=\"\(fill)\" \(outline)>\(tip)</path>"
        case "lower":
            return
                "<path d=\"M\(x) \(y + 6)L\(x + 5) \(y - 4)L\(x - 5) \(y - 4)Z\" fill=\"\(fill)\" \(outline)>\(tip)</path>"
        default:
            return "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"4.5\" fill=\"\(fill)\" \(outline)>\(tip)</circle>"
        }
    }

    /// The legend: each marker beside its meaning, as HTML (a list, read in order by a screen reader).
    static func legend(notCompared: String = "England, or not compared") -> String {
        var html = "<ul class=\"legend\" aria-label=\"Key to the comparison with England\">"
        for (comparison, text) in [
            ("higher", "Higher than England (England's value below the interval)"),
            ("similar", "Similar to England (England's value inside the interval)"),
            ("lower", "Lower than England (England's value above the interval)"), (nil, notCompared),
        ] {
            html += "<li><svg width=\"14\" height=\"14\" viewBox=\"0 0 14 14\" aria-hidden=\"true\" "
            html += "xmlns=\"http://www.w3.org/2000/svg\">\(marker(comparison, x: 7, y: 7, title: text))</svg>"
            html += "\(HTML.escape(text))</li>"
        }
        return html + "</ul>"
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
        var svg = open(width: width, height: height, title: title)
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
                let against = point.verdict.map { ", \($0)" } ?? ""
                svg += Comparison.marker(
                    point.comparison,
                    x: x,
                    y: y(value),
                    title: "\(point.label): \(format(value))\(against)"
                )
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
        var svg = open(width: width, height: height, title: title)
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

    /// A figure as the report prints it: one decimal place below 100, whole numbers above, with thousands
    /// separators from 1,000 (3,300 beside 130,915, never 3300).
    static func format(_ value: Double) -> String {
        if abs(value) >= 1_000 {
            return Int(value.rounded()).formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_GB")))
        }
        return abs(value) >= 100 ? String(format: "%.0f", value) : String(format: "%.1f", value)
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
    func outside(x: Double, y: Double) -> Bool { side(x: x, y: y) != nil }

    /// "higher" above the 99.8% limits at the point's own x, "lower" below them, nil within.
    func side(x: Double, y: Double) -> String? {
        if let low = Self.value(lower3, at: x), y < low { return "lower" }
        if let high = Self.value(upper3, at: x), y > high { return "higher" }
        return nil
    }
}

/// How a funnel's outliers are read: by Fingertips' neutral higher and lower, or as better and worse.
enum FunnelReading {
    case neutral, higherIsBetter

    /// The marker of a point: a triangle up above the limits, down below, a circle within; in Fingertips'
    /// colours (higher #BED2FF and lower #5555E6, or better #92D050 and worse #C00000; similar #FFC000).
    func marker(_ side: String?, x: Int, y: Int, title: String) -> String {
        guard self == .higherIsBetter, let side else {
            return Comparison.marker(side ?? "similar", x: x, y: y, title: title)
        }
        let fill = side == "higher" ? "#92D050" : "#C00000"
        let tip = "<title>\(HTML.escape(title))</title>"
        let d =
            side == "higher"
            ? "M\(x) \(y - 6)L\(x + 5) \(y + 4)L\(x - 5) \(y + 4)Z"
            : "M\(x) \(y + 6)L\(x + 5) \(y - 4)L\(x - 5) \(y - 4)Z"
        return "<path d=\"\(d)\" fill=\"\(fill)\" stroke=\"#212b32\" stroke-width=\"0.8\">\(tip)</path>"
    }

    /// The verdict of a side, in words.
    func words(_ side: String?) -> String {
        switch (self, side) {
        case (.higherIsBetter, "higher"): "better than the rest (above the 99.8% limit)"
        case (.higherIsBetter, "lower"): "worse than the rest (below the 99.8% limit)"
        case (.neutral, "higher"): "higher than the rest (above the 99.8% limit)"
        case (.neutral, "lower"): "lower than the rest (below the 99.8% limit)"
        default: "within the limits"
        }
    }

    /// The key under the chart, as HTML.
    var legend: String {
        var html = "<ul class=\"legend\" aria-label=\"Key to the funnel plot\">"
        for side in ["higher", nil, "lower"] as [String?] {
            let text = words(side).prefix(1).uppercased() + words(side).dropFirst()
            html += "<li><svg width=\"14\" height=\"14\" viewBox=\"0 0 14 14\" aria-hidden=\"true\" "
            html += "xmlns=\"http://www.w3.org/2000/svg\">\(marker(side, x: 7, y: 7, title: text))</svg>"
            html += "\(HTML.escape(text))</li>"
        }
        html += "<li>Dashed: 95% limits; dotted: 99.8% limits; solid: the average</li>"
        return html + "</ul>"
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
            reading: .higherIsBetter,
            describe: { "\($0): \(format($2))% of \(format($1)) discharges" }
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
        reading: FunnelReading = .neutral,
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
        var svg = open(width: width, height: height, title: title)
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
            let side = curves.side(x: point.x, y: point.y)
            svg += reading.marker(
                side,
                x: x(point.x),
                y: y(point.y),
                title: "\(describe(point.label, point.x, point.y)), \(reading.words(side))"
            )
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
        var svg = open(width: width, height: height, title: title)
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
            // A month with no figure on either side has no line to be part of: a dot shows it.
            for (i, value) in line.values.enumerated() {
                guard let value else { continue }
                let before = i > 0 ? line.values[i - 1] : nil
                let after = i + 1 < line.values.count ? line.values[i + 1] : nil
                guard before == nil, after == nil else { continue }
                svg += "<circle cx=\"\(x(i))\" cy=\"\(y(value))\" r=\"3\" fill=\"\(colour)\">"
                svg += "<title>\(HTML.escape("\(line.label), \(labels[i]): \(format(value))"))</title></circle>"
            }
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

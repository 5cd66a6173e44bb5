import Foundation
import RehabCore

/// One month of a Making Data Count chart.
struct SPCPoint {
    /// The month, as stored: the first day, `YYYY-MM-DD`.
    var period: String
    var value: Double
    /// `stats.spc`'s point type, or `incomplete` for a month kept out of the limits.
    var type: String
    /// The limits of the month's phase.
    var mean: Double?
    var lower: Double?
    var upper: Double?
    var phase: Int = 1

    /// The months since year 0, so that points can be placed on a time axis.
    var monthIndex: Int? { HTML.monthIndex(period) }

    /// Making Data Count's colours (NHSRplotthedots' `ptd_spc_colours`).
    var colour: String { SPCIcon.colour(type) }
}

/// How the values of a series are written: shares as percentages, waits in days, rates per 100,000.
enum SPCUnit {
    case rate, days, share, score

    /// A value in words for a table or a tooltip: "76.0%", "26.0 days", "36.9 per 100,000", "98.2".
    func text(_ value: Double) -> String {
        switch self {
        case .share: HTML.percent(value)
        case .days: String(format: "%.1f days", value)
        case .rate: String(format: "%.1f per 100,000", value)
        case .score: String(format: "%.1f", value)
        }
    }

    /// The value as the chart's axis shows it: shares in percent.
    func axis(_ value: Double) -> Double { self == .share ? value * 100 : value }

    var axisTitle: String {
        switch self {
        case .share: "%"
        case .days: "days"
        case .rate: "per 100,000"
        case .score: "score"
        }
    }
}

extension SVGChart {
    static let monthInitials = ["J", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"]

    /// An XmR chart on a time axis: a month without a value is a gap in the line; a month of incomplete coverage
    /// is a hollow point over a hatched band, outside the limits' sums; each phase (after a rebase) has its own
    /// mean and limits; a target, when there is one, is a red dotted line. Every month has a tick and its initial,
    /// and each January and the first month their year.
    static func spc(_ points: [SPCPoint], unit: SPCUnit, target: Double?, title: String) -> String {
        let width = 280
        let height = 172
        let left = 40
        let right = 8
        let top = 10
        let bottom = 125
        let placed = points.compactMap { point in point.monthIndex.map { (month: $0, point: point) } }
        guard let firstMonth = placed.map(\.month).min(), let lastMonth = placed.map(\.month).max() else {
            return open(width: width, height: height, title: title) + "</svg>"
        }
        let months = lastMonth - firstMonth + 1
        // The range of the values, limits and target, not from 0: the chart is about change.
        let all =
            placed.flatMap { [$0.point.value, $0.point.mean, $0.point.lower, $0.point.upper].compactMap { $0 } }
            .map(unit.axis) + [target.map(unit.axis)].compactMap { $0 }
        var lowest = all.min() ?? 0
        var highest = all.max() ?? 1
        if highest - lowest < 1e-9 {
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
            bottom - Int((Double(bottom - top) * (unit.axis(v) - low) / max(high - low, 1e-12)).rounded())
        }
        let step = Double(width - left - right) / Double(max(months, 1))
        func x(_ month: Int) -> Int { left + Int((step * (Double(month - firstMonth) + 0.5)).rounded()) }
        var svg = open(width: width, height: height, title: title)
        svg += "<defs><pattern id=\"incomplete\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
        svg += "patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"4\" stroke=\"#d8dde0\" "
        svg += "stroke-width=\"2\"/></pattern></defs>"
        // Months of incomplete coverage: a hatched band behind.
        let half = max(Int(step / 2), 1)
        for (month, point) in placed where point.type == "incomplete" {
            svg += "<rect x=\"\(x(month) - half)\" y=\"\(top)\" width=\"\(2 * half)\" height=\"\(bottom - top)\" "
            svg += "fill=\"url(#incomplete)\"/>"
        }
        for tick in ticks {
            // Ticks are in the axis' units already (percent for shares).
            let ty = bottom - Int((Double(bottom - top) * (tick - low) / max(high - low, 1e-12)).rounded())
            svg += "<line x1=\"\(left)\" y1=\"\(ty)\" x2=\"\(width - right)\" y2=\"\(ty)\" stroke=\"#e8edee\"/>"
            svg += "<text x=\"\(left - 4)\" y=\"\(ty + 4)\" text-anchor=\"end\" font-size=\"10\">"
            svg += "\(HTML.escape(tickLabel(tick, step: tickStep)))</text>"
        }
        // Each phase's mean (solid) and limits (dashed), from its first to its last month.
        for phase in Set(placed.map(\.point.phase)).sorted() {
            let members = placed.filter { $0.point.phase == phase }
            guard let from = members.map(\.month).min(), let to = members.map(\.month).max(),
                let limits = members.last?.point
            else { continue }
            let x1 = x(from) - half
            let x2 = x(to) + half
            for (value, dash) in [
                (limits.mean, ""), (limits.lower, " stroke-dasharray=\"4 3\""),
                (limits.upper, " stroke-dasharray=\"4 3\""),
            ] {
                guard let value else { continue }
                svg +=
                    "<line x1=\"\(x1)\" y1=\"\(y(value))\" x2=\"\(x2)\" y2=\"\(y(value))\" stroke=\"#425563\"\(dash)/>"
            }
            if phase > 1 {
                svg += "<line x1=\"\(x1)\" y1=\"\(top)\" x2=\"\(x1)\" y2=\"\(bottom)\" stroke=\"#212b32\" "
                svg += "stroke-dasharray=\"2 2\"><title>Rebased</title></line>"
            }
        }
        if let target {
            svg += "<line x1=\"\(left)\" y1=\"\(y(target))\" x2=\"\(width - right)\" y2=\"\(y(target))\" "
            svg += "stroke=\"#de1b1b\" stroke-dasharray=\"1 2\" stroke-width=\"1.5\"><title>"
            svg += "\(HTML.escape("Target: \(unit.text(target))"))</title></line>"
        }
        // The line, broken where a month has no value.
        var d = ""
        var previous: Int?
        for (month, point) in placed.sorted(by: { $0.month < $1.month }) {
            d += "\(previous.map { $0 + 1 == month ? "L" : "M" } ?? "M")\(x(month)),\(y(point.value)) "
            previous = month
        }
        svg += "<path d=\"\(d)\" fill=\"none\" stroke=\"#a6a6a6\"/>"
        for (month, point) in placed {
            let label = "\(HTML.longMonth(point.period)): \(unit.text(point.value)), \(SPCIcon.words(point.type))"
            if point.type == "incomplete" {
                svg += "<circle cx=\"\(x(month))\" cy=\"\(y(point.value))\" r=\"3.5\" fill=\"#ffffff\" "
                svg += "stroke=\"#425563\" stroke-width=\"1.2\"><title>\(HTML.escape(label))</title></circle>"
            } else {
                svg += "<circle cx=\"\(x(month))\" cy=\"\(y(point.value))\" r=\"3.5\" fill=\"\(point.colour)\">"
                svg += "<title>\(HTML.escape(label))</title></circle>"
            }
        }
        // A tick and an initial for every month; the year under the first month and each January.
        for month in firstMonth...lastMonth {
            let mx = x(month)
            svg += "<line x1=\"\(mx)\" y1=\"\(bottom)\" x2=\"\(mx)\" y2=\"\(bottom + 3)\" stroke=\"#768692\"/>"
            if months <= 24 || month % 3 == 0 {
                svg += "<text x=\"\(mx)\" y=\"\(bottom + 13)\" text-anchor=\"middle\" font-size=\"9\">"
                svg += "\(monthInitials[month % 12])</text>"
            }
            if month == firstMonth || month % 12 == 0 {
                svg +=
                    "<text x=\"\(mx)\" y=\"\(bottom + 25)\" text-anchor=\"\(month == firstMonth ? "start" : "middle")\" "
                svg += "font-size=\"9\">\(month / 12)</text>"
            }
        }
        svg += "<text x=\"8\" y=\"\((top + bottom) / 2)\" font-size=\"9\" text-anchor=\"middle\" "
        svg += "transform=\"rotate(-90 8 \((top + bottom) / 2))\">\(HTML.escape(unit.axisTitle))</text>"
        return svg + "</svg>"
    }
}

/// Making Data Count's variation and assurance icons, drawn anew from their published definitions: a ring in the
/// colour of what the latest point says, with a letter (H higher, L lower; P pass, F fail, ? inconsistent) or, for
/// common-cause variation, a flat line, so that the icon reads without its colour.
enum SPCIcon {
    static func colour(_ type: String) -> String {
        switch type {
        case "special_cause_improvement", "consistent_pass": "#00B0F0"
        case "special_cause_concern", "consistent_fail": "#E46C0A"
        case "special_cause_neutral_high", "special_cause_neutral_low": "#490092"
        case "incomplete": "#ffffff"
        default: "#A6A6A6"
        }
    }

    /// The variation of a point in words.
    static func words(_ type: String, improvement: String? = nil) -> String {
        switch type {
        case "special_cause_improvement": "special cause, improvement (\(higherOrLower(type, improvement)))"
        case "special_cause_concern": "special cause, concern (\(higherOrLower(type, improvement)))"
        case "special_cause_neutral_high": "special cause, higher"
        case "special_cause_neutral_low": "special cause, lower"
        case "incomplete": "incomplete coverage: left out of the limits"
        default: "common-cause variation"
        }
    }

    static func higherOrLower(_ type: String, _ improvement: String?) -> String {
        let up = (type == "special_cause_improvement") == (improvement != "decrease")
        return up ? "higher" : "lower"
    }

    static func assuranceWords(_ assurance: String?) -> String {
        switch assurance {
        case "consistent_pass": "will consistently meet the target"
        case "consistent_fail": "will consistently miss the target"
        case "inconsistent": "may meet or miss the target: the target lies within the limits"
        default: "no target"
        }
    }

    /// The variation icon: `size` pixels square, with a text alternative.
    static func variation(_ type: String, improvement: String?, size: Int = 28) -> String {
        let c = colour(type)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(size)\" height=\"\(size)\" "
        svg +=
            "viewBox=\"0 0 28 28\"><title>\(HTML.escape("Variation: \(words(type, improvement: improvement))"))</title>"
        svg += "<circle cx=\"14\" cy=\"14\" r=\"12\" fill=\"#ffffff\" stroke=\"\(c)\" stroke-width=\"3\"/>"
        switch type {
        case "special_cause_improvement", "special_cause_concern", "special_cause_neutral_high",
            "special_cause_neutral_low":
            let letter =
                type == "special_cause_neutral_high"
                ? "H"
                : type == "special_cause_neutral_low" ? "L" : higherOrLower(type, improvement) == "higher" ? "H" : "L"
            svg += "<text x=\"14\" y=\"19\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"700\" "
            svg += "fill=\"\(c)\">\(letter)</text>"
        case "incomplete":
            svg += "<text x=\"14\" y=\"19\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"700\" "
            svg += "fill=\"#425563\">–</text>"
        default:
            svg += "<path d=\"M7 15 L11 12 L15 16 L21 11\" fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\"/>"
        }
        return svg + "</svg>"
    }

    /// The assurance icon, or a blank ring when the series has no target.
    static func assurance(_ assurance: String?, size: Int = 28) -> String {
        let c = assurance == "inconsistent" ? "#A6A6A6" : colour(assurance ?? "")
        let letter =
            switch assurance {
            case "consistent_pass": "P"
            case "consistent_fail": "F"
            case "inconsistent": "?"
            default: ""
            }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(size)\" height=\"\(size)\" "
        svg += "viewBox=\"0 0 28 28\"><title>\(HTML.escape("Assurance: \(assuranceWords(assurance))"))</title>"
        svg += "<circle cx=\"14\" cy=\"14\" r=\"12\" fill=\"#ffffff\" stroke=\"\(assurance == nil ? "#d8dde0" : c)\" "
        svg += "stroke-width=\"3\"/>"
        if !letter.isEmpty {
            svg += "<text x=\"14\" y=\"19\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"700\" "
            svg += "fill=\"\(assurance == "inconsistent" ? "#425563" : c)\">\(letter)</text>"
        }
        return svg + "</svg>"
    }
}

/// HTML text, escaped: the only way report code (and the portal's pages) puts a value into a page.
public struct HTML {
    private(set) var text = ""

    /// Escapes `&`, `<`, `>`, `"` and `'`, which is enough for element content and quoted attributes.
    public static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for c in value.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // NUL and the other control characters HTML forbids (a trust's file can hold any byte).
            case "\t", "\n", "\r": out.unicodeScalars.append(c)
            case "\u{0}"..."\u{1F}", "\u{7F}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Appends trusted markup written in this module.
    mutating func raw(_ markup: String) { text += markup }

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
        "December",
    ]

    /// Months since year 0 of `2025-12`, `2025-12-01` or a longer timestamp, so that months can be laid on an
    /// axis and counted; nil when the text is not a month.
    static func monthIndex(_ iso: String) -> Int? {
        let parts = iso.prefix(10).split(separator: "-")
        guard parts.count >= 2, let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month) else {
            return nil
        }
        return year * 12 + month - 1
    }

    /// A share (0 to 1) as a percentage to one decimal place, "80.9%", or the mark when there is none.
    static func percent(_ share: Double?, mark: String = "–") -> String {
        share.map { String(format: "%.1f%%", $0 * 100) } ?? mark
    }

    /// A month as a board paper writes it: "December 2025", from `2025-12`, `2025-12-01` or a longer timestamp;
    /// the text itself when it is not a date.
    public static func longMonth(_ iso: String) -> String {
        let parts = iso.prefix(10).split(separator: "-")
        guard parts.count >= 2, let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month) else {
            return iso
        }
        return "\(monthNames[month - 1]) \(year)"
    }

    /// A month for an axis: "Dec 2025".
    static func shortMonth(_ iso: String) -> String {
        let long = longMonth(iso)
        guard long != iso, let space = long.firstIndex(of: " ") else { return iso }
        return String(long[..<space].prefix(3)) + long[space...]
    }

    /// A day as a board paper writes it: "4 December 2026", from `2026-12-04` or a longer timestamp; with the time
    /// when the timestamp has one ("4 December 2026 at 17:20 UTC").
    static func longDate(_ iso: String) -> String {
        let parts = iso.prefix(10).split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month)
        else { return iso }
        let date = "\(day) \(monthNames[month - 1]) \(year)"
        let time = iso.dropFirst(11).prefix(5)
        guard iso.count >= 16, time.count == 5, time.allSatisfy({ $0.isNumber || $0 == ":" }) else { return date }
        return "\(date) at \(time)\(iso.hasSuffix("Z") ? " UTC" : "")"
    }

    /// Appends a value, escaped.
    mutating func value(_ value: String) { text += Self.escape(value) }

    /// Appends `<tag attributes>escaped value</tag>`.
    mutating func element(_ tag: String, _ value: String, attributes: String = "") {
        text += "<\(tag)\(attributes.isEmpty ? "" : " " + attributes)>\(Self.escape(value))</\(tag)>"
    }
}

/// Small inline SVG charts, so that a report is one file with no scripts and no network.
enum SVGChart {
    /// The opening of a chart: an image of `width` by `height` pixels, its own coordinates the same, titled for
    /// screen readers and tooltips. The caller closes it with `</svg>`.
    static func open(width: Int, height: Int, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(width)\" height=\"\(height)\" "
            + "viewBox=\"0 0 \(width) \(height)\">"
            + "<title>\(HTML.escape(title))</title>"
    }

    struct Bar {
        var label: String
        var value: Double
        var caption: String
        var colour: String
    }

    /// A horizontal bar chart. `maximum` is the value of a full-width bar.
    static func bars(_ bars: [Bar], maximum: Double, title: String, width: Int = 640, captionWidth: Int = 90) -> String
    {
        let rowHeight = 22
        // Wide enough for the longest label (about 7 px a character at 13 px), so that none is clipped; the chart
        // keeps its width and the image grows.
        let labelWidth = max(230, (bars.map(\.label.count).max() ?? 0) * 7 + 16)
        let width = max(width, labelWidth + captionWidth + 300)
        let chartWidth = width - labelWidth - captionWidth
        let height = bars.count * rowHeight + 30
        var svg = open(width: width, height: height, title: title)
        for (i, bar) in bars.enumerated() {
            let y = 10 + i * rowHeight
            let fraction = maximum > 0 ? min(max(bar.value / maximum, 0), 1) : 0
            let length = Int((Double(chartWidth) * fraction).rounded())
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 15)\" text-anchor=\"end\" font-size=\"13\">"
            svg += "\(HTML.escape(bar.label))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(chartWidth)\" height=\"15\" fill=\"#eef1f4\"/>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(length)\" height=\"15\" fill=\"\(bar.colour)\"/>"
            svg += "<text x=\"\(labelWidth + chartWidth + 6)\" y=\"\(y + 15)\" font-size=\"12\">"
            svg += "\(HTML.escape(bar.caption))</text>"
        }
        return svg + "</svg>"
    }
}

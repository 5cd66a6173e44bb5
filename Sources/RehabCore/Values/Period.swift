/// A reporting period: one calendar month.
public struct Period: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let year: Int
    public let month: Int

    public init?(year: Int, month: Int) {
        guard (1900...9999).contains(year), (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    /// Parses `YYYY-MM`.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"),
            let y = parseDigits(bytes[0..<4]), let m = parseDigits(bytes[5..<7])
        else { return nil }
        self.init(year: y, month: m)
    }

    /// The first day of the month.
    public var start: Day { Day(year: year, month: month, day: 1)! }
    /// The last day of the month.
    public var end: Day { Day(year: year, month: month, day: Day.daysInMonth(year: year, month: month))! }
    /// The month before this one.
    public var previous: Period {
        month == 1 ? Period(year: year - 1, month: 12)! : Period(year: year, month: month - 1)!
    }

    public var description: String {
        let m = month < 10 ? "0\(month)" : "\(month)"
        return "\(year)-\(m)"
    }

    public static func < (lhs: Period, rhs: Period) -> Bool { (lhs.year, lhs.month) < (rhs.year, rhs.month) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let period = Period(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not YYYY-MM"))
        }
        self = period
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

@inline(__always)
func parseDigits(_ bytes: some Collection<UInt8>) -> Int? {
    var value = 0
    for b in bytes {
        let d = b &- UInt8(ascii: "0")
        guard d < 10 else { return nil }
        value = value * 10 + Int(d)
    }
    return bytes.isEmpty ? nil : value
}

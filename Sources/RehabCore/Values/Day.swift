/// A calendar date as a count of days since 1970-01-01, so that comparing and subtracting dates is integer work.
public struct Day: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01 (negative before it).
    public let ordinal: Int32

    public init(ordinal: Int32) { self.ordinal = ordinal }

    /// A date from its parts, or nil when it does not exist (30 February, month 13).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Day.daysInMonth(year: year, month: month) else {
            return nil
        }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        self.ordinal = Int32(era * 146_097 + doe - 719_468)
    }

    /// Year, month and day.
    public var parts: (year: Int, month: Int, day: Int) {
        let z = Int(ordinal) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// ISO 8601, `YYYY-MM-DD`.
    public var description: String {
        let (y, m, d) = parts
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))"
    }

    /// The date `days` later.
    public func adding(days: Int) -> Day { Day(ordinal: ordinal + Int32(days)) }

    /// Today, in UTC.
    public static func today() -> Day {
        Day(ordinal: Int32(Int(Clock.secondsSinceEpoch()) / 86_400))
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.ordinal < rhs.ordinal }

    /// How a date was written.
    public enum Notation: Sendable {
        /// `YYYY-MM-DD`, the contract's form.
        case iso
        /// `DD/MM/YYYY`, accepted with a warning.
        case legacy
    }

    /// Parses `YYYY-MM-DD`, or `DD/MM/YYYY`, from bytes.
    @inlinable
    public static func parse(_ b: Span<UInt8>) -> (day: Day, notation: Notation)? {
        guard b.count == 10 else { return nil }
        if b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") {
            guard let y = digits4(b, 0), let m = digits2(b, 5), let d = digits2(b, 8),
                let day = Day(year: y, month: m, day: d)
            else { return nil }
            return (day, .iso)
        }
        if b[2] == UInt8(ascii: "/"), b[5] == UInt8(ascii: "/") {
            guard let d = digits2(b, 0), let m = digits2(b, 3), let y = digits4(b, 6),
                let day = Day(year: y, month: m, day: d)
            else { return nil }
            return (day, .legacy)
        }
        return nil
    }

    /// Parses `YYYY-MM-DD` from a string.
    public init?(iso text: String) {
        var text = text
        text.makeContiguousUTF8()
        guard let parsed = Day.parse(text.utf8.span), parsed.notation == .iso else { return nil }
        self = parsed.day
    }

    @inlinable
    static func digits2(_ b: Span<UInt8>, _ at: Int) -> Int? {
        let a = b[at] &- 48
        let c = b[at + 1] &- 48
        guard a < 10, c < 10 else { return nil }
        return Int(a) * 10 + Int(c)
    }

    @inlinable
    static func digits4(_ b: Span<UInt8>, _ at: Int) -> Int? {
        guard let hi = digits2(b, at), let lo = digits2(b, at + 2) else { return nil }
        return hi * 100 + lo
    }
}

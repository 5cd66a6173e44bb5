import Foundation
import RehabCore
import RehabDatabase

/// PostgreSQL's binary COPY format (`COPY … FROM STDIN WITH (FORMAT binary)`): a signature header, then per row a
/// 16-bit field count and, per field, a 32-bit length (-1 for NULL) and the value in the type's binary form, all
/// big-endian; a 16-bit -1 ends the data.
///
/// The server parses binary values with far less work than text (no escapes, no date or number parsing), and the
/// client need not escape anything. A binary value must match its column's type exactly, so the loader chooses
/// each field's `Encoding` from the column's type in the database (`Encoding(typeOID:)`), never from the contract.
enum CopyBinary {
    /// The signature, the flags (no OIDs) and an empty header extension.
    static let header: [UInt8] =
        Array("PGCOPY\n".utf8) + [0xFF, UInt8(ascii: "\r"), UInt8(ascii: "\n"), 0] + [0, 0, 0, 0] + [0, 0, 0, 0]
    /// The file trailer: a field count of -1.
    static let trailer: [UInt8] = [0xFF, 0xFF]

    /// The binary form a column takes, by its type in the database.
    enum Encoding: Sendable, Equatable, CustomStringConvertible {
        /// text, varchar, char: the bytes as they are (the server checks the encoding, as for COPY text).
        case text
        /// date: 32-bit days since 2000-01-01.
        case date
        /// smallint, integer, bigint.
        case int2
        case int4
        case int8
        /// numeric: PostgreSQL's base-10000 form, exact from the decimal text.
        case numeric
        /// bytea: the bytes themselves.
        case bytea

        /// The encoding of a built-in type, or nil for a type this format writer does not know (domains included).
        init?(typeOID: UInt32) {
            switch typeOID {
            case 25, 1043, 1042: self = .text  // text, varchar, bpchar: their receive functions take the text
            case 1082: self = .date
            case 21: self = .int2
            case 23: self = .int4
            case 20: self = .int8
            case 1700: self = .numeric
            case 17: self = .bytea
            default: return nil
            }
        }

        var description: String {
            switch self {
            case .text: "text"
            case .date: "date"
            case .int2: "smallint"
            case .int4: "integer"
            case .int8: "bigint"
            case .numeric: "numeric"
            case .bytea: "bytea"
            }
        }

        /// The range of an integer encoding.
        var integerRange: ClosedRange<Int>? {
            switch self {
            case .int2: Int(Int16.min)...Int(Int16.max)
            case .int4: Int(Int32.min)...Int(Int32.max)
            case .int8: Int(Int64.min)...Int(Int64.max)
            default: nil
            }
        }
    }

    /// PostgreSQL's date epoch, 2000-01-01, in `Day.ordinal`s (days since 1970-01-01).
    static let dateEpoch: Int32 = 10_957

    // MARK: - Fields

    @inline(__always)
    static func appendNull(to out: inout CopyBuffer) {
        out.append32(UInt32.max)
    }

    @inline(__always)
    static func append32(_ value: Int32, to out: inout CopyBuffer) {
        out.append32(UInt32(bitPattern: value))
    }

    @inline(__always)
    static func append16(_ value: Int16, to out: inout CopyBuffer) {
        out.append16(UInt16(bitPattern: value))
    }

    /// A row's field count.
    @inline(__always)
    static func appendFieldCount(_ count: Int, to out: inout CopyBuffer) {
        append16(Int16(count), to: &out)
    }

    /// A text value: its bytes, without NUL bytes, which PostgreSQL text cannot hold (COPY text drops them too;
    /// the validator quarantines rows that have them).
    @inline(__always)
    static func appendText(_ value: Span<UInt8>, to out: inout CopyBuffer) {
        var nuls = 0
        for i in value.indices where value[i] == 0 { nuls &+= 1 }
        append32(Int32(value.count - nuls), to: &out)
        guard nuls > 0 else { return out.append(value) }
        for i in value.indices where value[i] != 0 { out.append(value[i]) }
    }

    /// A date.
    @inline(__always)
    static func appendDate(_ day: Day, to out: inout CopyBuffer) {
        out.reserve(8)
        append32(4, to: &out)
        append32(day.ordinal &- dateEpoch, to: &out)
    }

    /// An integer in an integer encoding; false, appending nothing, when it is outside the type's range.
    @inline(__always)
    static func appendInteger(_ value: Int, as encoding: Encoding, to out: inout CopyBuffer) -> Bool {
        switch encoding {
        case .int2:
            guard let v = Int16(exactly: value) else { return false }
            append32(2, to: &out)
            append16(v, to: &out)
        case .int4:
            guard let v = Int32(exactly: value) else { return false }
            append32(4, to: &out)
            append32(v, to: &out)
        case .int8:
            append32(8, to: &out)
            let v = UInt64(bitPattern: Int64(value))
            out.append32(UInt32(truncatingIfNeeded: v >> 32))
            out.append32(UInt32(truncatingIfNeeded: v))
        default:
            return false
        }
        return true
    }

    /// An integer in an integer encoding, or NULL when there is none or the type cannot hold it.
    @inline(__always)
    static func appendInteger(orNull value: Int?, as encoding: Encoding, to out: inout CopyBuffer) {
        if let value, appendInteger(value, as: encoding, to: &out) { return }
        appendNull(to: &out)
    }

    /// An integer in decimal, as the numeric encoder and text columns take it.
    static func withDecimal<R>(_ value: Int, _ body: (Span<UInt8>) -> R) -> R {
        var digits = InlineArray<24, UInt8>(repeating: 0)
        var magnitude = value.magnitude
        var start = digits.count
        repeat {
            start -= 1
            digits[start] = UInt8(truncatingIfNeeded: magnitude % 10) + UInt8(ascii: "0")
            magnitude /= 10
        } while magnitude > 0
        if value < 0 {
            start -= 1
            digits[start] = UInt8(ascii: "-")
        }
        return body(digits.span.extracting(start...))
    }

    /// The sign words of PostgreSQL's numeric.
    private static let numericPositive: UInt16 = 0x0000
    private static let numericNegative: UInt16 = 0x4000

    /// A decimal number, `[+-]digits[.digits]` with at least one digit (`12`, `-0.5`, `5.`, `.25`), as PostgreSQL's
    /// binary numeric: digit count, weight, sign and display scale, then base-10000 digits, most significant first,
    /// grouped from the decimal point. Exact: it works on the decimal digits, never through a binary float.
    ///
    /// The display scale is the number of digits written after the point, trailing zeros included, as
    /// `numeric_in` keeps it (`-12.340` stays `-12.340`); leading and trailing zero groups are left out, and zero
    /// is positive with no digits, as PostgreSQL stores it. Returns false, appending nothing, for any other
    /// text (exponents included: the validator's `parseDecimal` accepts none).
    static func appendNumeric(_ b: Span<UInt8>, to out: inout CopyBuffer) -> Bool {
        var i = 0
        var negative = false
        if i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") {
            negative = b[i] == UInt8(ascii: "-")
            i += 1
        }
        let intStart = i
        while i < b.count, b[i] &- 48 < 10 { i += 1 }
        let intEnd = i
        var fracStart = i
        var fracEnd = i
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            fracStart = i
            while i < b.count, b[i] &- 48 < 10 { i += 1 }
            fracEnd = i
        }
        guard i == b.count, intEnd - intStart + fracEnd - fracStart > 0 else { return false }
        let scale = fracEnd - fracStart
        guard scale <= 0x3FFF else { return false }  // NUMERIC_DSCALE_MASK

        // The significant digits: the integer part without leading zeros, the fraction without trailing ones.
        var first = intStart
        while first < intEnd, b[first] == UInt8(ascii: "0") { first += 1 }
        var last = fracEnd
        while last > fracStart, b[last - 1] == UInt8(ascii: "0") { last -= 1 }
        let intDigits = intEnd - first
        let fracDigits = last - fracStart

        // Decimal digit at power of ten x: x = 0 is the units, x = -1 the tenths.
        @inline(__always) func digit(_ x: Int) -> Int {
            if x >= 0 { return x < intDigits ? Int(b[intEnd - 1 - x] &- 48) : 0 }
            return -x <= fracDigits ? Int(b[fracStart - x - 1] &- 48) : 0
        }
        @inline(__always) func group(of x: Int) -> Int { x >= 0 ? x / 4 : -((-x + 3) / 4) }

        let high: Int
        let low: Int
        if intDigits > 0 {
            high = group(of: intDigits - 1)
        } else if fracDigits > 0 {
            var f = fracStart
            while b[f] == UInt8(ascii: "0") { f += 1 }
            high = group(of: fracStart - f - 1)
        } else {
            // Zero, with the scale it was written with.
            append32(8, to: &out)
            append16(0, to: &out)
            append16(0, to: &out)
            append16(Int16(bitPattern: numericPositive), to: &out)
            append16(Int16(scale), to: &out)
            return true
        }
        if fracDigits > 0 {
            low = group(of: -fracDigits)
        } else {
            var x = 0
            while b[intEnd - 1 - x] == UInt8(ascii: "0") { x += 1 }
            low = group(of: x)
        }
        let count = high - low + 1
        guard count <= Int(Int16.max), let weight = Int16(exactly: high) else { return false }
        append32(Int32(8 + 2 * count), to: &out)
        append16(Int16(count), to: &out)
        append16(weight, to: &out)
        append16(Int16(bitPattern: negative ? numericNegative : numericPositive), to: &out)
        append16(Int16(scale), to: &out)
        var g = high
        while g >= low {
            let x = 4 * g
            let value = digit(x) + 10 * digit(x + 1) + 100 * digit(x + 2) + 1000 * digit(x + 3)
            append16(Int16(value), to: &out)
            g -= 1
        }
        return true
    }
}

/// Bytes of COPY data, gathered with plain stores: the per-row hot path appends a few bytes at a time, which an
/// array would check for uniqueness and capacity on every call.
///
/// It owns its memory (`OwnedBuffer`) and cannot be copied, so no two holders share or free it.
struct CopyBuffer: ~Copyable {
    private var storage: OwnedBuffer<UInt8>
    private(set) var count = 0

    init(capacity: Int = 1 << 10) {
        storage = OwnedBuffer(capacity: max(capacity, 16))
    }

    /// Makes room for `n` more bytes.
    @inline(__always)
    mutating func reserve(_ n: Int) {
        if _slowPath(count &+ n > storage.capacity) { grow(to: count + n) }
    }

    @inline(never)
    private mutating func grow(to needed: Int) {
        var newCapacity = storage.capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        storage.grow(to: newCapacity, keeping: count)
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count &+= 1
    }

    /// Two bytes, big-endian.
    @inline(__always)
    mutating func append16(_ value: UInt16) {
        reserve(2)
        storage.storeBytes(of: value.bigEndian, at: count)
        count &+= 2
    }

    /// Four bytes, big-endian.
    @inline(__always)
    mutating func append32(_ value: UInt32) {
        reserve(4)
        storage.storeBytes(of: value.bigEndian, at: count)
        count &+= 4
    }

    @inline(__always)
    mutating func append(_ bytes: Span<UInt8>) {
        guard !bytes.isEmpty else { return }
        reserve(bytes.count)
        storage.copy(from: bytes, to: count)
        count &+= bytes.count
    }

    mutating func append(_ bytes: [UInt8]) {
        append(bytes.span)
    }

    mutating func removeAll() { count = 0 }

    /// The bytes gathered, for as long as the buffer is neither changed nor gone.
    var span: Span<UInt8> {
        @_lifetime(borrow self)
        get { storage.span(count: count) }
    }

    /// A copy of the bytes gathered.
    var bytes: [UInt8] {
        var copy: [UInt8] = []
        copy.append(copying: span)
        return copy
    }
}

/// JSON text for values the reports write, by hand, so that a report of millions of findings streams to disk
/// instead of being built in memory first.
public enum JSONText {
    /// A JSON string literal, with every character that needs it escaped.
    public static func string(_ value: String) -> String {
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    public static func string(_ value: String?) -> String { value.map { string($0) } ?? "null" }

    /// Appends `string(_:)` of UTF-8 bytes to a buffer: the bytes themselves, quoted, when they are printable
    /// ASCII with no quote or backslash (most values); otherwise the bytes are decoded (an invalid sequence
    /// becomes U+FFFD) and escaped.
    public static func append(_ bytes: Span<UInt8>, to out: inout [UInt8]) {
        let plain = bytes.allSatisfy { $0 >= 0x20 && $0 < 0x80 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        if plain {
            out.append(UInt8(ascii: "\""))
            out.append(copying: bytes)
            out.append(UInt8(ascii: "\""))
        } else {
            out.append(contentsOf: string(String(decoding: bytes)).utf8)
        }
    }

    /// Appends `string(_:)` of a string to a buffer.
    public static func append(_ value: String, to out: inout [UInt8]) {
        var value = value
        value.makeContiguousUTF8()
        append(value.utf8.span, to: &out)
    }

    public static func int(_ value: Int?) -> String { value.map(String.init) ?? "null" }

    /// A number rounded to `places` decimals, without trailing zeros, so that reports are stable across runs.
    public static func number(_ value: Double?, places: Int = 4) -> String {
        guard let value, value.isFinite else { return "null" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int(rounded)) }
        return String(rounded)
    }

    public static func bool(_ value: Bool) -> String { value ? "true" : "false" }
}

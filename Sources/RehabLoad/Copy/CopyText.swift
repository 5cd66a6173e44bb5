/// PostgreSQL's COPY text format: fields separated by tabs, rows by newlines, `\N` for NULL, and backslash,
/// tab, newline and carriage return escaped inside values.
enum CopyText {
    static let null: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "N")]

    /// Appends a value, escaped; nil or empty is NULL.
    @inline(__always)
    static func append(_ value: Span<UInt8>?, to out: inout [UInt8]) {
        guard let value, !value.isEmpty else {
            out += null
            return
        }
        // Most values need no escaping: copy them whole.
        guard !value.allSatisfy({ $0 > 0x0D && $0 != UInt8(ascii: "\\") }) else {
            out.append(copying: value)
            return
        }
        for i in value.indices {
            switch value[i] {
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x00: break  // PostgreSQL text cannot hold NUL; such rows are quarantined before they get here.
            case let byte: out.append(byte)
            }
        }
    }

    /// Appends a string value; nil or empty is NULL.
    static func append(_ value: String?, to out: inout [UInt8]) {
        guard let value else {
            out += null
            return
        }
        append(Array(value.utf8).span, to: &out)
    }
}

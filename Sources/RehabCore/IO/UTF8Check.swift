/// Checks bytes for well-formed UTF-8 without decoding them, so that text which needs no repair is copied as it
/// stands: most values, and every cut value's "…", are valid.
public enum UTF8Check {
    /// Whether `bytes` are well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
    ///
    /// - Parameter forbiddingNonCharacters: also refuse U+FFFE and U+FFFF, which XML does not allow.
    public static func isValid(_ bytes: Span<UInt8>, forbiddingNonCharacters: Bool = false) -> Bool {
        var i = 0
        let n = bytes.count
        @inline(__always) func continuation(_ k: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            k < n && bytes[k] >= low && bytes[k] <= high
        }
        while i < n {
            switch bytes[i] {
            case 0x00..<0x80:
                i += 1
            case 0xC2...0xDF:
                guard continuation(i + 1) else { return false }
                i += 2
            case 0xE0:
                guard continuation(i + 1, 0xA0), continuation(i + 2) else { return false }
                i += 3
            case 0xE1...0xEC, 0xEE:
                guard continuation(i + 1), continuation(i + 2) else { return false }
                i += 3
            case 0xED:
                guard continuation(i + 1, 0x80, 0x9F), continuation(i + 2) else { return false }
                i += 3
            case 0xEF:
                guard continuation(i + 1), continuation(i + 2) else { return false }
                // EF BF BE and EF BF BF are U+FFFE and U+FFFF.
                if forbiddingNonCharacters, bytes[i + 1] == 0xBF, bytes[i + 2] >= 0xBE { return false }
                i += 3
            case 0xF0:
                guard continuation(i + 1, 0x90), continuation(i + 2), continuation(i + 3) else { return false }
                i += 4
            case 0xF1...0xF3:
                guard continuation(i + 1), continuation(i + 2), continuation(i + 3) else { return false }
                i += 4
            case 0xF4:
                guard continuation(i + 1, 0x80, 0x8F), continuation(i + 2), continuation(i + 3) else { return false }
                i += 4
            default:
                return false
            }
        }
        return true
    }
}

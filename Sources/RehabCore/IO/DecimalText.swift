/// Integers written as ASCII decimal straight into a byte buffer, without making a String: for writers that emit
/// a number per row (CSV, COPY, XML).
public enum DecimalText {
    /// Appends `value` in decimal.
    @inline(__always)
    public static func append(_ value: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var rest = value.magnitude
        var digits = InlineArray<20, UInt8>(repeating: 0)
        var start = 20
        repeat {
            start -= 1
            digits[start] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        } while rest > 0
        out.append(copying: digits.span.extracting(start...))
    }
}

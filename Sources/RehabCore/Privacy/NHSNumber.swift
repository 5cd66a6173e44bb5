/// NHS number checks. The number itself is never kept: callers pseudonymise it and drop the clear value.
public enum NHSNumber {
    /// Whether ten ASCII digits pass the Modulus 11 check.
    ///
    /// Weights 10 down to 2 apply to the first nine digits; the check digit is 11 minus the remainder of the
    /// weighted sum divided by 11, where 11 becomes 0 and 10 means the number is invalid
    /// (NHS Data Dictionary, NHS Number).
    @inlinable
    public static func hasValidCheckDigit(_ digits: UnsafeBufferPointer<UInt8>) -> Bool {
        guard digits.count == 10 else { return false }
        var sum = 0
        for i in 0..<9 {
            let d = digits[i] &- 48
            guard d < 10 else { return false }
            sum += Int(d) * (10 - i)
        }
        let last = digits[9] &- 48
        guard last < 10 else { return false }
        var check = 11 - sum % 11
        if check == 11 { check = 0 }
        guard check != 10, check == Int(last) else { return false }
        // 0000000000, 1111111111 … pass the arithmetic but are placeholders typed for "not known", never issued.
        for i in 1..<10 where digits[i] != digits[0] { return true }
        return false
    }

    /// Whether a field is an NHS number written in one of the ways people type one: ten digits, or 3-3-4 with
    /// spaces or hyphens, passing the Modulus 11 check. Such a value in a column that is not the NHS number column
    /// is somebody's NHS number in the wrong place.
    @inlinable
    public static func isValidInAnyForm(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        if field.count == 10 { return hasValidCheckDigit(field) }
        guard field.count == 12, mightBeOne(field) else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 10) { digits in
            var n = 0
            for (i, byte) in field.enumerated() where i != 3 && i != 7 {
                digits[n] = byte
                n += 1
            }
            return hasValidCheckDigit(UnsafeBufferPointer(digits))
        }
    }

    /// Whether a string is ten digits with a valid check digit.
    public static func isValid(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { hasValidCheckDigit($0) }
    }

    /// Ten digits, optionally written 3-3-4 with spaces or hyphens, whatever the check digit: what every output
    /// pseudonymises, in any column, since a number typed into the wrong field, or mistyped, is still somebody's.
    public static func mightBeOne(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        guard field.count == 10 || field.count == 12 else { return false }
        for (i, byte) in field.enumerated() {
            if field.count == 12, i == 3 || i == 7 {
                guard byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") else { return false }
                continue
            }
            guard byte &- 48 < 10 else { return false }
        }
        return true
    }
}

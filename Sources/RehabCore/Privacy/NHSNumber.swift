/// NHS number checks. The number itself is never kept: callers pseudonymise it and drop the clear value.
public enum NHSNumber {
    /// Whether ten ASCII digits pass the Modulus 11 check.
    ///
    /// Weights 10 down to 2 apply to the first nine digits; the check digit is 11 minus the remainder of the
    /// weighted sum divided by 11, where 11 becomes 0 and 10 means the number is invalid
    /// (NHS Data Dictionary, NHS Number).
    @inlinable
    public static func hasValidCheckDigit(_ digits: Span<UInt8>) -> Bool {
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
    public static func isValidInAnyForm(_ field: Span<UInt8>) -> Bool {
        if field.count == 10 { return hasValidCheckDigit(field) }
        guard field.count == 12, mightBeOne(field) else { return false }
        var digits = InlineArray<10, UInt8>(repeating: 0)
        var n = 0
        for i in field.indices where i != 3 && i != 7 {
            digits[n] = field[i]
            n += 1
        }
        return hasValidCheckDigit(digits.span)
    }

    /// Whether a string is ten digits with a valid check digit.
    public static func isValid(_ text: String) -> Bool {
        var text = text
        text.makeContiguousUTF8()
        return hasValidCheckDigit(text.utf8.span)
    }

    /// Ten digits, optionally written 3-3-4 with spaces or hyphens, whatever the check digit: what every output
    /// pseudonymises, in any column, since a number typed into the wrong field, or mistyped, is still somebody's.
    public static func mightBeOne(_ field: Span<UInt8>) -> Bool {
        guard field.count == 10 || field.count == 12 else { return false }
        for i in field.indices {
            let byte = field[i]
            if field.count == 12, i == 3 || i == 7 {
                guard byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") else { return false }
                continue
            }
            guard byte &- 48 < 10 else { return false }
        }
        return true
    }

    // MARK: - Numbers inside longer text

    /// Calls `body` for every number inside `field` written as an NHS number is written: a run of exactly ten
    /// digits, or runs of three, three and four digits joined by single separators, with no digit adjoining either
    /// end; whatever the check digit. Digits are any Unicode decimal digits (full-width `９４３`, Arabic-Indic …), and
    /// separators any space or dash character, so `NHS:9434765919`, `pt 943 476 5919`, `(943-476-5919)` and
    /// full-width digits are all found.
    ///
    /// - Parameter body: the byte range of the number in `field`, and its ten digits as ASCII.
    public static func forEachWritten(
        in field: Span<UInt8>,
        _ body: (_ range: Range<Int>, _ digits: Span<UInt8>) -> Void
    ) {
        guard mayHoldOne(field) else { return }

        // The current group of digits, and the two before it when each was followed by a single separator.
        var groupStart = -1
        var groupCount = 0
        var previous: (start: Int, count: Int)?
        var beforePrevious: (start: Int, count: Int)?
        var afterSeparator = false

        func endGroup(at end: Int) {
            guard groupStart >= 0 else { return }
            if groupCount == 10 {
                emit(groupStart..<end)
            } else if groupCount == 4, let p = previous, p.count == 3, let b = beforePrevious, b.count == 3 {
                emit(b.start..<end)
            }
        }
        func emit(_ range: Range<Int>) {
            var digits = InlineArray<10, UInt8>(repeating: 0)
            var n = 0
            var i = range.lowerBound
            while i < range.upperBound {
                let (kind, value, length) = classify(field, at: i)
                if kind == .digit, n < 10 {
                    digits[n] = 48 + value
                    n += 1
                }
                i += length
            }
            if n == 10 { body(range, digits.span) }
        }

        var i = 0
        while i < field.count {
            let (kind, _, length) = classify(field, at: i)
            switch kind {
            case .digit:
                if groupStart < 0 {
                    groupStart = i
                    groupCount = 0
                }
                groupCount += 1
                afterSeparator = false
            case .separator:
                if groupStart >= 0 {
                    endGroup(at: i)
                    beforePrevious = previous
                    previous = (groupStart, groupCount)
                    groupStart = -1
                    afterSeparator = true
                } else if afterSeparator {
                    // Two separators in a row break the chain.
                    previous = nil
                    beforePrevious = nil
                    afterSeparator = false
                }
            case .other:
                endGroup(at: i)
                groupStart = -1
                previous = nil
                beforePrevious = nil
                afterSeparator = false
            }
            i += length
        }
        endGroup(at: field.count)
    }

    /// A quick test that rules out almost every value: ten ASCII digits in a run of digits, spaces and hyphens, or
    /// any non-ASCII character (which the full scan decodes). Ten digits take ten bytes, so shorter values are out
    /// at once, and a date's eight digits never reach ten.
    @inlinable
    public static func mayHoldOne(_ field: Span<UInt8>) -> Bool {
        guard field.count >= 10 else { return false }
        var digits = 0
        for i in field.indices {
            let byte = field[i]
            if byte &- 48 < 10 {
                digits += 1
                if digits == 10 { return true }
            } else if byte >= 0x80 {
                return true
            } else if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "-") {
                digits = 0
            }
        }
        return false
    }

    /// Whether `field` holds, anywhere, a number written like an NHS number with a valid check digit.
    @inlinable
    public static func containsValid(_ field: Span<UInt8>) -> Bool {
        mayHoldOne(field) && containsWritten(field, validOnly: true)
    }

    /// Whether `field` holds, anywhere, a number written like an NHS number, whatever its check digit.
    @inlinable
    public static func containsAny(_ field: Span<UInt8>) -> Bool {
        mayHoldOne(field) && containsWritten(field, validOnly: false)
    }

    /// The full scan behind `containsValid` and `containsAny`, once `mayHoldOne` has let the value through.
    @usableFromInline
    static func containsWritten(_ field: Span<UInt8>, validOnly: Bool) -> Bool {
        var found = false
        forEachWritten(in: field) { _, digits in
            if !found, !validOnly || hasValidCheckDigit(digits) { found = true }
        }
        return found
    }

    /// Appends `field` with every number written like an NHS number replaced by what `replace` appends for its
    /// ten ASCII digits; the rest of the text as it was.
    public static func appendMasked(
        _ field: Span<UInt8>,
        to out: inout [UInt8],
        replace: (_ digits: Span<UInt8>, _ out: inout [UInt8]) -> Void
    ) {
        var copied = 0
        forEachWritten(in: field) { range, digits in
            out.append(copying: field.extracting(copied..<range.lowerBound))
            replace(digits, &out)
            copied = range.upperBound
        }
        out.append(copying: field.extracting(copied...))
    }

    enum CharacterKind { case digit, separator, other }

    /// The kind of the character at `i`, its digit value, and its length in bytes (1 for a byte that starts no
    /// valid UTF-8 sequence).
    @inline(__always)
    static func classify(_ field: Span<UInt8>, at i: Int) -> (CharacterKind, UInt8, Int) {
        let byte = field[i]
        if byte < 0x80 {
            if byte &- 48 < 10 { return (.digit, byte &- 48, 1) }
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") { return (.separator, 0, 1) }
            return (.other, 0, 1)
        }
        let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
        guard length > 1, i + length <= field.count else { return (.other, 0, 1) }
        var value = UInt32(byte) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for k in 1..<length {
            let next = field[i + k]
            guard next & 0xC0 == 0x80 else { return (.other, 0, 1) }
            value = value << 6 | UInt32(next & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value) else { return (.other, 0, length) }
        let properties = scalar.properties
        if properties.numericType == .decimal, let n = properties.numericValue, n >= 0, n < 10 {
            return (.digit, UInt8(n), length)
        }
        switch properties.generalCategory {
        case .spaceSeparator, .dashPunctuation: return (.separator, 0, length)
        default: return (.other, 0, length)
        }
    }
}

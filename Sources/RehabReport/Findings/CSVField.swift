import RehabCore

/// CSV fields as RehabCount writes them for spreadsheets: quoted only when they must be, and never read as a
/// formula.
enum CSVField {
    /// Appends `field`, with a leading `'` when a spreadsheet would treat it as a formula (it starts with `=`, `+`,
    /// `-`, `@`, a tab or a carriage return: OWASP's CSV injection advice), and in quotes when it holds a comma, a
    /// quote or a line break.
    static func append(_ field: Span<UInt8>, to out: inout [UInt8]) {
        let control = field.contains { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        if control || (field.contains { $0 >= 0x80 } && !UTF8Check.isValid(field)) {
            // Invalid UTF-8 and NUL or other control bytes become U+FFFD, as in the JSON and the workbook: a
            // spreadsheet would otherwise show mojibake or cut the cell short.
            let repaired = String(
                String.UnicodeScalarView(
                    String(decoding: field).unicodeScalars.map { scalar in
                        scalar.value < 0x20 && scalar.value != 0x09 && scalar.value != 0x0A && scalar.value != 0x0D
                            ? "\u{FFFD}" : scalar
                    }
                )
            )
            return appendChecked(Array(repaired.utf8).span, to: &out)
        }
        appendChecked(field, to: &out)
    }

    /// Appends a field known to be valid UTF-8 with no control bytes but tab and line breaks.
    private static func appendChecked(_ field: Span<UInt8>, to out: inout [UInt8]) {
        let formula = !field.isEmpty && startsFormula(field[0])
        let quoted = field.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
        if quoted { out.append(UInt8(ascii: "\"")) }
        if formula { out.append(UInt8(ascii: "'")) }
        if quoted {
            for i in field.indices {
                if field[i] == UInt8(ascii: "\"") { out.append(field[i]) }
                out.append(field[i])
            }
            out.append(UInt8(ascii: "\""))
        } else {
            out.append(copying: field)
        }
    }

    /// Appends a text field the same way.
    static func append(_ field: String, to out: inout [UInt8]) {
        append(Array(field.utf8).span, to: &out)
    }

    /// Whether a cell starting with `byte` would be run as a formula.
    static func startsFormula(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D: true
        default: false
        }
    }

    /// Appends an integer in decimal, or nothing for nil.
    @inline(__always)
    static func append(_ value: Int?, to out: inout [UInt8]) {
        if let value { DecimalText.append(value, to: &out) }
    }
}

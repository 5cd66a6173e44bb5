import RehabCore
import RehabIngest
import RehabValidate

/// Writes `X.quarantine.csv`: every rejected row with its reasons, safe to open in Excel.
///
/// - NHS numbers are replaced by their keyed pseudonym, in the NHS number column and in any other field that
///   holds ten digits: a number typed into the wrong column, or shifted by a ragged row, is still a number, and
///   a mistyped one is still somebody's.
/// - A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`, so that a
///   spreadsheet shows it as text instead of running it as a formula (OWASP's CSV injection advice).
public struct QuarantineWriter: RowSink {
    private let out: FileOutput
    private let pseudonymiser: Pseudonymiser
    private var nhsFields: Set<Int> = []
    /// Rows written.
    public private(set) var rows = 0

    /// Opens `path` for writing; the file appears only when `commit()` is called.
    public init(path: String, pseudonymiser: Pseudonymiser) throws {
        self.out = try FileOutput(path: path)
        self.pseudonymiser = pseudonymiser
    }

    public mutating func begin(_ layout: RowLayout) throws {
        nhsFields = layout.nhsNumberFields
        var header = ["row", "line", "reasons", "reason_messages"]
        header += layout.header.map { $0 == "nhs_number" ? "nhs_number_pseudonym" : $0 }
        try writeRecord(header.map { Self.neutralised(Array($0.utf8)) })
    }

    public mutating func accepted(_ row: TableRow) throws {}

    public mutating func quarantined(_ row: TableRow, reasons: [Rule]) throws {
        rows += 1
        var fields: [[UInt8]] = [
            Array(String(row.recordNumber).utf8), Array(String(row.line).utf8),
            Array(reasons.map(\.id).joined(separator: ";").utf8),
            Self.neutralised(Array(reasons.map(\.message).joined(separator: " ").utf8)),
        ]
        for i in 0..<row.count {
            let field = row[i]
            if !field.isEmpty, nhsFields.contains(i) || NHSNumber.mightBeOne(field) {
                fields.append(Array(pseudonymiser.pseudonym(of: field).utf8))
            } else {
                fields.append(Self.neutralised(Array(field)))
            }
        }
        try writeRecord(fields)
    }

    /// Publishes the file.
    public func commit() throws { try out.commit() }

    private func writeRecord(_ fields: [[UInt8]]) throws {
        for (i, field) in fields.enumerated() {
            if i > 0 { try out.write(byte: UInt8(ascii: ",")) }
            let needsQuotes = field.contains {
                $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13
            }
            if needsQuotes {
                try out.write(byte: UInt8(ascii: "\""))
                for byte in field {
                    if byte == UInt8(ascii: "\"") { try out.write(byte: byte) }
                    try out.write(byte: byte)
                }
                try out.write(byte: UInt8(ascii: "\""))
            } else {
                try out.write(field)
            }
        }
        try out.write(byte: UInt8(ascii: "\n"))
    }

    /// A field with a leading `'` when a spreadsheet would treat it as a formula.
    static func neutralised(_ field: [UInt8]) -> [UInt8] {
        guard let first = field.first else { return field }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D:
            return [UInt8(ascii: "'")] + field
        default:
            return field
        }
    }
}

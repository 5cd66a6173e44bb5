import RehabCore
import RehabIngest
import RehabValidate

/// Writes `X.quarantine.csv`: every rejected row with its reasons, safe to open in Excel.
///
/// - NHS numbers are replaced by their keyed pseudonym, in the NHS number column and wherever one is written inside
///   any other field (`NHSNumber.forEachWritten`): a number typed into the wrong column, or shifted by a ragged
///   row, is still a number, and a mistyped one is still somebody's.
/// - Values of the contract's other identifying columns (`patient_id`) are "(withheld)", as in every report; the
///   row and line numbers find the row in the trust's own file.
/// - A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`, so that a
///   spreadsheet shows it as text instead of running it as a formula (OWASP's CSV injection advice).
public struct QuarantineWriter: RowSink {
    private let out: FileOutput
    private let pseudonymiser: Pseudonymiser
    /// Per field of the file: what to write instead of its value (looked up for every field of every row, so an
    /// array, not a set).
    private var treatment: [Treatment] = []

    private enum Treatment {
        case asWritten
        /// The NHS number column: the value's pseudonym.
        case pseudonym
        /// Another identifying column (`patient_id`): "(withheld)", as in every report.
        case withheld
    }
    private var line: [UInt8] = []
    /// `reasons,reason_messages,` as bytes, by the reasons' ids: a few distinct sets recur on many rows.
    private var reasonFields: [String: [UInt8]] = [:]
    /// Rows written.
    public private(set) var rows = 0
    /// The file's length after `ValidationResult.rejectedSample` rows, where a rejected submission's file ends.
    private var lengthAtLimit: Int?

    /// Opens `path` for writing; the file appears only when `commit()` is called.
    public init(path: String, pseudonymiser: Pseudonymiser) throws {
        self.out = try FileOutput(path: path)
        self.pseudonymiser = pseudonymiser
        line.reserveCapacity(1 << 16)
    }

    public mutating func begin(_ layout: RowLayout) throws {
        treatment = Array(repeating: .asWritten, count: layout.header.count)
        if let contract = layout.contract {
            for c in contract.columns.indices where contract.columns[c].identifying {
                if let f = layout.fieldOfColumn[c], f < treatment.count { treatment[f] = .withheld }
            }
        }
        for f in layout.nhsNumberFields {
            if f >= treatment.count { treatment += Array(repeating: .asWritten, count: f - treatment.count + 1) }
            treatment[f] = .pseudonym
        }
        var header = ["row", "line", "reasons", "reason_messages"]
        header += layout.header.map { $0 == "nhs_number" ? "nhs_number_pseudonym" : $0 }
        for (i, title) in header.enumerated() {
            if i > 0 { line.append(UInt8(ascii: ",")) }
            CSVField.append(title, to: &line)
        }
        line.append(UInt8(ascii: "\n"))
    }

    public mutating func accepted(_ row: TableRow, withheld: WithheldColumns) throws {}

    public mutating func quarantined(_ row: TableRow, reasons: [Rule]) throws {
        rows += 1
        CSVField.append(row.recordNumber, to: &line)
        line.append(UInt8(ascii: ","))
        CSVField.append(row.line, to: &line)
        line.append(UInt8(ascii: ","))
        let key = reasons.count == 1 ? reasons[0].id : reasons.map(\.id).joined(separator: ";")
        if let fields = reasonFields[key] {
            line.append(contentsOf: fields)
        } else {
            var fields: [UInt8] = []
            CSVField.append(key, to: &fields)
            fields.append(UInt8(ascii: ","))
            CSVField.append(reasons.map(\.message).joined(separator: " "), to: &fields)
            reasonFields[key] = fields
            line.append(contentsOf: fields)
        }
        for i in 0..<row.count {
            line.append(UInt8(ascii: ","))
            let field = row[i]
            let treated = i < treatment.count ? treatment[i] : .asWritten
            if !field.isEmpty, treated == .pseudonym {
                pseudonymiser.appendPseudonym(of: field, to: &line)
            } else if !field.isEmpty, treated == .withheld {
                line.append(contentsOf: Self.withheld)
            } else if NHSNumber.containsAny(field) {
                // Each number written like an NHS number, anywhere in the value, by its pseudonym.
                var masked: [UInt8] = []
                NHSNumber.appendMasked(field, to: &masked) { digits, out in
                    pseudonymiser.appendPseudonym(of: digits, to: &out)
                }
                CSVField.append(masked.span, to: &line)
            } else {
                CSVField.append(field, to: &line)
            }
        }
        line.append(UInt8(ascii: "\n"))
        if rows == ValidationResult.rejectedSample { lengthAtLimit = out.count + line.count }
        if line.count >= 1 << 16 {
            try out.write(line)
            line.removeAll(keepingCapacity: true)
        }
    }

    /// Publishes the file: for a rejected submission, its header and first `ValidationResult.rejectedSample` rows.
    public mutating func commit(rejected: Bool = false) throws {
        try out.write(line)
        line.removeAll()
        try out.commit(keepingFirst: rejected ? lengthAtLimit : nil)
    }

    private static let withheld = Array("(withheld)".utf8)

    /// A field with a leading `'` when a spreadsheet would treat it as a formula.
    static func neutralised(_ field: [UInt8]) -> [UInt8] {
        guard let first = field.first, CSVField.startsFormula(first) else { return field }
        return [UInt8(ascii: "'")] + field
    }
}

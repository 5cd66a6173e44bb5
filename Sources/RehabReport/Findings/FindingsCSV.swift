import RehabCore
import RehabValidate

/// Writes `X.findings.csv`: every finding of a submission, one line each, streamed from the validator's log.
///
/// The header is `rule,severity,row,line,record_id,column,value`:
/// - `row` counts data rows from 1; `line` is the line of the file where the record starts, the header being
///   line 1, which is the row number a spreadsheet shows for a file without line breaks inside fields;
/// - `record_id` is the row's key (`referral_id`, `contact_id`, `staff_id`), or the start of its pseudonym when
///   the key is written like an NHS number;
/// - `value` is the value found, empty when there was none or its column could identify a person (the contract's
///   `identifying: true`); an NHS number is shown as the start of its pseudonym.
///
/// A file-level finding has no row, line, record id or value. Cells are neutralised as in the quarantine CSV.
public enum FindingsCSV {
    public static let header = "rule,severity,row,line,record_id,column,value"

    /// Writes every finding of `result` to `path`, atomically.
    public static func write(_ result: ValidationResult, to path: String) throws {
        var writer = try Writer(result, path: path)
        try result.findings.visit { try writer.add($0) }
        try writer.finish()
    }

    /// The file, fed one finding at a time.
    struct Writer: FindingConsumer {
        private let out: FileOutput
        private var line: [UInt8] = []
        /// Per rule, `id,severity,`; per column, its name: encoded once each.
        private let ruleFields: [[UInt8]]
        private let columnFields: [[UInt8]]

        init(_ result: ValidationResult, path: String) throws {
            out = try FileOutput(path: path)
            try out.write(FindingsCSV.header + "\n")
            line.reserveCapacity(1 << 16)
            ruleFields = result.rules.map { rule in
                var fields: [UInt8] = []
                CSVField.append(rule.rule.id, to: &fields)
                fields.append(UInt8(ascii: ","))
                fields.append(contentsOf: rule.rule.severity.rawValue.utf8)
                fields.append(UInt8(ascii: ","))
                return fields
            }
            columnFields = result.findings.columns.map { column in
                var field: [UInt8] = []
                CSVField.append(column, to: &field)
                return field
            }
        }

        mutating func add(_ f: FindingLog.Entry) throws {
            line.append(contentsOf: ruleFields[f.ruleIndex])
            CSVField.append(f.row, to: &line)
            line.append(UInt8(ascii: ","))
            CSVField.append(f.line, to: &line)
            line.append(UInt8(ascii: ","))
            CSVField.append(f.recordID, to: &line)
            line.append(UInt8(ascii: ","))
            if let column = f.columnIndex { line.append(contentsOf: columnFields[column]) }
            line.append(UInt8(ascii: ","))
            CSVField.append(f.value, to: &line)
            line.append(UInt8(ascii: "\n"))
            if line.count >= 1 << 16 {
                try out.write(line)
                line.removeAll(keepingCapacity: true)
            }
        }

        func finish() throws {
            try out.write(line)
            try out.commit()
        }
    }
}

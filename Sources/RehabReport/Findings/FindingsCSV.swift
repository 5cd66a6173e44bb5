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
        let out = try FileOutput(path: path)
        try out.write(header + "\n")
        var line: [UInt8] = []
        line.reserveCapacity(1 << 16)
        // The rule's id and severity and the column's name, encoded once each.
        var ruleFields: [Int: [UInt8]] = [:]
        var columnFields: [String: [UInt8]] = [:]
        try result.findings.visit { f in
            if let fields = ruleFields[f.ruleIndex] {
                line.append(contentsOf: fields)
            } else {
                var fields: [UInt8] = []
                CSVField.append(f.rule.id, to: &fields)
                fields.append(UInt8(ascii: ","))
                fields.append(contentsOf: f.rule.severity.rawValue.utf8)
                fields.append(UInt8(ascii: ","))
                ruleFields[f.ruleIndex] = fields
                line.append(contentsOf: fields)
            }
            CSVField.append(f.row, to: &line)
            line.append(UInt8(ascii: ","))
            CSVField.append(f.line, to: &line)
            line.append(UInt8(ascii: ","))
            CSVField.append(f.recordID, to: &line)
            line.append(UInt8(ascii: ","))
            if let column = f.column {
                if let field = columnFields[column] {
                    line.append(contentsOf: field)
                } else {
                    var field: [UInt8] = []
                    CSVField.append(column, to: &field)
                    columnFields[column] = field
                    line.append(contentsOf: field)
                }
            }
            line.append(UInt8(ascii: ","))
            CSVField.append(f.value, to: &line)
            line.append(UInt8(ascii: "\n"))
            if line.count >= 1 << 16 {
                try out.write(line)
                line.removeAll(keepingCapacity: true)
            }
        }
        try out.write(line)
        try out.commit()
    }
}

import Foundation
import RehabCore
import RehabValidate

/// Writes `X.xlsx`: the validation report as a workbook a trust can sort and filter.
///
/// - **Summary:** the submission, its counts, status and score, the versions and when it was validated.
/// - **Rules:** every rule that applies, with its severity, failures, message, how to fix it, its basis and the
///   values it found wrong most often.
/// - **Findings:** one row per finding, streamed from the validator's log: the line as a spreadsheet shows it,
///   the record's id, the column, the rule, its severity and the value found, where its column may be shown.
///   Past Excel's 1,048,576 rows the findings go on to "Findings 2", and so on.
///
/// Values appear as in `X.findings.csv`: withheld for identifying columns, NHS numbers as the start of their
/// pseudonym. Every cell is text or a number, never a formula.
public enum ErrorWorkbook {
    /// Writes the workbook to `path`, atomically. `rowsPerSheet` (Excel's limit unless a test lowers it) is where
    /// findings go on to the next sheet.
    public static func write(
        _ result: ValidationResult,
        to path: String,
        rowsPerSheet: Int = XLSXWriter.maximumRows
    ) throws {
        let book = XLSXWriter(path: path)
        try summary(result, book)
        try rules(result, book)
        try findings(result, book, rowsPerSheet: rowsPerSheet)
        try book.commit()
    }

    private static func summary(_ result: ValidationResult, _ book: XLSXWriter) throws {
        try book.addSheet("Summary", header: ["Item", "Value"], widths: [28, 90])
        let s = result.submission
        func text(_ label: String, _ value: String?) throws {
            book.row()
            book.text(label)
            book.text(value)
            try book.endRow()
        }
        func number(_ label: String, _ value: Double?) throws {
            book.row()
            book.text(label)
            book.number(value)
            try book.endRow()
        }
        try text("File", s.file)
        if let suggested = s.suggestedName { try text("Did you mean", suggested) }
        try text("Organisation", s.orgCode)
        try text("Extract", s.kind?.rawValue)
        try text("Period", s.period?.description)
        try text("Status", statusText(result))
        try number("Score (0–100)", result.score.overall.map(rounded))
        try number("Mean item score", result.score.itemMean.map(rounded))
        try number("Score cap: share of rows not quarantined", rounded(result.score.cap))
        try number("Rows read", Double(result.rows.read))
        try number("Rows accepted", Double(result.rows.accepted))
        try number("Rows quarantined", Double(result.rows.quarantined))
        try number("Findings", Double(result.findings.count))
        try text("File SHA-256", s.sha256)
        try text("Contract version", result.contractVersion)
        try text("Rule catalogue version", result.rulesetVersion)
        try text("rehabcount_version", RehabCountVersion.tool)
        try text("validated_at", JSONReport.timestamp(result.validatedAt))
        try text("Pseudonym key", result.pseudonymKeySource.rawValue)
    }

    private static func rules(_ result: ValidationResult, _ book: XLSXWriter) throws {
        try book.addSheet(
            "Rules",
            header: [
                "Rule", "Severity", "Column", "Failures", "Checked", "What is wrong", "How to fix it", "Basis",
                "Values found most often",
            ],
            widths: [24, 10, 24, 10, 9, 60, 60, 50, 50]
        )
        for rule in result.rules {
            book.row()
            book.text(rule.rule.id)
            book.text(rule.rule.severity.rawValue)
            book.text(rule.rule.column)
            book.number(rule.failures)
            book.text(rule.evaluated ? "yes" : "no")
            book.text(rule.rule.message)
            book.text(rule.rule.guidance)
            book.text(HTMLReport.basis(rule.rule.basis))
            book.text(
                rule.valuesWithheld
                    ? "withheld: the column could identify a person"
                    : rule.topValues.map { "\($0.value) ×\($0.count)" }.joined(separator: "; ")
            )
            try book.endRow()
        }
    }

    static let findingsHeader = ["Line", "Record id", "Column", "Rule", "Severity", "Value found", "Data row"]

    private static func findings(_ result: ValidationResult, _ book: XLSXWriter, rowsPerSheet: Int) throws {
        var sheet = 1
        try book.addSheet("Findings", header: findingsHeader, widths: [10, 18, 24, 24, 10, 40, 10])
        let withheld = Array("(withheld)".utf8)
        var severities: [Severity: [UInt8]] = [:]
        for severity in [Severity.file, .record, .warning] { severities[severity] = Array(severity.rawValue.utf8) }
        try result.findings.visit { f in
            if book.rows >= rowsPerSheet {
                sheet += 1
                try book.addSheet("Findings \(sheet)", header: findingsHeader, widths: [10, 18, 24, 24, 10, 40, 10])
            }
            book.row()
            book.number(f.line)
            book.text(f.recordID)
            book.text(f.column)
            book.text(f.rule.id)
            severities[f.rule.severity]!.withUnsafeBytes { book.text($0) }
            if f.withheld {
                withheld.withUnsafeBytes { book.text($0) }
            } else {
                book.text(f.value)
            }
            book.number(f.row)
            try book.endRow()
        }
    }

    static func statusText(_ result: ValidationResult) -> String {
        switch result.status {
        case .accepted: "accepted"
        case .accepted_with_warnings: "accepted with warnings"
        case .accepted_needs_attention: "accepted, needs attention: many rows quarantined"
        case .rejected: "rejected: nothing from this file is loaded"
        }
    }

    private static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}

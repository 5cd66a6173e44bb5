import Foundation
import RehabCore
import RehabValidate

/// Writes `X.xlsx`: the validation report as a workbook a trust can sort and filter.
///
/// - **Summary:** the submission, its counts, status and score, the versions and when it was validated.
/// - **Rules:** every rule that applies, with its severity, failures, message, how to fix it, its basis and the
///   values it found wrong most often.
/// - **Findings:** one row per finding, streamed from the validator's log: the line as a spreadsheet shows it,
///   the record's id, the column, the rule, its severity and the value found, where its column may be shown
///   ("(withheld)" where it could identify a person).
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
        var writer = try Writer(result, path: path, rowsPerSheet: rowsPerSheet)
        try result.findings.visit { try writer.add($0) }
        try writer.finish()
    }

    /// The workbook: Summary and Rules at once, then the findings one at a time.
    struct Writer: FindingConsumer {
        private let book: XLSXWriter
        private let rowsPerSheet: Int
        private var sheet = 1
        /// Shared-string indexes: per rule its id and its severity; per column its name.
        private let ruleIDs: [Int]
        private let severities: [Int]
        private let messages: [Int]
        private let columns: [Int]
        private let withheld: Int

        init(_ result: ValidationResult, path: String, rowsPerSheet: Int = XLSXWriter.maximumRows) throws {
            let book = try XLSXWriter(path: path)
            self.book = book
            self.rowsPerSheet = rowsPerSheet
            try ErrorWorkbook.summary(result, book)
            try ErrorWorkbook.rules(result, book)
            ruleIDs = result.rules.map { book.share($0.rule.id) }
            severities = result.rules.map { book.share($0.rule.severity.rawValue) }
            messages = result.rules.map { book.share($0.rule.message) }
            columns = result.findings.columns.map { book.share($0) }
            withheld = book.share("(withheld)")
            try book.addSheet("Findings", header: findingsHeader, widths: findingsWidths)
        }

        mutating func add(_ f: FindingLog.Entry) throws {
            if book.rows >= rowsPerSheet {
                sheet += 1
                try book.addSheet("Findings \(sheet)", header: findingsHeader, widths: findingsWidths)
            }
            book.row()
            book.number(f.line)
            book.text(f.recordID)
            if let column = f.columnIndex { book.shared(columns[column]) } else { book.empty() }
            book.shared(ruleIDs[f.ruleIndex])
            book.shared(severities[f.ruleIndex])
            if f.withheld { book.shared(withheld) } else { book.text(f.value) }
            book.shared(messages[f.ruleIndex])
            try book.endRow()
        }

        func finish() throws { try book.commit() }
    }

    static func summary(_ result: ValidationResult, _ book: XLSXWriter) throws {
        try book.addSheet("Summary", header: ["Item", "Value"], widths: [38, 70])
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
            book.number(value, leftAligned: true)
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
        try text("Rule catalogue source", result.catalogue.source)
        try text("Rule catalogue SHA-256", result.catalogue.sha256)
        if let warning = result.catalogue.warning { try text("Rule catalogue warning", warning) }
        try text("rehabcount_version", RehabCountVersion.tool)
        try text("validated_at", JSONReport.timestamp(result.validatedAt))
        try text("Pseudonym key", result.pseudonymKeySource.rawValue)
    }

    static func rules(_ result: ValidationResult, _ book: XLSXWriter) throws {
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

    static let findingsHeader = ["Line", "Record id", "Column", "Rule", "Severity", "Value found", "Message"]
    static let findingsWidths: [Double] = [8, 18, 22, 26, 10, 30, 70]

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

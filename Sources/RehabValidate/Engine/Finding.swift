import Foundation
import RehabCore

/// One thing a rule found, as `FindingLog.all()` returns it for tests and small submissions. Reports read the
/// log with `FindingLog.visit(_:)` instead, which hands out bytes and makes no String per finding.
public struct Finding: Sendable, Hashable {
    /// The rule's id.
    public var rule: String
    public var severity: Severity
    /// The record number (1 = first data row), or nil for a file-level finding.
    public var row: Int?
    /// The physical line where the record starts, or nil when the finding is about the whole file.
    public var line: Int?
    /// The contract column, or nil for file-level findings.
    public var column: String?
    /// The rule's message.
    public var message: String
    /// The row's key as a report may show it (see `FindingLog`), or nil.
    public var recordID: String? = nil
    /// The value found, as a report may show it, or nil when there is none or it is withheld.
    public var value: String? = nil
    /// The column could identify a person, so the value is not shown.
    public var withheld = false

    public init(rule: String, severity: Severity, row: Int?, line: Int?, column: String?, message: String) {
        self.rule = rule
        self.severity = severity
        self.row = row
        self.line = line
        self.column = column
        self.message = message
    }
}

/// Where a rule failed, for the examples in a report.
public struct FindingLocation: Sendable, Hashable, Codable {
    public var row: Int?
    public var line: Int?
    public var column: String?
    /// The row's key (`referral_id`, `contact_id`, `staff_id`) as the trust wrote it, so that the record can be
    /// found by id as well as by line; an NHS-number-like key only as the start of its pseudonym.
    public var recordID: String? = nil
}

/// How one rule fared on one submission.
public struct RuleResult: Sendable, Hashable {
    public var rule: Rule
    /// Whether the rule could be checked (a cross-file rule needs the other file; a header problem stops column
    /// rules).
    public var evaluated: Bool
    /// How many findings it raised.
    public var failures: Int
    /// The first few places it failed.
    public var examples: [FindingLocation]
    /// The values it found wrong most often, when its column may be shown.
    public var topValues: [ValueCount] = []
    /// Its column could identify a person, so its values are never shown.
    public var valuesWithheld = false
}

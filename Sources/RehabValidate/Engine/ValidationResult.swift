import Foundation
import RehabCore
import RehabIngest

/// The outcome of validating one submission.
public enum SubmissionStatus: String, Sendable, Codable {
    /// No finding at all.
    case accepted
    /// Loadable, with warnings or quarantined rows.
    case accepted_with_warnings
    /// Loaded, but it quarantined more than the threshold's share of its rows (5% unless a pipeline says
    /// otherwise): many of the trust's records are missing from the figures.
    case accepted_needs_attention
    /// A file-level rule failed: nothing of it is loaded.
    case rejected
}

/// The three numbers every report shows. Nothing is lost: `read == accepted + quarantined`.
public struct RowCounts: Sendable, Hashable, Codable {
    /// Data rows read (the header and blank lines are not rows).
    public var read = 0
    /// Rows that will be loaded. Zero when the submission is rejected.
    public var accepted = 0
    /// Rows held back: those a record-level rule rejected, or every row of a rejected submission.
    public var quarantined = 0
    /// Rows that passed every row-level rule, whatever happened to the submission.
    public var passedRowChecks = 0

    public init() {}
}

/// What the file name and content say about a submission.
public struct SubmissionInfo: Sendable, Hashable {
    /// The ORG from the file name, if the name follows the contract.
    public var orgCode: String?
    /// The kind from the file name, or the kind the header matches best when the name does not parse.
    public var kind: ExtractKind?
    public var period: Period?
    /// The file name, without its folder.
    public var file: String
    /// SHA-256 of the file's bytes, lower-case hex.
    public var sha256: String
    public var format: SubmissionName.FileFormat
    public var encoding: TextEncoding
    public var bytes: Int
    /// For a name that does not follow the contract, the name the trust most likely meant.
    public var suggestedName: String? = nil
}

/// Everything validation learnt about one submission.
public struct ValidationResult: Sendable {
    /// When the validation finished.
    public var validatedAt = Date()
    public var submission: SubmissionInfo
    public var contractVersion: String
    public var rulesetVersion: String
    /// Where the rule catalogue came from and its digest, with a warning when it differs from the built-in one.
    public var catalogue: RuleCatalogue.Identity
    public var status: SubmissionStatus
    public var rows: RowCounts
    public var score: QualityScore
    /// One entry per rule that applies to the submission's kind, in catalogue order.
    public var rules: [RuleResult]
    /// Every finding, spilled to disk.
    public var findings: FindingLog
    /// How the pseudonyms in this run's outputs were keyed.
    public var pseudonymKeySource: Pseudonymiser.KeySource
    /// Seconds spent validating.
    public var seconds: Double
    /// Physical lines and blank lines seen.
    public var lines: Int
    public var blankLines: Int
}

extension ValidationResult {
    /// How many rows, and findings of each rule, the outputs of a rejected submission keep: its quarantine CSV,
    /// findings CSV and workbook, and its rows in `audit`. A rejected file loads nothing and its original is
    /// archived, so the first rows show what to fix while the cost of a file wrong in every field stays bounded
    /// (docs/operations.md, "The worst case"). Every count is kept whole.
    public static let rejectedSample = 1_000

    /// How many rows, or findings of one rule, this submission's outputs keep: `rejectedSample` when it was
    /// rejected, every one otherwise.
    public var keptPerRule: Int { status == .rejected ? Self.rejectedSample : Int.max }
}

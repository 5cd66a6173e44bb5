import Foundation
import Logging
import RehabCore
import RehabIngest
import RehabReport
import RehabValidate

/// What `rehabcount validate` was asked to do.
public struct ValidateOptions: Sendable {
    public var files: [String]
    public var reportDirectory: String
    public var encoding: TextEncoding
    /// The least severe finding that makes the run fail.
    public var failOn: Severity
    public var layout: ProjectLayout
    /// Where the reference data is; defaults to the layout's.
    public var referenceDirectory: String?
    public var pseudonymKeyFile: String?
    /// "Today" for rules that forbid future dates; the real date unless a test pins it.
    public var today: Day
    /// How many findings of each rule the JSON report lists.
    public var findingsPerRule: Int
    public static let defaultFindingsPerRule = JSONReport.defaultFindingsPerRule

    public init(
        files: [String],
        reportDirectory: String,
        encoding: TextEncoding = .utf8,
        failOn: Severity = .file,
        layout: ProjectLayout,
        referenceDirectory: String? = nil,
        pseudonymKeyFile: String? = nil,
        today: Day = .today(),
        findingsPerRule: Int = JSONReport.defaultFindingsPerRule
    ) {
        self.today = today
        self.findingsPerRule = findingsPerRule
        self.files = files
        self.reportDirectory = reportDirectory
        self.encoding = encoding
        self.failOn = failOn
        self.layout = layout
        self.referenceDirectory = referenceDirectory
        self.pseudonymKeyFile = pseudonymKeyFile
    }
}

/// One file's outcome, as the command's summary shows it.
public struct ValidatedFile: Sendable {
    public var path: String
    public var result: ValidationResult
}

/// The outcome of `rehabcount validate`.
public struct ValidateOutcome: Sendable {
    public var files: [ValidatedFile]
    /// Whether any finding reached `--fail-on`.
    public var failed: Bool
}

/// Validates files as a trust would before submitting, and as the nightly pipeline does on arrival: files of one
/// trust and period together, referrals first, so that contacts are checked against them.
public enum ValidateJob {
    /// Loads contracts, rules and reference data from the layout.
    ///
    /// - Throws: `RehabError.Code.configuration` or `.pseudonymKey` when any of them is missing or invalid.
    public static func context(
        layout: ProjectLayout,
        referenceDirectory: String? = nil,
        pseudonymKeyFile: String? = nil,
        today: Day = .today(),
        quarantineShare: Double = ValidationContext.defaultQuarantineShare
    ) throws -> ValidationContext {
        let contracts = try ContractSet(source: layout.contracts)
        let catalogue = try RuleCatalogue(source: layout.rules, contracts: contracts)
        let reference =
            if let referenceDirectory {
                try ReferenceData(directory: referenceDirectory)
            } else if layout.isBuiltIn || !layout.hasReferenceData {
                // A folder holding only pipelines/ (a trust's own rules, say) validates against the built-in
                // reference data, as a validator copied on its own does.
                ReferenceData.builtIn
            } else {
                try ReferenceData(directory: layout.referenceDirectory)
            }
        let pseudonymiser = try Pseudonymiser.configured(keyFile: pseudonymKeyFile) ?? .ephemeral()
        return ValidationContext(
            contracts: contracts,
            catalogue: catalogue,
            reference: reference,
            pseudonymiser: pseudonymiser,
            today: today,
            quarantineShare: quarantineShare
        )
    }

    /// Runs the validation and writes each file's reports.
    ///
    /// - Parameter progress: called after each file, for the command's progress lines.
    /// - Throws: `RehabError` for usage, configuration or output problems; findings are never thrown.
    public static func run(
        _ options: ValidateOptions,
        logger: Logger,
        progress: (ValidatedFile) -> Void = { _ in }
    ) throws -> ValidateOutcome {
        guard !options.files.isEmpty else {
            throw RehabError(
                .usage,
                "No files to validate.",
                hint: "Name one or more extracts, e.g. RX1_referrals_2025-09.csv."
            )
        }
        var stems: [String: String] = [:]
        for file in options.files {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw RehabError(
                    .usage,
                    "\(file) does not exist or is a folder.",
                    hint: "Name extract files, not folders."
                )
            }
            let stem = SubmissionBatch.reportStem(file)
            if let other = stems[stem] {
                throw RehabError(
                    .usage,
                    "\(other) and \(file) would write the same report, \(stem).json.",
                    hint: "Validate them in separate runs, or with different --report-dir."
                )
            }
            stems[stem] = file
        }
        try OutputFolder.prepare(options.reportDirectory, option: "--report-dir")
        let context = try Self.context(
            layout: options.layout,
            referenceDirectory: options.referenceDirectory,
            pseudonymKeyFile: options.pseudonymKeyFile,
            today: options.today
        )
        let step = SubmissionStep(
            validator: SubmissionValidator(context: context),
            reports: .init(folder: options.reportDirectory, findingsPerRule: options.findingsPerRule)
        )

        var validated: [ValidatedFile] = []
        for group in SubmissionBatch(options.files).groups {
            validated += try SubmissionBatch.walk(group) { path, referrals in
                let result = try step.validate(
                    path,
                    name: SubmissionBatch.fileName(path),
                    encoding: options.encoding,
                    referrals: &referrals,
                    logger: logger
                )
                let file = ValidatedFile(path: path, result: result)
                logger.info(
                    "validated",
                    metadata: [
                        "file": "\(result.submission.file)", "status": "\(result.status.rawValue)",
                        "rows_read": .stringConvertible(result.rows.read),
                        "rows_quarantined": .stringConvertible(result.rows.quarantined),
                    ]
                )
                progress(file)
                return file
            }
        }
        let failed = validated.contains { reaches($0.result, options.failOn) }
        return ValidateOutcome(files: validated, failed: failed)
    }

    /// Whether a result has a finding at or above `threshold` (`file` means: the submission was rejected).
    public static func reaches(_ result: ValidationResult, _ threshold: Severity) -> Bool {
        if result.status == .rejected { return true }
        return result.rules.contains { $0.failures > 0 && $0.rule.severity >= threshold }
    }
}

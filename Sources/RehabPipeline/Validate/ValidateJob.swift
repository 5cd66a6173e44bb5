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

    public init(
        files: [String],
        reportDirectory: String,
        encoding: TextEncoding = .utf8,
        failOn: Severity = .file,
        layout: ProjectLayout,
        referenceDirectory: String? = nil,
        pseudonymKeyFile: String? = nil,
        today: Day = .today()
    ) {
        self.today = today
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
        today: Day = .today()
    ) throws -> ValidationContext {
        let contracts = try ContractSet(directory: layout.contractsDirectory)
        let catalogue = try RuleCatalogue(directory: layout.rulesDirectory, contracts: contracts)
        let reference = try ReferenceData(directory: referenceDirectory ?? layout.referenceDirectory)
        let pseudonymiser = try Pseudonymiser.configured(keyFile: pseudonymKeyFile) ?? .ephemeral()
        return ValidationContext(
            contracts: contracts,
            catalogue: catalogue,
            reference: reference,
            pseudonymiser: pseudonymiser,
            today: today
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
            let stem = reportStem(file)
            if let other = stems[stem] {
                throw RehabError(
                    .usage,
                    "\(other) and \(file) would write the same report, \(stem).json.",
                    hint: "Validate them in separate runs, or with different --report-dir."
                )
            }
            stems[stem] = file
        }
        try FileManager.default.createDirectory(atPath: options.reportDirectory, withIntermediateDirectories: true)
        let context = try Self.context(
            layout: options.layout,
            referenceDirectory: options.referenceDirectory,
            pseudonymKeyFile: options.pseudonymKeyFile,
            today: options.today
        )
        let validator = SubmissionValidator(context: context)

        var validated: [ValidatedFile] = []
        for group in groups(options.files) {
            let hasContacts = group.contains { SubmissionName(fileName: fileName($0))?.kind == .contacts }
            var referrals: ReferralIndex?
            for path in group {
                let stem = reportStem(path)
                let base = "\(options.reportDirectory)/\(stem)"
                var quarantine = try QuarantineWriter(
                    path: "\(base).quarantine.csv",
                    pseudonymiser: context.pseudonymiser
                )
                let (result, index) = try validator.validate(
                    path: path,
                    encoding: options.encoding,
                    referrals: referrals,
                    collectReferrals: hasContacts && referrals == nil,
                    sink: &quarantine,
                    logger: logger
                )
                if let index { referrals = index }
                try quarantine.commit()
                try JSONReport.write(result, to: "\(base).json")
                try HTMLReport.write(result, to: "\(base).html")
                let file = ValidatedFile(path: path, result: result)
                logger.info(
                    "validated",
                    metadata: [
                        "file": "\(result.submission.file)", "status": "\(result.status.rawValue)",
                        "rows_read": "\(result.rows.read)", "rows_quarantined": "\(result.rows.quarantined)",
                    ]
                )
                progress(file)
                validated.append(file)
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

    /// Files grouped by trust and period, each group ordered referrals, contacts, workforce. A file whose name
    /// does not follow the contract is a group of its own.
    static func groups(_ files: [String]) -> [[String]] {
        var keyed: [SubmissionGroup: [String]] = [:]
        var order: [SubmissionGroup] = []
        var loose: [[String]] = []
        for file in files {
            guard let name = SubmissionName(fileName: fileName(file)) else {
                loose.append([file])
                continue
            }
            let key = SubmissionGroup(orgCode: name.orgCode, period: name.period)
            if keyed[key] == nil { order.append(key) }
            keyed[key, default: []].append(file)
        }
        let sorted = order.map { key in
            keyed[key]!.sorted {
                (SubmissionName(fileName: fileName($0))!.kind, $0) < (SubmissionName(fileName: fileName($1))!.kind, $1)
            }
        }
        return sorted + loose
    }

    static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// The file name without its extension: reports are `<stem>.json`, `<stem>.html`, `<stem>.quarantine.csv`.
    static func reportStem(_ path: String) -> String {
        let name = fileName(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }
}

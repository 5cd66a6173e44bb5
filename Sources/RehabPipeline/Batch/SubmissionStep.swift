import Logging
import RehabCore
import RehabDatabase
import RehabIngest
import RehabLoad
import RehabReport
import RehabValidate

/// The one step of a submission that `validate`, `load` and `run` share: its quarantine CSV beside its reports,
/// then its validation (and its load, when it is loaded), then its reports. What is around it differs: `run` takes a
/// private copy of the inbox file first and archives it after; `load` contains a file's failure to that file.
struct SubmissionStep: Sendable {
    /// Where the step writes the file's reports and quarantine CSV; nil writes neither.
    struct Reports: Sendable {
        var folder: String
        var findingsPerRule: Int = JSONReport.defaultFindingsPerRule
    }

    let validator: SubmissionValidator
    let reports: Reports?

    /// Validates a file (`path`; its name, `name`, says which submission it is): nothing reaches the database.
    ///
    /// - Parameter trend: the score series its report shows, given the result.
    func validate(
        _ path: String,
        name: String,
        encoding: TextEncoding = .utf8,
        sha256: String? = nil,
        referrals: inout SubmissionBatch.Referrals,
        trend: (ValidationResult) throws -> [ScorePoint]? = { _ in nil },
        logger: Logger,
        progress: ((Int) -> Void)? = nil
    ) throws -> ValidationResult {
        var quarantine = OptionalRowSink(try quarantineWriter(name))
        let (result, index) = try validator.validate(
            path: path,
            encoding: encoding,
            referrals: referrals.index,
            collectReferrals: referrals.collect,
            sha256: sha256,
            sink: &quarantine,
            logger: logger,
            progress: progress
        )
        referrals.keep(index)
        try finish(result, quarantine: &quarantine, name: name, trend: trend)
        return result
    }

    /// Validates and loads a file through `loader`, in one pass. A submission found unchanged is not read again,
    /// and gets no new reports.
    func load(
        _ path: String,
        name: String,
        encoding: TextEncoding = .utf8,
        sha256: String? = nil,
        loader: SubmissionLoader,
        lookup: ReferenceLookup,
        runID: Int64,
        connection: borrowing Connection,
        referrals: inout SubmissionBatch.Referrals,
        trend: (ValidationResult) throws -> [ScorePoint]? = { _ in nil },
        logger: Logger,
        progress: ((Int) -> Void)? = nil
    ) throws -> LoadOutcome {
        var quarantine = OptionalRowSink(try quarantineWriter(name))
        let (outcome, index) = try loader.load(
            path: path,
            encoding: encoding,
            runID: runID,
            referrals: referrals.index,
            collectReferrals: referrals.collect,
            sha256: sha256,
            lookup: lookup,
            rows: &quarantine,
            connection: connection,
            logger: logger,
            progress: progress
        )
        referrals.keep(index)
        if let result = outcome.result {
            try finish(result, quarantine: &quarantine, name: name, trend: trend)
        }
        return outcome
    }

    /// The file's quarantine CSV, `<folder>/<stem>.quarantine.csv`, when it gets reports.
    private func quarantineWriter(_ name: String) throws -> QuarantineWriter? {
        guard let reports else { return nil }
        return try QuarantineWriter(
            path: "\(reports.folder)/\(SubmissionBatch.reportStem(name)).quarantine.csv",
            pseudonymiser: validator.context.pseudonymiser
        )
    }

    /// Publishes the quarantine CSV (a rejected file's first rows only) and writes the reports.
    private func finish(
        _ result: ValidationResult,
        quarantine: inout OptionalRowSink<QuarantineWriter>,
        name: String,
        trend: (ValidationResult) throws -> [ScorePoint]?
    ) throws {
        guard let reports else { return }
        try quarantine.sink?.commit(rejected: result.status == .rejected)
        try SubmissionBatch.writeReports(
            result,
            trend: trend(result),
            findingsPerRule: reports.findingsPerRule,
            folder: reports.folder,
            file: name
        )
    }
}

import Foundation
import Logging
import RehabCore
import RehabDatabase
import RehabLoad
import RehabReport
import RehabValidate

/// What `rehabcount load` did with one file.
public struct LoadedFile: Sendable {
    public var path: String
    public var outcome: LoadOutcome?
    /// Why the file could not be loaded, when it could not (the database failed, not the data).
    public var failure: String?
}

extension RehabError {
    /// Loading without a configured pseudonymisation key: `load`, and `run` with a load stage.
    static let loadingNeedsKey = RehabError(
        .pseudonymKey,
        "Loading needs a pseudonymisation key, so that patient keys match across submissions.",
        hint: "Set REHABCOUNT_PSEUDONYM_KEY or REHABCOUNT_PSEUDONYM_KEY_FILE, or pass --pseudonym-key-file."
    )
}

/// Validates and loads files into the database: the validator's code path, then the idempotent load.
public enum LoadJob {
    /// Loads the reference data into the `reference` schema.
    public static func loadReference(
        layout: ProjectLayout,
        referenceDirectory: String?,
        database: String?,
        logger: Logger
    ) throws -> [(table: String, rows: Int)] {
        let connection = try Connection(Connection.conninfo(option: database))
        return try ReferenceLoader.load(
            directory: referenceDirectory ?? layout.referenceDirectory,
            into: connection,
            logger: logger
        )
    }

    /// Loads files, a trust and period at a time, referrals first. A file whose load fails is reported and the
    /// others carry on.
    ///
    /// - Throws: `RehabError` for usage and configuration problems (including a missing pseudonymisation key:
    ///   the database must only ever hold pseudonyms that match across runs), `DatabaseError` when the database
    ///   cannot be reached.
    public static func run(
        _ options: ValidateOptions,
        database: String?,
        writeReports: Bool,
        logger: Logger,
        progress: (LoadedFile) -> Void = { _ in }
    ) throws -> [LoadedFile] {
        guard try Pseudonymiser.configured(keyFile: options.pseudonymKeyFile) != nil else {
            throw RehabError.loadingNeedsKey
        }
        for file in options.files where !FileManager.default.fileExists(atPath: file) {
            throw RehabError(.usage, "\(file) does not exist.", hint: "Name extract files to load.")
        }
        // The configuration is read while the connection opens and the reference data arrive; a configuration
        // error is reported before a database one.
        let configuration = Background {
            try ValidateJob.context(
                layout: options.layout,
                referenceDirectory: options.referenceDirectory,
                pseudonymKeyFile: options.pseudonymKeyFile,
                today: options.today
            )
        }
        func meanwhile<T: ~Copyable>(_ step: () throws -> T) throws -> T {
            do { return try step() } catch {
                _ = try configuration.value()
                throw error
            }
        }
        let connection = try meanwhile { try Connection(Connection.conninfo(option: database)) }
        let lookup = try meanwhile { try ReferenceLookup(connection: connection) }
        let loader = try SubmissionLoader(validator: SubmissionValidator(context: configuration.value()))
        if lookup.count == 0 {
            logger.warning("reference.lsoa_lookup is empty: run rehabcount db load-reference first")
        }
        TemporaryFiles.removeAbandoned()
        try AuditStore.failAbandonedRuns(connection: connection)
        let runID = try AuditStore.beginRun(
            command: "load",
            host: ProcessInfo.processInfo.hostName,
            connection: connection
        )
        do {
            try AuditStore.requireKey(loader.validator.context.pseudonymiser, runID: runID, connection: connection)
        } catch {
            try? AuditStore.finishRun(runID, succeeded: false, reason: "\(error)", connection: connection)
            throw error
        }
        if writeReports {
            try OutputFolder.prepare(options.reportDirectory, option: "--report-dir")
        }
        // The trust's quarantine CSV beside its reports; with no reports, rows go nowhere else.
        let step = SubmissionStep(
            validator: loader.validator,
            reports: writeReports ? .init(folder: options.reportDirectory) : nil
        )
        var loaded: [LoadedFile] = []
        for group in SubmissionBatch(options.files).groups {
            loaded += SubmissionBatch.walk(group) { path, referrals in
                var file = LoadedFile(path: path)
                do {
                    file.outcome = try step.load(
                        path,
                        name: SubmissionBatch.fileName(path),
                        encoding: options.encoding,
                        loader: loader,
                        lookup: lookup,
                        runID: runID,
                        connection: connection,
                        referrals: &referrals,
                        logger: logger
                    )
                } catch let error as DatabaseError {
                    logger.error(
                        "load failed",
                        metadata: ["file": "\(SubmissionBatch.fileName(path))", "error": "\(error)"]
                    )
                    file.failure = error.description
                } catch {
                    // A file that cannot be read, or reports that cannot be written: this file fails, not the rest.
                    logger.error(
                        "load failed",
                        metadata: ["file": "\(SubmissionBatch.fileName(path))", "error": "\(error)"]
                    )
                    file.failure = "\(error)"
                }
                progress(file)
                return file
            }
        }
        let failed = loaded.filter { $0.failure != nil }
        try AuditStore.finishRun(
            runID,
            succeeded: failed.isEmpty,
            reason: failed.first.map {
                "\(failed.count) file(s) could not be loaded; \(SubmissionBatch.fileName($0.path)): \($0.failure ?? "failed")"
            },
            connection: connection
        )
        return loaded
    }
}

import Foundation
import Logging
import RehabAnalyse
import RehabCore
import RehabDatabase
import RehabIngest
import RehabLoad
import RehabReport
import RehabValidate

/// `rehabcount run PIPELINE`: the unattended nightly job.
///
/// One run: take the single-run lock; take every regular file from the inbox into a private copy and validate and
/// load that copy, a trust and period at a time, each failure contained to its file; archive each processed copy
/// under its SHA-256 and name; write each trust's reports to its outbox; flag expected submissions that did not
/// arrive; refresh the analysis when any submission is newer than it; write the national report and the metrics.
/// A file already archived under its name is skipped, so a second run over the same inbox does nothing.
///
/// Every run ends recorded: `audit.runs` says succeeded or failed and the metrics file is rewritten, whatever
/// stopped it (except another run holding the lock, which this run leaves alone).
public enum RunJob {
    /// Runs a pipeline.
    ///
    /// - Throws: `RehabError` (configuration: exit 2), `Locked` (exit 3), `DatabaseError` when the database
    ///   cannot be reached or fails (exit 1). The run's audit row and metrics are written before any of these but
    ///   `Locked`.
    public static func run(
        _ options: Options,
        logger baseLogger: Logger,
        progress: @escaping @Sendable (Progress) -> Void = { _ in }
    ) throws -> Outcome {
        let config = try PipelineConfig.load(path: options.pipeline)
        let metricsPath = config.metrics.map { config.resolve($0, root: options.layout.root) }
        let started = Clock.monotonicSeconds()
        /// The metrics of a run that ended early, so that an alert on them can fire.
        func recordFailure(_ error: any Error) {
            guard !options.dryRun, let metricsPath else { return }
            let outcome = Outcome(
                runID: "",
                files: [],
                missing: [],
                stageSeconds: [("total", Clock.monotonicSeconds() - started)],
                analysed: false,
                nationalReport: nil,
                metricsFile: nil,
                dryRun: false
            )
            let code: Int32 = (error as? RehabError).map { $0.code.isUsage ? 2 : 1 } ?? 1
            try? RunMetrics.write(outcome, exitCode: code, config: config, to: metricsPath)
        }

        /// Runs a step before the run is recorded, writing the failure metrics if it throws.
        func recording<T: ~Copyable>(_ step: () throws -> T) throws -> T {
            do { return try step() } catch {
                if !(error is Locked) { recordFailure(error) }
                throw error
            }
        }
        let conninfo = Connection.conninfo(option: options.database ?? config.database)
        let connection = try recording {
            let connection = try Connection(conninfo)
            try ServerLimit.requireLifted(on: connection)
            return connection
        }
        // The lock has a session of its own, which does nothing else while the run lasts (`RunLock`).
        let lock = try recording {
            guard let lock = try RunLock.take(conninfo: conninfo) else { throw Locked() }
            return lock
        }
        defer { lock.release() }

        var runID: Int64?
        do {
            var outcome = try perform(
                options,
                config: config,
                connection: connection,
                lock: lock.holder,
                runID: &runID,
                started: started,
                logger: baseLogger,
                progress: progress
            )
            // Metrics first: if they cannot be written, the run is recorded as failed, as its exit code will say.
            if !options.dryRun, let metricsPath {
                try RunMetrics.write(outcome, exitCode: outcome.exitCode, config: config, to: metricsPath)
                outcome.metricsFile = metricsPath
            }
            if let runID {
                try AuditStore.finishRun(
                    runID,
                    succeeded: outcome.exitCode == 0,
                    reason: outcome.exitCode == 0 ? nil : outcome.failureReason,
                    connection: connection
                )
            }
            return outcome
        } catch {
            if let runID { closeFailedRun(runID, error: error, connection: connection, conninfo: conninfo) }
            var logger = baseLogger
            if let runID { logger[metadataKey: "run_id"] = .stringConvertible(runID) }
            logger.error("run failed", metadata: ["error": "\(error)"])
            recordFailure(error)
            throw error
        }
    }

    /// Records a failed run with its reason: on the run's connection, or on a new one when that one is gone (the
    /// server ended its session, say). A reason that cannot be recorded at all is left to the next run, which marks
    /// the run failed once its lock's session is gone.
    static func closeFailedRun(_ runID: Int64, error: any Error, connection: borrowing Connection, conninfo: String?) {
        let reason = "\(error)"
        do {
            try AuditStore.finishRun(runID, succeeded: false, reason: reason, connection: connection)
        } catch {
            if let fresh = try? Connection(conninfo) {
                try? AuditStore.finishRun(runID, succeeded: false, reason: reason, connection: fresh)
            }
        }
    }

    /// The run itself, under the lock: its stages in order. Each stage is a function of its own
    /// (`RunJob+Stages.swift`): begin, take (validate and load), missing, analyse, report.
    static func perform(
        _ options: Options,
        config: PipelineConfig,
        connection: borrowing Connection,
        lock: RunLock.Holder,
        runID: inout Int64?,
        started: Double,
        logger baseLogger: Logger,
        progress: @escaping @Sendable (Progress) -> Void
    ) throws -> Outcome {
        let night = try Night(options, config: config)
        var logger = baseLogger
        let runLabel = try begin(night, connection: connection, lock: lock, runID: &runID, logger: &logger)
        var clock = StageClock(started: started)

        let collected = try collect(night, connection: connection, runID: runID, logger: logger)
        if collected != nil { clock.lap("collect") }
        // A pipeline of `collect` alone fills the inbox for the night and takes nothing from it.
        let taken =
            config.stages.contains(.validate)
            ? try take(night, connection: connection, lock: lock, runID: runID, logger: logger, progress: progress)
            : nil
        if taken != nil { clock.lap("load") }
        let outcomes = taken?.outcomes ?? []
        let missing =
            taken == nil ? [] : try missingSubmissions(config, outcomes: outcomes, connection: connection)
        for m in missing {
            logger.warning(
                "expected submission missing",
                metadata: ["org": "\(m.org)", "kind": "\(m.kind)", "period": "\(m.period)"]
            )
        }
        let refreshed = try analyse(night, connection: connection, lock: lock, runID: runID, logger: logger)
        if refreshed != nil { clock.lap("analyse") }
        let written = try report(
            night,
            refreshed: refreshed,
            outcomes: outcomes,
            connection: connection,
            logger: logger
        )
        if written != nil { clock.lap("report") }
        let delivered = try deliver(
            night,
            files: outcomes,
            meshDown: collected?.failure,
            connection: connection,
            runID: runID,
            logger: logger
        )
        if delivered != nil { clock.lap("deliver") }
        clock.total()

        let outcome = Outcome(
            runID: runLabel,
            files: outcomes,
            missing: missing,
            stageSeconds: clock.stages,
            analysed: refreshed != nil,
            nationalReport: written?.latest,
            nationalReports: written?.pages ?? [],
            metricsFile: nil,
            dryRun: options.dryRun,
            catalogue: taken?.catalogue,
            collected: collected,
            delivered: delivered
        )
        logger.info(
            "run finished",
            metadata: [
                "files": .stringConvertible(outcomes.count),
                "failed": .stringConvertible(outcomes.filter { $0.status == .failed }.count),
                "missing": .stringConvertible(missing.count), "exit_code": .stringConvertible(outcome.exitCode),
            ]
        )
        return outcome
    }
}

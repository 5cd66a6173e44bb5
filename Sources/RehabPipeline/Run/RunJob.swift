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

    /// The run itself, under the lock.
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
        let root = options.layout.root
        let inbox = config.resolve(config.inbox, root: root)
        let archive = Archive(root: config.resolve(config.archive, root: root))
        let outbox = config.resolve(config.outbox, root: root)
        let reports = config.resolve(config.reports, root: root)
        let loading = config.stages.contains(.load) && !options.dryRun

        let pseudonymiser = try Pseudonymiser.configured(keyFile: options.pseudonymKeyFile)
        if loading, pseudonymiser == nil {
            throw RehabError(
                .pseudonymKey,
                "Loading needs a pseudonymisation key, so that patient keys match across submissions.",
                hint: "Set REHABCOUNT_PSEUDONYM_KEY or REHABCOUNT_PSEUDONYM_KEY_FILE, or pass --pseudonym-key-file."
            )
        }
        for folder in [inbox, archive.root, outbox, reports] {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw RehabError(.configuration, "Cannot create the folder \(folder): \(error.localizedDescription)")
            }
        }

        var stageSeconds: [(String, Double)] = []
        var logger = baseLogger
        let runLabel: String
        if options.dryRun {
            runLabel = "dry-run-" + UUID().uuidString.lowercased().prefix(8)
            logger[metadataKey: "run_id"] = "\(runLabel)"
        } else {
            let abandoned = try AuditStore.failAbandonedRuns(ownPID: lock.backendPID, connection: connection)
            let id = try AuditStore.beginRun(
                command: "run \(config.name)",
                host: ProcessInfo.processInfo.hostName,
                backendPID: lock.backendPID,
                connection: connection
            )
            runID = id
            runLabel = String(id)
            logger[metadataKey: "run_id"] = .stringConvertible(id)
            for dead in abandoned {
                logger.warning(
                    "an earlier run was interrupted: marked failed",
                    metadata: ["interrupted_run_id": .stringConvertible(dead)]
                )
            }
        }
        logger.info(
            "run started",
            metadata: [
                "pipeline": "\(config.name)", "dry_run": .stringConvertible(options.dryRun), "inbox": "\(inbox)",
            ]
        )

        if loading {
            try AuditStore.requireKey(pseudonymiser!, runID: runID, connection: connection)
            try AuditStore.replaceExpectations(
                config.expected.flatMap { e in
                    e.kinds.map { AuditStore.Expectation(org: e.org, kind: $0, from: e.from, to: e.to) }
                },
                connection: connection
            )
            try AuditStore.replaceAnalysisSettings(
                coverageThreshold: config.analysis.coverageThreshold,
                targets: config.analysis.targets,
                rebase: config.analysis.rebase.map {
                    AuditStore.Rebase(series: $0.series, area: $0.area, from: $0.from, reason: $0.reason)
                },
                connection: connection
            )
        }
        // Copies and spill files of runs that died. Only with the lock still held; and a folder whose run is alive
        // (one that lost its lock and has not yet noticed) is never touched (`Archive.sweepIncoming`).
        if !options.dryRun {
            try lock.verify(on: connection)
            let swept = archive.sweepIncoming()
            if swept > 0 {
                logger.info(
                    "removed copies left by an interrupted run",
                    metadata: ["folders": .stringConvertible(swept)]
                )
            }
        }
        TemporaryFiles.removeAbandoned()

        // Validate and load.
        let context = try ValidateJob.context(
            layout: options.layout,
            referenceDirectory: nil,
            pseudonymKeyFile: options.pseudonymKeyFile,
            today: options.today,
            quarantineShare: config.thresholds.quarantineShare
        )
        if let warning = context.catalogue.identity.warning { logger.warning("\(warning)") }
        let files = try inboxFiles(inbox)
        // A dry run writes nothing to the archive: its copies go to a private folder in the temporary folder.
        let staging: Archive.Staging? = options.dryRun ? nil : try archive.stagingFolder()
        let stagingPath =
            try staging?.path ?? Archive.privateFolder(in: NSTemporaryDirectory(), prefix: "rehabcount-dry-run")
        defer {
            if let staging {
                archive.removeStaging(staging)
            } else {
                try? FileManager.default.removeItem(atPath: stagingPath)
            }
        }
        let validator = SubmissionValidator(context: context)
        let stop = StopSignal()
        let processor = FileProcessor(
            validator: validator,
            loader: loading ? try SubmissionLoader(validator: validator) : nil,
            lookup: loading ? try ReferenceLookup(connection: connection) : nil,
            archive: archive,
            staging: stagingPath,
            outbox: outbox,
            runID: runID ?? 0,
            dryRun: options.dryRun,
            lock: options.dryRun ? nil : lock,
            stop: stop,
            thresholds: config.thresholds,
            logger: logger
        )
        // Trusts are independent: `workers` of them at a time, whatever the number of cores (workers mostly wait on
        // the database), each worker on a connection of its own (the run's lock stays on its own). A trust's files
        // stay together, in order, on one worker.
        let batch = SubmissionBatch(files)
        let conninfo = Connection.conninfo(option: options.database ?? config.database)
        let board = WorkBoard(groups: batch.groups.count, files: batch.fileCount, progress: progress)
        let workerLogger = logger
        WorkerPool.run(workers: max(1, min(config.workers, batch.groups.count))) { _ in
            var workerConnection: Connection?
            do {
                workerConnection = try Connection(conninfo)
            } catch {
                workerLogger.error("worker could not connect", metadata: ["error": "\(error)"])
            }
            while let g = board.next() {
                let group = batch.groups[g]
                if let lost = stop.lost {
                    board.finish(g, group.files.map { processor.unprocessed($0, reason: lost.description) })
                    continue
                }
                guard let connection = workerConnection.take() else {
                    board.finish(g, group.files.map { processor.unprocessed($0, reason: "no database connection") })
                    continue
                }
                let done = SubmissionBatch.walk(group) { path, referrals in
                    let file = SubmissionBatch.fileName(path)
                    board.started(file)
                    defer { board.finished(file) }
                    return processor.process(
                        path,
                        referrals: &referrals,
                        connection: connection,
                        progress: { board.rows(file, $0) }
                    )
                }
                board.finish(g, done)
                workerConnection = consume connection
            }
        }
        // A run that lost its lock stops here: another run may be loading, analysing and reporting.
        if let lost = stop.lost { throw lost }
        let outcomes = board.outcomes
        var mark = Clock.monotonicSeconds()
        stageSeconds.append(("load", mark - started))

        // Expected submissions that did not arrive.
        let missing = try missingSubmissions(config, outcomes: outcomes, connection: connection)
        for m in missing {
            logger.warning(
                "expected submission missing",
                metadata: ["org": "\(m.org)", "kind": "\(m.kind)", "period": "\(m.period)"]
            )
        }

        // Analyse and report when the analysis is behind the submissions on record: after this run's loads, and
        // also after a night that loaded and then died before it got here.
        var analysed = false
        // The months the refresh covered: nil for every month.
        var refreshedMonths: [Period]?
        var national: String?
        var nationalReports: [String] = []
        if loading, config.stages.contains(.analyse) {
            try lock.verify(on: connection)
            let backlog = try AuditStore.analysisBacklog(connection: connection)
            if backlog.isBehind {
                let summary = try AnalysisRefresh.run(
                    connection: connection,
                    scope: backlog.wholeRefreshDue ? .everyPeriod : .unanalysed,
                    repetitions: config.thresholds.siiRepetitions,
                    logger: logger
                )
                try AuditStore.markAnalysed(
                    summary.includedSubmissions,
                    everyPeriod: summary.periods == nil,
                    runID: runID,
                    connection: connection
                )
                analysed = true
                refreshedMonths = summary.periods
                let now = Clock.monotonicSeconds()
                stageSeconds.append(("analyse", now - mark))
                mark = now
            }
        }
        let withFigures =
            analysed && config.stages.contains(.report)
            ? try NationalFiguresReader.periodsWithFigures(source: "published", connection: connection) : []
        if analysed, config.stages.contains(.report), withFigures.isEmpty {
            logger.info("no referral figures yet: the national report is not written")
        } else if analysed, config.stages.contains(.report), let latest = withFigures.last {
            national = try NationalReportJob.run(
                connection: connection,
                source: "published",
                period: nil,
                outputDirectory: reports,
                logger: logger
            ).page
            nationalReports.append(national!)
            // Every other month the refresh changed (a resubmission, a late file, a load that committed after the
            // last night, or every month after new definitions) has its report written again.
            for period in Set(refreshedMonths ?? withFigures).sorted()
            where period != latest && withFigures.contains(period) {
                nationalReports.append(
                    try NationalReportJob.run(
                        connection: connection,
                        source: "published",
                        period: period,
                        outputDirectory: reports,
                        logger: logger
                    ).page
                )
            }
            // Each trust that sent files tonight: its items beside England and its ICB, now that all are in.
            var trustMonths: [(org: String, period: Period)] = []
            var seen = Set<String>()
            for o in outcomes where [.loaded, .superseded].contains(o.status) {
                guard let org = o.org, let period = o.period.flatMap(Period.init),
                    seen.insert("\(org) \(period)").inserted
                else { continue }
                trustMonths.append((org, period))
            }
            _ = try TrustQualityJob.write(trustMonths, outbox: outbox, connection: connection, logger: logger)
            let now = Clock.monotonicSeconds()
            stageSeconds.append(("report", now - mark))
            mark = now
        }
        stageSeconds.append(("total", Clock.monotonicSeconds() - started))

        let outcome = Outcome(
            runID: runLabel,
            files: outcomes,
            missing: missing,
            stageSeconds: stageSeconds,
            analysed: analysed,
            nationalReport: national,
            nationalReports: nationalReports,
            metricsFile: nil,
            dryRun: options.dryRun,
            catalogue: (context.catalogue.version, context.catalogue.identity)
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

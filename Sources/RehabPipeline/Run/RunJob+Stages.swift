import Foundation
import Logging
import RehabAnalyse
import RehabCore
import RehabDatabase
import RehabIngest
import RehabLoad
import RehabReport
import RehabValidate

/// The stages of a run, in the order `RunJob.perform` takes them: begin, take (validate and load), analyse, report.
extension RunJob {
    /// One night's folders and what it does, from the pipeline file and the command line.
    struct Night {
        let options: Options
        let config: PipelineConfig
        let inbox: String
        let archive: Archive
        let outbox: String
        let reports: String
        /// Whether the night loads: a load stage, and not a dry run.
        let loading: Bool
        /// The configured key; nil only when the night does not load.
        let pseudonymiser: Pseudonymiser?

        /// - Throws: `RehabError` when a loading night has no pseudonymisation key, or a folder cannot be made.
        init(_ options: Options, config: PipelineConfig) throws {
            let root = options.layout.root
            self.options = options
            self.config = config
            inbox = config.resolve(config.inbox, root: root)
            archive = Archive(root: config.resolve(config.archive, root: root))
            outbox = config.resolve(config.outbox, root: root)
            reports = config.resolve(config.reports, root: root)
            loading = config.stages.contains(.load) && !options.dryRun
            pseudonymiser = try Pseudonymiser.configured(keyFile: options.pseudonymKeyFile)
            if loading, pseudonymiser == nil { throw RehabError.loadingNeedsKey }
            for folder in [inbox, archive.root, outbox, reports] {
                do {
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                } catch {
                    throw RehabError(
                        .configuration,
                        "Cannot create the folder \(folder): \(error.localizedDescription)"
                    )
                }
            }
        }
    }

    /// The seconds of each stage, for the metrics.
    struct StageClock {
        private(set) var stages: [(String, Double)] = []
        private let started: Double
        private var mark: Double

        init(started: Double) {
            self.started = started
            mark = started
        }

        /// A stage ended now: the time since the last one ended (or the run started).
        mutating func lap(_ stage: String) {
            let now = Clock.monotonicSeconds()
            stages.append((stage, now - mark))
            mark = now
        }

        /// The whole run, so far.
        mutating func total() { stages.append(("total", Clock.monotonicSeconds() - started)) }
    }

    /// What the take stage did.
    struct Taken {
        var outcomes: [FileOutcome]
        var catalogue: (version: String, identity: RuleCatalogue.Identity)
    }

    /// What the analyse stage refreshed.
    struct Refreshed {
        /// The months the refresh covered: nil for every month.
        var months: [Period]?
    }

    /// The national reports the report stage wrote.
    struct Written {
        /// The latest month's.
        var latest: String
        /// Every page written, the latest month's first.
        var pages: [String]
    }

    /// Begin: the run's audit row (or a dry run's label), the night's expectations and analysis settings, and what
    /// earlier runs left behind.
    ///
    /// - Returns: the run's label, as its logs and metrics carry it.
    static func begin(
        _ night: Night,
        connection: borrowing Connection,
        lock: RunLock.Holder,
        runID: inout Int64?,
        logger: inout Logger
    ) throws -> String {
        let (options, config) = (night.options, night.config)
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
                "pipeline": "\(config.name)", "dry_run": .stringConvertible(options.dryRun),
                "inbox": "\(night.inbox)",
            ]
        )

        if night.loading, let pseudonymiser = night.pseudonymiser {
            try AuditStore.requireKey(pseudonymiser, runID: runID, connection: connection)
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
            let swept = night.archive.sweepIncoming()
            if swept > 0 {
                logger.info(
                    "removed copies left by an interrupted run",
                    metadata: ["folders": .stringConvertible(swept)]
                )
            }
        }
        TemporaryFiles.removeAbandoned()
        return runLabel
    }

    /// Take: every inbox file, validated (and loaded, on a loading night), reported to its trust and archived,
    /// `workers` trusts at a time.
    ///
    /// - Throws: `RunLock.Lost` when the run lost its lock: no further file was taken, and nothing is analysed.
    static func take(
        _ night: Night,
        connection: borrowing Connection,
        lock: RunLock.Holder,
        runID: Int64?,
        logger: Logger,
        progress: @escaping @Sendable (Progress) -> Void
    ) throws -> Taken {
        let (options, config) = (night.options, night.config)
        let context = try ValidateJob.context(
            layout: options.layout,
            referenceDirectory: nil,
            pseudonymKeyFile: options.pseudonymKeyFile,
            today: options.today,
            quarantineShare: config.thresholds.quarantineShare
        )
        if let warning = context.catalogue.identity.warning { logger.warning("\(warning)") }
        let files = try inboxFiles(night.inbox)
        // A dry run writes nothing to the archive: its copies go to a private folder in the temporary folder.
        let staging: Archive.Staging? = options.dryRun ? nil : try night.archive.stagingFolder()
        let stagingPath =
            try staging?.path ?? Archive.privateFolder(in: NSTemporaryDirectory(), prefix: "rehabcount-dry-run")
        defer {
            if let staging {
                night.archive.removeStaging(staging)
            } else {
                try? FileManager.default.removeItem(atPath: stagingPath)
            }
        }
        let validator = SubmissionValidator(context: context)
        let stop = StopSignal()
        let processor = FileProcessor(
            validator: validator,
            loader: night.loading ? try SubmissionLoader(validator: validator) : nil,
            lookup: night.loading ? try ReferenceLookup(connection: connection) : nil,
            archive: night.archive,
            staging: stagingPath,
            outbox: night.outbox,
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
        return Taken(outcomes: board.outcomes, catalogue: (context.catalogue.version, context.catalogue.identity))
    }

    /// Analyse: when the analysis is behind the submissions on record (after this night's loads, or after a night
    /// that loaded and then died before it got here), the refresh of the months it lacks.
    ///
    /// - Returns: nil when nothing was refreshed.
    static func analyse(
        _ night: Night,
        connection: borrowing Connection,
        lock: RunLock.Holder,
        runID: Int64?,
        logger: Logger
    ) throws -> Refreshed? {
        guard night.loading, night.config.stages.contains(.analyse) else { return nil }
        try lock.verify(on: connection)
        let backlog = try AuditStore.analysisBacklog(connection: connection)
        guard backlog.isBehind else { return nil }
        let summary = try AnalysisRefresh.run(
            connection: connection,
            scope: backlog.wholeRefreshDue ? .everyPeriod : .unanalysed,
            repetitions: night.config.thresholds.siiRepetitions,
            logger: logger
        )
        try AuditStore.markAnalysed(
            summary.includedSubmissions,
            everyPeriod: summary.periods == nil,
            runID: runID,
            connection: connection
        )
        return Refreshed(months: summary.periods)
    }

    /// Report: after a refresh, the national report of the latest month and of every other month the refresh
    /// changed, and each trust that sent files its quality page.
    ///
    /// - Returns: nil when nothing was written (no refresh, no report stage, or no referral figures yet).
    static func report(
        _ night: Night,
        refreshed: Refreshed?,
        outcomes: [FileOutcome],
        connection: borrowing Connection,
        logger: Logger
    ) throws -> Written? {
        guard let refreshed, night.config.stages.contains(.report) else { return nil }
        let withFigures = try NationalFiguresReader.periodsWithFigures(source: "published", connection: connection)
        guard let latest = withFigures.last else {
            logger.info("no referral figures yet: the national report is not written")
            return nil
        }
        func write(_ period: Period?) throws -> String {
            try NationalReportJob.run(
                connection: connection,
                source: "published",
                period: period,
                outputDirectory: night.reports,
                logger: logger
            ).page
        }
        var written = Written(latest: try write(nil), pages: [])
        written.pages.append(written.latest)
        // Every other month the refresh changed (a resubmission, a late file, a load that committed after the last
        // night, or every month after new definitions) has its report written again.
        for period in Set(refreshed.months ?? withFigures).sorted()
        where period != latest && withFigures.contains(period) {
            written.pages.append(try write(period))
        }
        // Each trust that sent files tonight: its items beside England and its ICB, now that all are in.
        var trustMonths: [(org: String, period: Period)] = []
        var seen = Set<String>()
        for o in outcomes where [.loaded, .superseded].contains(o.status) {
            guard let org = o.org, let period = o.period.flatMap(Period.init), seen.insert("\(org) \(period)").inserted
            else { continue }
            trustMonths.append((org, period))
        }
        _ = try TrustQualityJob.write(trustMonths, outbox: night.outbox, connection: connection, logger: logger)
        return written
    }
}

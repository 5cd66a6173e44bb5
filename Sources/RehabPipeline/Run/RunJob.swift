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
/// One run: take the single-run lock; validate and load every file in the inbox, a trust and period at a time, each
/// failure contained to its file; archive each processed original under its SHA-256; write each trust's reports to
/// its outbox; flag expected submissions that did not arrive; refresh the analysis once; write the national report
/// and the metrics. Files already archived are skipped, so a second run over the same inbox does nothing.
public enum RunJob {
    public struct Options: Sendable {
        public var pipeline: String
        public var dryRun: Bool
        /// `--database`, which wins over the pipeline's `database`.
        public var database: String?
        public var pseudonymKeyFile: String?
        public var layout: ProjectLayout
        public var today: Day

        public init(
            pipeline: String,
            dryRun: Bool = false,
            database: String? = nil,
            pseudonymKeyFile: String? = nil,
            layout: ProjectLayout,
            today: Day = .today()
        ) {
            self.pipeline = pipeline
            self.dryRun = dryRun
            self.database = database
            self.pseudonymKeyFile = pseudonymKeyFile
            self.layout = layout
            self.today = today
        }
    }

    /// What happened to one file.
    public struct FileOutcome: Sendable {
        public enum Status: String, Sendable, CaseIterable {
            /// Loaded as the current submission.
            case loaded
            /// Loaded, replacing an earlier submission.
            case superseded
            /// Identical to the current submission: nothing loaded.
            case unchanged
            /// These bytes were processed before (they are in the archive): skipped.
            case duplicate
            /// Rejected by validation, recorded; nothing loaded.
            case rejected
            /// Validated only (--dry-run, or a pipeline without the load stage).
            case validated
            /// Could not be processed (the database failed, not the data); left in the inbox for the next run.
            case failed
        }

        public var file: String
        public var org: String?
        public var kind: String?
        public var period: String?
        public var status: Status
        public var rowsRead: Int
        public var rowsLoaded: Int
        public var rowsQuarantined: Int
        public var score: Double?
        /// Set when the quarantined share passes the pipeline's threshold.
        public var overQuarantineThreshold = false
        public var note: String?
    }

    public struct Missing: Sendable, Equatable {
        public var org: String
        public var kind: String
        public var period: String

        public init(org: String, kind: String, period: String) {
            self.org = org
            self.kind = kind
            self.period = period
        }
    }

    public struct Outcome: Sendable {
        public var runID: String
        public var files: [FileOutcome]
        public var missing: [Missing]
        public var stageSeconds: [(stage: String, seconds: Double)]
        public var analysed: Bool
        public var nationalReport: String?
        public var metricsFile: String?
        public var dryRun: Bool

        /// 0: every file processed (validation may have rejected some); 1: a file could not be processed.
        public var exitCode: Int32 { files.contains { $0.status == .failed } ? 1 : 0 }
    }

    /// Another run holds the single-run lock.
    public struct Locked: Error, CustomStringConvertible {
        public var description: String {
            "Another rehabcount run holds the pipeline lock on this database; this run did nothing."
        }
    }

    /// The advisory lock key of the single-run lock: ('RCNT', 3) in the two-integer space.
    static let lockKey = (Int32(1_380_142_676), Int32(3))

    /// Runs a pipeline.
    ///
    /// - Throws: `RehabError` (configuration: exit 2), `Locked` (exit 3), `DatabaseError` when the database
    ///   cannot be reached or locked (exit 1 after the metrics are written where possible).
    public static func run(
        _ options: Options,
        logger baseLogger: Logger,
        progress: @escaping @Sendable (Int, Int, String) -> Void = { _, _, _ in }
    ) throws -> Outcome {
        let config = try PipelineConfig.load(path: options.pipeline)
        let root = options.layout.root
        let inbox = config.resolve(config.inbox, root: root)
        let archive = Archive(root: config.resolve(config.archive, root: root))
        let outbox = config.resolve(config.outbox, root: root)
        let reports = config.resolve(config.reports, root: root)
        let metricsPath = config.metrics.map { config.resolve($0, root: root) }
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

        let started = Clock.monotonicSeconds()
        var stageSeconds: [(String, Double)] = []
        let connection = try Connection(Connection.conninfo(option: options.database ?? config.database))
        guard
            try connection.query(
                "SELECT pg_try_advisory_lock($1::integer, $2::integer)",
                [String(lockKey.0), String(lockKey.1)]
            ).scalar == "t"
        else { throw Locked() }
        defer {
            _ = try? connection.query(
                "SELECT pg_advisory_unlock($1::integer, $2::integer)",
                [String(lockKey.0), String(lockKey.1)]
            )
        }

        var logger = baseLogger
        let runID: String
        if options.dryRun {
            runID = "dry-run-" + UUID().uuidString.lowercased().prefix(8)
        } else {
            guard
                let id = try connection.query(
                    "INSERT INTO audit.runs (command, host) VALUES ($1, $2) RETURNING run_id",
                    ["run \(config.name)", ProcessInfo.processInfo.hostName]
                ).scalar
            else { throw DatabaseError(kind: .server, summary: "Could not record the run in audit.runs") }
            runID = id
        }
        logger[metadataKey: "run_id"] = "\(runID)"
        logger.info(
            "run started",
            metadata: ["pipeline": "\(config.name)", "dry_run": "\(options.dryRun)", "inbox": "\(inbox)"]
        )

        if loading { try syncExpectations(config, connection: connection) }

        // Validate and load.
        let context = try ValidateJob.context(
            layout: options.layout,
            referenceDirectory: nil,
            pseudonymKeyFile: options.pseudonymKeyFile,
            today: options.today
        )
        let files = try inboxFiles(inbox)
        let validator = SubmissionValidator(context: context)
        let processor = FileProcessor(
            validator: validator,
            loader: loading ? try SubmissionLoader(validator: validator) : nil,
            lookup: loading ? try ReferenceLookup(connection: connection) : nil,
            archive: archive,
            outbox: outbox,
            runID: runID,
            dryRun: options.dryRun,
            thresholds: config.thresholds,
            logger: logger
        )
        // Trusts are independent: `workers` of them at a time, each worker on a connection of its own (the run's
        // lock stays with this one). A trust's files stay together, in order, on one worker.
        let groups = ValidateJob.groups(files)
        let conninfo = Connection.conninfo(option: options.database ?? config.database)
        let board = WorkBoard(groups: groups.count, files: files.count, progress: progress)
        let workerLogger = logger
        DispatchQueue.concurrentPerform(iterations: max(1, min(config.workers, groups.count))) { _ in
            var workerConnection: Connection?
            do {
                workerConnection = try Connection(conninfo)
            } catch {
                workerLogger.error("worker could not connect", metadata: ["error": "\(error)"])
            }
            while let g = board.next() {
                let group = groups[g]
                guard let connection = workerConnection.take() else {
                    board.finish(g, group.map { processor.unprocessed($0, reason: "no database connection") })
                    continue
                }
                let hasContacts = group.contains {
                    SubmissionName(fileName: ValidateJob.fileName($0))?.kind == .contacts
                }
                var referrals: ReferralIndex?
                var done: [FileOutcome] = []
                for path in group {
                    board.started(ValidateJob.fileName(path))
                    done.append(
                        processor.process(
                            path,
                            referrals: &referrals,
                            collectReferrals: hasContacts,
                            connection: connection
                        )
                    )
                }
                board.finish(g, done)
                workerConnection = consume connection
            }
        }
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

        // Analyse and report, once, when something changed.
        let changed = outcomes.contains { $0.status == .loaded || $0.status == .superseded }
        var analysed = false
        var national: String?
        if loading, config.stages.contains(.analyse), changed {
            _ = try AnalysisRefresh.run(
                connection: connection,
                repetitions: config.thresholds.siiRepetitions,
                logger: logger
            )
            analysed = true
            let now = Clock.monotonicSeconds()
            stageSeconds.append(("analyse", now - mark))
            mark = now
        }
        if analysed, config.stages.contains(.report) {
            national = try NationalReportJob.run(
                connection: connection,
                source: "published",
                period: nil,
                outputDirectory: reports,
                logger: logger
            ).page
            let now = Clock.monotonicSeconds()
            stageSeconds.append(("report", now - mark))
            mark = now
        }
        stageSeconds.append(("total", Clock.monotonicSeconds() - started))

        var outcome = Outcome(
            runID: runID,
            files: outcomes,
            missing: missing,
            stageSeconds: stageSeconds,
            analysed: analysed,
            nationalReport: national,
            metricsFile: nil,
            dryRun: options.dryRun
        )
        if !options.dryRun {
            try connection.query(
                "UPDATE audit.runs SET finished_at = now(), status = $2 WHERE run_id = $1::bigint",
                [runID, outcome.exitCode == 0 ? "succeeded" : "failed"]
            )
            if let metricsPath {
                try writeMetrics(outcome, config: config, to: metricsPath)
                outcome.metricsFile = metricsPath
            }
        }
        logger.info(
            "run finished",
            metadata: [
                "files": "\(outcomes.count)", "failed": "\(outcomes.filter { $0.status == .failed }.count)",
                "missing": "\(missing.count)", "exit_code": "\(outcome.exitCode)",
            ]
        )
        return outcome
    }

    // MARK: - Steps

    /// Hands out trust groups to workers and gathers their outcomes in group order.
    final class WorkBoard: @unchecked Sendable {
        private let lock = NSLock()
        private var nextGroup = 0
        private var started = 0
        private var results: [[FileOutcome]]
        private let files: Int
        private let progress: @Sendable (Int, Int, String) -> Void

        init(groups: Int, files: Int, progress: @escaping @Sendable (Int, Int, String) -> Void) {
            results = Array(repeating: [], count: groups)
            self.files = files
            self.progress = progress
        }

        func next() -> Int? {
            lock.withLock {
                guard nextGroup < results.count else { return nil }
                defer { nextGroup += 1 }
                return nextGroup
            }
        }

        func started(_ file: String) {
            lock.withLock {
                started += 1
                progress(started, files, file)
            }
        }

        func finish(_ group: Int, _ outcomes: [FileOutcome]) { lock.withLock { results[group] = outcomes } }

        var outcomes: [FileOutcome] { lock.withLock { results.flatMap { $0 } } }
    }

    /// Validates, loads, reports and archives one file, containing its failure.
    struct FileProcessor: Sendable {
        let validator: SubmissionValidator
        /// nil, with `lookup`, when the run does not load (a dry run, or no load stage).
        let loader: SubmissionLoader?
        /// nil when the run does not load (a dry run, or no load stage).
        let lookup: ReferenceLookup?
        let archive: Archive
        let outbox: String
        let runID: String
        let dryRun: Bool
        let thresholds: PipelineConfig.Thresholds
        let logger: Logger

        /// The outcome of a file that could not be started.
        func unprocessed(_ path: String, reason: String) -> FileOutcome {
            let fileName = ValidateJob.fileName(path)
            let name = SubmissionName(fileName: fileName)
            logger.error("file failed", metadata: ["file": "\(fileName)", "error": "\(reason)"])
            return FileOutcome(
                file: fileName,
                org: name?.orgCode,
                kind: name?.kind.rawValue,
                period: name?.period.description,
                status: .failed,
                rowsRead: 0,
                rowsLoaded: 0,
                rowsQuarantined: 0,
                note: reason
            )
        }

        /// - Parameters:
        ///   - referrals: the referral index of the file's trust and period, built from its referrals file (the
        ///     group's first) when `collectReferrals` (the group has contacts), for the cross-file rules.
        func process(
            _ path: String,
            referrals: inout ReferralIndex?,
            collectReferrals: Bool,
            connection: borrowing Connection
        ) -> FileOutcome {
            let fileName = ValidateJob.fileName(path)
            let name = SubmissionName(fileName: fileName)
            var outcome = FileOutcome(
                file: fileName,
                org: name?.orgCode,
                kind: name?.kind.rawValue,
                period: name?.period.description,
                status: .failed,
                rowsRead: 0,
                rowsLoaded: 0,
                rowsQuarantined: 0
            )
            do {
                let digest = try FileDigest.sha256(path: path)
                if let when = archive.archived(sha256: digest.hex) {
                    outcome.status = .duplicate
                    outcome.note = "identical to a file archived \(ISO8601DateFormatter().string(from: when))"
                    if !dryRun { try archive.take(path, sha256: digest.hex) }
                    logger.info("duplicate skipped", metadata: ["file": "\(fileName)"])
                    return outcome
                }
                let result: ValidationResult?
                if let lookup, let loader {
                    let (loaded, index) = try loader.load(
                        path: path,
                        runID: Int64(runID) ?? 0,
                        referrals: referrals,
                        collectReferrals: collectReferrals && referrals == nil,
                        sha256: digest.hex,
                        lookup: lookup,
                        connection: connection,
                        logger: logger
                    )
                    if let index { referrals = index }
                    result = loaded.result
                    outcome.status =
                        switch loaded.action {
                        case .loaded: .loaded
                        case .superseded: .superseded
                        case .rejected: .rejected
                        case .unchanged: .unchanged
                        }
                    outcome.rowsLoaded = loaded.rowsLoaded
                } else {
                    var discard = DiscardingRowSink()
                    let (validated, index) = try validator.validate(
                        path: path,
                        referrals: referrals,
                        collectReferrals: collectReferrals && referrals == nil,
                        sha256: digest.hex,
                        sink: &discard,
                        logger: logger
                    )
                    if let index { referrals = index }
                    result = validated
                    outcome.status = validated.status == .rejected ? .rejected : .validated
                }
                if let result {
                    outcome.rowsRead = result.rows.read
                    outcome.rowsQuarantined = result.rows.quarantined
                    outcome.score = result.score.overall
                    outcome.overQuarantineThreshold =
                        result.rows.read > 0
                        && Double(result.rows.quarantined) / Double(result.rows.read) > thresholds.quarantineShare
                    if outcome.overQuarantineThreshold {
                        logger.warning(
                            "quarantine over threshold",
                            metadata: [
                                "file": "\(fileName)", "rows_quarantined": "\(result.rows.quarantined)",
                                "rows_read": "\(result.rows.read)", "threshold": "\(thresholds.quarantineShare)",
                            ]
                        )
                    }
                    let trend = try scoreTrend(
                        org: name?.orgCode,
                        kind: name?.kind,
                        period: name?.period,
                        current: dryRun ? result : nil,
                        periods: thresholds.trendPeriods,
                        connection: connection
                    )
                    try writeReports(result, trend: trend, org: name?.orgCode, path: path, outbox: outbox)
                }
                if !dryRun { try archive.take(path, sha256: digest.hex) }
            } catch let error as DatabaseError {
                outcome.status = .failed
                outcome.note = error.description
                logger.error("file failed", metadata: ["file": "\(fileName)", "error": "\(error)"])
            } catch let error as RehabError {
                outcome.status = .failed
                outcome.note = error.description
                logger.error("file failed", metadata: ["file": "\(fileName)", "error": "\(error)"])
            } catch {
                outcome.status = .failed
                outcome.note = "\(type(of: error))"
                logger.error("file failed", metadata: ["file": "\(fileName)", "error": "\(type(of: error))"])
            }
            logger.info(
                "file processed",
                metadata: [
                    "file": "\(fileName)", "status": "\(outcome.status.rawValue)",
                    "rows_read": "\(outcome.rowsRead)", "rows_loaded": "\(outcome.rowsLoaded)",
                    "rows_quarantined": "\(outcome.rowsQuarantined)",
                ]
            )
            return outcome
        }
    }

    /// The extract files waiting in the inbox: visible regular files, in name order (partial uploads ending in
    /// `.part` or `.tmp` are left for the next run).
    static func inboxFiles(_ inbox: String) throws -> [String] {
        let manager = FileManager.default
        let names: [String]
        do {
            names = try manager.contentsOfDirectory(atPath: inbox)
        } catch {
            throw RehabError(.configuration, "Cannot read the inbox \(inbox): \(error.localizedDescription)")
        }
        return names.sorted().filter { name in
            guard !name.hasPrefix("."), !name.hasSuffix(".part"), !name.hasSuffix(".tmp") else { return false }
            var directory: ObjCBool = false
            return manager.fileExists(atPath: "\(inbox)/\(name)", isDirectory: &directory) && !directory.boolValue
        }.map { "\(inbox)/\($0)" }
    }

    /// Makes `reference.expected_submissions` say what the pipeline file says, for the coverage figures.
    static func syncExpectations(_ config: PipelineConfig, connection: borrowing Connection) throws {
        let rows = config.expected.flatMap { e in e.kinds.map { (e.org, $0.rawValue, e.from, e.to) } }
        try connection.transaction { tx in
            try tx.query("DELETE FROM reference.expected_submissions")
            guard !rows.isEmpty else { return }
            try tx.query(
                """
                INSERT INTO reference.expected_submissions (org_code, kind, period_from, period_to)
                SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::date[])
                """,
                [
                    Connection.arrayLiteral(rows.map(\.0)), Connection.arrayLiteral(rows.map(\.1)),
                    Connection.arrayLiteral(rows.map { $0.2.start.description }),
                    Connection.arrayLiteral(rows.map { $0.3?.start.description }),
                ]
            )
        }
    }

    /// Expected (trust, kind) pairs with no submission, in the periods this run saw and the latest period in the
    /// database.
    static func missingSubmissions(
        _ config: PipelineConfig,
        outcomes: [FileOutcome],
        connection: borrowing Connection
    ) throws -> [Missing] {
        guard !config.expected.isEmpty else { return [] }
        var periods = Set(outcomes.compactMap { $0.period.flatMap(Period.init) })
        if let latest = try connection.query("SELECT to_char(max(period), 'YYYY-MM') FROM audit.submissions").scalar,
            let period = Period(latest)
        {
            periods.insert(period)
        }
        var received = Set<String>()
        for row in try connection.query(
            "SELECT DISTINCT org_code, kind, to_char(period, 'YYYY-MM') FROM audit.submissions WHERE period IS NOT NULL"
        ).rows {
            received.insert("\(row[0] ?? "")|\(row[1] ?? "")|\(row[2] ?? "")")
        }
        for o in outcomes where o.status != .failed {
            if let org = o.org, let kind = o.kind, let period = o.period { received.insert("\(org)|\(kind)|\(period)") }
        }
        return periods.sorted().flatMap { period in
            config.expectedSubmissions(in: period).compactMap { e -> Missing? in
                received.contains("\(e.org)|\(e.kind.rawValue)|\(period)")
                    ? nil : Missing(org: e.org, kind: e.kind.rawValue, period: period.description)
            }
        }
    }

    /// The trust's score for this kind over the last periods up to this one: the latest submission of each period.
    /// In a dry run the file's own score, which is not in the database, stands for its period.
    static func scoreTrend(
        org: String?,
        kind: ExtractKind?,
        period: Period?,
        current: ValidationResult?,
        periods: Int,
        connection: borrowing Connection
    ) throws -> [ScorePoint] {
        guard let org, let kind, let period else { return [] }
        var points = try connection.query(
            """
            SELECT to_char(period, 'YYYY-MM'), score, status FROM (
                SELECT DISTINCT ON (period) period, score, status FROM audit.submissions
                WHERE org_code = $1 AND kind = $2 AND period <= $3::date
                ORDER BY period DESC, submission_id DESC
            ) latest ORDER BY period DESC LIMIT $4
            """,
            [org, kind.rawValue, period.start.description, String(periods)]
        ).rows.map {
            ScorePoint(period: $0[0] ?? "", kind: kind.rawValue, score: $0[1].flatMap(Double.init), status: $0[2] ?? "")
        }
        if let current {
            points.removeAll { $0.period == period.description }
            points.append(
                ScorePoint(
                    period: period.description,
                    kind: kind.rawValue,
                    score: current.score.overall,
                    status: current.status.rawValue
                )
            )
        }
        return Array(points.sorted { $0.period < $1.period }.suffix(periods))
    }

    /// The trust's validation reports in `outbox/<ORG>/` (files RehabCount cannot place go to `outbox/_unplaced/`).
    static func writeReports(
        _ result: ValidationResult,
        trend: [ScorePoint],
        org: String?,
        path: String,
        outbox: String
    ) throws {
        let folder = "\(outbox)/\(org ?? "_unplaced")"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let base = "\(folder)/\(ValidateJob.reportStem(path))"
        try JSONReport.write(result, trend: trend, to: "\(base).json")
        try HTMLReport.write(result, trend: trend, to: "\(base).html")
    }

    static func writeMetrics(_ outcome: Outcome, config: PipelineConfig, to path: String) throws {
        var m = Metrics()
        let pipeline = ("pipeline", config.name)
        m.describe("rehabcount_last_run_rows_read", type: "gauge", "Rows read in the last run, by extract kind.")
        m.describe("rehabcount_last_run_rows_loaded", type: "gauge", "Rows loaded in the last run, by extract kind.")
        m.describe(
            "rehabcount_last_run_rows_quarantined",
            type: "gauge",
            "Rows quarantined in the last run, by extract kind."
        )
        for kind in ExtractKind.allCases.map(\.rawValue) {
            let files = outcome.files.filter { $0.kind == kind }
            m.set(
                "rehabcount_last_run_rows_read",
                [pipeline, ("kind", kind)],
                Double(files.map(\.rowsRead).reduce(0, +))
            )
            m.set(
                "rehabcount_last_run_rows_loaded",
                [pipeline, ("kind", kind)],
                Double(files.map(\.rowsLoaded).reduce(0, +))
            )
            m.set(
                "rehabcount_last_run_rows_quarantined",
                [pipeline, ("kind", kind)],
                Double(files.map(\.rowsQuarantined).reduce(0, +))
            )
        }
        m.describe("rehabcount_last_run_submissions", type: "gauge", "Files in the last run, by outcome.")
        for status in FileOutcome.Status.allCases {
            m.set(
                "rehabcount_last_run_submissions",
                [pipeline, ("status", status.rawValue)],
                Double(outcome.files.filter { $0.status == status }.count)
            )
        }
        m.describe("rehabcount_missing_submissions", type: "gauge", "Expected submissions that have not arrived.")
        m.set("rehabcount_missing_submissions", [pipeline], Double(outcome.missing.count))
        m.describe("rehabcount_last_run_stage_seconds", type: "gauge", "Duration of each stage of the last run.")
        for (stage, seconds) in outcome.stageSeconds {
            m.set("rehabcount_last_run_stage_seconds", [pipeline, ("stage", stage)], seconds)
        }
        m.describe("rehabcount_last_run_exit_code", type: "gauge", "Exit code of the last run (0 = success).")
        m.set("rehabcount_last_run_exit_code", [pipeline], Double(outcome.exitCode))
        m.describe("rehabcount_last_run_timestamp_seconds", type: "gauge", "Unix time the last run finished.")
        let now = Clock.secondsSinceEpoch().rounded()
        m.set("rehabcount_last_run_timestamp_seconds", [pipeline], now)
        // The last success survives failed runs: carry it over from the previous file when this run failed.
        m.describe(
            "rehabcount_last_success_timestamp_seconds",
            type: "gauge",
            "Unix time of the last run that processed every file."
        )
        let lastSuccess = outcome.exitCode == 0 ? now : previousSuccess(path) ?? 0
        m.set("rehabcount_last_success_timestamp_seconds", [pipeline], lastSuccess)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try FileOutput.write(m.text, toFile: path)
    }

    static func previousSuccess(_ path: String) -> Double? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("rehabcount_last_success_timestamp_seconds") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }
}

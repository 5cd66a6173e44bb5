import Foundation
import Logging
import RehabCore
import RehabDatabase
import RehabIngest
import RehabLoad
import RehabReport
import RehabValidate

extension RunJob {
    /// Takes, validates, loads, reports and archives one inbox file, containing its failure to that file.
    struct FileProcessor: Sendable {
        let validator: SubmissionValidator
        /// nil, with `lookup`, when the run does not load (a dry run, or no load stage).
        let loader: SubmissionLoader?
        /// nil when the run does not load (a dry run, or no load stage).
        let lookup: ReferenceLookup?
        let archive: Archive
        /// This run's private folder for the copies it works on.
        let staging: String
        let outbox: String
        let runID: Int64
        let dryRun: Bool
        /// The run's lock, checked before a file is archived; nil in a dry run, which archives nothing.
        let lock: RunLock.Holder?
        /// Set when the lock is found lost: the run takes no more files.
        let stop: StopSignal
        let thresholds: PipelineConfig.Thresholds
        let logger: Logger

        /// The outcome of a file that could not be started.
        func unprocessed(_ path: String, reason: String) -> FileOutcome {
            var outcome = Self.outcome(of: path)
            outcome.note = reason
            logger.error("file failed", metadata: ["file": "\(outcome.file)", "error": "\(reason)"])
            return outcome
        }

        /// A failed outcome with what the file name says.
        static func outcome(of path: String) -> FileOutcome {
            let fileName = SubmissionBatch.fileName(path)
            let name = SubmissionName(fileName: fileName)
            return FileOutcome(
                file: fileName,
                org: name?.orgCode,
                kind: name?.kind.rawValue,
                period: name?.period.description,
                status: .failed,
                rowsRead: 0,
                rowsLoaded: 0,
                rowsQuarantined: 0
            )
        }

        /// The trust's scores of this kind in the months up to this one, for its report; a dry run adds this
        /// file's, which it does not record.
        func scores(
            _ name: SubmissionName?,
            _ result: ValidationResult,
            connection: borrowing Connection
        ) throws -> [ScorePoint] {
            try scoreTrend(
                org: name?.orgCode,
                kind: name?.kind,
                period: name?.period,
                current: dryRun ? result : nil,
                periods: thresholds.trendPeriods,
                connection: connection
            )
        }

        /// - Parameters:
        ///   - referrals: the referral index of the file's trust and period, built from its referrals file (the
        ///     group's first) when the group has contacts, for the cross-file rules.
        func process(
            _ path: String,
            referrals: inout SubmissionBatch.Referrals,
            connection: borrowing Connection,
            progress: ((Int) -> Void)? = nil
        ) -> FileOutcome {
            var outcome = Self.outcome(of: path)
            let fileName = outcome.file
            let name = SubmissionName(fileName: fileName)
            do {
                // The one read of the inbox path: everything after works on the private copy.
                let copy: FileIntake.Copy
                switch try FileIntake.copy(path, to: "\(staging)/\(fileName)") {
                case .copied(let taken):
                    copy = taken
                case .refused(let reason):
                    outcome.status = .skipped
                    outcome.note = reason
                    logger.warning("inbox entry skipped", metadata: ["file": "\(fileName)", "reason": "\(reason)"])
                    return outcome
                case .changing:
                    outcome.status = .changing
                    outcome.note = "still being written; left for the next run"
                    logger.warning("file changed while read: left for the next run", metadata: ["file": "\(fileName)"])
                    return outcome
                }
                defer { unlink(copy.path) }

                if let when = archive.archived(sha256: copy.sha256, name: fileName) {
                    outcome.status = .duplicate
                    outcome.note =
                        "identical to the file of this name archived \(ISO8601DateFormatter().string(from: when))"
                    if !dryRun { FileIntake.remove(path, ifStill: copy) }
                    logger.info("duplicate skipped", metadata: ["file": "\(fileName)"])
                    return outcome
                }
                // Files RehabCount cannot place go to `outbox/_unplaced/`.
                let folder = "\(outbox)/\(name?.orgCode ?? "_unplaced")"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let step = SubmissionStep(validator: validator, reports: .init(folder: folder))
                let result: ValidationResult?
                if let lookup, let loader {
                    let loaded = try step.load(
                        copy.path,
                        name: fileName,
                        sha256: copy.sha256,
                        loader: loader,
                        lookup: lookup,
                        runID: runID,
                        connection: connection,
                        referrals: &referrals,
                        trend: { try scores(name, $0, connection: connection) },
                        logger: logger,
                        progress: progress
                    )
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
                    let validated = try step.validate(
                        copy.path,
                        name: fileName,
                        sha256: copy.sha256,
                        referrals: &referrals,
                        trend: { try scores(name, $0, connection: connection) },
                        logger: logger,
                        progress: progress
                    )
                    result = validated
                    outcome.status = validated.status == .rejected ? .rejected : .validated
                }
                if let result {
                    outcome.rowsRead = result.rows.read
                    outcome.rowsQuarantined = result.rows.quarantined
                    outcome.score = result.score.overall
                    outcome.overQuarantineThreshold = result.status == .accepted_needs_attention
                    if outcome.overQuarantineThreshold {
                        logger.warning(
                            "quarantine over threshold",
                            metadata: [
                                "file": "\(fileName)", "rows_quarantined": .stringConvertible(result.rows.quarantined),
                                "rows_read": .stringConvertible(result.rows.read),
                                "threshold": .stringConvertible(thresholds.quarantineShare),
                            ]
                        )
                    }
                }
                if !dryRun {
                    // Another run may hold the lock now and be taking this very file from the inbox: archive
                    // nothing then. A load that committed is found unchanged by the next run, which archives it.
                    try lock?.verify(on: connection)
                    try archive.keep(copy, name: fileName)
                    FileIntake.remove(path, ifStill: copy)
                }
            } catch let lost as RunLock.Lost {
                outcome.status = .failed
                outcome.note = lost.description
                stop.lose(lost)
                logger.error("file failed", metadata: ["file": "\(fileName)", "error": "\(lost)"])
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
                    "rows_read": .stringConvertible(outcome.rowsRead),
                    "rows_loaded": .stringConvertible(outcome.rowsLoaded),
                    "rows_quarantined": .stringConvertible(outcome.rowsQuarantined),
                ]
            )
            return outcome
        }
    }
}

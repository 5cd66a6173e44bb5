import Foundation
import RehabCore
import RehabValidate

/// What a run is asked to do, and what it did.
extension RunJob {
    /// What `rehabcount run` was asked to do.
    public struct Options: Sendable {
        public var pipeline: String
        public var dryRun: Bool
        /// `--database`, which wins over the pipeline's `database`.
        public var database: String?
        public var pseudonymKeyFile: String?
        public var layout: ProjectLayout
        public var today: Day
        /// Where the MESH secrets are read (`PipelineConfig.MESH.endpoint`).
        public var environment: [String: String] = ProcessInfo.processInfo.environment

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
            /// This file, same name and same bytes, was processed before (it is in the archive): skipped.
            case duplicate
            /// Rejected by validation, recorded; nothing loaded.
            case rejected
            /// Validated only (--dry-run, or a pipeline without the load stage).
            case validated
            /// Could not be processed (the database failed, not the data); left in the inbox for the next run.
            case failed
            /// Not a regular file (a symbolic link, a folder, a FIFO, a device, a hard link): left where it is.
            case skipped
            /// Still being written (it changed while it was read): left for the next run, nothing of it loaded.
            case changing
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
        /// The national report of the latest period with figures, when one was written.
        public var nationalReport: String?
        /// Every national report the run wrote: the latest period's, and each earlier period its refresh covered.
        public var nationalReports: [String] = []
        public var metricsFile: String?
        public var dryRun: Bool
        /// The rule catalogue the files were validated with: its version and identity (source, digest, warning).
        public var catalogue: (version: String, identity: RuleCatalogue.Identity)? = nil

        /// What the collect and deliver stages did, when the night has them.
        public var collected: Collected? = nil
        public var delivered: Delivered? = nil

        /// 0: every file processed (validation may have rejected some); 1: a file could not be processed, MESH
        /// could not be reached, or MESH refused a trust's feedback.
        public var exitCode: Int32 {
            files.contains { $0.status == .failed } || collected?.failure != nil || delivered?.failure != nil
                || delivered?.refused.isEmpty == false ? 1 : 0
        }

        /// Why the run failed, for `audit.runs`: how many files failed and the first one's reason.
        var failureReason: String? {
            let failed = files.filter { $0.status == .failed }
            if failed.isEmpty, let failure = collected?.failure ?? delivered?.failure { return failure }
            if failed.isEmpty, let refused = delivered?.refused, let first = refused.first {
                return "MESH refused the feedback for \(refused.count) file(s); \(first.file): \(first.reason)"
            }
            guard let first = failed.first else { return nil }
            return "\(failed.count) file(s) could not be processed; \(first.file): \(first.note ?? "failed")"
        }
    }

    /// Another run holds the single-run lock.
    public struct Locked: Error, CustomStringConvertible {
        public var description: String {
            "Another rehabcount run holds the pipeline lock on this database; this run did nothing."
        }
    }
}

import RehabCore
import RehabDatabase

/// The audit trail's bookkeeping outside a submission's own load: runs, the nightly lock, expected and received
/// submissions, score trends, how far the analysis has caught up, and the pseudonymisation key's fingerprint.
///
/// The statements live here, beside the loader that writes `audit.submissions`, so that the pipeline only says
/// what to record and when.
public enum AuditStore {
    // MARK: - Runs

    /// Records a run as running, with the backend pid whose end means the run was interrupted (the lock's
    /// session for `rehabcount run`; this connection's when nil), and returns its id.
    public static func beginRun(
        command: String,
        host: String,
        backendPID: Int32? = nil,
        connection: borrowing Connection
    ) throws -> Int64 {
        guard
            let id = try connection.query(
                """
                INSERT INTO audit.runs (command, host, backend_pid)
                VALUES ($1, $2, coalesce($3::integer, pg_backend_pid())) RETURNING run_id
                """,
                [command, host, backendPID.map { String($0) }]
            ).scalar.flatMap({ Int64($0) })
        else { throw DatabaseError(kind: .server, summary: "Could not record the run in audit.runs") }
        return id
    }

    /// Marks a run finished, with the reason when it failed. A run another run already marked failed (its
    /// session was gone) keeps that status and gets this reason, which says more.
    public static func finishRun(
        _ runID: Int64,
        succeeded: Bool,
        reason: String? = nil,
        connection: borrowing Connection
    ) throws {
        try connection.query(
            """
            UPDATE audit.runs SET finished_at = coalesce(finished_at, now()), status = $2::text,
                failure_reason = CASE WHEN $2::text = 'failed' THEN coalesce($3::text, failure_reason) END
            WHERE run_id = $1::bigint
              AND (status = 'running' OR (status = 'failed' AND $2::text = 'failed' AND $3::text IS NOT NULL))
            """,
            [String(runID), succeeded ? "succeeded" : "failed", succeeded ? nil : String((reason ?? "").prefix(2000))]
        )
    }

    /// Marks failed every run left `running` by a process that died: its backend is gone (or, from before
    /// backend pids were recorded, it is older than a day).
    ///
    /// - Parameter ownPID: the backend pid of the caller's run, when it is not this connection's: a run recorded
    ///   with the same pid cannot still be running.
    /// - Returns: the ids of the runs marked.
    @discardableResult
    public static func failAbandonedRuns(ownPID: Int32? = nil, connection: borrowing Connection) throws -> [Int64] {
        try connection.query(
            """
            UPDATE audit.runs r SET status = 'failed', finished_at = greatest(now(), r.started_at),
                failure_reason = 'interrupted: its database session ended while it ran'
            WHERE r.status = 'running'
              AND CASE WHEN r.backend_pid IS NULL THEN r.started_at < now() - interval '1 day'
                       ELSE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = r.backend_pid)
                            OR r.backend_pid = coalesce($1::integer, pg_backend_pid()) END
            RETURNING r.run_id
            """,
            [ownPID.map { String($0) }]
        ).rows.compactMap { $0[0].flatMap { Int64($0) } }
    }

    /// The single-run lock of the nightly pipeline: ('RCNT', 3) in the two-integer advisory lock space (`RunLock`).
    static let runLock = (Int32(1_380_142_676), Int32(3))

    // MARK: - Expected and received submissions

    /// One expected (trust, kind) from a period, until a period or for ever.
    public struct Expectation: Sendable {
        public var org: String
        public var kind: ExtractKind
        public var from: Period
        public var to: Period?

        public init(org: String, kind: ExtractKind, from: Period, to: Period?) {
            self.org = org
            self.kind = kind
            self.from = from
            self.to = to
        }
    }

    /// Makes `reference.expected_submissions` hold exactly these, for the coverage figures.
    public static func replaceExpectations(_ rows: [Expectation], connection: borrowing Connection) throws {
        try connection.transaction { tx in
            try tx.query("DELETE FROM reference.expected_submissions")
            guard !rows.isEmpty else { return }
            try tx.query(
                """
                INSERT INTO reference.expected_submissions (org_code, kind, period_from, period_to)
                SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::date[])
                """,
                [
                    Connection.arrayLiteral(rows.map(\.org)), Connection.arrayLiteral(rows.map(\.kind.rawValue)),
                    Connection.arrayLiteral(rows.map { $0.from.start.description }),
                    Connection.arrayLiteral(rows.map { $0.to?.start.description }),
                ]
            )
        }
    }

    /// A series charted afresh from a month (`reference.spc_rebase`).
    public struct Rebase: Sendable {
        public var series: String
        public var area: String
        public var from: Period
        public var reason: String

        public init(series: String, area: String, from: Period, reason: String) {
            self.series = series
            self.area = area
            self.from = from
            self.reason = reason
        }
    }

    /// Makes the analysis settings, SPC targets and rebase points of the database those of the pipeline file.
    public static func replaceAnalysisSettings(
        coverageThreshold: Double,
        targets: [String: Double],
        rebase: [Rebase],
        connection: borrowing Connection
    ) throws {
        try connection.transaction { tx in
            try tx.query(
                "UPDATE reference.analysis_settings SET coverage_threshold = $1::numeric",
                [String(coverageThreshold)]
            )
            try tx.query("DELETE FROM reference.spc_targets")
            let series = targets.keys.sorted()
            if !series.isEmpty {
                try tx.query(
                    "INSERT INTO reference.spc_targets SELECT * FROM unnest($1::text[], $2::float8[])",
                    [
                        Connection.arrayLiteral(series),
                        Connection.arrayLiteral(series.map { targets[$0].map { String($0) } }),
                    ]
                )
            }
            try tx.query("DELETE FROM reference.spc_rebase")
            if !rebase.isEmpty {
                try tx.query(
                    "INSERT INTO reference.spc_rebase SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::text[])",
                    [
                        Connection.arrayLiteral(rebase.map(\.series)), Connection.arrayLiteral(rebase.map(\.area)),
                        Connection.arrayLiteral(rebase.map { $0.from.start.description }),
                        Connection.arrayLiteral(rebase.map(\.reason)),
                    ]
                )
            }
        }
    }

    /// Every (trust, kind, period) with a submission on record, rejected or not, as `ORG|kind|YYYY-MM`.
    public static func received(connection: borrowing Connection) throws -> Set<String> {
        Set(
            try connection.query(
                """
                SELECT DISTINCT org_code || '|' || kind || '|' || to_char(period, 'YYYY-MM')
                FROM audit.submissions WHERE period IS NOT NULL AND kind IS NOT NULL AND org_code IS NOT NULL
                """
            ).rows.compactMap { $0[0] }
        )
    }

    /// The latest period with an accepted submission: a rejected file (a mistyped future month, say) never moves
    /// it.
    public static func latestAcceptedPeriod(connection: borrowing Connection) throws -> Period? {
        try connection.query(
            "SELECT to_char(max(period), 'YYYY-MM') FROM audit.submissions WHERE status <> 'rejected'"
        ).scalar.flatMap(Period.init)
    }

    /// A trust's score for one kind in each of its latest periods up to `period`: the latest submission of each.
    public static func scoreTrend(
        org: String,
        kind: ExtractKind,
        through period: Period,
        periods: Int,
        connection: borrowing Connection
    ) throws -> [(period: String, score: Double?, status: String)] {
        try connection.query(
            """
            SELECT to_char(period, 'YYYY-MM'), score, status FROM (
                SELECT DISTINCT ON (period) period, score, status FROM audit.submissions
                WHERE org_code = $1 AND kind = $2 AND period <= $3::date
                ORDER BY period DESC, submission_id DESC
            ) latest ORDER BY period DESC LIMIT $4
            """,
            [org, kind.rawValue, period.start.description, String(periods)]
        ).rows.map { (period: $0[0] ?? "", score: $0[1].flatMap(Double.init), status: $0[2] ?? "") }
    }

    // MARK: - Which submissions the analysis includes

    /// Where the analysis stands against the submissions on record.
    public struct AnalysisBacklog: Sendable, Equatable {
        /// Submissions on record that the analysis does not yet include (`audit.submissions.analysed_at` NULL).
        public var unanalysed: Int
        /// Submissions on record.
        public var submissions: Int
        /// Every period must be refreshed: none ever was, or the analysis definitions (sql/analysis) were applied
        /// after the last refresh of every period.
        public var wholeRefreshDue: Bool

        /// The analysis is behind when a submission is not yet in it, or when every period is due and there is
        /// something to analyse.
        public var isBehind: Bool { unanalysed > 0 || (wholeRefreshDue && submissions > 0) }
    }

    /// How many submissions the analysis lacks, and whether every period is due.
    public static func analysisBacklog(connection: borrowing Connection) throws -> AnalysisBacklog {
        let row = try connection.query(
            """
            SELECT (SELECT count(*) FROM audit.submissions WHERE analysed_at IS NULL),
                   (SELECT count(*) FROM audit.submissions),
                   (SELECT refreshed_at IS NULL FROM audit.analysis_state) IS NOT FALSE
                   OR (to_regclass('public.rehabcount_definitions') IS NOT NULL
                       AND (SELECT max(applied_at) FROM public.rehabcount_definitions)
                           > (SELECT refreshed_at FROM audit.analysis_state))
            """
        ).rows.first
        return AnalysisBacklog(
            unanalysed: row?[0].flatMap { Int($0) } ?? 0,
            submissions: row?[1].flatMap { Int($0) } ?? 0,
            wholeRefreshDue: row?[2] == "t"
        )
    }

    /// Records that a committed refresh included `submissions` (those its snapshot saw), and, after a refresh of
    /// every period, when that was.
    ///
    /// Called after the refresh has committed, in a transaction of its own: a refresh that commits and then dies
    /// before this is only done again the next night.
    public static func markAnalysed(
        _ submissions: [Int64],
        everyPeriod: Bool,
        runID: Int64?,
        connection: borrowing Connection
    ) throws {
        let ids = Connection.arrayLiteral(submissions.map { String($0) })
        try connection.transaction { tx in
            try tx.query(
                "UPDATE audit.submissions SET analysed_at = now() WHERE submission_id = ANY ($1::bigint[])",
                [ids]
            )
            try tx.query(
                """
                INSERT INTO audit.analysis_state AS a (only_row, refreshed_at, run_id)
                VALUES (true, CASE WHEN $1::boolean THEN now() END, $2::bigint)
                ON CONFLICT (only_row) DO UPDATE
                SET refreshed_at = CASE WHEN $1::boolean THEN now() ELSE a.refreshed_at END,
                    run_id = excluded.run_id
                """,
                [everyPeriod ? "true" : "false", runID.map(String.init)]
            )
        }
    }

    // MARK: - One pseudonymisation key

    /// Records the key's fingerprint at the first load, and refuses any other key after that.
    ///
    /// - Throws: `RehabError.Code.pseudonymKey` when the database's patient keys were made under another key.
    public static func requireKey(
        _ pseudonymiser: Pseudonymiser,
        runID: Int64?,
        connection: borrowing Connection
    ) throws {
        let fingerprint = pseudonymiser.fingerprint
        let recorded = try connection.query(
            """
            INSERT INTO audit.pseudonym_key (only_row, fingerprint, run_id) VALUES (true, $1, $2::bigint)
            ON CONFLICT (only_row) DO UPDATE SET only_row = true
            RETURNING fingerprint
            """,
            [fingerprint, runID.map(String.init)]
        ).scalar
        guard recorded == fingerprint else {
            throw RehabError(
                .pseudonymKey,
                "The pseudonymisation key (\(pseudonymiser.keySource.rawValue)) is not the one this database's "
                    + "patient keys were made with (key fingerprint \(fingerprint.prefix(8))…, the database's "
                    + "\(recorded?.prefix(8) ?? "?")…). Loading under it would give every patient a new key, "
                    + "matching no earlier month; nothing was loaded.",
                hint: "Use the key the earlier loads used (REHABCOUNT_PSEUDONYM_KEY, REHABCOUNT_PSEUDONYM_KEY_FILE or "
                    + "--pseudonym-key-file). To change the key on purpose, see \"Changing the pseudonymisation "
                    + "key\" in docs/operations.md."
            )
        }
    }
}

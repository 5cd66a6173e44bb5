import RehabCore
import RehabDatabase

/// The nightly pipeline's single-run lock, on a connection of its own that does nothing else.
///
/// The lock is a transaction-level advisory lock in a transaction that stays open for the whole run: the open
/// transaction keeps one server session even behind a transaction-pooling pooler, and the session's time limits
/// are lifted inside it (`ServerLimit`), so neither a pooler nor a role's `idle_session_timeout` can move or end
/// it unseen. Because it only ever ran a `SELECT`, the idle transaction holds no snapshot and no transaction id:
/// it holds back neither vacuum nor anyone's writes.
///
/// The lock can still be lost (an administrator's `pg_terminate_backend`, a server restart, a network cut), so the
/// run checks it, through `Holder`, before anything that another run must not see half done: sweeping the copies
/// that dead runs left, archiving a file, refreshing the analysis.
public struct RunLock: ~Copyable {
    let connection: Connection
    /// Who holds the lock, for checks from other connections.
    public let holder: Holder

    /// The server session holding the lock: its backend pid.
    public struct Holder: Sendable, Equatable {
        public let backendPID: Int32

        /// Whether the lock is still held by this session, as `pg_locks` on any connection sees it.
        ///
        /// - Throws: `Lost` when it is not, or when the check itself fails.
        public func verify(on connection: borrowing Connection) throws {
            let held: String?
            do {
                held = try connection.query(
                    """
                    SELECT EXISTS (
                        SELECT 1 FROM pg_locks
                        WHERE locktype = 'advisory' AND classid = $1::bigint::oid AND objid = $2::bigint::oid
                          AND objsubid = 2 AND granted AND pid = $3::integer)
                    """,
                    [String(AuditStore.runLock.0), String(AuditStore.runLock.1), String(backendPID)]
                ).scalar
            } catch {
                throw Lost(reason: "the lock could not be checked: \(error)")
            }
            guard held == "t" else {
                throw Lost(reason: "its database session (backend \(backendPID)) no longer holds the run lock")
            }
        }
    }

    /// The run lost its lock: another run may now be working, so this one stops before it touches anything shared.
    public struct Lost: Error, CustomStringConvertible, Sendable {
        public let reason: String
        public var description: String { "The run lost its lock and stopped: \(reason)." }
    }

    /// Takes the lock on a new connection, or returns nil when another run holds it.
    ///
    /// - Throws: `DatabaseError` when the server cannot be reached; `RehabError.Code.configuration` when the
    ///   connection goes through a pooler that sends this session's statements to different server sessions.
    public static func take(conninfo: String?) throws -> RunLock? {
        let connection = try Connection(conninfo, applicationName: "rehabcount run lock")
        try connection.begin()
        let row = try connection.query(
            "SELECT pg_try_advisory_xact_lock($1::integer, $2::integer), pg_backend_pid()",
            [String(AuditStore.runLock.0), String(AuditStore.runLock.1)]
        ).rows.first
        guard row?[0] == "t", let pid = row?[1].flatMap({ Int32($0) }) else { return nil }
        let lock = RunLock(connection: connection, holder: Holder(backendPID: pid))
        // Inside one transaction every statement must reach the same server session; if not, a pooler is sharing
        // statements out and no lock can be trusted.
        let again = try lock.connection.query("SELECT pg_backend_pid()").scalar.flatMap { Int32($0) }
        guard again == pid else {
            throw RehabError(
                .configuration,
                "The database connection goes through a pooler that sends one transaction's statements to "
                    + "different server sessions (backend \(pid), then \(again.map(String.init) ?? "none")), so the "
                    + "run lock cannot be held.",
                hint: "Connect rehabcount directly to PostgreSQL, or through a pool in session or transaction mode."
            )
        }
        return lock
    }

    /// Ends the lock's transaction, releasing the lock; the connection closes when the value goes.
    public func release() {
        _ = try? connection.query("COMMIT")
    }
}

import Foundation
import RehabCore

/// A time limit the server puts on a session or a statement, as a RehabCount session found it before lifting it.
///
/// A nightly run waits: its lock's session sits idle while the workers load, a COPY of a million rows or the
/// analysis refresh can take minutes. A role's `idle_session_timeout` would end the lock's session (and the lock
/// with it), and a `statement_timeout` would cancel the load. So every RehabCount session sets the limits in
/// `lifted` to 0, for the session and again inside each transaction with `SET LOCAL` (a transaction-pooling pooler
/// keeps one server session for a transaction, not for a client's session). `lock_timeout` is left as configured:
/// a wait for a lock that ends in an error fails one file safely and is the operator's to set.
///
/// When a limit still ends a statement (a pooler that sends statements to other sessions, or a limit set inside
/// a function), the error names the setting, its value and where it was set.
public struct ServerLimit: Sendable, Equatable {
    /// The setting's name, e.g. `statement_timeout`.
    public let name: String
    /// Its value with its unit, e.g. `5s`; `0` when off.
    public let value: String
    /// `pg_settings.source`: `default`, `configuration file`, `database`, `user`, `database user`, `client`, …
    public let source: String

    public init(name: String, value: String, source: String) {
        self.name = name
        self.value = value
        self.source = source
    }

    /// The limits RehabCount sets to 0 on its sessions (those the server has: `idle_session_timeout` is from
    /// PostgreSQL 14, `transaction_timeout` from 17).
    static let lifted = [
        "statement_timeout", "idle_session_timeout", "idle_in_transaction_session_timeout", "transaction_timeout",
    ]
    /// Every limit an error may be explained by.
    static let known = lifted + ["lock_timeout"]

    /// Whether the limit is on.
    public var isSet: Bool { !value.isEmpty && !value.hasPrefix("0") }

    /// Where the value came from, in words an operator can act on.
    public var origin: String {
        switch source {
        case "default": "the server's default"
        case "configuration file": "the server's configuration (postgresql.conf, or ALTER SYSTEM)"
        case "database": "the database's settings (ALTER DATABASE … SET \(name))"
        case "user": "the login role's settings (ALTER ROLE … SET \(name))"
        case "database user": "the login role's settings in this database (ALTER ROLE … IN DATABASE … SET \(name))"
        case "client": "the connection's options (PGOPTIONS, or options in the connection string)"
        case "environment variable": "the server's environment"
        default: "the session (\(source))"
        }
    }

    /// The limits as the server set them for this session.
    static func read(_ query: (String, [String?]) throws -> QueryResult) throws -> [ServerLimit] {
        try query(
            """
            SELECT name, setting || coalesce(unit, ''), source FROM pg_settings
            WHERE name = ANY ($1::text[]) ORDER BY name
            """,
            [Connection.arrayLiteral(known)]
        ).rows.map { ServerLimit(name: $0[0] ?? "", value: $0[1] ?? "", source: $0[2] ?? "") }
    }

    /// `SET LOCAL` statements that lift, for the current transaction, every limit in `lifted` the server has (as
    /// `read` found them): utility statements, which take no snapshot.
    static func setLocal(_ found: [ServerLimit]) -> String {
        found.filter { lifted.contains($0.name) }.map { "SET LOCAL \($0.name) = 0;" }.joined()
    }

    /// Sets every limit in `lifted` that the server has to 0 for the session.
    static func lift(_ query: (String, [String?]) throws -> QueryResult) throws {
        _ = try query(
            "SELECT set_config(name, '0', false) FROM pg_settings WHERE name = ANY ($1::text[])",
            [Connection.arrayLiteral(lifted)]
        )
    }

    /// Checks, in a statement of its own, that the session still has every limit lifted: a pooler in transaction
    /// mode hands each statement outside a transaction to whichever server session is free, where a limit the
    /// login role sets applies again.
    ///
    /// - Throws: `RehabError.Code.configuration` naming the limit, its value and where it was set.
    public static func requireLifted(on connection: borrowing Connection) throws {
        let active = try read { try connection.query($0, $1) }.filter { lifted.contains($0.name) && $0.isSet }
        guard let limit = active.first else { return }
        throw RehabError(
            .configuration,
            "The database connection does not keep its session settings: \(limit.name) is \(limit.value) again in the "
                + "next statement (from \(limit.origin)), although RehabCount set it to 0. A connection pooler in "
                + "transaction mode does this, and would let the limit cancel the run's statements; nothing was done.",
            hint: "Reset it for the login role (ALTER ROLE … RESET \(limit.name)), or connect directly or through a "
                + "session-mode pool."
        )
    }

    /// The server's reason for ending a statement or a session, when it was one of the limits: the setting, and
    /// the words of the server's message that say so.
    static func cause(sqlState: String?, message: String?) -> String? {
        let text = (message ?? "").lowercased()
        switch sqlState {
        case "57014" where text.contains("statement timeout"): return "statement_timeout"
        case "55P03" where text.contains("lock timeout"): return "lock_timeout"
        case "25P03": return "idle_in_transaction_session_timeout"
        case "57P05": return "idle_session_timeout"
        case "25P04": return "transaction_timeout"
        default: break
        }
        // A session the server ended while it was idle reports it only in the connection's message.
        if text.contains("idle-session timeout") { return "idle_session_timeout" }
        if text.contains("idle-in-transaction timeout") { return "idle_in_transaction_session_timeout" }
        if text.contains("transaction timeout") { return "transaction_timeout" }
        if text.contains("statement timeout") { return "statement_timeout" }
        return nil
    }

    /// The error, with its summary and hint naming the limit that caused it, if one did.
    static func explain(_ error: DatabaseError, limits: [ServerLimit]) -> DatabaseError {
        guard let name = cause(sqlState: error.sqlState, message: error.serverMessage) else { return error }
        var explained = error
        let limit = limits.first { $0.name == name }
        let what =
            name == "lock_timeout" || name == "statement_timeout" || name == "transaction_timeout"
            ? "cancelled the statement" : "ended the session"
        if let limit, limit.isSet {
            explained.summary = "The server's \(name) (\(limit.value), from \(limit.origin)) \(what)"
        } else {
            explained.summary = "The server's \(name) \(what), although this session had it off"
        }
        explained.hint =
            name == "lock_timeout"
            ? "The file waited longer than lock_timeout for a table another session held; it is retried next run. "
                + "Raise or reset lock_timeout for the login role if this recurs."
            : "RehabCount sets \(name) to 0 on its own sessions. A limit that still applies comes from a "
                + "connection pooler in transaction mode or from a function's own settings: connect directly or "
                + "through a session-mode pool, or reset it for the login role (ALTER ROLE … RESET \(name))."
        return explained
    }
}

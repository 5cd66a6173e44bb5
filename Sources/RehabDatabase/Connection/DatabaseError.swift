import Foundation

/// A failure talking to PostgreSQL.
///
/// - Important: `description` is deliberately generic: it names the SQLSTATE, the kind of failure and the
///   schema object involved, never a value. A server message can quote the value it choked on ("invalid input
///   syntax for type date: …"), and that value may be patient data. The server's own words are kept in
///   `debugDescription`, for a developer at a terminal, never for a log.
public struct DatabaseError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, broadly.
    public enum Kind: String, Sendable {
        /// The server could not be reached or refused the connection.
        case connection
        /// A statement failed on the server.
        case server
        /// COPY could not send or finish.
        case copy
        /// A migration file changed after it was applied, or cannot be read.
        case migration
    }

    public var kind: Kind
    /// The five-character SQLSTATE, when the server sent one.
    public var sqlState: String?
    /// The table, column or constraint involved, when the server named one.
    public var object: String?
    /// A safe summary, or the caller's explanation.
    public var summary: String
    /// What to do about it.
    public var hint: String?
    /// The server's full message: may contain values. Not for logs.
    public var serverMessage: String?

    public init(
        kind: Kind,
        summary: String,
        sqlState: String? = nil,
        object: String? = nil,
        hint: String? = nil,
        serverMessage: String? = nil
    ) {
        self.kind = kind
        self.summary = summary
        self.sqlState = sqlState
        self.object = object
        self.hint = hint
        self.serverMessage = serverMessage
    }

    public var description: String {
        var text = summary
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let object { text += " [\(object)]" }
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }

    public var debugDescription: String {
        description + (serverMessage.map { "\n  server: \($0)" } ?? "")
    }

    /// A readable summary for a SQLSTATE class, which never quotes data.
    static func summary(for sqlState: String?) -> String {
        guard let state = sqlState, state.count == 5 else { return "The database reported an error" }
        switch state.prefix(2) {
        case "08": return "The connection to the database failed"
        case "22": return "A value was not acceptable to the database"
        case "23": return "A database constraint was violated"
        case "25": return "The transaction was in the wrong state"
        case "28": return "The database refused the credentials"
        case "3D": return "The database does not exist"
        case "3F": return "The schema does not exist"
        case "40": return "The transaction was rolled back by the database"
        case "42":
            switch state {
            case "42501": return "Permission denied"
            case "42P01": return "The table does not exist"
            case "42883": return "The function does not exist"
            default: return "The statement was not valid for this database"
            }
        case "53": return "The database ran out of resources"
        case "55": return "The object is in use"
        case "57": return "The database is shutting down or the statement was cancelled"
        default: return "The database reported an error"
        }
    }

    /// The error of a connection that failed, by its reason: the server unreachable, the password refused, the
    /// database or the role missing. The target is shown without its password; the hint to start the developer's
    /// local cluster appears only when no database was configured at all.
    static func connecting(to conninfo: String?, message: String) -> DatabaseError {
        let configured = !(conninfo ?? "").isEmpty
        let target = configured ? redacted(conninfo!) : "the default database (PG* variables)"
        let lower = message.lowercased()
        let reason: String
        var hint: String
        if lower.contains("invalid connection option") || lower.contains("missing \"=\"")
            || lower.contains("unterminated quoted string") || lower.contains("invalid uri")
            || lower.contains("invalid percent-encoded") || lower.contains("invalid integer value")
        {
            reason = "the connection string is not valid"
            hint = "Check its keywords (lower case: host, port, dbname, user, password) or the URL's form."
        } else if lower.contains("password authentication failed") || lower.contains("no password supplied")
            || lower.contains("authentication failed") || lower.contains("pg_hba.conf")
        {
            reason = "authentication failed"
            hint = "Check the user name and password (or ~/.pgpass), and that pg_hba.conf lets this host connect."
        } else if lower.contains("role \"") && lower.contains("does not exist") {
            reason = "the role does not exist"
            hint = "Create the login role, or connect as one that exists (the `user` of the connection string)."
        } else if lower.contains("database \"") && lower.contains("does not exist") {
            reason = "the database does not exist"
            hint = "Create it (createdb), or name the right one in the connection string; then rehabcount db migrate."
        } else if lower.contains("timeout") || lower.contains("timed out") || lower.contains("connection refused")
            || lower.contains("no such file or directory") || lower.contains("could not translate host name")
            || lower.contains("could not connect") || lower.contains("network is unreachable")
            || lower.contains("is the server running")
        {
            reason = "the server could not be reached"
            hint = "Check that PostgreSQL is running and listening on the host and port of the connection string."
        } else {
            reason = "the server refused the connection"
            hint = "Check the connection string, and the server's log for the reason."
        }
        if !configured {
            hint =
                "No database is configured: set --database or DATABASE_URL (or the PG* variables). On a "
                + "developer's machine, scripts/pg-local.sh start runs a local one."
        }
        return DatabaseError(
            kind: .connection,
            summary: "Cannot connect to \(target): \(reason)",
            hint: hint,
            serverMessage: message
        )
    }

    /// Removes passwords from a connection string or URL before it is shown: the `user:password@` of a URL, a
    /// `password=` query parameter, and a `password = …` keyword in any spacing, quoted or not.
    static func redacted(_ conninfo: String) -> String {
        var text = conninfo
        // postgresql://user:secret@host → postgresql://user:***@host
        if let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@") {
            let userinfo = text[scheme.upperBound..<at]
            if let colon = userinfo.firstIndex(of: ":") {
                text.replaceSubrange(text.index(after: colon)..<at, with: "***")
            }
        }
        // password=secret, password = 'it''s secret', ?password=secret&…
        let patterns = [
            #"(?i)(password\s*=\s*)'(?:[^'\\]|\\.|'')*'?"#,
            #"(?i)(password\s*=\s*)[^\s&']*"#,
        ]
        for pattern in patterns {
            guard let regex = try? NSRegularExpression(pattern: pattern) else { continue }
            let range = NSRange(text.startIndex..., in: text)
            text = regex.stringByReplacingMatches(in: text, range: range, withTemplate: "$1***")
        }
        return text
    }
}

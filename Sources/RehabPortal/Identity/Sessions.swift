import RehabCore
import RehabDatabase

/// Logged-in sessions in `portal.sessions`, and the login throttle over `portal.login_attempts`.
public enum Sessions {
    /// A session as a page sees it: who, and the CSRF token its forms carry.
    public struct Open: Sendable {
        public let identity: Identity
        public let csrf: String
    }

    /// Failed logins allowed in the window before a login is refused unchecked: per account, and per address.
    public static let perAccount = 5
    public static let perAddress = 20
    public static let window = "15 minutes"

    /// Whether a login must be refused without checking the password: too many failures lately for the account or
    /// from the address.
    public static func throttled(email: String, address: String?, connection: borrowing Connection) throws -> Bool {
        let row = try connection.query(
            """
            SELECT count(*) FILTER (WHERE email = $1), count(*) FILTER (WHERE address = $2)
            FROM portal.login_attempts
            WHERE NOT succeeded AND attempted_at > now() - $3::interval AND (email = $1 OR address = $2)
            """,
            [email.lowercased(), address, window]
        ).rows.first
        return Int(row?[0] ?? "0") ?? 0 >= perAccount || Int(row?[1] ?? "0") ?? 0 >= perAddress
    }

    /// Opens a session for a person who has just logged in. The id goes in the cookie; only its hash is kept.
    ///
    /// - Returns: the session id, for the cookie.
    public static func open(
        _ identity: Identity,
        address: String?,
        lifetime: Duration,
        connection: borrowing Connection
    ) throws -> String {
        let id = PortalDirectory.randomText(bytes: 32, hex: false)
        let csrf = PortalDirectory.randomText(bytes: 32, hex: false)
        try connection.query(
            """
            INSERT INTO portal.sessions (session_hash, user_id, csrf_token, address, expires_at)
            VALUES ($1, $2::bigint, $3, $4, now() + make_interval(secs => $5::double precision))
            """,
            [
                PortalDirectory.sha256(id), identity.userID.map(String.init), csrf, address,
                String(lifetime.components.seconds),
            ]
        )
        return id
    }

    /// How stale `last_seen_at` may grow before a page renews it. A page that only reads then writes nothing, so
    /// it never waits for the server to flush its log to disk: under heavy disk writes (large uploads being
    /// stored and checked) that wait, on every page, was the slowest part of one.
    static let seenEvery = "1 minute"

    /// The live session with this cookie value: not expired, and its person not disabled.
    public static func find(_ id: String, connection: borrowing Connection) throws -> Open? {
        guard id.count == 43 else { return nil }
        guard
            let row = try connection.query(
                """
                WITH found AS (
                    SELECT s.session_hash, s.last_seen_at, u.user_id, u.email, u.org_code, s.csrf_token
                    FROM portal.sessions s JOIN portal.users u ON u.user_id = s.user_id
                    WHERE s.session_hash = $1 AND s.expires_at > now() AND u.disabled_at IS NULL
                ), seen AS (
                    UPDATE portal.sessions s SET last_seen_at = now()
                    FROM found f
                    WHERE s.session_hash = f.session_hash AND f.last_seen_at < now() - $2::interval
                )
                SELECT user_id, email, org_code, csrf_token FROM found
                """,
                [PortalDirectory.sha256(id), seenEvery]
            ).rows.first,
            let userID = row[0].flatMap({ Int64($0) }), let email = row[1], let csrf = row[3]
        else { return nil }
        return Open(
            identity: Identity(actor: "user:\(email)", scope: row[2].map { .trust($0) } ?? .central, userID: userID),
            csrf: csrf
        )
    }

    /// Ends a session (logging out).
    public static func end(_ id: String, connection: borrowing Connection) throws {
        try connection.query("DELETE FROM portal.sessions WHERE session_hash = $1", [PortalDirectory.sha256(id)])
    }
}

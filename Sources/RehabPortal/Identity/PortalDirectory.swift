import Crypto
import Foundation
import RehabCore
import RehabDatabase

/// The portal's people and API tokens in PostgreSQL (`portal.users`, `portal.tokens`), with every change and every
/// login recorded in `audit.portal_events`.
public enum PortalDirectory {
    /// A person as the portal keeps them.
    public struct User: Sendable, Hashable {
        public let id: Int64
        public let email: String
        public let scope: Identity.Scope
        public let disabled: Bool
    }

    /// A trust's API token as shown once: `<id>.<secret>`.
    public struct NewToken: Sendable {
        public let id: String
        public let secret: String
        public var text: String { "\(id).\(secret)" }
    }

    // MARK: - People

    /// Adds a person who logs in with a password.
    ///
    /// - Throws: `RehabError` with `.usage` for an address that is not one, a trust not in `reference.trust`, a
    ///   weak password or an address already used.
    @discardableResult
    public static func addUser(
        email: String,
        scope: Identity.Scope,
        password: String,
        by actor: String,
        connection: borrowing Connection
    ) throws -> User {
        let email = try normalised(email)
        if let weakness = Passwords.weakness(of: password, email: email) { throw RehabError(.usage, weakness) }
        if case .trust(let org) = scope { try requireTrust(org, connection: connection) }
        let hash = Passwords.hash(password)
        return try connection.transaction { c in
            guard try c.query("SELECT 1 FROM portal.users WHERE email = $1", [email]).rows.isEmpty else {
                throw RehabError(.usage, "\(email) already has a portal account.")
            }
            let id = try c.query(
                """
                INSERT INTO portal.users (email, org_code, password_hash, password_changed_at)
                VALUES ($1, $2, $3, now()) RETURNING user_id
                """,
                [email, scope.org, hash]
            ).scalar
            try record(actor: actor, org: scope.org, event: "user-added", detail: email, connection: c)
            return User(id: Int64(id ?? "") ?? 0, email: email, scope: scope, disabled: false)
        }
    }

    /// Disables a person and ends every session of theirs at once.
    public static func disableUser(email: String, by actor: String, connection: borrowing Connection) throws {
        let email = try normalised(email)
        try connection.transaction { c in
            let user = try requireUser(email, connection: c)
            try c.query(
                "UPDATE portal.users SET disabled_at = coalesce(disabled_at, now()) WHERE user_id = $1",
                [String(user.id)]
            )
            try c.query("DELETE FROM portal.sessions WHERE user_id = $1", [String(user.id)])
            try record(actor: actor, org: user.scope.org, event: "user-disabled", detail: email, connection: c)
        }
    }

    /// Sets a new password, enables the person again, and ends their sessions.
    public static func resetPassword(
        email: String,
        password: String,
        by actor: String,
        connection: borrowing Connection
    ) throws {
        let email = try normalised(email)
        if let weakness = Passwords.weakness(of: password, email: email) { throw RehabError(.usage, weakness) }
        let hash = Passwords.hash(password)
        try connection.transaction { c in
            let user = try requireUser(email, connection: c)
            try c.query(
                """
                UPDATE portal.users SET password_hash = $2, issuer = 'password', password_changed_at = now(),
                    disabled_at = NULL
                WHERE user_id = $1
                """,
                [String(user.id), hash]
            )
            try c.query("DELETE FROM portal.sessions WHERE user_id = $1", [String(user.id)])
            try record(actor: actor, org: user.scope.org, event: "password-reset", detail: email, connection: c)
        }
    }

    /// The person with an address, or nil.
    public static func user(email: String, connection: borrowing Connection) throws -> User? {
        guard let email = try? normalised(email) else { return nil }
        return try connection.query(
            "SELECT user_id, email, org_code, disabled_at IS NOT NULL FROM portal.users WHERE email = $1",
            [email]
        ).rows.first.map(user(from:))
    }

    /// Checks a password login. Every attempt is recorded, and the answer is the same for an unknown address, a
    /// wrong password and a disabled account.
    ///
    /// - Returns: the identity, or nil.
    public static func login(
        email: String,
        password: String,
        address: String?,
        connection: borrowing Connection
    ) throws -> Identity? {
        let email = (try? normalised(email)) ?? email.lowercased()
        let row = try connection.query(
            """
            SELECT user_id, email, org_code, disabled_at IS NOT NULL, password_hash FROM portal.users
            WHERE email = $1 AND issuer = 'password'
            """,
            [email]
        ).rows.first
        // Without an account, a hash is still checked, so that the time taken does not say whether one exists.
        let hash = row?[4] ?? Self.absentHash
        let matches = Passwords.verify(password, hash: hash)
        let user = row.map(user(from:))
        let succeeded = matches && user != nil && user?.disabled == false
        try connection.query(
            "INSERT INTO portal.login_attempts (email, address, succeeded) VALUES ($1, $2, $3)",
            [email, address, succeeded ? "t" : "f"]
        )
        try record(
            actor: "user:\(email)",
            org: user?.scope.org,
            event: succeeded ? "login" : "login-refused",
            detail: address,
            connection: connection
        )
        guard succeeded, let user else { return nil }
        return Identity(actor: "user:\(user.email)", scope: user.scope, userID: user.id)
    }

    /// A hash of a password nobody has, checked when an address has no account.
    static let absentHash = Passwords.hash(UUID().uuidString + UUID().uuidString)

    // MARK: - Tokens

    /// Makes an API token for a trust's systems. Its secret is returned once and kept only as a hash.
    public static func addToken(
        org: String,
        label: String?,
        by actor: String,
        connection: borrowing Connection
    ) throws -> NewToken {
        try requireTrust(org, connection: connection)
        let token = NewToken(id: randomText(bytes: 6, hex: true), secret: randomText(bytes: 32, hex: false))
        try connection.transaction { c in
            try c.query(
                """
                INSERT INTO portal.tokens (token_id, org_code, secret_hash, label, created_by)
                VALUES ($1, $2, $3, $4, $5)
                """,
                [token.id, org, sha256(token.secret), label, actor]
            )
            try record(actor: actor, org: org, event: "token-added", detail: token.id, connection: c)
        }
        return token
    }

    /// Revokes a token: it answers 401 from then on.
    public static func revokeToken(id: String, by actor: String, connection: borrowing Connection) throws {
        try connection.transaction { c in
            guard
                let org = try c.query(
                    "UPDATE portal.tokens SET revoked_at = coalesce(revoked_at, now()) WHERE token_id = $1 RETURNING org_code",
                    [id]
                ).scalar
            else { throw RehabError(.usage, "No token has the id \(id).") }
            try record(actor: actor, org: org, event: "token-revoked", detail: id, connection: c)
        }
    }

    /// The identity of a bearer token, or nil when it is not a live token.
    public static func identity(token text: String, connection: borrowing Connection) throws -> Identity? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 12, parts[0].allSatisfy(\.isHexDigit), parts[1].count <= 64 else {
            return nil
        }
        let id = String(parts[0])
        guard
            let row = try connection.query(
                "SELECT org_code, secret_hash FROM portal.tokens WHERE token_id = $1 AND revoked_at IS NULL",
                [id]
            ).rows.first,
            let org = row[0], let stored = row[1],
            constantTimeEqual(Array(sha256(String(parts[1])).utf8), Array(stored.utf8))
        else { return nil }
        try connection.query("UPDATE portal.tokens SET last_used_at = now() WHERE token_id = $1", [id])
        return Identity(actor: "token:\(id)", scope: .trust(org), userID: nil)
    }

    // MARK: - The audit

    /// Records what an actor did in `audit.portal_events`. `detail` never holds row data.
    public static func record(
        actor: String,
        org: String?,
        event: String,
        detail: String?,
        connection: borrowing Connection
    ) throws {
        try connection.query(
            "INSERT INTO audit.portal_events (actor, org_code, event, detail) VALUES ($1, $2, $3, $4)",
            [actor, org, event, detail]
        )
    }

    // MARK: - Helpers

    static func normalised(_ email: String) throws -> String {
        let email = email.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            email.utf8.count <= 254, !email.contains(where: { $0.isWhitespace || $0.isNewline })
        else { throw RehabError(.usage, "\(email) is not an email address.") }
        return email
    }

    private static func requireTrust(_ org: String, connection: borrowing Connection) throws {
        guard org.count == 3 || org.count == 5, org.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) })
        else { throw RehabError(.usage, "\(org) is not an ODS code (three or five capitals and digits).") }
        guard
            try !connection.query(
                "SELECT 1 FROM reference.trust WHERE trust_ods IN ($1, left($1, 3))",
                [org]
            ).rows.isEmpty
        else { throw RehabError(.usage, "\(org) is not a trust in reference.trust.") }
    }

    private static func requireUser(_ email: String, connection: borrowing Connection) throws -> User {
        guard let user = try user(email: email, connection: connection) else {
            throw RehabError(.usage, "\(email) has no portal account.")
        }
        return user
    }

    private static func user(from row: [String?]) -> User {
        User(
            id: Int64(row[0] ?? "") ?? 0,
            email: row[1] ?? "",
            scope: row[2].map { .trust($0) } ?? .central,
            disabled: row[3] == "t"
        )
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Random bytes as lower-case hex, or as unpadded base64url.
    static func randomText(bytes count: Int, hex: Bool) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        if hex { return bytes.map { String(format: "%02x", $0) }.joined() }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

extension Identity.Scope {
    /// The trust's ODS code, or nil for central.
    public var org: String? {
        if case .trust(let org) = self { return org }
        return nil
    }
}

/// Who is acting in the portal, however they proved it: a person logged in with a password today, through NHS CIS2
/// later, or a trust's system with an API token. Pages and the API read only this, so that a new way to prove who
/// one is changes the login, not the pages.
public struct Identity: Sendable, Hashable {
    /// What an identity may see and do.
    public enum Scope: Sendable, Hashable {
        /// One trust's submissions, reports and figures, by its ODS code.
        case trust(String)
        /// Every trust's.
        case central
    }

    /// Who it is, as the audit records it: `user:<email>` or `token:<id>`.
    public let actor: String
    public let scope: Scope
    /// The user's id, for a person; nil for a token.
    public let userID: Int64?

    public init(actor: String, scope: Scope, userID: Int64?) {
        self.actor = actor
        self.scope = scope
        self.userID = userID
    }

    /// The trust the identity acts for, or nil for a central one.
    public var org: String? {
        if case .trust(let org) = scope { return org }
        return nil
    }

    /// Whether the identity may see a trust's data: its own, or any for a central one. A site is its trust's.
    public func maySee(org code: String) -> Bool {
        switch scope {
        case .central: return true
        case .trust(let org): return code == org || (code.count == 5 && code.hasPrefix(org))
        }
    }
}

import HummingbirdBcrypt

/// How portal passwords are chosen, kept and checked.
public enum Passwords {
    /// bcrypt's work factor: 2¹² rounds, about a quarter of a second a hash on a server core.
    public static let cost: UInt8 = 12

    /// Why a new password cannot be used, or nil when it can. bcrypt reads at most 72 bytes, so a longer password
    /// would be cut silently: it is refused instead.
    public static func weakness(of password: String, email: String) -> String? {
        let bytes = password.utf8.count
        if password.count < 12 { return "A password needs at least 12 characters." }
        if bytes > 72 { return "A password may have at most 72 bytes (bcrypt reads no more)." }
        if password.lowercased().contains(email.lowercased().split(separator: "@").first.map(String.init) ?? email) {
            return "A password must not contain the user's name."
        }
        if Set(password).count < 5 { return "A password needs more than four different characters." }
        return nil
    }

    /// The bcrypt hash of a password, with a fresh salt.
    public static func hash(_ password: String) -> String { Bcrypt.hash(password, cost: cost) }

    /// Whether a password matches a stored hash.
    public static func verify(_ password: String, hash: String) -> Bool {
        guard password.utf8.count <= 72 else { return false }
        return Bcrypt.verify(password, hash: hash)
    }
}

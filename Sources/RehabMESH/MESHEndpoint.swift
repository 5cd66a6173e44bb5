import Foundation

/// A value that must never be printed: a password or a shared key. Its description is a placeholder, so that
/// interpolating it into a log line, an error or `--dry-run` output shows nothing of it.
public struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself, for the one place that uses it: the authorisation header's HMAC.
    let value: String

    public init(_ value: String) { self.value = value }

    public var description: String { "(secret)" }
    public var debugDescription: String { "(secret)" }
}

/// Where RehabCount's MESH mailbox is, and how to prove it is RehabCount's.
public struct MESHEndpoint: Sendable {
    /// The MESH server, `https://host:port` (live MESH and the local sandbox serve `/messageexchange` under it).
    public var url: URL
    /// RehabCount's own mailbox.
    public var mailbox: String
    public var password: Secret
    /// The environment's shared key, which keys the authorisation header's HMAC.
    public var sharedKey: Secret
    /// TLS: a client certificate and its key (PEM files), as live MESH requires, and the CAs to trust instead of
    /// the system's.
    public var clientCertificate: String?
    public var clientKey: String?
    public var caCertificates: String?
    /// How long one request may take, and how long connecting may.
    public var timeout: Duration = .seconds(60)
    public var connectTimeout: Duration = .seconds(10)
    /// How a request that failed for a reason that may pass (429, 5xx, a dropped connection) is tried again.
    public var retry = RetryPolicy()

    public init(url: URL, mailbox: String, password: Secret, sharedKey: Secret) {
        self.url = url
        self.mailbox = mailbox
        self.password = password
        self.sharedKey = sharedKey
    }
}

/// Retries with exponential backoff: `attempts` tries in all, the n-th wait `base × 2ⁿ⁻¹`, at most `maximum`, with
/// up to a quarter of it added at random so that many clients do not retry in step.
public struct RetryPolicy: Sendable {
    public var attempts = 5
    public var base: Duration = .milliseconds(500)
    public var maximum: Duration = .seconds(30)

    public init(attempts: Int = 5, base: Duration = .milliseconds(500), maximum: Duration = .seconds(30)) {
        self.attempts = attempts
        self.base = base
        self.maximum = maximum
    }

    /// The wait before try `attempt + 1`, after `attempt` failed tries.
    func delay(after attempt: Int) -> Duration {
        let doubled = base * (1 << min(attempt - 1, 20))
        let capped = min(doubled, maximum)
        return capped + capped * Double.random(in: 0..<0.25)
    }
}

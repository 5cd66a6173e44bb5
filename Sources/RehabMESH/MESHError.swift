/// Why a MESH request failed. Its text names the operation and the server's status, never a secret or a byte of
/// a message.
public struct MESHError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The server could not be reached, or kept answering 429 or 5xx, after every retry.
        case unavailable
        /// The server refused RehabCount's mailbox or credentials (403).
        case authentication
        /// The server refused the request (another 4xx).
        case refused(status: Int)
        /// The server's answer was not what MESH sends.
        case invalidResponse
        /// A message was larger than allowed, before or after decompression.
        case tooLarge
        /// A message's `mex-Content-Checksum` did not match its bytes, or was in a form that cannot be checked.
        case checksum
        /// A message said it was gzip and was not.
        case compression
        /// The local file could not be written or read.
        case file
        /// The TLS files are missing, unreadable or incomplete.
        case configuration
    }

    public let kind: Kind
    public let message: String
    /// For a message refused as it downloaded (too large, a bad checksum or compression): its sender and file name,
    /// from its first chunk's headers, so that the refusal can be answered.
    public var sender: String?
    public var fileName: String?

    /// Whether the message itself is at fault, rather than MESH or this machine.
    public var isAboutMessage: Bool { [.tooLarge, .checksum, .compression].contains(kind) }

    /// Whether MESH refused this one request (a 4xx other than 403 and 429: a message gone since it was listed, a
    /// recipient not registered) or answered it with something MESH does not send. Other requests may still
    /// succeed, so the caller goes on with the next message.
    public var isAboutRequest: Bool {
        switch kind {
        case .refused, .invalidResponse: return true
        default: return false
        }
    }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

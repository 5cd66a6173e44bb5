import Crypto
import Foundation

/// Replaces identifiers with a keyed HMAC-SHA256 pseudonym, so that a patient can be linked across submissions
/// without the clear NHS number ever being stored, logged or reported.
public struct Pseudonymiser: Sendable {
    /// HMAC-SHA256 with the key already absorbed, so the key is hashed once, not per value.
    private let keyed: KeyedSHA256
    /// Where the key came from, for reports: never the key itself.
    public let keySource: KeySource

    /// Where a pseudonymisation key came from.
    public enum KeySource: String, Sendable, Codable {
        /// `REHABCOUNT_PSEUDONYM_KEY`.
        case environment
        /// A key file.
        case file
        /// A random key made for this run only: pseudonyms are not comparable across runs.
        case ephemeral
    }

    /// The environment variable holding the key.
    public static let environmentVariable = "REHABCOUNT_PSEUDONYM_KEY"
    /// The environment variable naming a key file.
    public static let keyFileVariable = "REHABCOUNT_PSEUDONYM_KEY_FILE"
    /// The shortest key accepted, in bytes.
    public static let minimumKeyBytes = 32

    /// A pseudonymiser with the given key bytes.
    ///
    /// - Throws: `RehabError.Code.pseudonymKey` when the key is shorter than 32 bytes.
    public init(key: some Collection<UInt8>, source: KeySource) throws {
        guard key.count >= Self.minimumKeyBytes else {
            throw RehabError(
                .pseudonymKey,
                "The pseudonymisation key is too short (\(key.count) bytes; at least \(Self.minimumKeyBytes) are needed).",
                hint: "Make one with: head -c 48 /dev/urandom | base64 > rehabcount.key"
            )
        }
        self.keyed = KeyedSHA256(key: Array(key))
        self.keySource = source
    }

    /// A pseudonymiser with a random key that lives only as long as this process.
    public static func ephemeral() -> Pseudonymiser {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return try! Pseudonymiser(key: bytes, source: .ephemeral)
    }

    /// The key from `--pseudonym-key-file`, then `REHABCOUNT_PSEUDONYM_KEY`, then `REHABCOUNT_PSEUDONYM_KEY_FILE`.
    ///
    /// - Returns: nil when none is configured.
    /// - Throws: `RehabError` when a configured key cannot be read or is too short.
    public static func configured(
        keyFile: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Pseudonymiser? {
        if let keyFile { return try fromFile(keyFile) }
        if let value = environment[environmentVariable], !value.isEmpty {
            return try Pseudonymiser(key: Array(value.utf8), source: .environment)
        }
        if let path = environment[keyFileVariable], !path.isEmpty { return try fromFile(path) }
        return nil
    }

    static func fromFile(_ path: String) throws -> Pseudonymiser {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RehabError(
                .pseudonymKey,
                "Cannot read the pseudonymisation key file \(path).",
                hint: "Check the path and its permissions (it should be readable by this user only: chmod 600)."
            )
        }
        var bytes = Array(data)
        while let last = bytes.last, last == 0x0A || last == 0x0D || last == 0x20 { bytes.removeLast() }
        return try Pseudonymiser(key: bytes, source: .file)
    }

    /// The pseudonym of an identifier: lower-case hex HMAC-SHA256, 64 characters.
    public func pseudonym(of identifier: Span<UInt8>) -> String {
        var hex: [UInt8] = []
        appendPseudonym(of: identifier, to: &hex)
        return String(decoding: hex, as: UTF8.self)
    }

    /// Appends the pseudonym's 64 hex characters to a buffer, for the load's hot path.
    public func appendPseudonym(of identifier: Span<UInt8>, to out: inout [UInt8]) {
        keyed.authenticate(identifier) { mac in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { hex in
                @inline(__always) func digit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 48 + nibble : 87 + nibble }
                for i in 0..<32 {
                    hex[2 * i] = digit(mac[i] >> 4)
                    hex[2 * i + 1] = digit(mac[i] & 0x0F)
                }
                out.append(contentsOf: hex)
            }
        }
    }

    /// Passes the pseudonym's 32 bytes (the MAC itself, of which the hex is the text form) to `body`: what
    /// `core.referrals.patient_key` stores.
    @inline(__always)
    public func withMAC<R>(of identifier: Span<UInt8>, _ body: (Span<UInt8>) -> R) -> R {
        // The MAC is on the stack for the call: a span of it cannot outlive `body`.
        keyed.authenticate(identifier) { mac in body(mac.bindMemory(to: UInt8.self).span) }
    }

    /// The pseudonym of an identifier given as a string.
    public func pseudonym(of identifier: String) -> String {
        var identifier = identifier
        identifier.makeContiguousUTF8()
        return pseudonym(of: identifier.utf8.span)
    }

    /// Identifies the key without revealing it: the first 16 bytes, in hex, of the HMAC of a fixed label. No NHS
    /// number is ten digits of that label, so the fingerprint is no patient's pseudonym.
    public var fingerprint: String {
        String(pseudonym(of: "rehabcount pseudonym key fingerprint v1").prefix(32))
    }
}

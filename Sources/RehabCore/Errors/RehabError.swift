/// An error a user can act on: a stable code, a message that says what went wrong, and what to do about it.
///
/// - Important: Messages never contain row data or secrets. They name files, columns and rules only.
public struct RehabError: Error, Sendable, CustomStringConvertible {
    /// A stable identifier for a kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A file could not be opened or read.
        public static let unreadableFile = Code("unreadable-file")
        /// A configuration file (contract, catalogue, pipeline) is missing or invalid.
        public static let configuration = Code("configuration")
        /// The command line asked for something impossible.
        public static let usage = Code("usage")
        /// A pseudonymisation key is missing or too short.
        public static let pseudonymKey = Code("pseudonym-key")
        /// Output could not be written.
        public static let output = Code("output")
        /// Nothing to work on: a report asked for a period with no figures, say. Not a usage error: exit 1.
        public static let noData = Code("no-data")

        /// Whether the person running the command must change how it is run (exit 2), rather than the machine
        /// having failed it (a disk, a file that cannot be read: exit 1).
        public var isUsage: Bool { self == .usage || self == .configuration || self == .pseudonymKey }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong, in words a data analyst understands.
    public var message: String
    /// What to do about it.
    public var hint: String?

    public init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    public var description: String {
        if let hint { return "\(message)\n  hint: \(hint)" }
        return message
    }
}

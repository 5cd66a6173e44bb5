import Foundation
import Logging

/// One JSON object per line on standard error, for machines (journald, log shippers) when RehabCount is not on a
/// terminal: `{"time":…,"level":…,"label":…,"message":…, …metadata}`. Messages and metadata are RehabCount's own
/// words and counts; no row value or NHS number is ever logged.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        FileHandle.standardError.write(Data(line(event).utf8))
    }

    /// The JSON line of an event, newline-terminated.
    func line(_ event: LogEvent) -> String {
        var fields: [(String, String)] = [
            ("time", JSONText.string(Self.timestamp())),
            ("level", JSONText.string(event.level.rawValue)),
            ("label", JSONText.string(label)),
            ("message", JSONText.string(event.message.description)),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for key in merged.keys.sorted() {
            fields.append((key, JSONText.string(Self.text(merged[key]!))))
        }
        return "{" + fields.map { "\(JSONText.string($0.0)):\($0.1)" }.joined(separator: ",") + "}\n"
    }

    static func text(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let s): s
        case .stringConvertible(let c): c.description
        case .array(let values): "[" + values.map(text).joined(separator: ", ") + "]"
        case .dictionary(let values): values.keys.sorted().map { "\($0)=\(text(values[$0]!))" }.joined(separator: " ")
        }
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}

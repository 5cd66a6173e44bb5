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
            fields.append((key, Self.json(merged[key]!)))
        }
        return "{" + fields.map { "\(JSONText.string($0.0)):\($0.1)" }.joined(separator: ",") + "}\n"
    }

    /// A metadata value as JSON: numbers and booleans given as such (`.stringConvertible(813)`) are JSON numbers
    /// and booleans, so that `jq '.rows_read > 0'` works; everything else is a string.
    static func json(_ value: Logger.MetadataValue) -> String {
        if case .stringConvertible(let c) = value {
            switch c {
            case let b as Bool: return b ? "true" : "false"
            case let n as any BinaryInteger: return "\(n)"
            case let d as Double where d.isFinite: return "\(d)"
            case let f as Float where f.isFinite: return "\(f)"
            default: break
            }
        }
        return JSONText.string(text(value))
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

import Foundation

/// Prometheus text-format metrics for node_exporter's textfile collector, written once at the end of a run,
/// atomically (the collector never reads half a file).
struct Metrics {
    private var lines: [String: [String]] = [:]
    private var order: [String] = []
    private var help: [String: (type: String, text: String)] = [:]

    mutating func describe(_ name: String, type: String, _ text: String) {
        help[name] = (type, text)
    }

    mutating func set(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        if lines[name] == nil { order.append(name) }
        let labelText =
            labels.isEmpty
            ? ""
            : "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        lines[name, default: []].append("\(name)\(labelText) \(Self.format(value))")
    }

    var text: String {
        var out = ""
        for name in order {
            if let help = help[name] {
                out += "# HELP \(name) \(help.text)\n# TYPE \(name) \(help.type)\n"
            }
            for line in lines[name] ?? [] { out += line + "\n" }
        }
        return out
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

import Foundation
import RehabCore

/// What `rehabcount --version` prints: the tool's version, and the versions of the extract contract and rule
/// catalogue it finds, read from the files' `version:` lines alone so that every command stays quick to start.
public enum VersionText {
    public static func describe(layout: ProjectLayout?) -> String {
        var lines = ["rehabcount \(RehabCountVersion.tool)"]
        guard let layout else {
            lines.append("contract and rule catalogue: not found (see --config-dir)")
            return lines.joined(separator: "\n")
        }
        let contract = versionLine(layout.contracts.text(of: "code-lists.yaml")) ?? "unreadable"
        let catalogue = versionLine(layout.rules.text(of: "catalogue.yaml")) ?? "unreadable"
        lines.append("extract contract \(contract)")
        lines.append("rule catalogue \(catalogue)")
        lines.append(layout.isBuiltIn ? "built in (no pipelines/ folder found)" : "from \(layout.root)")
        return lines.joined(separator: "\n")
    }

    /// The value of the first top-level `version:` line of a YAML text.
    static func versionLine(_ text: String?) -> String? {
        guard let text else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("version:") {
            return line.dropFirst("version:".count).trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
        }
        return nil
    }
}

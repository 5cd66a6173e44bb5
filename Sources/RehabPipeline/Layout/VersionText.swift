import Foundation
import RehabCore

/// What `rehabcount --version` prints: the tool's version, and the versions of the extract contract and rule
/// catalogue it finds, read from the files' `version:` lines alone so that every command stays quick to start.
public enum VersionText {
    public static func describe(layout: ProjectLayout?) -> String {
        var lines = ["rehabcount \(RehabCountVersion.tool)"]
        guard let layout else {
            lines.append("contract and rule catalogue: not found (no pipelines/ here; see --config-dir)")
            return lines.joined(separator: "\n")
        }
        let contract = versionLine(in: "\(layout.contractsDirectory)/code-lists.yaml") ?? "unreadable"
        let catalogue = versionLine(in: "\(layout.rulesDirectory)/catalogue.yaml") ?? "unreadable"
        lines.append("extract contract \(contract)")
        lines.append("rule catalogue \(catalogue)")
        lines.append("from \(layout.root)")
        return lines.joined(separator: "\n")
    }

    /// The value of the first top-level `version:` line of a YAML file.
    static func versionLine(in path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("version:") {
            return line.dropFirst("version:".count).trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
        }
        return nil
    }
}

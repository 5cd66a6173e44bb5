import Foundation
import RehabCore
import RehabDatabase

/// What `rehabcount --version` prints: the tool's version, and the versions of the extract contract and rule
/// catalogue it finds, read from the files' `version:` lines alone so that every command stays quick to start.
public enum VersionText {
    public static func describe(layout: ProjectLayout?) -> String {
        var lines = ["rehabcount \(RehabCountVersion.tool)"]
        guard let layout else {
            lines.append("contract and rule catalogue: not found (see --config-dir)")
            lines.append(schemaLine)
            return lines.joined(separator: "\n")
        }
        let contract = versionLine(layout.contracts.text(of: "code-lists.yaml")) ?? "unreadable"
        let catalogue = versionLine(layout.rules.text(of: "catalogue.yaml")) ?? "unreadable"
        lines.append("extract contract \(contract)")
        lines.append("rule catalogue \(catalogue)")
        lines.append(layout.isBuiltIn ? "built in (no pipelines/ folder found)" : "from \(layout.root)")
        lines.append(schemaLine)
        return lines.joined(separator: "\n")
    }

    /// The database schema the binary carries, which `db migrate` applies when there is no sql/ folder.
    static var schemaLine: String {
        let migrations = (try? Migrator.builtIn()) ?? []
        return "database schema built in: \(migrations.count) migrations (to "
            + "\(migrations.last.map { String(format: "%04d_%@", $0.version, $0.name) } ?? "none")) and "
            + "\(Definitions.builtIn().count) definition files"
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

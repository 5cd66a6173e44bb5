import Foundation
import RehabDatabase

/// `docs/data-dictionary.md`: every schema, table, view, column and function RehabCount creates, with the
/// database's own `COMMENT ON` text, so that the dictionary is generated rather than written and cannot drift.
public enum DataDictionary {
    /// The schemas documented, in reading order.
    public static let schemas = ["reference", "core", "audit", "staging", "stats", "analysis", "published", "portal"]

    public static func markdown(_ catalog: SchemaCatalog) -> String {
        var out = """
            # Data dictionary

            Generated from the database's comments by `rehabcount db dictionary` after `rehabcount db migrate`:
            do not edit by hand. Partitions are not listed: each has its parent's columns and meaning
            (`core.referrals_2025_09_r1d` is trust R1D's rows of `core.referrals` for September 2025).

            """
        out += "\n## Contents\n\n"
        for schema in catalog.schemas {
            out += "- [`\(schema.name)`](#schema-\(schema.name))\n"
        }
        for schema in catalog.schemas {
            out += "\n## Schema `\(schema.name)`\n\n"
            out += cell(schema.comment, blankAs: "(no description)", inTable: false) + "\n"
            for relation in schema.relations {
                out += "\n### `\(schema.name).\(relation.name)` (\(relation.kind.rawValue))\n\n"
                out += cell(relation.comment, blankAs: "(no description)", inTable: false) + "\n\n"
                out += "| column | type | null | description |\n|---|---|---|---|\n"
                for column in relation.columns {
                    out +=
                        "| `\(column.name)` | \(column.type) | \(column.notNull ? "not null" : "") | "
                        + cell(column.comment, blankAs: "", inTable: true) + " |\n"
                }
            }
            if !schema.functions.isEmpty {
                out += "\n### Functions in `\(schema.name)`\n"
                for function in schema.functions {
                    out += "\n#### `\(schema.name).\(function.name)(\(function.arguments))` → `\(function.result)`\n\n"
                    out += cell(function.comment, blankAs: "(no description)", inTable: false) + "\n"
                }
            }
        }
        return out
    }

    /// A comment as Markdown text: one line in a table cell (pipes escaped), paragraphs kept elsewhere.
    private static func cell(_ text: String?, blankAs blank: String, inTable: Bool) -> String {
        guard let text, !text.isEmpty else { return blank }
        guard inTable else { return text }
        return text.replacingOccurrences(of: "|", with: "\\|").split(whereSeparator: \.isNewline).joined(
            separator: " "
        )
    }
}

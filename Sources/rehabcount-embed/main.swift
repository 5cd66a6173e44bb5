// rehabcount-embed: writes Swift sources at build time (the EmbedDefaults build-tool plugin runs it), so that the
// executable carries what it needs when copied anywhere. Nothing it writes is checked in.
//
//   rehabcount-embed defaults PACKAGE_ROOT OUTPUT_FILE
//       EmbeddedDefaults.swift for RehabValidate: the default extract contracts and rule catalogue
//       (pipelines/contracts, pipelines/rules) and the reference data the validator looks codes up in (LSOA 2011
//       and 2021 codes, English NHS trusts, from sample-data/reference).
//   rehabcount-embed sql PACKAGE_ROOT OUTPUT_FILE
//       EmbeddedSQL.swift for RehabDatabase: sql/migrations and sql/analysis, so that `db migrate` needs no folder.
//   rehabcount-embed api PACKAGE_ROOT OUTPUT_FILE
//       EmbeddedAPIDocument.swift for RehabAPI: the trust API's OpenAPI document, which the portal serves at
//       /api/openapi.yaml wherever the executable is installed.

import Foundation

/// Fails the build with a message that names the file.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("rehabcount-embed: \(message)\n".utf8))
    exit(1)
}

/// The fields of one CSV line: commas outside double quotes separate them, and "" inside quotes is a quote.
func fields(_ line: Substring) -> [String] {
    var fields: [String] = []
    var field = ""
    var quoted = false
    var iterator = line.makeIterator()
    while let c = iterator.next() {
        if quoted {
            if c == "\"" {
                // A doubled quote is a quote; a single one ends the quoted part.
                var lookahead = iterator
                if lookahead.next() == "\"" {
                    field.append("\"")
                    iterator = lookahead
                } else {
                    quoted = false
                }
            } else {
                field.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            fields.append(field)
            field = ""
        } else {
            field.append(c)
        }
    }
    fields.append(field)
    return fields
}

/// The rows of a CSV file with a header, as column → value.
func records(_ path: String) -> [[String: String]] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { fail("cannot read \(path)") }
    var lines = text.split(whereSeparator: \.isNewline)
    guard !lines.isEmpty else { fail("\(path) is empty") }
    let header = fields(lines.removeFirst())
    return lines.map { line in
        Dictionary(zip(header, fields(line)), uniquingKeysWith: { first, _ in first })
    }
}

/// The six-digit numbers of a file's LSOA codes, as runs: first, count, first, count, …
func lsoaRuns(_ path: String, column: String) -> [Int] {
    var numbers = Set<Int>()
    for row in records(path) {
        guard let code = row[column], code.count == 9, code.hasPrefix("E01"), let n = Int(code.dropFirst(3)) else {
            fail("\(path): \(row[column] ?? "a missing \(column)") is not an LSOA code")
        }
        numbers.insert(n)
    }
    var runs: [(first: Int, count: Int)] = []
    for n in numbers.sorted() {
        if let last = runs.last, last.first + last.count == n {
            runs[runs.count - 1].count += 1
        } else {
            runs.append((n, 1))
        }
    }
    return runs.flatMap { [$0.first, $0.count] }
}

/// `values` as lines of a Swift array literal, `perLine` to a line.
func arrayLines(_ values: [String], perLine: Int) -> [String] {
    stride(from: 0, to: values.count, by: perLine).map {
        "        " + values[$0..<min($0 + perLine, values.count)].joined(separator: ", ") + ","
    }
}

/// A file's text as a raw multi-line string literal that gives back exactly its bytes.
func literal(_ text: String, name: String) -> String {
    if text.contains("\"##") || text.contains("\\##") {
        fail("\(name) holds a sequence the raw string literal cannot: change the delimiter")
    }
    // The newline before a closing delimiter is not part of the literal: one more keeps the file's own.
    return "##\"\"\"\n" + text + "\n\"\"\"##"
}

/// The `.sql` files of a folder, in name order, as `(name: "…", text: …)` lines.
func sqlFiles(_ directory: String) -> [String] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
        fail("cannot read \(directory)")
    }
    return names.filter { $0.hasSuffix(".sql") }.sorted().map { name in
        guard let text = try? String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8) else {
            fail("cannot read \(directory)/\(name) as UTF-8")
        }
        return "        (name: \"\(name)\", text: \(literal(text, name: name))),"
    }
}

/// Writes `text` to `output` only when it changes, so that unchanged sources do not rebuild their target.
func write(_ text: String, to output: String) {
    guard (try? String(contentsOfFile: output, encoding: .utf8)) != text else { return }
    do {
        try text.write(toFile: output, atomically: true, encoding: .utf8)
    } catch {
        fail("cannot write \(output): \(error)")
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 4, ["defaults", "sql", "api"].contains(arguments[1]) else {
    fail("usage: rehabcount-embed defaults|sql|api PACKAGE_ROOT OUTPUT_FILE")
}
let root = arguments[2]
let output = arguments[3]
if arguments[1] == "api" {
    let path = "\(root)/Sources/RehabAPI/openapi.yaml"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { fail("cannot read \(path) as UTF-8") }
    write(
        [
            "// Generated by rehabcount-embed from Sources/RehabAPI/openapi.yaml. Do not edit.", "",
            "extension TrustAPIDocument {",
            "    /// The OpenAPI document the server is generated from, as the portal serves it.",
            "    package static let text = \(literal(text, name: "openapi.yaml"))",
            "}", "",
        ].joined(separator: "\n"),
        to: output
    )
    exit(0)
}

if arguments[1] == "sql" {
    let text =
        ([
            "// Generated at build time by rehabcount-embed (the EmbedDefaults plugin) from sql/: never checked in.",
            "",
            "/// The migrations and definitions of sql/, built into the executable, for `db migrate` without the folder.",
            "enum EmbeddedSQL {",
            "    /// sql/migrations, in name order.",
            "    static let migrations: [(name: String, text: String)] = [",
        ] + sqlFiles("\(root)/sql/migrations") + [
            "    ]",
            "    /// sql/analysis, in name order.",
            "    static let definitions: [(name: String, text: String)] = [",
        ] + sqlFiles("\(root)/sql/analysis") + ["    ]", "}"]).joined(separator: "\n") + "\n"
    write(text, to: output)
    exit(0)
}

var parts = [
    "// Generated at build time by rehabcount-embed (the EmbedDefaults plugin) from pipelines/ and",
    "// sample-data/reference/: never checked in, never edited.",
    "",
    "/// The default contracts, rule catalogue and validation reference data, built into the executable.",
    "enum EmbeddedDefaults {",
    "    /// `contracts/<name>.yaml` and `rules/<name>.yaml`, as in pipelines/.",
    "    static let files: [String: String] = [",
]
for folder in ["contracts", "rules"] {
    let directory = "\(root)/pipelines/\(folder)"
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
        fail("cannot read \(directory)")
    }
    for name in names.sorted() where name.hasSuffix(".yaml") {
        guard let text = try? String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8) else {
            fail("cannot read \(directory)/\(name) as UTF-8")
        }
        parts.append("        \"\(folder)/\(name)\": \(literal(text, name: "\(folder)/\(name)")),")
    }
}
parts.append("    ]")
let reference = "\(root)/sample-data/reference"
for (label, file, column) in [
    ("lsoa2011Runs", "lsoa11_sicbl22_icb22.csv", "lsoa11_code"),
    ("lsoa2021Runs", "lsoa21_sicbl24_icb24.csv", "lsoa21_code"),
] {
    parts.append("")
    parts.append("    /// The six-digit numbers of the LSOA codes in \(file), as runs: first, count, first, count, …")
    parts.append("    static let \(label): [Int32] = [")
    parts += arrayLines(lsoaRuns("\(reference)/\(file)", column: column).map(String.init), perLine: 12)
    parts.append("    ]")
}
// Welsh and other non-English bodies carry W00 or Q99 in place of an English ICB (as ReferenceData does).
let trusts = Set(
    records("\(reference)/nhs_trusts_etr_2025.csv").compactMap { row -> String? in
        guard let code = row["trust_ods"], let icb = row["icb_ods"], icb != "W00", icb != "Q99" else { return nil }
        return code
    }
).sorted()
parts.append("")
parts.append("    /// ODS codes of English NHS trusts, from nhs_trusts_etr_2025.csv.")
parts.append("    static let trusts: [String] = [")
parts += arrayLines(trusts.map { "\"\($0)\"" }, perLine: 10)
parts.append("    ]")
parts.append("}")

write(parts.joined(separator: "\n") + "\n", to: output)

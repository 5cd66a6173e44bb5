import RehabPipeline
import RehabValidate

/// The table `validate` prints when it finishes.
enum SummaryTable {
    static func render(_ outcome: ValidateOutcome) -> String {
        let header = ["file", "status", "read", "accepted", "quarantined", "score", "top findings"]
        var rows: [[String]] = []
        for file in outcome.files {
            let r = file.result
            let top = r.rules.filter { $0.failures > 0 }
                .sorted { ($0.rule.severity, $0.failures) > ($1.rule.severity, $1.failures) }
                .prefix(2)
                .map { "\($0.rule.id) ×\($0.failures)" }
                .joined(separator: ", ")
            rows.append([
                r.submission.file, r.status.rawValue, "\(r.rows.read)", "\(r.rows.accepted)", "\(r.rows.quarantined)",
                r.score.overall.map {
                    String(Int(($0 * 10).rounded()) / 10) + "." + String(Int(($0 * 10).rounded()) % 10)
                }
                    ?? "-",
                top,
            ])
        }
        var text = table(header, rows, rightAligned: 2...4)
        if let first = outcome.files.first?.result {
            text += "\n\n" + catalogueLine(version: first.rulesetVersion, first.catalogue)
        }
        return text
    }

    /// Which rule catalogue the figures came from: version, source and digest, and its warning if it has one.
    static func catalogueLine(version: String, _ catalogue: RuleCatalogue.Identity) -> String {
        "Rule catalogue \(version) (\(catalogue.source)), SHA-256 \(catalogue.sha256)"
            + (catalogue.warning.map { "\nwarning: \($0)" } ?? "")
    }

    /// The table `run` prints: one line per file, then the missing submissions.
    static func render(_ outcome: RunJob.Outcome) -> String {
        let header = ["file", "outcome", "read", "loaded", "quarantined", "score", "note"]
        let rows = outcome.files.map { f in
            [
                f.file, f.status.rawValue, "\(f.rowsRead)", "\(f.rowsLoaded)", "\(f.rowsQuarantined)",
                f.score.map { String(format: "%.1f", $0) } ?? "-",
                (f.overQuarantineThreshold ? "quarantine over threshold; " : "") + (f.note ?? ""),
            ]
        }
        var text = outcome.files.isEmpty ? "No files in the inbox." : table(header, rows, rightAligned: 2...4)
        if let catalogue = outcome.catalogue {
            text += "\n\n" + catalogueLine(version: catalogue.version, catalogue.identity)
        }
        if !outcome.missing.isEmpty {
            text += "\n\nExpected but not received:\n"
            text += outcome.missing.map { "  \($0.org) \($0.kind) \($0.period)" }.joined(separator: "\n")
        }
        if outcome.collected != nil || outcome.delivered != nil {
            text += "\n\n" + mesh(outcome)
        }
        return text
    }

    /// What the collect and deliver stages did, with each refusal's reason (MESH's or RehabCount's own words,
    /// never a byte of a message).
    static func mesh(_ outcome: RunJob.Outcome) -> String {
        var lines: [String] = []
        if let c = outcome.collected {
            lines.append(
                "MESH: \(c.collected.count) collected, \(c.duplicates) already waiting, \(c.refused.count) refused, "
                    + "\(c.skipped.count) left in the mailbox"
            )
            lines += c.refused.map { "  refused \($0.message): \($0.reason)" }
            lines += c.skipped.map { "  left \($0.message): \($0.reason)" }
            if c.unanswered > 0 { lines.append("  \(c.unanswered) refusal(s) could not be answered") }
            if let oldest = c.oldestUnacknowledged, oldest > 0 {
                lines.append(String(format: "  the oldest message left has waited %.1f hours", oldest / 3600))
            }
            if let failure = c.failure { lines.append("  \(failure)") }
        }
        if let d = outcome.delivered {
            lines.append("Feedback: \(d.sent.count) sent, \(d.queued) queued, \(d.refused.count) refused by MESH")
            lines += d.refused.map { "  refused \($0.file): \($0.reason)" }
            if let failure = d.failure { lines.append("  \(failure)") }
        }
        return lines.joined(separator: "\n")
    }

    static func table(_ header: [String], _ rows: [[String]], rightAligned: ClosedRange<Int>) -> String {
        let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return rightAligned.contains(i) ? pad + cell : cell + pad
            }.joined(separator: "  ")
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line))
            .joined(separator: "\n")
    }
}

import RehabPipeline

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
        let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return (2...4).contains(i) ? pad + cell : cell + pad
            }.joined(separator: "  ")
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line))
            .joined(separator: "\n")
    }
}

import Foundation
import RehabCore
import RehabValidate

/// Writes `X.html`: one self-contained page for the trust analyst who must fix the extract.
///
/// It shows the status, the three row counts, the score, completeness by column, and every rule that failed with
/// its guidance and the first rows where it failed. Every value from the file, the rules or the contract is
/// escaped; the page has no script and loads nothing.
public enum HTMLReport {
    /// Writes the page to `path`, atomically.
    public static func write(_ result: ValidationResult, trend: [ScorePoint] = [], to path: String) throws {
        let out = try FileOutput(path: path)
        try out.write(render(result, trend: trend))
        try out.commit()
    }

    /// The page as a string. `trend`, when given, is the score of this kind of extract over recent periods.
    public static func render(_ result: ValidationResult, trend: [ScorePoint] = []) -> String {
        let s = result.submission
        var page = HTML()
        let title = "Validation report: \(s.file)"
        page.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        page.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        page.element("title", title)
        page.raw("<style>\(style)</style></head><body><main>")
        page.element("h1", title)

        let (statusText, statusClass) =
            switch result.status {
            case .accepted: ("Accepted", "ok")
            case .accepted_with_warnings: ("Accepted with warnings", "warn")
            case .accepted_needs_attention:
                (
                    "Accepted, needs attention: \(percent(result.rows.quarantined, of: result.rows.read)) of its rows "
                        + "were quarantined and are missing from the figures",
                    "attention"
                )
            case .rejected: ("Rejected: nothing from this file will be loaded", "bad")
            }
        page.raw("<p class=\"status \(statusClass)\">")
        page.value(statusText)
        page.raw("</p>")
        if let suggested = s.suggestedName {
            page.raw("<p class=\"suggest\">")
            page.value("The file name does not follow the pattern ORG_kind_YYYY-MM. Did you mean ")
            page.element("code", suggested)
            page.value("? Rename the file and submit it again.")
            page.raw("</p>")
        }
        if let warning = result.catalogue.warning {
            page.element("p", warning, attributes: "class=\"status warn\"")
        }

        page.raw("<dl class=\"facts\">")
        for (label, value) in [
            ("Organisation", s.orgCode ?? "unknown (file name)"),
            ("Extract", s.kind?.rawValue ?? "unknown"),
            ("Period", s.period?.description ?? "unknown (file name)"),
            ("Contract version", result.contractVersion),
            ("Rule catalogue", result.rulesetVersion),
            ("Catalogue source", result.catalogue.source),
            ("Catalogue SHA-256", result.catalogue.sha256),
            ("File SHA-256", s.sha256),
        ] {
            page.element("dt", label)
            page.element("dd", value)
        }
        page.raw("</dl>")

        page.raw("<section class=\"counts\">")
        for (label, value, note) in [
            ("Rows read", result.rows.read, "data rows in the file"),
            ("Rows accepted", result.rows.accepted, "will be loaded"),
            ("Rows quarantined", result.rows.quarantined, "held back, listed in the quarantine file"),
        ] {
            page.raw("<div class=\"count\"><span class=\"n\">")
            page.value(grouped(value))
            page.raw("</span><span class=\"label\">")
            page.value(label)
            page.raw("</span><span class=\"note\">")
            page.value(note)
            page.raw("</span></div>")
        }
        page.raw("<div class=\"count\"><span class=\"n\">")
        page.value(result.score.overall.map { format($0, places: 1) } ?? "–")
        page.raw("</span><span class=\"label\">Data-quality score</span><span class=\"note\">")
        let capped = result.score.itemMean.map { $0 > result.score.cap } ?? false
        page.value(
            "out of 100: mean of valid, informative values over mandatory and required items"
                + (capped
                    ? "; capped at \(format(result.score.cap, places: 1)), the share of rows not quarantined"
                    : ", never more than the share of rows not quarantined")
        )
        page.raw("</span></div></section>")
        if !trend.isEmpty {
            page.element("h2", "Your score over recent periods")
            page.raw(
                SVGChart.bars(
                    trend.map {
                        .init(
                            label: $0.period,
                            value: $0.score ?? 0,
                            caption: $0.score.map { format($0, places: 1) } ?? "rejected",
                            colour: $0.status == "rejected" ? "#d5281b" : "#005eb8"
                        )
                    },
                    maximum: 100,
                    title: "Data-quality score by period"
                )
            )
        }
        // The files beside this page, from the same validation.
        let stem = Self.stem(s.file)
        page.raw("<p class=\"files\">")
        page.value("Every finding, with the value found: ")
        link("\(stem).xlsx", "(Excel)")
        page.value(" and ")
        link("\(stem).findings.csv", "(CSV)")
        page.value(". The rows held back, with their reasons: ")
        link("\(stem).quarantine.csv", "")
        page.value(".")
        page.raw("</p>")
        func link(_ name: String, _ note: String) {
            let href = name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name
            page.raw("<a href=\"\(HTML.escape(href))\"><code>")
            page.value(name)
            page.raw("</code></a>")
            if !note.isEmpty { page.value(" " + note) }
        }
        if result.status == .rejected {
            page.raw("<p class=\"explain\">")
            page.value(
                "A file-level rule failed, so the whole submission is refused. Fix the rules marked \"file\" below and "
                    + "submit the file again. Rows that also failed row-level rules are listed in the quarantine file."
            )
            page.raw("</p>")
        }

        let failed = result.rules.filter { $0.failures > 0 }
            .sorted { ($0.rule.severity, $0.failures) > ($1.rule.severity, $1.failures) }
        page.element("h2", "What to fix")
        if failed.isEmpty {
            page.element("p", "Every rule passed. Thank you.")
        } else {
            page.raw(
                SVGChart.bars(
                    failed.prefix(12).map {
                        .init(
                            label: $0.rule.id,
                            value: Double($0.failures),
                            caption: grouped($0.failures),
                            colour: colour($0.rule.severity)
                        )
                    },
                    maximum: Double(failed.map(\.failures).max() ?? 1),
                    title: "Failures by rule"
                )
            )
            page.raw("<table class=\"rules\"><thead><tr><th>Rule</th><th>Severity</th><th>Failures</th>")
            page.raw("<th>What is wrong, and how to fix it</th><th>First rows</th></tr></thead><tbody>")
            for rule in failed {
                page.raw("<tr><td><code>")
                page.value(rule.rule.id)
                page.raw("</code></td><td><span class=\"sev \(rule.rule.severity.rawValue)\">")
                page.value(rule.rule.severity.rawValue)
                page.raw("</span></td><td class=\"num\">")
                page.value(grouped(rule.failures))
                page.raw("</td><td><strong>")
                page.value(rule.rule.message)
                page.raw("</strong><br>")
                page.value(rule.rule.guidance)
                if !rule.topValues.isEmpty {
                    page.raw("<br><span class=\"values\">Values found: ")
                    for (i, value) in rule.topValues.enumerated() {
                        if i > 0 { page.value(", ") }
                        page.element("code", value.value)
                        page.value(" ×\(grouped(value.count))")
                    }
                    page.raw("</span>")
                } else if rule.valuesWithheld {
                    page.raw("<br><span class=\"values\">")
                    page.value("Values withheld: this column could identify a person.")
                    page.raw("</span>")
                }
                page.raw("<br><small>Basis: ")
                page.value(basis(rule.rule.basis))
                page.raw("</small></td><td>")
                page.value(rule.examples.map(location).joined(separator: "; "))
                page.raw("</td></tr>")
            }
            page.raw("</tbody></table>")
        }

        page.element("h2", "Completeness and validity by column")
        page.raw(
            SVGChart.bars(
                result.score.items.compactMap { item in
                    guard let completeness = item.completeness else { return nil }
                    return .init(
                        label: item.column + (item.status == .O ? " (optional)" : ""),
                        value: completeness,
                        caption: "\(format(completeness * 100, places: 1))% filled",
                        // Optional items are often empty for good reason (no discharge yet): grey, not red.
                        colour: item.status == .O
                            ? "#90a4ae" : completeness >= 0.95 ? "#2e7d32" : completeness >= 0.8 ? "#f9a825" : "#c62828"
                    )
                },
                maximum: 1,
                title: "Share of applicable rows with a value, by column"
            )
        )
        page.raw("<table class=\"items\"><thead><tr><th>Column</th><th>Status</th><th>Applicable rows</th>")
        page.raw("<th>Completeness</th><th>Validity</th><th>Not recorded</th><th>Score</th></tr></thead><tbody>")
        for item in result.score.items {
            page.raw("<tr><td><code>")
            page.value(item.column)
            page.raw("</code></td><td>")
            page.value(item.status.rawValue)
            page.raw("</td><td class=\"num\">")
            page.value(grouped(item.applicable))
            for value in [item.completeness, item.validity, item.defaultRate] {
                page.raw("</td><td class=\"num\">")
                page.value(value.map { format($0 * 100, places: 1) + "%" } ?? "–")
            }
            page.raw("</td><td class=\"num\">")
            page.value(item.score.map { format($0, places: 1) } ?? "–")
            page.raw("</td></tr>")
        }
        page.raw("</tbody></table>")

        let passed = result.rules.filter { $0.failures == 0 }
        page.raw("<details><summary>")
        page.value("Rules checked with no failure (\(passed.filter(\.evaluated).count)), and rules not evaluated")
        page.raw("</summary><ul>")
        for rule in passed {
            page.raw("<li><code>")
            page.value(rule.rule.id)
            page.raw("</code> ")
            page.value(rule.rule.message + (rule.evaluated ? "" : " (not evaluated for this file)"))
            page.raw("</li>")
        }
        page.raw("</ul></details>")
        page.raw("<footer>")
        page.value(
            "Lines are numbered as a spreadsheet numbers its rows, the header being line 1 (in a CSV file, a "
                + "field that holds a line break makes its line count as two); the id in brackets is the record's "
                + "own (referral_id, contact_id or staff_id). The quarantine file also numbers data rows from 1. "
                + "NHS numbers never appear in this report; in the quarantine file they are replaced by a keyed "
                + "pseudonym (\(result.pseudonymKeySource.rawValue) key). Generated by RehabCount \(RehabCountVersion.tool) at "
                + "\(JSONReport.timestamp(result.validatedAt))."
        )
        page.raw("</footer></main></body></html>\n")
        return page.text
    }

    /// Where a finding is, as the trust's spreadsheet or editor shows it: "line 48 (R123), sex".
    static func location(_ l: FindingLocation) -> String {
        var parts: [String] = []
        if let line = l.line {
            parts.append("line \(line)" + (l.recordID.map { " (\($0))" } ?? ""))
        } else if let row = l.row {
            parts.append("row \(row)")
        }
        if let column = l.column { parts.append(column) }
        return parts.isEmpty ? "whole file" : parts.joined(separator: ", ")
    }

    /// A file name without its extension, as the reports beside it are named.
    static func stem(_ file: String) -> String {
        guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return file }
        return String(file[..<dot])
    }

    static func basis(_ b: RuleBasis) -> String {
        let kind =
            switch b.kind {
            case .seed: "published source"
            case .csds: "Community Services Data Set"
            case .data_dictionary: "NHS Data Dictionary"
            case .contract: "extract contract"
            }
        return "\(kind), \(b.ref)" + (b.quote.map { ": “\($0)”" } ?? "")
    }

    static func colour(_ severity: Severity) -> String {
        switch severity {
        case .file: "#c62828"
        case .record: "#ef6c00"
        case .warning: "#f9a825"
        }
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func format(_ value: Double, places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = abs(scaled % Int(scale))
        guard places > 0 else { return String(whole) }
        let f = String(fraction)
        return "\(scaled < 0 && whole == 0 ? "-" : "")\(whole).\(String(repeating: "0", count: places - f.count))\(f)"
    }

    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:0;color:#1d2a33;background:#fff}
        main{max-width:1100px;margin:0 auto;padding:24px}svg[role=img]{max-width:100%;height:auto}
        h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d8dde0}
        .status{display:inline-block;padding:6px 12px;border-radius:4px;font-weight:600}
        .ok{background:#e8f5e9;color:#1b5e20}.warn{background:#fff8e1;color:#7a4f01}.attention{background:#fff3e0;color:#8a3b00;border:1px solid #e65100}.bad{background:#ffebee;color:#b71c1c}
        .facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}.facts dt{font-weight:600}
        .facts dd{margin:0;word-break:break-all}
        .counts{display:flex;gap:16px;flex-wrap:wrap;margin:20px 0}
        .count{border:1px solid #d8dde0;border-radius:6px;padding:12px 16px;min-width:170px}
        .count .n{display:block;font-size:1.8rem;font-weight:700}.count .label{display:block;font-weight:600}
        .count .note{display:block;font-size:.8rem;color:#4c6272}
        table{border-collapse:collapse;width:100%;margin:12px 0;font-size:.9rem}
        th,td{border-bottom:1px solid #d8dde0;padding:6px 8px;text-align:left;vertical-align:top}
        td.num{text-align:right;white-space:nowrap}
        .sev{padding:2px 6px;border-radius:3px;font-size:.8rem;font-weight:600}
        .sev.file{background:#ffebee;color:#b71c1c}.sev.record{background:#fff3e0;color:#9a3400}
        .sev.warning{background:#fffde7;color:#7a4f01}
        footer{margin-top:2rem;font-size:.8rem;color:#4c6272}.explain{max-width:60rem}
        table.rules td:first-child{white-space:nowrap}
        """

    /// `part` as a percentage of `whole`, to one decimal place.
    static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "0%" : String(format: "%.1f%%", 100 * Double(part) / Double(whole))
    }
}

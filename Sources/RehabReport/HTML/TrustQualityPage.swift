import Foundation
import RehabAnalyse
import RehabCore

/// A trust's data quality for a month beside England and the trusts of its ICB, written to its outbox after the
/// night's analysis: what the validation report written at load time cannot say, since it is written before the
/// other trusts' files arrive. About records, not people: no row data.
public enum TrustQualityPage {
    /// The page, as HTML.
    public static func render(
        org: String,
        trustName: String?,
        period: String,
        items: [ItemQuality],
        failures: [RuleFailures],
        generatedAt: String
    ) -> String {
        var page = HTML()
        let name = trustName.map { "\(NationalReport.properCase($0)) (\(org))" } ?? org
        let title = "\(name): data quality against England and your ICB, \(HTML.longMonth(period))"
        page.raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        page.element("title", title)
        page.raw("<style>\(HTMLReport.style)</style></head><body><main>")
        page.element("h1", title)
        page.element(
            "p",
            "Each data item of your current submissions for \(HTML.longMonth(period)) beside the same item over the "
                + "trusts of your ICB and over every trust in England, as NHS England's Data Quality Maturity "
                + "Index measures them: completeness is the share of the rows an item applies to that have a "
                + "value; validity the share of the values present that are valid. Items 2 percentage points or "
                + "more below England are marked. Written after the night's analysis, from every trust's files "
                + "loaded by then. Generated \(HTML.longDate(generatedAt)).",
            attributes: "class=\"explain\""
        )
        let below = items.filter(\.belowEngland).count
        page.element(
            "p",
            below == 0
                ? "No item is 2 points or more below England." : "\(below) item(s) 2 points or more below England.",
            attributes: "class=\"asat\""
        )
        for kind in ["referrals", "contacts", "workforce"] {
            let rows = items.filter { $0.kind == kind }
            guard let first = rows.first else { continue }
            page.element("h2", "\(kind.prefix(1).uppercased())\(kind.dropFirst())")
            page.element(
                "p",
                "Your ICB: \(first.peerTrusts) trust(s) including yours; England: \(first.nationalTrusts) trust(s).",
                attributes: "class=\"explain\""
            )
            page.raw("<table><thead><tr>")
            for heading in [
                "Item", "Status", "Completeness", "ICB", "England", "Validity", "ICB", "England", "",
            ] {
                page.element("th", heading, attributes: "scope=\"col\"")
            }
            page.raw("</tr></thead><tbody>")
            for item in rows {
                page.raw("<tr>")
                page.element("th", item.column, attributes: "scope=\"row\"")
                page.element("td", item.status)
                for value in [
                    item.completeness, item.peerCompleteness, item.nationalCompleteness, item.validity,
                    item.peerValidity, item.nationalValidity,
                ] {
                    page.element("td", HTML.percent(value), attributes: "class=\"num\"")
                }
                page.raw("<td>")
                if item.belowEngland { page.raw("<span class=\"sev record\">below England</span>") }
                page.raw("</td></tr>")
            }
            page.raw("</tbody></table>")
        }
        if !failures.isEmpty {
            page.element("h2", "Rules your submissions failed")
            page.raw("<table><thead><tr>")
            for heading in ["Extract", "Rule", "Severity", "Rows failing", "Share of rows"] {
                page.element("th", heading, attributes: "scope=\"col\"")
            }
            page.raw("</tr></thead><tbody>")
            for f in failures {
                page.raw("<tr>")
                page.element("td", f.kind)
                page.element("td", f.rule)
                page.raw("<td><span class=\"sev \(HTML.escape(f.severity))\">")
                page.value(f.severity)
                page.raw("</span></td>")
                page.element("td", String(f.failures), attributes: "class=\"num\"")
                page.element(
                    "td",
                    HTML.percent(f.rowsRead > 0 ? Double(f.failures) / Double(f.rowsRead) : nil),
                    attributes: "class=\"num\""
                )
                page.raw("</tr>")
            }
            page.raw("</tbody></table>")
            page.element(
                "p",
                "What each rule means and how to fix it: your validation report for the file (the .html beside this "
                    + "page), and the rule catalogue.",
                attributes: "class=\"explain\""
            )
        }
        page.raw("<footer>Made by RehabCount \(HTML.escape(RehabCountVersion.tool)).</footer></main></body></html>")
        return page.text
    }
}

import Foundation
import RehabAnalyse
import RehabCore
import RehabReport

extension Page {
    /// What a trust's page shows for a period.
    struct TrustHome: Sendable {
        let org: String
        let period: Period
        let periods: [String]
        let extracts: [Standing.Extract]
        let published: Standing.Published
        let reports: [String]

        var icbName: String? { published.icbName }
        var score: [SPCMonth] { published.score }
        var figures: [Standing.Figure] { published.figures }
        var gap: Standing.Gap? { published.gap }
    }

    /// "September 2025", as the reports write a month.
    static func month(_ period: Period) -> String { HTML.longMonth(period.description) }

    static func month(_ text: String) -> String { HTML.longMonth(text) }

    /// A form choosing the period, which works without script: a list and a button.
    static func periodPicker(action: String, period: Period, periods: [String]) -> String {
        let choices = (periods.contains(period.description) ? periods : [period.description] + periods)
        let options = choices.map { p in
            "<option value=\"\(escape(p))\"\(p == period.description ? " selected" : "")>\(escape(month(p)))</option>"
        }.joined()
        return """
            <form method="get" action="\(escape(action))" class="period">
            <p><label for="period">Period</label>
            <select id="period" name="period">\(options)</select></p>
            <p><button type="submit">Show this period</button></p>
            </form>
            """
    }

    /// An extract's state as a labelled cell: words always, colour only as a second cue.
    static func state(_ extract: Standing.Extract) -> String {
        let state = extract.state
        var text = "<span class=\"state state-\(state.css)\">\(escape(state.words))</span>"
        if extract.waiting > 0 && state != .waiting {
            text += "<br><span class=\"aside\">a newer file is waiting for tonight's run</span>"
        }
        switch extract.source {
        case "assumed": text += "<br><span class=\"aside\">assumed due: no schedule covers this month</span>"
        case "unexpected": text += "<br><span class=\"aside\">not on the schedule</span>"
        default: break
        }
        return text
    }

    /// The night's reports: the quality page, then one row an extract with a link to each part of its report.
    static func reportTable(org: String, names: [String], period: String) -> String {
        func link(_ name: String, _ text: String) -> String {
            "<a href=\"/trusts/\(escape(org))/reports/\(escape(name))\">\(escape(text))</a>"
        }
        var html = ""
        var stems: [String] = []
        var parts: [String: [String: String]] = [:]
        for name in names {
            guard let part = SubmissionReports.part(of: name) else { continue }
            if part == SubmissionReports.quality {
                html += "<p>\(link(name, "Your data quality item by item, against your ICB and England"))</p>\n"
                continue
            }
            let stem = String(name.dropLast(part.ending.count))
            if parts[stem] == nil { stems.append(stem) }
            parts[stem, default: [:]][part.ending] = name
        }
        if !stems.isEmpty {
            let heads = SubmissionReports.parts.map { "<th scope=\"col\">\(escape($0.title))</th>" }.joined()
            let rows = stems.map { stem in
                let cells = SubmissionReports.parts.map { part in
                    "<td>" + (parts[stem]?[part.ending].map { link($0, part.format) } ?? "–") + "</td>"
                }.joined()
                return "<tr><th scope=\"row\">\(escape(stem))</th>\(cells)</tr>"
            }.joined(separator: "\n")
            html += """
                <table>
                <caption>Validation reports on each file, \(escape(period))</caption>
                <thead><tr><th scope="col">File</th>\(heads)</tr></thead>
                <tbody>
                \(rows)
                </tbody>
                </table>
                """
        }
        return html
    }

    static func trustHome(session: Sessions.Open, home: TrustHome) -> String {
        let period = month(home.period)
        let name = home.extracts.lazy.compactMap(\.trustName).first.map { " \(NationalReport.properCase($0))" } ?? ""
        let rows = home.extracts.map { e in
            """
            <tr><th scope="row">\(escape(e.kind.capitalized))\(e.org == home.org ? "" : " (\(escape(e.org)))")</th>\
            <td>\(state(e))</td><td>\(escape(e.channel ?? "–"))</td><td>\(escape(e.file ?? "–"))</td>\
            <td>\(escape(e.received ?? "–"))</td><td class="number">\(escape(e.score ?? "–"))</td>\
            <td class="number">\(escape(e.rowsRead ?? "–"))</td><td class="number">\(escape(e.rowsQuarantined ?? "–"))</td></tr>
            """
        }.joined(separator: "\n")
        let expected =
            home.extracts.isEmpty
            ? "<p>Nothing is expected of this trust for \(escape(period)), and nothing has arrived.</p>"
            : """
            <table>
            <caption>Expected for \(escape(period)), and what arrived</caption>
            <thead><tr><th scope="col">Extract</th><th scope="col">State</th><th scope="col">Arrived by</th>\
            <th scope="col">File</th><th scope="col">Received</th><th scope="col" class="number">Score</th>\
            <th scope="col" class="number">Rows read</th><th scope="col" class="number">Quarantined</th></tr></thead>
            <tbody>
            \(rows)
            </tbody>
            </table>
            """
        let chart =
            home.score.isEmpty
            ? "<p>No score has been published for this trust yet: it appears after the night's analysis.</p>"
            : ScoreChart.figure(home.score, title: "Data-quality score of \(home.org), month by month")
                + "<p class=\"aside\">\(escape(ScoreChart.key))</p>"
        let reports =
            home.reports.isEmpty
            ? "<p>No report has been written for \(escape(period)) yet.</p>"
            : reportTable(org: home.org, names: home.reports, period: period)
        let icb = home.icbName.map { NationalReport.properCase($0) } ?? "Your ICB"
        let figureRows = home.figures.map { f in
            """
            <tr><th scope="row">\(escape(f.title))</th><td class="number">\(escape(f.trust))</td>\
            <td class="number">\(escape(f.icb))</td><td class="number">\(escape(f.england))</td></tr>
            """
        }.joined(separator: "\n")
        let gap =
            home.gap.map { g in
                """
                <h3>Referrals by deprivation in \(escape(NationalReport.properCase(g.icbName)))</h3>
                <p>New referrals a month per 100,000 residents, age-standardised, of the people living in the \
                ICB, by the deprivation fifth of where they live (IMD).</p>
                <dl class="summary">
                <dt>Most deprived fifth</dt><dd>\(escape(g.mostDeprived))</dd>
                <dt>Least deprived fifth</dt><dd>\(escape(g.leastDeprived))</dd>
                <dt>Rate ratio, most to least deprived</dt><dd>\(escape(g.ratio))</dd>
                <dt>Slope index of inequality</dt><dd>\(escape(g.sii))</dd>
                <dt>Expected referrals extracts loaded</dt><dd>\(escape(g.coverage))</dd>
                </dl>
                \(g.note.map { "<p class=\"aside\">\(escape($0))</p>" } ?? "")
                """
            } ?? "<p>No gap figures have been published for your ICB for \(escape(period)).</p>"
        return document(
            title: "\(home.org)\(name): \(period)",
            session: session,
            main: """
                \(periodPicker(action: "/trusts/\(home.org)", period: home.period, periods: home.periods))
                <p><a href="/check">Check a file, then submit it</a></p>
                <h2>What is expected, and what arrived</h2>
                \(expected)
                <h2>Your data-quality score</h2>
                \(chart)
                <h2>The night's reports</h2>
                \(reports)
                <h2>Your figures</h2>
                <p>Published figures only, as everyone sees them: counts of 1 to 7 are withheld and others rounded \
                to the nearest 5. A dash is a figure not published for \(escape(period)).</p>
                <table>
                <caption>\(escape(home.org)) beside its ICB and England, \(escape(period))</caption>
                <thead><tr><th scope="col">Figure</th><th scope="col" class="number">\(escape(home.org))</th>\
                <th scope="col" class="number">\(escape(icb))</th><th scope="col" class="number">England</th></tr></thead>
                <tbody>
                \(figureRows)
                </tbody>
                </table>
                \(gap)
                """
        )
    }

    /// Every trust's standing for a period, for a central user: the trusts with something missing first, then
    /// rejected files, then files that need attention.
    static func overview(
        session: Sessions.Open,
        period: Period,
        periods: [String],
        extracts: [Standing.Extract]
    ) -> String {
        let byTrust = Dictionary(grouping: extracts) { String($0.org.prefix(3)) }
        let ordered = byTrust.map { (org: $0.key, cells: $0.value, worst: $0.value.map(\.state).min()!) }
            .sorted { ($0.worst, $0.org) < ($1.worst, $1.org) }
        let counts = Dictionary(grouping: extracts, by: \.state).mapValues(\.count)
        let tally = [Standing.Extract.State.missing, .rejected, .needsAttention, .waiting]
            .compactMap { s in counts[s].map { "\($0) \(s.words)" } }
        let rows = ordered.map { trust in
            let name = trust.cells.lazy.compactMap(\.trustName).first.map { NationalReport.properCase($0) } ?? ""
            let cells = Standing.kinds.map { kind -> String in
                let here = trust.cells.filter { $0.kind == kind }
                guard !here.isEmpty else { return "<td>–</td>" }
                return "<td>"
                    + here.map { e in
                        state(e) + (e.score.map { "<br><span class=\"aside\">score \(escape($0))</span>" } ?? "")
                    }.joined(separator: "<br>") + "</td>"
            }.joined()
            return """
                <tr><th scope="row"><a href="/trusts/\(escape(trust.org))?period=\(period)">\(escape(trust.org))</a>\
                \(name.isEmpty ? "" : "<br><span class=\"aside\">\(escape(name))</span>")</th>\(cells)</tr>
                """
        }.joined(separator: "\n")
        let table =
            ordered.isEmpty
            ? "<p>No trust is expected to send anything for \(escape(month(period))), and nothing has arrived.</p>"
            : """
            <table>
            <caption>Every trust for \(escape(month(period))), most urgent first</caption>
            <thead><tr><th scope="col">Trust</th><th scope="col">Referrals</th><th scope="col">Contacts</th>\
            <th scope="col">Workforce</th></tr></thead>
            <tbody>
            \(rows)
            </tbody>
            </table>
            """
        return document(
            title: "Every trust: \(month(period))",
            session: session,
            main: """
                \(periodPicker(action: "/", period: period, periods: periods))
                <p class="tally" role="status">\(escape(tally.isEmpty ? "Everything expected has arrived and loaded." : tally.joined(separator: ", ") + "."))</p>
                <p><a href="/check">Check a file, then submit it</a></p>
                \(table)
                """
        )
    }
}

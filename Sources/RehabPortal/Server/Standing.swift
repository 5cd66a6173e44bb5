import Foundation
import RehabAnalyse
import RehabCore
import RehabDatabase
import RehabReport
import Synchronization

/// Where each trust stands for a period: what it is expected to send, what arrived and how, and, for one trust,
/// its score over time, its figures beside its ICB's and England's, and its ICB's gap. Read from `audit`,
/// `reference`, `portal` and `published` only: what the portal's role may read (migrations 0031 and 0033).
struct Standing: Sendable {
    /// One extract kind of one trust for the period.
    struct Extract: Sendable {
        let org: String
        let trustName: String?
        let kind: String
        /// Why it is expected: `reference` (reference.expected_submissions), `assumed` (the trust sent something
        /// else for the period, and no expectation covers it) or `unexpected` (it arrived unasked).
        let source: String
        /// The submission that stands: the current one, or else the latest rejected one; nil when none arrived.
        let file: String?
        let status: String?
        let score: String?
        let rowsRead: String?
        let rowsQuarantined: String?
        let received: String?
        /// How the file arrived: `portal`, `MESH` or `folder`.
        let channel: String?
        /// Files submitted through the portal for this trust, kind and period that no night has loaded yet.
        let waiting: Int

        /// What needs doing, most urgent first.
        enum State: Int, Comparable, Sendable {
            case missing, rejected, needsAttention, waiting, warnings, accepted

            static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

            /// The state's class in the stylesheet.
            var css: String {
                switch self {
                case .missing: "missing"
                case .rejected: "rejected"
                case .needsAttention: "needs-attention"
                case .waiting: "waiting"
                case .warnings: "accepted-with-warnings"
                case .accepted: "accepted"
                }
            }

            var words: String {
                switch self {
                case .missing: "missing"
                case .rejected: "rejected"
                case .needsAttention: "needs attention"
                case .waiting: "waiting for tonight's run"
                case .warnings: "accepted with warnings"
                case .accepted: "accepted"
                }
            }
        }

        var state: State {
            switch status {
            case nil: waiting > 0 ? .waiting : .missing
            case "rejected": .rejected
            case "accepted_needs_attention": .needsAttention
            case "accepted_with_warnings": .warnings
            default: .accepted
            }
        }
    }

    /// A figure of the trust beside its ICB's and England's, as published.
    struct Figure: Sendable {
        let title: String
        let trust: String
        let icb: String
        let england: String
    }

    /// The ICB's deprivation gap in referrals for the period, as published.
    struct Gap: Sendable {
        let icbName: String
        let mostDeprived: String
        let leastDeprived: String
        let ratio: String
        let sii: String
        let coverage: String
        let note: String?
    }

    static let kinds = ["referrals", "contacts", "workforce"]

    /// What every page of standing reads first, in one round trip.
    struct Frame: Sendable {
        /// The period to show when none is asked for: the latest with a submission the identity may see, else
        /// last month.
        let latest: Period
        /// The periods anyone has sent files for, newest first, for the period picker.
        let periods: [String]
        /// Which refresh of the analysis the published figures are from: it changes when a refresh is recorded
        /// (`audit.analysis_state`, `audit.submissions.analysed_at`), and only then.
        let analysis: String
    }

    static func frame(org: String?, connection c: borrowing Connection) throws -> Frame {
        let row = try c.query(
            """
            SELECT
                (SELECT to_char(max(period), 'YYYY-MM') FROM audit.submissions
                    WHERE $1::text IS NULL OR org_code = $1 OR (length(org_code) = 5 AND left(org_code, 3) = $1)),
                (SELECT string_agg(p, ',' ORDER BY p DESC) FROM (
                    SELECT DISTINCT to_char(period, 'YYYY-MM') AS p FROM audit.submissions WHERE period IS NOT NULL
                    ORDER BY p DESC LIMIT 36) recent),
                concat_ws('/', (SELECT refreshed_at FROM audit.analysis_state),
                    (SELECT max(analysed_at) FROM audit.submissions))
            """,
            [org]
        ).rows.first
        let latest: Period
        if let text = row?[0] ?? nil, let period = Period(text) {
            latest = period
        } else {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let last = calendar.date(byAdding: .month, value: -1, to: Date())!
            latest = Period(year: calendar.component(.year, from: last), month: calendar.component(.month, from: last))!
        }
        return Frame(
            latest: latest,
            periods: (row?[1] ?? nil)?.split(separator: ",").map(String.init) ?? [],
            analysis: (row?[2] ?? nil) ?? ""
        )
    }

    /// What a trust's page shows from the published figures: the same for everyone until the analysis is refreshed.
    struct Published: Sendable {
        let icbName: String?
        let score: [SPCMonth]
        let figures: [Figure]
        let gap: Gap?

        static func read(org: String, period: Period, connection c: borrowing Connection) throws -> Published {
            let icb = try Standing.icb(of: org, connection: c)
            return Published(
                icbName: icb?.name,
                score: try Standing.score(org: org, connection: c),
                figures: try Standing.figures(org: org, icb: icb?.code, period: period, connection: c),
                gap: try icb.flatMap { try Standing.gap(icb: $0.code, period: period, connection: c) }
            )
        }
    }

    /// Each trust's published figures by period, kept while the analysis they were read from is the latest, so that
    /// a page reads them once a night rather than on every view. Emptied whenever a page sees a newer refresh.
    final class PublishedCache: Sendable {
        private struct Entries {
            var analysis = ""
            var pages: [String: Published] = [:]
        }
        private let entries = Mutex(Entries())
        /// The most pages kept: far more than trusts times periods on a page's picker, so only a fault empties it.
        static let limit = 20_000

        /// The figures of `org` for `period` as of `analysis`, read by `read` when not kept.
        func figures(
            org: String,
            period: Period,
            analysis: String,
            read: () throws -> Published
        ) rethrows -> Published {
            let key = "\(org) \(period.description)"
            if let kept = entries.withLock({ $0.analysis == analysis ? $0.pages[key] : nil }) { return kept }
            let fresh = try read()
            entries.withLock { e in
                if e.analysis != analysis || e.pages.count >= Self.limit { e = Entries(analysis: analysis) }
                e.pages[key] = fresh
            }
            return fresh
        }
    }

    /// Every expected or arrived extract of the period, of one trust (and its sites) or of every trust.
    static func extracts(period: Period, org: String?, connection c: borrowing Connection) throws -> [Extract] {
        try c.query(
            """
            WITH p AS (SELECT $1::date AS period, $3::text AS month),
            waiting AS (
                SELECT split_part(k.file_name, '_', 1) AS org_code, split_part(k.file_name, '_', 2) AS kind,
                    count(*) AS files
                FROM portal.checks k, p
                WHERE k.submitted_at IS NOT NULL
                    AND left(split_part(k.file_name, '_', 3), 7) = p.month
                    AND NOT EXISTS (
                        SELECT 1 FROM audit.submissions s WHERE s.sha256::text = k.sha256 AND s.file_name = k.file_name
                    )
                GROUP BY 1, 2
            ),
            cells AS (
                -- Who owes what, by the analysis's own rule; then what arrived unasked.
                SELECT org_code, kind, min(source) AS source FROM (
                    SELECT org_code, kind, expected_source AS source FROM reference.expected_extracts(ARRAY[$1::date])
                    UNION ALL
                    SELECT s.org_code, s.kind, 'unexpected'
                    FROM audit.submissions s, p
                    WHERE s.period = p.period AND s.org_code IS NOT NULL AND s.kind IS NOT NULL
                    UNION ALL
                    SELECT org_code, kind, 'unexpected' FROM waiting
                ) x
                WHERE $2::text IS NULL OR org_code = $2 OR (length(org_code) = 5 AND left(org_code, 3) = $2)
                GROUP BY org_code, kind
            )
            SELECT c.org_code, t.trust_name, c.kind, c.source, s.file_name, s.status,
                to_char(s.score, 'FM990.0'), s.rows_read, s.rows_quarantined,
                to_char(s.received_at, 'YYYY-MM-DD HH24:MI'),
                CASE
                    WHEN s.submission_id IS NULL THEN NULL
                    WHEN EXISTS (
                        SELECT 1 FROM portal.checks k
                        WHERE k.sha256 = s.sha256::text AND k.file_name = s.file_name AND k.submitted_at IS NOT NULL
                    ) THEN 'portal'
                    WHEN EXISTS (
                        SELECT 1 FROM audit.mesh_messages m WHERE m.sha256 = s.sha256::text AND m.outcome = 'collected'
                    ) THEN 'MESH'
                    ELSE 'folder'
                END,
                coalesce(w.files, 0)
            FROM cells c
            LEFT JOIN reference.trust t ON t.trust_ods = c.org_code
            LEFT JOIN waiting w ON w.org_code = c.org_code AND w.kind = c.kind
            LEFT JOIN LATERAL (
                SELECT s.* FROM audit.submissions s, p
                WHERE s.org_code = c.org_code AND s.kind = c.kind AND s.period = p.period
                ORDER BY (s.is_current IS TRUE) DESC, s.submission_id DESC
                LIMIT 1
            ) s ON true
            ORDER BY c.org_code, array_position(ARRAY['referrals', 'contacts', 'workforce'], c.kind), c.kind
            """,
            ["\(period.description)-01", org, period.description]
        ).rows.map { r in
            Extract(
                org: r[0] ?? "",
                trustName: r[1],
                kind: r[2] ?? "",
                source: r[3] ?? "",
                file: r[4],
                status: r[5],
                score: r[6],
                rowsRead: r[7],
                rowsQuarantined: r[8],
                received: r[9],
                channel: r[10],
                waiting: Int(r[11] ?? "") ?? 0
            )
        }
    }

    /// The trust's published data-quality score, month by month: one Making Data Count series.
    static func score(org: String, connection c: borrowing Connection) throws -> [SPCMonth] {
        SPCMonth.rows(
            of: try c.query(
                """
                SELECT * FROM published.spc WHERE series = 'data_quality_score' AND org_code = $1 ORDER BY period
                """,
                [org]
            )
        )
    }

    /// The trust's ICB (the one hosting it), if reference.trust knows the trust.
    static func icb(of org: String, connection c: borrowing Connection) throws -> (code: String, name: String?)? {
        let row = try c.query(
            """
            SELECT t.icb_ods, i.icb_name FROM reference.trust t LEFT JOIN reference.icb i ON i.icb_ods = t.icb_ods
            WHERE t.trust_ods = $1
            """,
            [org]
        ).rows.first
        return row?[0].map { ($0, row?[1] ?? nil) }
    }

    /// The trust's completeness and score beside its ICB's and England's, from the published tables.
    static func figures(
        org: String,
        icb: String?,
        period: Period,
        connection c: borrowing Connection
    ) throws -> [Figure] {
        let columns: [(String, String, Bool)] = [
            ("coverage", "Expected extracts received", true),
            ("score_mean", "Mean data-quality score", false),
            ("lsoa_known_share", "Referrals with a known home area (LSOA)", true),
            ("ethnicity_recorded_share", "Referrals with an ethnic category recorded", true),
            ("outcome_recorded_share", "Discharges with an outcome measure recorded", true),
        ]
        let select = columns.map { "\($0.0)::text" }.joined(separator: ", ")
        // The trust's published row, its ICB's and England's (E92000001), in that order.
        let rows = try c.query(
            """
            SELECT 0, \(select) FROM published.completeness_trust WHERE period = $1::date AND org_code = $2
            UNION ALL
            SELECT CASE WHEN icb_ods = 'E92000001' THEN 2 ELSE 1 END, \(select)
            FROM published.completeness_icb WHERE period = $1::date AND icb_ods IN ($3, 'E92000001')
            """,
            ["\(period.description)-01", org, icb]
        ).rows
        func row(_ place: String) -> [String?] {
            rows.first { $0[0] == place }.map { Array($0.dropFirst()) } ?? Array(repeating: nil, count: columns.count)
        }
        let (trust, icbRow, england) = (row("0"), row("1"), row("2"))
        return columns.indices.map { i in
            let share = columns[i].2
            func text(_ value: String?) -> String {
                guard let value, let number = Double(value) else { return "–" }
                return share ? String(format: "%.1f%%", number * 100) : String(format: "%.1f", number)
            }
            return Figure(
                title: columns[i].1,
                trust: text(trust[i]),
                icb: text(icbRow[i]),
                england: text(england[i])
            )
        }
    }

    /// The ICB's published gap in referrals between its most and least deprived fifths, for every service line.
    static func gap(icb: String, period: Period, connection c: borrowing Connection) throws -> Gap? {
        guard
            let r = try c.query(
                """
                SELECT icb_name, q1_dsr::text, q5_dsr::text, rate_ratio::text, rate_ratio_lower::text,
                    rate_ratio_upper::text, sii::text, sii_lower::text, sii_upper::text, referral_coverage::text
                FROM published.inequality
                WHERE period = $1::date AND icb_ods = $2 AND service_line = 'all'
                """,
                ["\(period.description)-01", icb]
            ).rows.first
        else { return nil }
        func number(_ i: Int, _ format: String) -> String? {
            r[i].flatMap(Double.init).map { String(format: format, $0) }
        }
        func limits(_ low: Int, _ high: Int, _ format: String) -> String {
            guard let low = number(low, format), let high = number(high, format) else { return "" }
            return " (95% CI \(low) to \(high))"
        }
        let rate = "%.1f per 100,000"
        return Gap(
            icbName: r[0] ?? icb,
            mostDeprived: number(1, rate) ?? "–",
            leastDeprived: number(2, rate) ?? "–",
            ratio: number(3, "%.2f").map { $0 + limits(4, 5, "%.2f") } ?? "–",
            sii: number(6, "%.1f").map { $0 + limits(7, 8, "%.1f") } ?? "–",
            coverage: number(9, "%.3f").flatMap(Double.init).map { String(format: "%.0f%%", $0 * 100) } ?? "–",
            note: r[1] == nil || r[2] == nil
                ? "A figure is empty when it rests on fewer than 10 referrals, or on a count of 1 to 7 withheld by "
                    + "disclosure control." : nil
        )
    }

    /// The night's reports for the trust and period in its outbox folder: the file names, the quality page first.
    static func reports(in folder: String, period: Period) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { Self.isReport($0) && $0.contains("_\(period.description)") }.sorted { a, b in
            let quality = SubmissionReports.quality.ending
            let (qa, qb) = (a.hasSuffix(quality), b.hasSuffix(quality))
            return qa != qb ? qa : a < b
        }
    }

    /// A name a night's report may have: a plain file name of the outbox's (no path, no hidden file) ending as
    /// a report's part or the quality page does.
    static func isReport(_ name: String) -> Bool {
        !name.hasPrefix(".") && !name.contains("/") && !name.contains("\0") && SubmissionReports.part(of: name) != nil
    }
}

import Foundation
import Logging
import RehabCore
import RehabDatabase
import RehabReport

/// After the night's analysis, each trust that sent files gets its data quality for the month beside England and
/// the trusts of its ICB (`<ORG>_<YYYY-MM>.quality.html` in its outbox): the comparison its validation report,
/// written before the other trusts' files arrived, cannot make.
enum TrustQualityJob {
    /// Writes a page for each (trust, month); returns the pages written.
    static func write(
        _ trustMonths: [(org: String, period: Period)],
        outbox: String,
        connection: borrowing Connection,
        logger: Logger
    ) throws -> [String] {
        var written: [String] = []
        let generated = Date().formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .omitted)
        )
        for (org, period) in trustMonths {
            let items = try connection.query(
                """
                SELECT kind, column_name, status, completeness, validity, peer_completeness, peer_validity,
                       national_completeness, national_validity, peer_trusts, national_trusts
                FROM analysis.item_quality WHERE org_code = $1 AND period = $2::date
                ORDER BY kind, column_name
                """,
                [org, period.start.description]
            ).rows.map { r in
                TrustQualityPage.Item(
                    kind: r[0] ?? "",
                    column: r[1] ?? "",
                    status: r[2] ?? "",
                    completeness: r[3].flatMap(Double.init),
                    validity: r[4].flatMap(Double.init),
                    peerCompleteness: r[5].flatMap(Double.init),
                    peerValidity: r[6].flatMap(Double.init),
                    nationalCompleteness: r[7].flatMap(Double.init),
                    nationalValidity: r[8].flatMap(Double.init),
                    peerTrusts: r[9].flatMap { Int($0) } ?? 0,
                    nationalTrusts: r[10].flatMap { Int($0) } ?? 0
                )
            }
            guard !items.isEmpty else { continue }
            let failures = try connection.query(
                """
                SELECT kind, rule_id, severity, failures, rows_read FROM analysis.rule_failures
                WHERE org_code = $1 AND period = $2::date ORDER BY kind, failures DESC, rule_id
                """,
                [org, period.start.description]
            ).rows.map { r in
                TrustQualityPage.Failure(
                    kind: r[0] ?? "",
                    rule: r[1] ?? "",
                    severity: r[2] ?? "",
                    failures: r[3].flatMap { Int($0) } ?? 0,
                    rowsRead: r[4].flatMap { Int($0) } ?? 0
                )
            }
            let name = try connection.query("SELECT trust_name FROM reference.trust WHERE trust_ods = $1", [org])
                .scalar
            let folder = "\(outbox)/\(org)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let path = "\(folder)/\(org)_\(period).quality.html"
            try FileOutput.write(
                TrustQualityPage.render(
                    org: org,
                    trustName: name,
                    period: period.start.description,
                    items: items,
                    failures: failures,
                    generatedAt: generated
                ),
                toFile: path
            )
            written.append(path)
        }
        logger.info("trust quality pages written", metadata: ["pages": .stringConvertible(written.count)])
        return written
    }
}

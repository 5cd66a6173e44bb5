import Foundation
import Logging
import RehabAnalyse
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
            guard let figures = try TrustQualityReader.read(org: org, period: period, connection: connection) else {
                continue
            }
            let folder = "\(outbox)/\(org)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let path = "\(folder)/\(org)_\(period)\(SubmissionReports.quality.ending)"
            try FileOutput.write(
                TrustQualityPage.render(
                    org: org,
                    trustName: figures.trustName,
                    period: period.start.description,
                    items: figures.items,
                    failures: figures.failures,
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

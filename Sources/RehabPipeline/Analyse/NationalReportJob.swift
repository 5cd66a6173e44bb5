import Foundation
import Logging
import RehabAnalyse
import RehabCore
import RehabDatabase
import RehabReport

/// `rehabcount report national`: the national gap report of one period, from the published schema by default.
public enum NationalReportJob {
    /// Where the report went.
    public struct Written: Sendable {
        public var page: String
        public var csvFiles: [String]
        /// One page per ICB, in `<stem>-icb/<ICB>.html`.
        public var icbPages: [String] = []
        public var period: String
    }

    /// - Parameters:
    ///   - source: `published` (small numbers suppressed, safe to share) or `analysis` (analysts only).
    ///   - period: `YYYY-MM`; nil for the latest period with figures.
    /// - Throws: `RehabError` for a bad source or period or no figures; `DatabaseError`.
    public static func run(
        database: String?,
        source: String,
        period: Period?,
        outputDirectory: String,
        logger: Logger
    ) throws -> Written {
        // Before connecting: a mistyped --out is the person's to fix, not the database's.
        try OutputFolder.prepare(outputDirectory, option: "--out")
        let connection = try Connection(Connection.conninfo(option: database))
        return try run(
            connection: connection,
            source: source,
            period: period,
            outputDirectory: outputDirectory,
            logger: logger
        )
    }

    /// The same, on an open connection.
    public static func run(
        connection: borrowing Connection,
        source: String,
        period: Period?,
        outputDirectory: String,
        logger: Logger
    ) throws -> Written {
        let generated = Date().formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .omitted)
        )
        let figures = try NationalFiguresReader.read(
            connection: connection,
            source: source,
            period: period,
            generatedAt: generated
        )
        let chosen = figures.period
        let stem = "national-gap-report-\(chosen.prefix(7))"
        let (html, csv) = NationalReport.render(figures, csvFolder: "\(stem)-csv", icbFolder: "\(stem)-icb")
        let csvDirectory = "\(outputDirectory)/\(stem)-csv"
        try FileManager.default.createDirectory(atPath: csvDirectory, withIntermediateDirectories: true)
        var csvFiles: [String] = []
        for file in csv {
            let path = "\(csvDirectory)/\(file.name)"
            try FileOutput.write(file.text, toFile: path)
            csvFiles.append(path)
        }
        let page = "\(outputDirectory)/\(stem).html"
        try FileOutput.write(html, toFile: page)
        // A page per ICB, beside the index, which links them.
        let icbDirectory = "\(outputDirectory)/\(stem)-icb"
        try FileManager.default.createDirectory(atPath: icbDirectory, withIntermediateDirectories: true)
        var icbPages: [String] = []
        for (code, text) in NationalReport.icbPages(figures, index: "../\(stem).html") {
            let path = "\(icbDirectory)/\(code).html"
            try FileOutput.write(text, toFile: path)
            icbPages.append(path)
        }
        logger.info(
            "national report written",
            metadata: ["page": "\(page)", "source": "\(source)", "icb_pages": .stringConvertible(icbPages.count)]
        )
        return Written(page: page, csvFiles: csvFiles, icbPages: icbPages, period: chosen)
    }
}

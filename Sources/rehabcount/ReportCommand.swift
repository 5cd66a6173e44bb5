import ArgumentParser
import Foundation
import Logging
import RehabCore
import RehabPipeline

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write reports from the database.",
        discussion: """
            Example:
              rehabcount report national --out reports
            """,
        subcommands: [National.self]
    )

    struct National: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "national",
            abstract: "Write the national gap report: HTML with charts, and a CSV of each table.",
            discussion: """
                For one period: referral rates by deprivation quintile for England and each ICB with 95% \
                intervals, ICBs ranked by the slope index of inequality, workforce per 100,000 population, and a heat table of data \
                completeness by trust. Writes national-gap-report-YYYY-MM.html (one file, no scripts, opens \
                offline) and national-gap-report-YYYY-MM-csv/ with every table it draws on.

                It reads the published schema (small numbers suppressed), so the output can be shared. --source \
                analysis reads the unsuppressed figures: for analysts only, never for publication. \
                Run `rehabcount analyse` after loading, first.

                The page says when it was generated and the time of the latest load of the period it includes. The \
                nightly run writes the report of the latest period and of every earlier period its refresh covered.

                Example:
                  rehabcount report national --out reports/national
                  rehabcount report national --out /tmp/q --period 2025-09 --source analysis

                Exit codes: 0 written; 1 no figures for the period (the message lists the periods that have them), \
                or a database error; 2 usage error.
                """
        )

        @OptionGroup var connection: DatabaseOptions

        @Option(name: .long, help: ArgumentHelp("Folder to write the report into.", valueName: "dir"))
        var out: String

        @Option(name: .long, help: ArgumentHelp("Reporting period (default: the latest).", valueName: "YYYY-MM"))
        var period: String?

        @Option(name: .long, help: ArgumentHelp("published (default) or analysis.", valueName: "schema"))
        var source = "published"

        func validate() throws {
            if let period, Period(period) == nil {
                throw ValidationError("--period must be YYYY-MM, e.g. 2025-09.")
            }
            guard source == "published" || source == "analysis" else {
                throw ValidationError("--source must be published or analysis.")
            }
        }

        func run() throws {
            let written = try NationalReportJob.run(
                database: connection.database,
                source: source,
                period: period.flatMap { Period($0) },
                outputDirectory: out,
                logger: Logger(label: "rehabcount.report")
            )
            print("wrote \(written.page) and \(written.csvFiles.count) CSV files (period \(written.period))")
        }
    }
}

import ArgumentParser
import Foundation
import Logging
import RehabCore
import RehabPipeline

struct AnalyseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyse",
        abstract: "Rebuild the gap analysis (analysis and published schemas) from the loaded data.",
        discussion: """
            Runs analysis.refresh() in one REPEATABLE READ transaction: access and waits by ICB, IMD quintile, period and service \
            line (crude and age-standardised rates with confidence intervals), inequality (Q1/Q5 ratio and \
            difference, SII and RII), Core20 shares, workforce per 100,000, and data completeness and coverage; \
            then the published schema, the same figures with counts of 1-7 suppressed and others rounded to 5. \
            Then it simulates the 95% limits of SII and RII, as PHEindicatormethods does, with a fixed seed so that \
            the same data give the same limits, in the same transaction: readers see the old figures until it commits.

            By default every period is refreshed, which is what is needed after changing reference data \
            (populations, expected submissions). With --period only those months are refreshed; the SPC charts are \
            drawn again over every month either way. The nightly run refreshes by itself the months of the \
            submissions not yet analysed.

            Run it after loads; analysts query the tables with psql (see docs/data-dictionary.md).

            Example:
              rehabcount analyse
              rehabcount analyse --period 2025-08 --period 2025-09
              psql -c 'SELECT icb_ods, sii, sii_lower, sii_upper FROM analysis.inequality ORDER BY sii'
            """
    )

    @OptionGroup var connection: DatabaseOptions

    @Option(
        name: .customLong("period"),
        help: ArgumentHelp("A month to refresh, YYYY-MM; repeat for more. Default: every month.", valueName: "YYYY-MM")
    )
    var periods: [String] = []

    @Option(name: .long, help: ArgumentHelp("Simulation draws per inequality row (PHE default).", valueName: "n"))
    var repetitions = 100_000

    @Option(name: .long, help: ArgumentHelp("Seed of the simulation.", valueName: "n"))
    var seed: UInt64 = 20_191_001

    func validate() throws {
        guard repetitions >= 100 else { throw ValidationError("--repetitions must be at least 100.") }
        for period in periods where Period(period) == nil {
            throw ValidationError("--period \(period) is not a month: write it as YYYY-MM, for example 2025-09.")
        }
    }

    func run() throws {
        let logger = Logger(label: "rehabcount.analyse")
        let summary = try AnalyseJob.run(
            database: connection.database,
            periods: periods.compactMap { Period($0) },
            repetitions: repetitions,
            seed: seed,
            logger: logger
        )
        for table in summary.tables { print("\(table.name): \(table.rows) rows") }
        print(
            String(
                format: "refreshed in %.1f s; SII/RII limits simulated for %d rows in %.1f s",
                summary.refreshSeconds,
                summary.simulated,
                summary.simulationSeconds
            )
        )
    }
}

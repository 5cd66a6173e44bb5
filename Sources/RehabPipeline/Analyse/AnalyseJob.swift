import Logging
import RehabAnalyse
import RehabCore
import RehabDatabase
import RehabLoad

/// `rehabcount analyse`: rebuilds the analysis and published schemas after loads.
public enum AnalyseJob {
    public typealias Summary = AnalysisRefresh.Summary

    /// - Parameters:
    ///   - database: `--database`; nil falls back to `DATABASE_URL`, then libpq's defaults.
    ///   - periods: the periods to refresh; nil or empty refreshes every period. The submissions of the months
    ///     refreshed are then recorded as analysed, so that the next night refreshes only what is new.
    ///   - repetitions: simulation draws per inequality row.
    /// - Throws: `DatabaseError`.
    public static func run(
        database: String?,
        periods: [Period]? = nil,
        repetitions: Int,
        seed: UInt64,
        logger: Logger
    ) throws -> Summary {
        let connection = try Connection(Connection.conninfo(option: database))
        let chosen = periods ?? []
        // A month with no submission on record has nothing to refresh: most likely a mistyped --period.
        if !chosen.isEmpty {
            let onRecord = try connection.query(
                "SELECT DISTINCT to_char(period, 'YYYY-MM') FROM audit.submissions WHERE period IS NOT NULL ORDER BY 1"
            ).rows.compactMap { $0[0] }
            let unknown = chosen.filter { !onRecord.contains($0.description) }
            guard unknown.isEmpty else {
                throw RehabError(
                    .noData,
                    "No submission on record for \(unknown.map(\.description).joined(separator: ", ")): nothing "
                        + "to refresh.",
                    hint: onRecord.isEmpty
                        ? "Load extracts first."
                        : "Months on record: \(onRecord.joined(separator: ", "))."
                )
            }
        }
        let summary = try AnalysisRefresh.run(
            connection: connection,
            scope: chosen.isEmpty ? .everyPeriod : .periods(chosen),
            repetitions: repetitions,
            seed: seed,
            logger: logger
        )
        try AuditStore.markAnalysed(
            summary.includedSubmissions,
            everyPeriod: summary.periods == nil,
            runID: nil,
            connection: connection
        )
        return summary
    }
}

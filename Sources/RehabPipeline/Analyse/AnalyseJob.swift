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
    ///   - periods: the periods to refresh; nil or empty refreshes every period, and then records the analysis
    ///     as current, so that the next night refreshes only what it loads.
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
        let touched = periods?.isEmpty == false ? periods : nil
        let backlog = try AuditStore.analysisBacklog(connection: connection)
        let summary = try AnalysisRefresh.run(
            connection: connection,
            touched: touched,
            repetitions: repetitions,
            seed: seed,
            logger: logger
        )
        if touched == nil {
            try AuditStore.markAnalysed(through: backlog.latest, runID: nil, connection: connection)
        }
        return summary
    }
}

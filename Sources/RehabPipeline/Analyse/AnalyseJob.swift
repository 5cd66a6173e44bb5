import Logging
import RehabAnalyse
import RehabDatabase

/// `rehabcount analyse`: rebuilds the analysis and published schemas after loads.
public enum AnalyseJob {
    public typealias Summary = AnalysisRefresh.Summary

    /// - Parameters:
    ///   - database: `--database`; nil falls back to `DATABASE_URL`, then libpq's defaults.
    ///   - repetitions: simulation draws per inequality row.
    /// - Throws: `DatabaseError`.
    public static func run(database: String?, repetitions: Int, seed: UInt64, logger: Logger) throws -> Summary {
        let connection = try Connection(Connection.conninfo(option: database))
        return try AnalysisRefresh.run(connection: connection, repetitions: repetitions, seed: seed, logger: logger)
    }
}

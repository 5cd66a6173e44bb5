import Foundation
import Logging
import RehabCore
import RehabDatabase
import Synchronization

/// Rebuilds the analysis schema from `core`, `reference` and `audit`, then fills the confidence limits of the
/// inequality indices by simulation, which SQL cannot do well.
public enum AnalysisRefresh {
    /// What one refresh did.
    public struct Summary: Sendable {
        /// Rows per analysis table, as `analysis.refresh()` reports them.
        public var tables: [(name: String, rows: Int)]
        /// The months refreshed; nil for every month.
        public var periods: [Period]?
        /// The submissions not yet analysed that this refresh included, as its snapshot saw them: to be marked
        /// analysed once it has committed (`AuditStore.markAnalysed`).
        public var includedSubmissions: [Int64]
        /// Inequality rows that got simulated limits.
        public var simulated: Int
        public var refreshSeconds: Double
        public var simulationSeconds: Double
    }

    /// The advisory lock `analysis.refresh()` holds for its transaction (1380142676 is 'RCNT'), as SQL arguments.
    static let refreshLock = "1380142676, 2"

    /// Which months to refresh.
    public enum Scope: Sendable, Equatable {
        case everyPeriod
        case periods([Period])
        /// The months of the submissions not yet analysed, as the refresh's own snapshot sees them.
        case unanalysed
    }

    /// Runs `analysis.refresh(touched)` and the simulation in one REPEATABLE READ transaction: every step reads the
    /// same snapshot, and readers see the old figures, limits included, until it commits.
    ///
    /// - Parameters:
    ///   - scope: the months to refresh. `analysis.spc` is charted again whole whatever the scope.
    ///   - repetitions: draws per ICB, period and service line (PHEindicatormethods' default is 100,000).
    ///   - seed: the draws are reproducible for a seed: the same data give the same limits.
    /// - Throws: `DatabaseError`.
    public static func run(
        connection: borrowing Connection,
        scope: Scope = .everyPeriod,
        repetitions: Int = 100_000,
        seed: UInt64 = 20_191_001,
        logger: Logger
    ) throws -> Summary {
        // The refresh's own lock, taken before the transaction: its snapshot then starts after any refresh that
        // held the lock has committed, and never meets that refresh's rows (a serialization failure in REPEATABLE
        // READ). analysis.refresh() takes it again for the transaction, which the same session may.
        try connection.query("SELECT pg_advisory_lock(\(refreshLock))")
        defer { _ = try? connection.query("SELECT pg_advisory_unlock(\(refreshLock))") }
        return try connection.transaction(isolation: .repeatableRead) { tx in
            let start = Clock.monotonicSeconds()
            // The submissions not yet analysed, in this snapshot: the months they touch, and those the refresh
            // includes.
            var unanalysed: [(id: Int64, period: Period?)] = []
            for row in try tx.query(
                """
                SELECT submission_id, to_char(period, 'YYYY-MM') FROM audit.submissions WHERE analysed_at IS NULL
                ORDER BY submission_id
                """
            ).rows {
                guard let id = row[0].flatMap({ Int64($0) }) else { continue }
                unanalysed.append((id, row[1].flatMap { Period($0) }))
            }
            let touched: [Period]?
            let included: [Int64]
            switch scope {
            case .everyPeriod:
                touched = nil
                included = unanalysed.map(\.id)
            case .periods(let chosen):
                touched = chosen
                included = unanalysed.filter { $0.period.map(chosen.contains) ?? false }.map(\.id)
            case .unanalysed:
                touched = Array(Set(unanalysed.compactMap(\.period)))
                included = unanalysed.map(\.id)
            }
            let periods = touched.map { Connection.arrayLiteral($0.sorted().map { $0.start.description }) }

            let tables = try tx.query("SELECT table_name, rows FROM analysis.refresh($1::date[])", [periods]).rows.map {
                (name: $0[0] ?? "", rows: Int($0[1] ?? "") ?? 0)
            }
            let refreshed = Clock.monotonicSeconds()
            logger.info(
                "analysis refreshed",
                metadata: [
                    "seconds": .stringConvertible(refreshed - start),
                    "periods": .string(touched.map { $0.sorted().map(\.description).joined(separator: " ") } ?? "all"),
                ]
            )
            let simulated = try simulateLimits(
                connection: tx,
                periods: periods,
                repetitions: repetitions,
                seed: seed
            )
            let finished = Clock.monotonicSeconds()
            logger.info(
                "inequality limits simulated",
                metadata: [
                    "rows": .stringConvertible(simulated), "repetitions": .stringConvertible(repetitions),
                    "seconds": .stringConvertible(finished - refreshed),
                ]
            )
            return Summary(
                tables: tables,
                periods: touched?.sorted(),
                includedSubmissions: included,
                simulated: simulated,
                refreshSeconds: refreshed - start,
                simulationSeconds: finished - refreshed
            )
        }
    }

    /// Fills `sii_lower`, `sii_upper`, `rii_lower` and `rii_upper` of every `analysis.inequality` row with an SII,
    /// from its five quintiles in `analysis.access`: each quintile's DSR is drawn from a normal distribution with
    /// the standard error implied by its 95% limits, as `phe_sii` does when given limits. Only the rows of
    /// `periods` (an array literal of dates) are simulated, or every row when it is nil.
    static func simulateLimits(
        connection: borrowing Connection,
        periods: String?,
        repetitions: Int,
        seed: UInt64
    ) throws -> Int {
        let rows = try connection.query(
            """
            SELECT i.period, i.icb_ods, i.service_line,
                   array_agg(a.dsr ORDER BY a.imd_quintile), array_agg(a.dsr_lower ORDER BY a.imd_quintile),
                   array_agg(a.dsr_upper ORDER BY a.imd_quintile), array_agg(a.population ORDER BY a.imd_quintile)
            FROM analysis.inequality i
            JOIN analysis.access a USING (period, icb_ods, service_line)
            WHERE i.sii IS NOT NULL AND ($1::date[] IS NULL OR i.period = ANY ($1::date[]))
            GROUP BY i.period, i.icb_ods, i.service_line
            ORDER BY i.period, i.icb_ods, i.service_line
            """,
            [periods]
        ).rows
        // Each row's draws are independent of the others': spread the rows over the cores.
        let inputs: [[InequalityIndex.Quantile]?] = rows.map { row in
            let dsr = numbers(row[3])
            let lower = numbers(row[4])
            let upper = numbers(row[5])
            let population = numbers(row[6])
            guard dsr.count == 5, lower.count == 5, upper.count == 5, population.count == 5 else { return nil }
            var quantiles: [InequalityIndex.Quantile] = []
            for q in 0..<5 {
                guard let value = dsr[q], let low = lower[q], let high = upper[q], let people = population[q] else {
                    return nil
                }
                quantiles.append(.init(value: value, lower: low, upper: high, population: people))
            }
            return quantiles
        }
        let results = Results(count: rows.count)
        DispatchQueue.concurrentPerform(iterations: rows.count) { i in
            guard let quantiles = inputs[i] else { return }
            // One stream per row, so a row's limits do not depend on which other rows exist.
            let limits = InequalityIndex.confidenceLimits(
                quantiles,
                repetitions: repetitions,
                seed: seed &+ stableHash(rows[i][0], rows[i][1], rows[i][2])
            )
            results.set(i, limits)
        }
        var keys: [[String]] = [[], [], []]
        var limits: [[String?]] = [[], [], [], []]
        for (i, row) in rows.enumerated() {
            guard let result = results.value(i) else { continue }
            keys[0].append(row[0] ?? "")
            keys[1].append(row[1] ?? "")
            keys[2].append(row[2] ?? "")
            limits[0].append(text(result.sii.lowerBound))
            limits[1].append(text(result.sii.upperBound))
            limits[2].append(result.rii.map { text($0.lowerBound) })
            limits[3].append(result.rii.map { text($0.upperBound) })
        }
        guard !keys[0].isEmpty else { return 0 }
        try connection.query(
            """
            UPDATE analysis.inequality i
            SET sii_lower = u.sii_lower, sii_upper = u.sii_upper, rii_lower = u.rii_lower, rii_upper = u.rii_upper
            FROM unnest($1::date[], $2::text[], $3::text[], $4::numeric[], $5::numeric[], $6::numeric[],
                        $7::numeric[]) AS u(period, icb_ods, service_line, sii_lower, sii_upper, rii_lower, rii_upper)
            WHERE i.period = u.period AND i.icb_ods = u.icb_ods AND i.service_line = u.service_line
            """,
            [
                Connection.arrayLiteral(keys[0]), Connection.arrayLiteral(keys[1]), Connection.arrayLiteral(keys[2]),
                Connection.arrayLiteral(limits[0]), Connection.arrayLiteral(limits[1]),
                Connection.arrayLiteral(limits[2]), Connection.arrayLiteral(limits[3]),
            ]
        )
        return keys[0].count
    }

    /// The simulation results of the rows, filled from several threads.
    private final class Results: Sendable {
        typealias Limits = (sii: ClosedRange<Double>, rii: ClosedRange<Double>?)
        private let values: Mutex<[Limits?]>

        init(count: Int) { values = Mutex(Array(repeating: nil, count: count)) }

        func set(_ index: Int, _ limits: Limits?) { values.withLock { $0[index] = limits } }

        func value(_ index: Int) -> Limits? { values.withLock { $0[index] } }
    }

    /// The elements of a one-dimensional numeric array literal, nil for NULL.
    static func numbers(_ literal: String?) -> [Double?] {
        guard let literal, literal.hasPrefix("{"), literal.hasSuffix("}") else { return [] }
        return literal.dropFirst().dropLast().split(separator: ",").map { $0 == "NULL" ? nil : Double($0) }
    }

    static func text(_ value: Double) -> String { String(format: "%.10g", value) }

    /// FNV-1a of the key, stable across runs and platforms (unlike `Hasher`).
    static func stableHash(_ parts: String?...) -> UInt64 {
        var hash = StableHash()
        for part in parts { hash.combine((part ?? "").utf8 + [0]) }
        return hash.value
    }
}

import RehabCore
import RehabDatabase

/// Reads a trust's data quality for a month, for its page in the outbox: each data item beside its ICB's trusts and
/// England (`analysis.item_quality`), and the rules its submissions failed (`analysis.rule_failures`). About records,
/// not people.
public enum TrustQualityReader {
    public struct Figures: Sendable {
        public var items: [ItemQuality]
        public var failures: [RuleFailures]
        /// From `reference.trust`; nil when the trust is not there.
        public var trustName: String?
    }

    /// - Returns: nil when the trust has no data item on record for the month.
    /// - Throws: `DatabaseError`.
    public static func read(org: String, period: Period, connection: borrowing Connection) throws -> Figures? {
        let month = period.start.description
        let items = ItemQuality.rows(
            of: try connection.query(
                """
                SELECT org_code, icb_ods, kind, column_name, status, completeness, validity, peer_completeness,
                       peer_validity, national_completeness, national_validity, peer_trusts, national_trusts
                FROM analysis.item_quality WHERE org_code = $1 AND period = $2::date
                ORDER BY kind, column_name
                """,
                [org, month]
            )
        )
        guard !items.isEmpty else { return nil }
        let failures = RuleFailures.rows(
            of: try connection.query(
                """
                SELECT org_code, icb_ods, kind, rule_id, severity, failures, rows_read, failures_per_row
                FROM analysis.rule_failures
                WHERE org_code = $1 AND period = $2::date ORDER BY kind, failures DESC, rule_id
                """,
                [org, month]
            )
        )
        let name = try connection.query("SELECT trust_name FROM reference.trust WHERE trust_ods = $1", [org]).scalar
        return Figures(items: items, failures: failures, trustName: name)
    }
}

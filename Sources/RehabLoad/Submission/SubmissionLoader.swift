import Foundation
import Logging
import RehabCore
import RehabDatabase
import RehabIngest
import RehabValidate

/// What happened to one file on its way into the database.
public struct LoadOutcome: Sendable {
    public enum Action: String, Sendable {
        /// Loaded as the current submission for its trust, kind and period.
        case loaded
        /// Loaded, replacing an earlier submission, which is kept in the history as superseded.
        case superseded
        /// Rejected by validation: recorded in the audit trail, nothing loaded.
        case rejected
        /// The same bytes are already the current submission: nothing to do.
        case unchanged
    }

    public var action: Action
    /// The new audit.submissions id, or the existing one for `unchanged`.
    public var submissionID: Int64
    /// The validation result; nil for `unchanged`, where the file was not read again.
    public var result: ValidationResult?
    public var rowsLoaded: Int
    public var rowsQuarantined: Int
}

/// Loads validated submissions into `core`, idempotently and atomically.
///
/// For each file: the same validator as `rehabcount validate` streams the rows once; accepted rows go by COPY
/// into an unlogged `staging` table; then one transaction replaces that trust, kind and period in `core`,
/// supersedes the previous submission and writes the audit trail. A process killed at any moment leaves either
/// the old submission or the new one, never a mixture; leftover staging rows are cleared by the next load of
/// the same submission.
public struct SubmissionLoader: Sendable {
    public let validator: SubmissionValidator

    public init(validator: SubmissionValidator) {
        self.validator = validator
    }

    /// Loads one file.
    ///
    /// - Parameters:
    ///   - runID: the `audit.runs` row this load belongs to.
    ///   - referrals: the same trust and period's referrals index, for contacts.
    ///   - collectReferrals: whether to return one built from this (referrals) file.
    /// - Throws: `DatabaseError`, or `RehabError` for a file that cannot be read at all.
    public func load(
        path: String,
        encoding: TextEncoding = .utf8,
        runID: Int64,
        referrals: ReferralIndex? = nil,
        collectReferrals: Bool = false,
        connection: borrowing Connection,
        logger: Logger
    ) throws -> (outcome: LoadOutcome, referrals: ReferralIndex?) {
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        let name = SubmissionName(fileName: fileName)
        let digest = try FileDigest.sha256(path: path)

        // One load of a given trust, kind and period at a time; different submissions run in parallel.
        let lockKey = name.map { Self.lockKey(org: $0.orgCode, kind: $0.kind, period: $0.period) }
        if let lockKey { try connection.lock(lockKey) }
        defer { if let lockKey { _ = try? connection.unlock(lockKey) } }

        if let name,
            let current = try connection.query(
                """
                SELECT submission_id, sha256 FROM audit.submissions
                WHERE org_code = $1 AND kind = $2 AND period = $3 AND is_current
                """,
                [name.orgCode, name.kind.rawValue, name.period.start.description]
            ).rows.first, current[1] == digest.hex, let id = current[0].flatMap({ Int64($0) })
        {
            logger.info("unchanged", metadata: ["file": "\(fileName)", "submission_id": "\(id)"])
            return (
                LoadOutcome(action: .unchanged, submissionID: id, result: nil, rowsLoaded: 0, rowsQuarantined: 0), nil
            )
        }

        let submissionID = try Self.int(
            connection.query("SELECT nextval(pg_get_serial_sequence('audit.submissions', 'submission_id'))")
        )
        let kind = name?.kind
        let table = kind.map { "staging.\($0.rawValue)" }
        if let name, let table {
            // Rows a killed load left behind for this same submission.
            try connection.query(
                "DELETE FROM \(table) WHERE org_code = $1 AND period = $2",
                [name.orgCode, name.period.start.description]
            )
        }

        let spill = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rehabcount-quarantine-\(submissionID).copy"
        ).path
        defer { unlink(spill) }
        var result: ValidationResult
        var index: ReferralIndex?
        var sink: LoadSink?
        if let name, let table, let kind {
            let contract = validator.context.contracts[kind]
            let columns = Self.columns(contract)
            let prefix = Array("\(submissionID)\t\(name.period.start)\t".utf8)
            var loaded: (ValidationResult, ReferralIndex?)?
            try connection.copy("COPY \(table) (load_id, period, \(columns.joined(separator: ", "))) FROM STDIN") {
                stream in
                var s = try LoadSink(
                    stream: stream,
                    pseudonymiser: validator.context.pseudonymiser,
                    prefix: prefix,
                    quarantinePath: spill,
                    submissionID: submissionID
                )
                loaded = try validator.validate(
                    path: path,
                    encoding: encoding,
                    referrals: referrals,
                    collectReferrals: collectReferrals,
                    sink: &s,
                    logger: logger
                )
                sink = s
            }
            (result, index) = loaded!
        } else {
            // A file name RehabCount cannot place is rejected by validation; there is no staging table to fill,
            // and its rule results go to the audit trail without the rows.
            var discard = DiscardingRowSink()
            (result, index) = try validator.validate(path: path, encoding: encoding, sink: &discard, logger: logger)
        }
        try sink?.finishQuarantine()

        let rejected = result.status == .rejected
        let outcome = try connection.transaction { tx -> LoadOutcome in
            var superseded = false
            if !rejected, let name {
                let previous = try tx.query(
                    """
                    UPDATE audit.submissions SET superseded_by = $4, superseded_at = now()
                    WHERE org_code = $1 AND kind = $2 AND period = $3 AND is_current
                    RETURNING submission_id
                    """,
                    [name.orgCode, name.kind.rawValue, name.period.start.description, String(submissionID)]
                )
                superseded = !previous.rows.isEmpty
            }
            try tx.query(
                """
                INSERT INTO audit.submissions (submission_id, run_id, org_code, kind, period, file_name, sha256,
                    contract_version, ruleset_version, rows_read, rows_loaded, rows_quarantined, status, score)
                VALUES ($1, $2, $3, $4, $5::date, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                """,
                [
                    String(submissionID), String(runID), name?.orgCode, kind?.rawValue, name?.period.start.description,
                    fileName, digest.hex, result.contractVersion, result.rulesetVersion, String(result.rows.read),
                    String(result.rows.accepted), String(result.rows.quarantined), result.status.rawValue,
                    result.score.overall.map { String(format: "%.2f", $0) },
                ]
            )
            try tx.query(
                """
                INSERT INTO audit.rule_results (submission_id, rule_id, severity, failures, evaluated)
                SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::boolean[])
                """,
                [
                    String(submissionID), Self.array(result.rules.map(\.rule.id)),
                    Self.array(result.rules.map(\.rule.severity.rawValue)),
                    Self.array(result.rules.map { String($0.failures) }),
                    Self.array(result.rules.map { $0.evaluated ? "t" : "f" }),
                ]
            )
            if let sink, sink.quarantined > 0 {
                try tx.copy("COPY audit.quarantine (submission_id, row_number, line, reasons, row_data) FROM STDIN") {
                    stream in
                    try forEachChunk(of: spill) { try stream.write($0) }
                }
            }
            if !rejected, let name, let kind, let table {
                try tx.query("SELECT core.ensure_partitions($1::date)", [name.period.start.description])
                try tx.query(
                    "DELETE FROM core.\(kind.rawValue) WHERE org_code = $1 AND period = $2",
                    [name.orgCode, name.period.start.description]
                )
                let moved = try tx.query(
                    Self.moveSQL(kind: kind, contract: validator.context.contracts[kind], staging: table),
                    [String(submissionID)]
                )
                guard moved.affectedRows == result.rows.accepted else {
                    throw DatabaseError(
                        kind: .server,
                        summary:
                            "Row accounting failed: \(result.rows.accepted) rows accepted but \(moved.affectedRows) reached core",
                        hint: "Nothing was loaded. Report this to the RehabCount maintainers."
                    )
                }
            }
            if let table { try tx.query("DELETE FROM \(table) WHERE load_id = $1", [String(submissionID)]) }
            return LoadOutcome(
                action: rejected ? .rejected : (superseded ? .superseded : .loaded),
                submissionID: submissionID,
                result: result,
                rowsLoaded: result.rows.accepted,
                rowsQuarantined: result.rows.quarantined
            )
        }
        logger.info(
            "loaded",
            metadata: [
                "file": "\(fileName)", "action": "\(outcome.action.rawValue)", "submission_id": "\(submissionID)",
                "rows_loaded": "\(outcome.rowsLoaded)", "rows_quarantined": "\(outcome.rowsQuarantined)",
            ]
        )
        return (outcome, index)
    }

    /// The statement that moves a load's rows from staging to core, deriving the residence columns for referrals
    /// from the LSOA of its own vintage (`reference.lsoa_lookup`: 2011 preferred, as it pairs with IMD 2019 and
    /// the population estimates).
    static func moveSQL(kind: ExtractKind, contract: Contract, staging: String) -> String {
        let columns = columns(contract)
        let list = (["period", "submission_id"] + columns).joined(separator: ", ")
        let select = (["s.period", "s.load_id"] + columns.map { "s.\($0)" }).joined(separator: ", ")
        guard kind == .referrals else {
            return "INSERT INTO core.\(kind.rawValue) (\(list)) SELECT \(select) FROM \(staging) s WHERE s.load_id = $1"
        }
        // reference.lsoa_lookup holds the vintage rule: a code in the 2011 lookup is 2011, else 2021.
        return """
            INSERT INTO core.referrals (\(list), lsoa_vintage, icb_ods, imd_decile)
            SELECT \(select), l.lsoa_vintage, l.icb_ods, l.imd_decile
            FROM \(staging) s
            LEFT JOIN reference.lsoa_lookup l ON l.lsoa_code = s.lsoa_code
            WHERE s.load_id = $1
            """
    }

    /// The staging and core columns a contract's columns load into, quoted: the NHS number becomes the patient key.
    static func columns(_ contract: Contract) -> [String] {
        contract.columns.map { Connection.quoteIdentifier($0.type == .nhs_number ? "patient_key" : $0.name) }
    }

    /// The advisory lock key of one trust, kind and period.
    static func lockKey(org: String, kind: ExtractKind, period: Period) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(org)|\(kind.rawValue)|\(period)".utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return Int64(bitPattern: hash)
    }

    /// A PostgreSQL array literal of simple values (ids, codes, numbers, t/f).
    static func array(_ values: [String]) -> String { "{" + values.joined(separator: ",") + "}" }

    static func int(_ result: QueryResult) throws -> Int64 {
        guard let value = result.scalar.flatMap({ Int64($0) }) else {
            throw DatabaseError(kind: .server, summary: "The database returned no id")
        }
        return value
    }
}

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
/// For each file, in one transaction: `core.create_load_table` makes an empty table in `staging`; the same validator
/// as `rehabcount validate` streams the file once, and accepted rows go by binary COPY into that table, with the
/// derived columns computed on the way; `core.attach_load_table` drops the trust's previous table for the
/// kind and period and attaches the new one in its place; then the previous submission is superseded and the audit
/// trail written. A rejected file rolls all that back and is recorded on its own. A process killed at any moment
/// leaves the old submission or the new one, never a mixture: the server rolls back what it had.
///
/// `core` has no primary keys: one row per identifier within a trust and period is this loader's promise, kept by the
/// validator. A loader is made only under a catalogue that quarantines or rejects a repeated key.
public struct SubmissionLoader: Sendable {
    public let validator: SubmissionValidator

    /// - Throws: `RehabError.Code.configuration` when the rule catalogue does not keep some contract's key unique.
    public init(validator: SubmissionValidator) throws {
        try Self.requireUniqueKeys(validator.context)
        self.validator = validator
    }

    /// Checks that, for every contract, the catalogue has a `unique` check on its key column, for every row (no
    /// `when`), that quarantines the row or rejects the file: a warning would let a repeated key into `core`.
    static func requireUniqueKeys(_ context: ValidationContext) throws {
        let catalogue = context.catalogue
        for kind in ExtractKind.allCases {
            let key = context.contracts[kind].key
            let kept = catalogue.rules(for: kind).contains { (rule: Rule) -> Bool in
                guard rule.check == .unique, rule.column == key, rule.when == nil else { return false }
                return rule.severity != .warning
            }
            guard kept else {
                throw RehabError(
                    .configuration,
                    "Rule catalogue \(catalogue.name) \(catalogue.version) does not quarantine repeated \(key) values "
                        + "in \(kind.rawValue) submissions, so loading could put two rows with one \(key) into core.",
                    hint:
                        "Keep a rule with check: unique, column: \(key), severity: record (or file) and no `when` "
                        + "in pipelines/rules/ (REF-ID-UNIQUE-01, CON-ID-UNIQUE-01 and WF-STAFF-UNIQUE-01 are these)."
                )
            }
        }
    }

    /// Raised inside a load's transaction to roll back the replacement of a submission that validation rejected.
    private struct Rejected: Error {
        let result: ValidationResult
        let referrals: ReferralIndex?
        let quarantined: Int
    }

    /// Loads one file.
    ///
    /// - Parameters:
    ///   - runID: the `audit.runs` row this load belongs to.
    ///   - referrals: the same trust and period's referrals index, for contacts.
    ///   - collectReferrals: whether to return one built from this (referrals) file.
    ///   - sha256: the file's SHA-256 in lower-case hex, when the caller has it already (it is then not read again).
    ///   - lookup: reference data for the derived columns (`ReferenceLookup(connection:)`).
    ///   - rows: a sink given every row as well, after the loader's own: the trust's quarantine CSV, say. It sees
    ///     the rows of a load that is later rolled back too.
    /// - Throws: `DatabaseError`, or `RehabError` for a file that cannot be read at all.
    public func load(
        path: String,
        encoding: TextEncoding = .utf8,
        runID: Int64,
        referrals: ReferralIndex? = nil,
        collectReferrals: Bool = false,
        sha256: String? = nil,
        lookup: ReferenceLookup,
        rows: inout some RowSink,
        connection: borrowing Connection,
        logger: Logger,
        progress: ((Int) -> Void)? = nil
    ) throws -> (outcome: LoadOutcome, referrals: ReferralIndex?) {
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        let name = SubmissionName(fileName: fileName)

        // One load of a given trust, kind and period at a time; different submissions run in parallel.
        let lockKey = name.map { Self.lockKey(org: $0.orgCode, kind: $0.kind, period: $0.period) }
        if let lockKey { try connection.lock(lockKey) }
        defer { if let lockKey { _ = try? connection.unlock(lockKey) } }

        // A file identical to the current submission is not loaded again. With no current submission there is
        // nothing to compare: the validator hashes the file as it reads it, instead of in a pass of its own.
        var knownDigest = sha256
        if let name,
            let current = try connection.query(
                """
                SELECT submission_id, sha256 FROM audit.submissions
                WHERE org_code = $1 AND kind = $2 AND period = $3 AND is_current
                """,
                [name.orgCode, name.kind.rawValue, name.period.start.description]
            ).rows.first
        {
            let digest = try sha256 ?? FileDigest.sha256(path: path).hex
            if current[1] == digest, let id = current[0].flatMap({ Int64($0) }) {
                logger.info("unchanged", metadata: ["file": "\(fileName)", "submission_id": .stringConvertible(id)])
                return (
                    LoadOutcome(action: .unchanged, submissionID: id, result: nil, rowsLoaded: 0, rowsQuarantined: 0),
                    nil
                )
            }
            knownDigest = digest
        }

        let submissionID = try Self.int(
            connection.query("SELECT nextval(pg_get_serial_sequence('audit.submissions', 'submission_id'))")
        )
        let spill = TemporaryFiles.path(kind: .quarantine, suffix: ".copy")
        defer { unlink(spill) }

        guard let name else {
            // A file name RehabCount cannot place is rejected by validation; there is no partition to fill, and its
            // rule results go to the audit trail without the rows.
            let (result, _) = try validator.validate(
                path: path,
                encoding: encoding,
                sha256: knownDigest,
                sink: &rows,
                logger: logger
            )
            let outcome = try connection.transaction { tx in
                try record(
                    result,
                    submissionID: submissionID,
                    runID: runID,
                    name: nil,
                    fileName: fileName,
                    quarantine: nil,
                    in: tx
                )
            }
            return (outcome, nil)
        }

        // Creating a new period's partitions locks the parent tables: do it in its own short transaction.
        try connection.query("SELECT core.ensure_partitions($1::date)", [name.period.start.description])
        let contract = validator.context.contracts[name.kind]
        let slot = [name.kind.rawValue, name.period.start.description, name.orgCode, String(submissionID)]

        var index: ReferralIndex?
        let outcome: LoadOutcome
        do {
            outcome = try connection.transaction { tx in
                // The new rows arrive in a table of their own, which replaces the old one at the end of this
                // transaction: readers see one or the other, and a load killed at any point is rolled back.
                try tx.query("SET LOCAL maintenance_work_mem = '256MB'")
                guard
                    let table = try tx.query("SELECT core.create_load_table($1, $2::date, $3, $4)", slot).scalar
                else { throw DatabaseError(kind: .server, summary: "core.create_load_table returned no table") }
                // Each field goes in the binary form of its column's type in the load table.
                let columns = try LoadColumns.resolve(contract, table: table, connection: tx)
                var validated: (ValidationResult, ReferralIndex?)?
                var quarantined = 0
                let copied = try tx.copy(columns.copySQL(into: table)) { stream in
                    var sinks = PairedRowSink(
                        try LoadSink(
                            stream: stream,
                            pseudonymiser: validator.context.pseudonymiser,
                            columns: columns,
                            period: name.period.start,
                            quarantinePath: spill,
                            submissionID: submissionID,
                            lookup: lookup
                        ),
                        rows
                    )
                    validated = try validator.validate(
                        path: path,
                        encoding: encoding,
                        referrals: referrals,
                        collectReferrals: collectReferrals,
                        sha256: knownDigest,
                        sink: &sinks,
                        logger: logger,
                        progress: progress
                    )
                    rows = sinks.second
                    try sinks.first.finishRows()
                    try sinks.first.finishQuarantine()
                    quarantined = sinks.first.quarantined
                }
                let (result, collected) = validated!
                index = collected
                if result.status == .rejected {
                    throw Rejected(result: result, referrals: collected, quarantined: quarantined)
                }
                guard copied == result.rows.accepted else {
                    throw DatabaseError(
                        kind: .server,
                        summary:
                            "Row accounting failed: \(result.rows.accepted) rows accepted but \(copied) reached core",
                        hint: "Nothing was loaded. Report this to the RehabCount maintainers."
                    )
                }
                try tx.query("SELECT core.attach_load_table($1, $2::date, $3, $4)", slot)
                return try record(
                    result,
                    submissionID: submissionID,
                    runID: runID,
                    name: name,
                    fileName: fileName,
                    quarantine: quarantined > 0 ? spill : nil,
                    in: tx
                )
            }
        } catch let rejected as Rejected {
            index = rejected.referrals
            outcome = try connection.transaction { tx in
                try record(
                    rejected.result,
                    submissionID: submissionID,
                    runID: runID,
                    name: name,
                    fileName: fileName,
                    quarantine: rejected.quarantined > 0 ? spill : nil,
                    in: tx
                )
            }
        }
        logger.info(
            "loaded",
            metadata: [
                "file": "\(fileName)", "action": "\(outcome.action.rawValue)",
                "submission_id": .stringConvertible(submissionID),
                "rows_loaded": .stringConvertible(outcome.rowsLoaded),
                "rows_quarantined": .stringConvertible(outcome.rowsQuarantined),
            ]
        )
        return (outcome, index)
    }

    /// Writes the audit trail of a validated submission and, when it was accepted, supersedes the previous one.
    private func record(
        _ result: ValidationResult,
        submissionID: Int64,
        runID: Int64,
        name: SubmissionName?,
        fileName: String,
        quarantine: String?,
        in tx: borrowing Connection
    ) throws -> LoadOutcome {
        let rejected = result.status == .rejected
        let sha256 = result.submission.sha256
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
                String(submissionID), String(runID), name?.orgCode, name?.kind.rawValue, name?.period.start.description,
                fileName, sha256, result.contractVersion, result.rulesetVersion, String(result.rows.read),
                String(result.rows.accepted), String(result.rows.quarantined), result.status.rawValue,
                result.score.overall.map { String(format: "%.2f", $0) },
            ]
        )
        try tx.copy(
            "COPY audit.rule_results (submission_id, rule_id, severity, failures, evaluated, row_numbers, lines) "
                + "FROM STDIN"
        ) { stream in
            try writeRuleResults(result, submissionID: submissionID, to: stream)
        }
        // Each data item's completeness and validity (0028), for the national and peer figures of
        // analysis.item_quality.
        let items = result.score.items.filter { $0.applicable > 0 }
        if !items.isEmpty {
            try tx.query(
                """
                INSERT INTO audit.item_quality (submission_id, column_name, status, applicable, complete, valid_present,
                                                valid_loaded, defaulted)
                SELECT $1::bigint, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
                                                 $7::bigint[], $8::bigint[])
                """,
                [
                    String(submissionID), Connection.arrayLiteral(items.map(\.column)),
                    Connection.arrayLiteral(items.map(\.status.rawValue)),
                    Connection.arrayLiteral(items.map { String($0.applicable) }),
                    Connection.arrayLiteral(items.map { String($0.complete) }),
                    Connection.arrayLiteral(items.map { String($0.validPresent) }),
                    Connection.arrayLiteral(items.map { String($0.valid) }),
                    Connection.arrayLiteral(items.map { String($0.defaulted) }),
                ]
            )
        }
        if let quarantine {
            try tx.copy("COPY audit.quarantine (submission_id, row_number, line, reasons, row_data) FROM STDIN") {
                stream in
                // A rejected file's first rows only: the archived original holds them all.
                var lines = result.keptPerRule
                try forEachChunk(of: quarantine) { chunk in
                    guard rejected else { return try stream.write(chunk) }
                    guard lines > 0 else { return }
                    var end = 0
                    while end < chunk.count, lines > 0 {
                        if chunk[end] == 0x0A { lines -= 1 }
                        end += 1
                    }
                    try stream.write(chunk.extracting(first: end))
                }
            }
        }
        return LoadOutcome(
            action: rejected ? .rejected : (superseded ? .superseded : .loaded),
            submissionID: submissionID,
            result: result,
            rowsLoaded: result.rows.accepted,
            rowsQuarantined: result.rows.quarantined
        )
    }

    /// Every rule's outcome as COPY text, with the rows and lines of its findings as two integer arrays.
    ///
    /// Memory stays bounded whatever the findings: one pass over the finding log spills each rule's (row, line)
    /// pairs to a scratch file of its own (8 bytes a finding), and each rule's arrays are then streamed from it.
    func writeRuleResults(_ result: ValidationResult, submissionID: Int64, to stream: CopyStream) throws {
        // A rejected file's first rows per rule only (`ValidationResult.rejectedSample`).
        let limit = result.keptPerRule
        var spills = [ScratchFile?](repeating: nil, count: result.rules.count)
        var counts = Array(repeating: 0, count: result.rules.count)
        var pair = [UInt8](repeating: 0, count: 8)
        try result.findings.visit { f in
            guard let row = f.row, let line = f.line, counts[f.ruleIndex] < limit else { return }
            counts[f.ruleIndex] += 1
            if spills[f.ruleIndex] == nil { spills[f.ruleIndex] = try ScratchFile(kind: .findings, capacity: 1 << 15) }
            pair.withUnsafeMutableBytes { raw in
                raw.storeBytes(of: Int32(clamping: row).littleEndian, toByteOffset: 0, as: Int32.self)
                raw.storeBytes(of: Int32(clamping: line).littleEndian, toByteOffset: 4, as: Int32.self)
            }
            try spills[f.ruleIndex]!.append(pair)
        }
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16)
        let id = Array("\(submissionID)\t".utf8)
        func send() throws {
            if out.count >= 1 << 16 {
                try stream.write(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        for (i, rule) in result.rules.enumerated() {
            out += id
            CopyText.append(rule.rule.id, to: &out)
            out.append(0x09)
            out += rule.rule.severity.rawValue.utf8
            out += "\t\(rule.failures)\t\(rule.evaluated ? "t" : "f")\t".utf8
            if let spill = spills[i] {
                try spill.flush()
                // The rows, then the lines: the first and second Int32 of each pair.
                for field in 0..<2 {
                    out.append(UInt8(ascii: "{"))
                    var offset = 0
                    var first = true
                    while offset < spill.size {
                        let chunk = try spill.read(at: offset, count: min(1 << 20, spill.size - offset))
                        offset += chunk.count
                        chunk.withUnsafeBytes { raw in
                            var at = field * 4
                            while at + 4 <= raw.count {
                                if !first { out.append(UInt8(ascii: ",")) }
                                first = false
                                let value = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int32.self))
                                DecimalText.append(Int(value), to: &out)
                                at += 8
                            }
                        }
                        try send()
                    }
                    out.append(UInt8(ascii: "}"))
                    out.append(field == 0 ? 0x09 : 0x0A)
                }
                spills[i] = nil
            } else {
                out += CopyText.null
                out.append(0x09)
                out += CopyText.null
                out.append(0x0A)
            }
            try send()
        }
        try stream.write(out)
    }

    /// The advisory lock key of one trust, kind and period.
    static func lockKey(org: String, kind: ExtractKind, period: Period) -> Int64 {
        Int64(bitPattern: StableHash.of("\(org)|\(kind.rawValue)|\(period)"))
    }

    static func int(_ result: QueryResult) throws -> Int64 {
        guard let value = result.scalar.flatMap({ Int64($0) }) else {
            throw DatabaseError(kind: .server, summary: "The database returned no id")
        }
        return value
    }
}

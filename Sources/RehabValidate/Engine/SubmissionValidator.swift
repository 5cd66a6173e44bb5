import Foundation
import Logging
import RehabCore
import RehabIngest

/// What validation needs besides the file: contracts, rules, reference data and the pseudonymisation key.
public struct ValidationContext: Sendable {
    public let contracts: ContractSet
    public let catalogue: RuleCatalogue
    public let reference: ReferenceData
    public let pseudonymiser: Pseudonymiser
    /// "Today", for rules that forbid future dates.
    public let today: Day
    /// The share of quarantined rows past which an accepted submission needs attention.
    public let quarantineShare: Double
    /// The bytes each `unique` check may keep in memory before it writes ids to temporary files
    /// (`IdentifierSet`).
    public let identifierBudget: Int

    /// The default `identifierBudget`: 16 MiB a check, about 1.6 million ids.
    public static let defaultIdentifierBudget = 16 << 20

    /// The share of quarantined rows past which a submission needs attention, unless a pipeline says otherwise.
    public static let defaultQuarantineShare = 0.05

    public init(
        contracts: ContractSet,
        catalogue: RuleCatalogue,
        reference: ReferenceData,
        pseudonymiser: Pseudonymiser,
        today: Day = .today(),
        quarantineShare: Double = ValidationContext.defaultQuarantineShare,
        identifierBudget: Int = ValidationContext.defaultIdentifierBudget
    ) {
        self.contracts = contracts
        self.catalogue = catalogue
        self.reference = reference
        self.pseudonymiser = pseudonymiser
        self.today = today
        self.quarantineShare = quarantineShare
        self.identifierBudget = identifierBudget
    }
}

/// Validates one submission against the contract and the rule catalogue, streaming its rows once.
public struct SubmissionValidator: Sendable {
    public let context: ValidationContext

    public init(context: ValidationContext) {
        self.context = context
    }

    /// Validates a file.
    ///
    /// - Parameters:
    ///   - path: the extract, named `<ORG>_<kind>_<YYYY-MM>.csv` or `.xlsx`.
    ///   - encoding: the encoding the trust declared for a CSV file.
    ///   - referrals: the same trust and period's referrals, for the cross-file rules on contacts.
    ///   - collectReferrals: whether to return a `ReferralIndex` built from a referrals file.
    ///   - sha256: the file's SHA-256 when the caller has already computed it, so that it is not hashed twice.
    ///   - sink: receives every row with its fate.
    ///   - logger: progress and timing; never row data.
    ///   - progress: called with the rows read so far, every `ValidationRun.progressEvery` rows.
    /// - Returns: the result, and the referral index when asked for and the file is referrals.
    /// - Throws: `RehabError` when the file cannot be read at all (an unreadable file is an error of the run, not
    ///   a finding), or whatever the sink throws.
    public func validate(
        path: String,
        encoding: TextEncoding = .utf8,
        referrals: ReferralIndex? = nil,
        collectReferrals: Bool = false,
        sha256: String? = nil,
        sink: inout some RowSink & ~Copyable,
        logger: Logger = Logger(label: "rehabcount.validate", factory: { _ in SwiftLogNoOpLogHandler() }),
        progress: ((Int) -> Void)? = nil
    ) throws -> (result: ValidationResult, referrals: ReferralIndex?) {
        let started = Clock.monotonicSeconds()
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        let name = SubmissionName(fileName: fileName)
        let format: SubmissionName.FileFormat =
            name?.format ?? (fileName.lowercased().hasSuffix(".xlsx") ? .xlsx : .csv)
        let source: any TableSource =
            format == .xlsx
            ? XLSXReader(path: path) : CSVReader(path: path, encoding: encoding, computesDigest: sha256 == nil)

        var run = ValidationRun(
            context: context,
            name: name,
            fileName: fileName,
            referrals: referrals,
            collectReferrals: collectReferrals
        )
        run.progress = progress
        if format == .csv, let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int {
            run.fileBytes = size
        }
        // What the row checks read and write lives here, not in `run`, so that each row borrows it in place.
        var evaluation: RowEvaluation?
        logger.debug("validating", metadata: ["file": "\(fileName)"])
        var summary: TableSummary
        do {
            summary = try source.read(
                onBlankLine: { line in run.blankLine(line) },
                onRow: { row in
                    if row.recordNumber == 0 {
                        try run.header(row, sink: &sink)
                        evaluation = run.plan.map {
                            RowEvaluation(
                                plan: $0,
                                reference: context.reference,
                                referrals: referrals,
                                identifierBudget: context.identifierBudget
                            )
                        }
                    } else if evaluation != nil {
                        try run.row(row, &evaluation!, sink: &sink)
                    }
                }
            )
        } catch let error as RehabError where error.code == .unreadableFile {
            // A damaged workbook or a file that vanished mid-read is a rejected submission, not a failed run:
            // the other files of the batch still get their reports.
            logger.warning("unreadable", metadata: ["file": "\(fileName)", "reason": "\(error.message)"])
            if run.compiled == nil { try run.begin(kind: name?.kind ?? .referrals, sink: &sink) }
            run.unreadable()
            summary = TableSummary()
            if let digest = try? FileDigest.sha256(path: path) {
                summary.sha256 = digest.hex
                summary.bytesRead = digest.bytes
            }
        }
        if run.compiled == nil {
            // No header at all: an empty file.
            try run.begin(kind: name?.kind ?? .referrals, sink: &sink)
            run.missingHeader()
        }
        if let sha256 { summary.sha256 = sha256 }
        var result = try run.finish(summary: summary, format: format, encoding: encoding)
        result.seconds = Clock.monotonicSeconds() - started
        logger.debug(
            "validated",
            metadata: [
                "file": "\(fileName)", "status": "\(result.status.rawValue)",
                "rows": .stringConvertible(result.rows.read),
                "seconds": .stringConvertible(result.seconds),
            ]
        )
        return (result, run.collectedReferrals)
    }
}

// MARK: - One run over one file

/// Data-quality counters of one column, kept apart from the item's name so that the row loop only adds integers.
struct ItemCounts {
    var applicable = 0
    var complete = 0
    var valid = 0
    var defaulted = 0
    /// Of `valid` and `defaulted`, those in rows that were quarantined: the score counts them as not valid, the
    /// share-recorded rules (which judge recording, not loading) as they are.
    var quarantinedValid = 0
    var quarantinedDefaulted = 0
}

/// The state of one validation pass. Lives on the stack of `validate`; the hot path touches only its fields.
struct ValidationRun {
    let context: ValidationContext
    let name: SubmissionName?
    let fileName: String
    let referrals: ReferralIndex?
    var collectedReferrals: ReferralIndex?

    var contract: Contract?
    var compiled: CompiledRules?
    var plan: Plan?
    var rules: [Rule] = []
    var log: FindingLog?
    /// Column names for findings: the contract's, then any unknown header names.
    var findingColumns: [String] = []
    var headerCount = 0
    var headerOK = false
    /// Set once a file-level rule has rejected the submission before its rows: they are checked and counted, and
    /// none goes to the sink.
    var rejectedBeforeRows = false
    var notEvaluated: Set<Int> = []
    var isUnreadable = false
    /// The CSV file's size, for sizing the id tables once instead of doubling them.
    var fileBytes: Int?
    var sampledBytes = 0
    static let sampleRows = 1024

    var failures: [Int] = []
    var examples: [[FindingLocation]] = []
    /// Per rule, the values it found wrong; per contract column, whether its values may be shown.
    var tallies: [ValueTally] = []
    var identifying: [Bool] = []
    /// Per rule, whether it failed on a column whose values are withheld.
    var withheld: [Bool] = []
    var counts = RowCounts()
    var items: [ItemCounts] = []
    var fileFindings: [(rule: Int, column: Int, row: Int?, line: Int?)] = []
    var blankLines: [Int] = []
    var referralIDColumn: Int?
    var referralDateColumn: Int?
    /// The contract's key column (`key:`), for the record ids of examples.
    var keyColumn: Int?
    /// The current row's items (contract columns, as bits) that counted as valid, and as "not recorded", in
    /// `items`: taken back if the row is quarantined.
    var rowValid: UInt64 = 0
    var rowDefaulted: UInt64 = 0
    /// Told the rows read so far, every `progressEvery` rows.
    var progress: ((Int) -> Void)?
    static let progressEvery = 1 << 16

    init(
        context: ValidationContext,
        name: SubmissionName?,
        fileName: String,
        referrals: ReferralIndex?,
        collectReferrals: Bool
    ) {
        self.context = context
        self.name = name
        self.fileName = fileName
        self.referrals = referrals
        self.collectedReferrals = collectReferrals && name?.kind == .referrals ? ReferralIndex() : nil
    }

    // MARK: Header

    mutating func header(_ row: TableRow, sink: inout some RowSink & ~Copyable) throws {
        let header = row.strings.map { $0.trimmingWhitespace() }
        headerCount = row.count
        let kind = name?.kind ?? Self.bestKind(for: header, contracts: context.contracts)
        let contract = context.contracts[kind]
        self.contract = contract
        try prepare(contract: contract)

        var fieldOfColumn: [Int?] = Array(repeating: nil, count: contract.columns.count)
        /// Fields whose title is repeated or not the contract's.
        var problems: [Int] = []
        var seen = Set<String>()
        for (field, title) in header.enumerated() {
            guard seen.insert(title).inserted else {
                problems.append(field)
                continue
            }
            if let c = contract.index(of: title) {
                fieldOfColumn[c] = field
                plan!.columns[c].field = field
            } else {
                problems.append(field)
            }
        }
        let headerRule = compiled?.structure[.header]
        for (c, field) in fieldOfColumn.enumerated() where field == nil {
            if let headerRule { fileFindings.append((headerRule, c, nil, row.line)) }
        }
        // A title that is no contract's column name is named by its position, never by its text: a file without a
        // header has a row of patient data in its place.
        let known = Set(ExtractKind.allCases.flatMap { context.contracts[$0].columns.map(\.name) })
        let shownHeader = header.enumerated().map { field, title in
            known.contains(title) ? title : "column \(field + 1) of the header"
        }
        for field in problems {
            let title = header[field]
            findingColumns.append(
                known.contains(title) ? "\(title) (repeated)" : "column \(field + 1) of the header (not a known column)"
            )
            if let headerRule { fileFindings.append((headerRule, findingColumns.count - 1, nil, row.line)) }
        }
        headerOK = fieldOfColumn.allSatisfy { $0 != nil } && problems.isEmpty
        if !headerOK { skipColumnRules() }
        let nhs = Set(
            contract.columns.indices.filter { contract.columns[$0].type == .nhs_number }.compactMap {
                fieldOfColumn[$0]
            }
        )
        decideBeforeRows()
        try sink.begin(
            RowLayout(header: shownHeader, contract: contract, fieldOfColumn: fieldOfColumn, nhsNumberFields: nhs)
        )
    }

    /// A file already rejected before its first row (its name, period or header) sends no row to the sink: nothing
    /// of it could be loaded, and a row that does not fit the contract's columns must never reach COPY.
    mutating func decideBeforeRows() {
        guard let compiled else { return }
        rejectedBeforeRows = fileFindings.contains { compiled.rules[$0.rule].severity == .file }
    }

    /// Prepares a run that has no header to go by: an empty or unreadable file.
    mutating func begin(kind: ExtractKind, sink: inout some RowSink & ~Copyable) throws {
        let contract = context.contracts[kind]
        self.contract = contract
        try prepare(contract: contract)
        skipColumnRules()
        decideBeforeRows()
        try sink.begin(RowLayout(header: [], contract: contract, fieldOfColumn: [], nhsNumberFields: []))
    }

    /// The file has no header at all.
    mutating func missingHeader() {
        if let rule = compiled?.structure[.header] { fileFindings.append((rule, -1, nil, nil)) }
    }

    /// The file could not be read as rows.
    mutating func unreadable() {
        isUnreadable = true
        skipColumnRules()
        if let rule = compiled?.structure[.unreadable] { fileFindings.append((rule, -1, nil, nil)) }
    }

    /// Column rules cannot be trusted on a header that does not match: they are reported as not evaluated.
    mutating func skipColumnRules() {
        guard let compiled else { return }
        notEvaluated.formUnion(compiled.columnRules)
    }

    mutating func prepare(contract: Contract) throws {
        guard contract.columns.count <= 64 else {
            throw RehabError(
                .configuration,
                "The \(contract.kind.rawValue) contract has \(contract.columns.count) columns; RehabCount scores at most 64."
            )
        }
        let compiled = try CompiledRules(
            catalogue: context.catalogue,
            contract: contract,
            name: name,
            today: context.today,
            hasReferrals: referrals != nil
        )
        self.compiled = compiled
        plan = compiled.plan
        notEvaluated = compiled.notEvaluated
        rules = compiled.rules
        findingColumns = contract.columns.map(\.name)
        failures = Array(repeating: 0, count: rules.count)
        examples = Array(repeating: [], count: rules.count)
        tallies = Array(repeating: ValueTally(), count: rules.count)
        keyColumn = contract.index(of: contract.key)
        withheld = Array(repeating: false, count: rules.count)
        identifying = contract.columns.map { $0.identifying && $0.type != .nhs_number }
        items = Array(repeating: ItemCounts(), count: contract.columns.count)
        log = try FindingLog(rules: rules, columns: findingColumns, pseudonymiser: context.pseudonymiser)
        if collectedReferrals != nil {
            referralIDColumn = contract.index(of: "referral_id")
            referralDateColumn = contract.index(of: "referral_received_date")
        }
        if let name, let rule = compiled.structure[.period_not_future], name.period.start > context.today {
            fileFindings.append((rule, -1, nil, nil))
        }
        if name == nil, let rule = compiled.structure[.file_name] {
            fileFindings.append((rule, -1, nil, nil))
        }
    }

    /// The contract whose columns overlap the header most, for a file whose name does not say.
    static func bestKind(for header: [String], contracts: ContractSet) -> ExtractKind {
        let names = Set(header)
        return ExtractKind.allCases.max { a, b in
            let overlapA = contracts[a].columns.filter { names.contains($0.name) }.count
            let overlapB = contracts[b].columns.filter { names.contains($0.name) }.count
            return overlapA < overlapB
        } ?? .referrals
    }

    // MARK: Rows

    mutating func blankLine(_ line: Int) {
        blankLines.append(line)
    }

    /// Validates one row. `evaluation` is the row checks' state: the current row's cells, the id tables and the
    /// row's findings.
    mutating func row(_ row: TableRow, _ evaluation: inout RowEvaluation, sink: inout some RowSink & ~Copyable) throws {
        let plan = evaluation.plan
        counts.read += 1
        rowValid = 0
        rowDefaulted = 0
        if counts.read & (Self.progressEvery - 1) == 0 { progress?(counts.read) }
        evaluation.findings.removeAll(keepingCapacity: true)
        if counts.read <= Self.sampleRows, fileBytes != nil { sampleRowSize(row, &evaluation) }

        if !row.issues.isEmpty {
            let structure = compiled?.structure ?? [:]
            if row.issues.contains(.invalidUTF8), let r = structure[.encoding] { evaluation.find(r, -1) }
            if row.issues.contains(.nulByte), let r = structure[.nul_byte] { evaluation.find(r, -1) }
            if row.issues.contains(.malformedQuote), let r = structure[.malformed_quote] { evaluation.find(r, -1) }
            if row.issues.contains(.oversized), let r = structure[.oversized_row] { evaluation.find(r, -1) }
        }
        if row.count != headerCount {
            if let r = compiled?.structure[.ragged_row] { evaluation.find(r, -1) }
        } else if headerOK {
            checkColumns(row, plan: plan, &evaluation)
        }

        let rowFindings = evaluation.findings
        guard !rowFindings.isEmpty else {
            counts.passedRowChecks += 1
            if !rejectedBeforeRows { try sink.accepted(row, withheld: .none) }
            return
        }
        var quarantine = false
        let key = recordKey(of: row, plan: plan)
        for (rule, column) in rowFindings {
            failures[rule] += 1
            if examples[rule].count < 5 {
                examples[rule].append(
                    FindingLocation(
                        row: row.recordNumber,
                        line: row.line,
                        column: column < 0 ? nil : findingColumns[column],
                        recordID: recordID(of: row, plan: plan)
                    )
                )
            }
            if plan.severities[rule] >= .record { quarantine = true }
            var value = FindingLog.Value.none
            if headerOK, row.count == headerCount, column >= 0, column < identifying.count {
                if identifying[column] {
                    withheld[rule] = true
                    value = .withheld
                } else {
                    let field = row[plan.columns[column].field]
                    let pseudonymise = plan.columns[column].type == .nhs_number
                    tallies[rule].add(field, pseudonymise: pseudonymise, pseudonymiser: context.pseudonymiser)
                    value = .shown(field, pseudonymise: pseudonymise)
                }
            }
            log!.append(rule: rule, column: column, row: row.recordNumber, line: row.line, recordID: key, value: value)
        }
        if quarantine {
            counts.quarantined += 1
            // A quarantined row is loaded nowhere: none of its values counts as valid in the score.
            var valid = rowValid
            while valid != 0 {
                let c = valid.trailingZeroBitCount
                items[c].quarantinedValid += 1
                if rowDefaulted & (1 << UInt64(c)) != 0 { items[c].quarantinedDefaulted += 1 }
                valid &= valid - 1
            }
            var reasons: [Rule] = []
            for (rule, _) in rowFindings where plan.severities[rule] >= .record {
                if !reasons.contains(where: { $0.id == rules[rule].id }) { reasons.append(rules[rule]) }
            }
            if !rejectedBeforeRows { try sink.quarantined(row, reasons: reasons) }
        } else {
            counts.passedRowChecks += 1
            var withheld = WithheldColumns.none
            for (rule, column) in rowFindings where column >= 0 && plan.withholdsValue[rule] {
                withheld.bits |= 1 << UInt64(column)
            }
            if !rejectedBeforeRows { try sink.accepted(row, withheld: withheld) }
        }
    }

    /// The row's key as a report may show it, when the header placed the key column and the row is not ragged.
    func recordID(of row: TableRow, plan: Plan) -> String? {
        guard let value = recordKey(of: row, plan: plan), !value.isEmpty else { return nil }
        return ValueTally.shown(value, pseudonymise: false, by: context.pseudonymiser)
    }

    /// The row's key field, when the header placed the key column and the row is not ragged.
    @_lifetime(copy row)
    func recordKey(of row: TableRow, plan: Plan) -> Span<UInt8>? {
        guard headerOK, row.count == headerCount, let keyColumn, keyColumn < plan.columns.count else { return nil }
        return row[plan.columns[keyColumn].field]
    }

    /// Measures the first rows and, after the last of them, sizes the id tables for the whole file.
    mutating func sampleRowSize(_ row: TableRow, _ evaluation: inout RowEvaluation) {
        for i in 0..<row.count { sampledBytes += row[i].count + 1 }
        guard counts.read == Self.sampleRows, let fileBytes, sampledBytes > 0 else { return }
        // Quoting and line endings make real rows a little longer than their fields, so this errs high by a
        // few per cent: a table a little too big, never a second doubling.
        let expected = fileBytes / max(sampledBytes / Self.sampleRows, 1) + Self.sampleRows
        for i in evaluation.uniques.indices { evaluation.uniques[i].reserve(expected) }
        collectedReferrals?.reserve(expected)
    }

    @inline(__always)
    mutating func checkColumns(_ row: TableRow, plan: Plan, _ evaluation: inout RowEvaluation) {
        for (c, table) in plan.uniqueProbes {
            evaluation.keys[c] = IdentifierTable.hash(row[plan.columns[c].field])
            evaluation.uniques[table].prefetch(evaluation.keys[c])
        }
        if let referrals {
            for c in plan.referralColumns {
                evaluation.keys[c] = IdentifierTable.hash(row[plan.columns[c].field])
                referrals.prefetch(evaluation.keys[c])
            }
        }
        for c in plan.columns.indices {
            evaluation.cells[c] = plan.parse(row[plan.columns[c].field], column: c)
        }
        var valid: UInt64 = 0
        var defaulted: UInt64 = 0
        // Through the address: the counts are updated for every column of every row, and the array's own
        // subscript would check uniqueness each time.
        items.withUnsafeMutableBufferPointer { items in
            for c in plan.columns.indices {
                let column = plan.columns[c]
                guard plan.all(column.requiredWhen, evaluation.cells) else { continue }
                let cell = evaluation.cells[c]
                items[c].applicable &+= 1
                guard cell.state != .empty else { continue }
                items[c].complete &+= 1
                guard cell.state == .valid, !cell.outOfRange else { continue }
                items[c].valid &+= 1
                valid |= 1 &<< UInt64(c)
                if cell.code >= 0, column.notRecordedMask & (1 << UInt64(cell.code)) != 0 {
                    items[c].defaulted &+= 1
                    defaulted |= 1 &<< UInt64(c)
                }
            }
        }
        rowValid = valid
        rowDefaulted = defaulted
        if collectedReferrals != nil, let idColumn = referralIDColumn, let dateColumn = referralDateColumn {
            let date = evaluation.cells[dateColumn]
            collectedReferrals!.add(
                id: row[plan.columns[idColumn].field],
                received: date.state == .valid ? Day(ordinal: date.day) : nil
            )
        }

        plan.checks.evaluate(row, &evaluation)
    }

    // MARK: Submission

    mutating func finish(
        summary: TableSummary,
        format: SubmissionName.FileFormat,
        encoding: TextEncoding
    ) throws
        -> ValidationResult
    {
        let compiled = self.compiled!
        if let line = summary.unterminatedQuoteLine, let r = compiled.structure[.unterminated_quote] {
            fileFindings.append((r, -1, nil, line))
        }
        if let r = compiled.structure[.blank_line] {
            for line in blankLines { fileFindings.append((r, -1, nil, line)) }
        }
        if counts.read == 0, !isUnreadable, let r = compiled.structure[.no_rows] {
            fileFindings.append((r, -1, nil, nil))
        }
        let totals = SubmissionTotals(counts: counts, items: items)
        for (rule, column) in compiled.submission.evaluate(totals, skipping: notEvaluated) {
            fileFindings.append((rule, column, nil, nil))
        }
        for (rule, column, row, line) in fileFindings {
            failures[rule] += 1
            if examples[rule].count < 5 {
                examples[rule].append(
                    FindingLocation(row: row, line: line, column: column < 0 ? nil : findingColumns[column])
                )
            }
        }
        // File findings follow the row findings in the log; it now also needs any unknown header names.
        let log = self.log!
        log.columns = findingColumns
        for (rule, column, row, line) in fileFindings { log.append(rule: rule, column: column, row: row, line: line) }

        // Failures now include file findings, and invalid encoding is found row by row.
        let rejected = rules.indices.contains { rules[$0].severity == .file && failures[$0] > 0 }
        var rows = counts
        if rejected {
            rows.accepted = 0
            rows.quarantined = rows.read
        } else {
            rows.accepted = rows.passedRowChecks
        }
        let ruleResults = rules.indices.map { i in
            RuleResult(
                rule: rules[i],
                evaluated: !notEvaluated.contains(i),
                failures: failures[i],
                examples: examples[i],
                topValues: tallies[i].top(5, by: context.pseudonymiser),
                valuesWithheld: withheld[i]
            )
        }
        let anyFinding = failures.contains { $0 > 0 }
        return ValidationResult(
            submission: SubmissionInfo(
                orgCode: name?.orgCode,
                kind: contract?.kind,
                period: name?.period,
                file: fileName,
                sha256: summary.sha256 ?? "",
                format: format,
                encoding: encoding,
                bytes: summary.bytesRead,
                suggestedName: name == nil ? SubmissionName.suggestion(for: fileName) : nil
            ),
            contractVersion: context.contracts.version,
            rulesetVersion: context.catalogue.version,
            catalogue: context.catalogue.identity,
            status: rejected
                ? .rejected
                : Double(counts.quarantined) > context.quarantineShare * Double(counts.read)
                    ? .accepted_needs_attention : (anyFinding ? .accepted_with_warnings : .accepted),
            rows: rows,
            score: QualityScore(
                rowsRead: counts.read,
                rowsQuarantined: counts.quarantined,
                items: contract!.columns.indices.map { c in
                    QualityScore.Item(
                        column: contract!.columns[c].name,
                        status: contract!.columns[c].status,
                        applicable: items[c].applicable,
                        complete: items[c].complete,
                        valid: items[c].valid - items[c].quarantinedValid,
                        defaulted: items[c].defaulted - items[c].quarantinedDefaulted,
                        validPresent: items[c].valid
                    )
                }
            ),
            rules: ruleResults,
            findings: log,
            pseudonymKeySource: context.pseudonymiser.keySource,
            seconds: 0,
            lines: summary.lines,
            blankLines: summary.blankLines
        )
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

import RehabCore

/// The parsed value of one contract column in the current row.
struct Cell {
    enum State: UInt8 {
        case empty
        case valid
        case invalid
    }

    var state: State = .empty
    /// A date written `DD/MM/YYYY`.
    var legacyDate = false
    /// A number outside the contract's range.
    var outOfRange = false
    /// For code columns: the code's index in its list.
    var code: Int32 = -1
    var day: Int32 = 0
    var number: Double = 0
}

/// One contract column, as the hot loop needs it. Trivially copyable: reading one costs no reference counting.
struct HotColumn: BitwiseCopyable {
    let type: ColumnType
    /// Where the column is in the file's header; -1 until the header is read.
    var field: Int
    let maxLength: Int
    let min: Double
    let max: Double
    let minExclusive: Bool
    /// Bit i set: code i counts as "not recorded".
    let notRecordedMask: UInt64
    // Ranges as their bounds: `Range` is not plain bits.
    private let codesStart: Int
    private let codesEnd: Int
    private var requiredStart = 0
    private var requiredEnd = 0

    init(
        type: ColumnType,
        field: Int,
        maxLength: Int,
        min: Double,
        max: Double,
        minExclusive: Bool,
        codes: Range<Int>,
        notRecordedMask: UInt64
    ) {
        self.type = type
        self.field = field
        self.maxLength = maxLength
        self.min = min
        self.max = max
        self.minExclusive = minExclusive
        self.notRecordedMask = notRecordedMask
        codesStart = codes.lowerBound
        codesEnd = codes.upperBound
    }

    /// The column's codes: indices into the plan's code table.
    var codes: Range<Int> { codesStart..<codesEnd }

    /// When the column is required (all must hold): indices into the plan's conditions. Empty means always.
    var requiredWhen: Range<Int> {
        get { requiredStart..<requiredEnd }
        set {
            requiredStart = newValue.lowerBound
            requiredEnd = newValue.upperBound
        }
    }
}

/// A condition compiled against a contract: which column, and what must hold of it. Trivially copyable.
struct CompiledCondition {
    enum Test {
        case inCodes(UInt64)
        case notInCodes(UInt64)
        case empty(Bool)
    }

    let column: Int
    let test: Test

    @inline(__always)
    func holds(_ cells: borrowing FixedArray<Cell>) -> Bool {
        let cell = cells[column]
        switch test {
        case .inCodes(let mask):
            return cell.state == .valid && mask & (1 << UInt64(cell.code)) != 0
        case .notInCodes(let mask):
            if cell.state == .empty { return false }
            return !(cell.state == .valid && mask & (1 << UInt64(cell.code)) != 0)
        case .empty(let wanted):
            return (cell.state == .empty) == wanted
        }
    }
}

/// The compiled form of a submission's contract and rules, in flat buffers that live as long as the run.
///
/// Everything the per-row loop reads is here, as trivially copyable values in `let` tables it owns
/// (`FixedArray`), so that the loop does no reference counting and no exclusivity checks.
final class Plan {
    let columns: FixedArray<HotColumn>
    /// The row checks, in catalogue order.
    let checks: RowChecks
    let conditions: FixedArray<CompiledCondition>
    let ints: FixedArray<Int>
    /// Code bytes, back to back; code k is `codeBytes[codeEnds[k - 1] ..< codeEnds[k]]`.
    let codeBytes: FixedArray<UInt8>
    let codeEnds: FixedArray<Int>
    let scoreRanges: FixedArray<ScoreRangeRule.Bounds>
    let severities: FixedArray<Severity>
    let orgCode: FixedArray<UInt8>
    /// The columns and tables of the `unique` checks, and the columns looked up in the referrals index. A row's
    /// keys in them are hashed before its cells are parsed, so that their table slots are on their way into
    /// cache meanwhile: tables of a million ids are far larger than the cache.
    let uniqueProbes: [(column: Int, table: Int)]
    let referralColumns: [Int]
    /// For each rule, whether a row it finds keeps its value out of every statistic: a format, code list or range
    /// failure. Read only for rows with findings.
    let withholdsValue: [Bool]

    init(_ compiler: RuleCompiler, checks: RowChecks, severities: [Severity], orgCode: String?) {
        let builder = compiler.builder
        columns = FixedArray(builder.columns)
        self.checks = checks
        conditions = FixedArray(builder.conditions)
        ints = FixedArray(builder.ints)
        codeBytes = FixedArray(builder.codeBytes)
        codeEnds = FixedArray(builder.codeEnds)
        scoreRanges = FixedArray(builder.scoreRanges)
        self.severities = FixedArray(severities)
        self.orgCode = FixedArray(Array((orgCode ?? "").utf8))
        uniqueProbes = compiler.uniqueProbes
        referralColumns = compiler.referralColumns
        withholdsValue = checks.withholdsValue
    }

    deinit { checks.deallocate() }

    /// Whether bytes are the file name's organisation code.
    @inline(__always)
    func isOrgCode(_ bytes: Span<UInt8>) -> Bool { orgCode.elements(orgCode.indices, equal: bytes) }

    /// Parses field bytes as column `c`.
    @inline(__always)
    func parse(_ b: Span<UInt8>, column c: Int) -> Cell {
        let column = columns[c]
        var cell = Cell()
        if b.isEmpty || isBlank(b) { return cell }
        cell.state = .invalid
        switch column.type {
        case .text:
            var characters = 0
            for i in b.indices where b[i] & 0xC0 != 0x80 { characters &+= 1 }
            if characters <= column.maxLength { cell.state = .valid }
        case .ods_code:
            if SubmissionName.isODSCode(b) { cell.state = .valid }
        case .nhs_number:
            if b.count == 10, b.allSatisfy({ $0 &- 48 < 10 }) { cell.state = .valid }
        case .lsoa_code:
            if let n = ReferenceData.lsoaNumber(b) {
                cell.state = .valid
                cell.number = Double(n)
            }
        case .date:
            if let (day, notation) = Day.parse(b) {
                cell.state = .valid
                cell.day = day.ordinal
                cell.legacyDate = notation == .legacy
            }
        case .integer:
            if let n = parseInteger(b) {
                cell.state = .valid
                cell.number = Double(n)
            }
        case .decimal:
            if let n = parseDecimal(b) {
                cell.state = .valid
                cell.number = n
            }
        case .code:
            for k in column.codes {
                let start = k == 0 ? 0 : codeEnds[k - 1]
                guard codeEnds[k] - start == b.count else { continue }
                if codeBytes.elements(start..<codeEnds[k], equal: b) {
                    cell.state = .valid
                    cell.code = Int32(k - column.codes.lowerBound)
                    break
                }
            }
        }
        if cell.state == .valid, column.type == .integer || column.type == .decimal {
            if column.minExclusive ? cell.number <= column.min : cell.number < column.min { cell.outOfRange = true }
            if cell.number > column.max { cell.outOfRange = true }
        }
        return cell
    }

    /// Whether every condition in `range` holds.
    @inline(__always)
    func all(_ range: Range<Int>, _ cells: borrowing FixedArray<Cell>) -> Bool {
        for i in range where !conditions[i].holds(cells) { return false }
        return true
    }
}

/// Collects a plan's pieces while the rules are compiled.
struct PlanBuilder {
    var columns: [HotColumn] = []
    var conditions: [CompiledCondition] = []
    var ints: [Int] = []
    var codeBytes: [UInt8] = []
    var codeEnds: [Int] = []
    var scoreRanges: [ScoreRangeRule.Bounds] = []
    /// Codes of each contract column, for compiling conditions.
    var codeLists: [[String]] = []

    init(contract: Contract) throws {
        guard contract.columns.count <= 64 else {
            throw RehabError(.configuration, "The \(contract.kind) contract has more than 64 columns.")
        }
        for spec in contract.columns {
            let list = spec.codes.flatMap { contract.codeLists[$0] }
            let codes = list?.codes ?? []
            guard codes.count <= 64 else {
                throw RehabError(.configuration, "Code list \(spec.codes ?? "") has more than 64 codes.")
            }
            let start = codeEnds.count
            for code in codes {
                codeBytes += Array(code.utf8)
                codeEnds.append(codeBytes.count)
            }
            var mask: UInt64 = 0
            for code in list?.notRecorded ?? [] {
                if let i = codes.firstIndex(of: code) { mask |= 1 << UInt64(i) }
            }
            codeLists.append(codes)
            columns.append(
                HotColumn(
                    type: spec.type,
                    field: -1,
                    maxLength: spec.maxLength ?? Int.max,
                    min: spec.min ?? -.infinity,
                    max: spec.max ?? .infinity,
                    minExclusive: spec.minExclusive ?? false,
                    codes: start..<codeEnds.count,
                    notRecordedMask: mask
                )
            )
        }
        for (i, spec) in contract.columns.enumerated() {
            if let condition = spec.requiredWhen {
                columns[i].requiredWhen = try add(
                    [condition],
                    contract: contract,
                    owner: "contract column \(spec.name)"
                )
            }
        }
    }

    /// Compiles conditions into the pool and returns their indices.
    mutating func add(_ list: [Condition], contract: Contract, owner: String) throws -> Range<Int> {
        let start = conditions.count
        for condition in list { conditions.append(try compile(condition, contract: contract, owner: owner)) }
        return start..<conditions.count
    }

    func compile(_ condition: Condition, contract: Contract, owner: String) throws -> CompiledCondition {
        guard let index = contract.index(of: condition.column) else {
            throw RehabError(.configuration, "\(owner) names \(condition.column), not a \(contract.kind) column.")
        }
        func mask(_ codes: [String]) throws -> UInt64 {
            guard columns[index].type == .code else {
                throw RehabError(
                    .configuration,
                    "\(owner): `in`/`not_in` need a code column; \(condition.column) is not one."
                )
            }
            var mask: UInt64 = 0
            for code in codes {
                guard let i = codeLists[index].firstIndex(of: code) else {
                    throw RehabError(.configuration, "\(owner): \(code) is not a code of \(condition.column).")
                }
                mask |= 1 << UInt64(i)
            }
            return mask
        }
        if let codes = condition.in { return CompiledCondition(column: index, test: .inCodes(try mask(codes))) }
        if let codes = condition.notIn { return CompiledCondition(column: index, test: .notInCodes(try mask(codes))) }
        return CompiledCondition(column: index, test: .empty(condition.empty ?? true))
    }
}

@inline(__always)
func isBlank(_ b: Span<UInt8>) -> Bool {
    for i in b.indices where b[i] != UInt8(ascii: " ") && b[i] != UInt8(ascii: "\t") { return false }
    return true
}

/// An optional sign and up to 18 digits.
@inline(__always)
func parseInteger(_ b: Span<UInt8>) -> Int? {
    var i = 0
    var negative = false
    if b[0] == UInt8(ascii: "-") || b[0] == UInt8(ascii: "+") {
        negative = b[0] == UInt8(ascii: "-")
        i = 1
    }
    let digits = b.count - i
    guard digits > 0, digits <= 18 else { return nil }
    var value = 0
    while i < b.count {
        let d = b[i] &- 48
        guard d < 10 else { return nil }
        value = value &* 10 &+ Int(d)
        i += 1
    }
    return negative ? -value : value
}

/// An optional sign, digits, and an optional fraction: `12`, `-0.5`, `3.25`. No exponents, no thousands
/// separators.
@inline(__always)
func parseDecimal(_ b: Span<UInt8>) -> Double? {
    var i = 0
    var negative = false
    if b[0] == UInt8(ascii: "-") || b[0] == UInt8(ascii: "+") {
        negative = b[0] == UInt8(ascii: "-")
        i = 1
    }
    var whole = 0
    var fraction = 0
    var scale = 1.0
    var digits = 0
    var seenPoint = false
    while i < b.count {
        let byte = b[i]
        if byte == UInt8(ascii: ".") {
            guard !seenPoint else { return nil }
            seenPoint = true
        } else {
            let d = byte &- 48
            guard d < 10 else { return nil }
            digits += 1
            guard digits <= 17 else { return nil }
            if seenPoint {
                fraction = fraction * 10 + Int(d)
                scale *= 10
            } else {
                whole = whole * 10 + Int(d)
            }
        }
        i += 1
    }
    guard digits > 0 else { return nil }
    let value = Double(whole) + Double(fraction) / scale
    return negative ? -value : value
}

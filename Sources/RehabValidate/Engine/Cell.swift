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

/// One contract column, ready for the hot loop.
struct CompiledColumn {
    let name: String
    let type: ColumnType
    let status: ColumnStatus
    /// Where the column is in the file's header.
    var field: Int
    let maxLength: Int
    let codes: [[UInt8]]
    /// Bit i set: code i counts as "not recorded".
    let notRecordedMask: UInt64
    let min: Double?
    let max: Double?
    let minExclusive: Bool
    /// When the column is required (all must hold); empty means always.
    var requiredWhen: [CompiledCondition] = []

    init(spec: ColumnSpec, codeList: CodeList?) {
        name = spec.name
        type = spec.type
        status = spec.status
        field = -1
        maxLength = spec.maxLength ?? Int.max
        codes = codeList?.codes.map { Array($0.utf8) } ?? []
        var mask: UInt64 = 0
        for code in codeList?.notRecorded ?? [] {
            if let i = codeList?.codes.firstIndex(of: code) { mask |= 1 << UInt64(i) }
        }
        notRecordedMask = mask
        min = spec.min
        max = spec.max
        minExclusive = spec.minExclusive ?? false
    }

    /// The index of a code in this column's list.
    func codeIndex(_ code: String) -> Int? { codes.firstIndex(of: Array(code.utf8)) }

    @inline(__always)
    func parse(_ b: UnsafeBufferPointer<UInt8>) -> Cell {
        var cell = Cell()
        if b.isEmpty || isBlank(b) { return cell }
        cell.state = .invalid
        switch type {
        case .text:
            var characters = 0
            for byte in b where byte & 0xC0 != 0x80 { characters &+= 1 }
            if characters <= maxLength { cell.state = .valid }
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
            for (i, code) in codes.enumerated() where code.count == b.count {
                if code.withUnsafeBufferPointer({ memcmp($0.baseAddress!, b.baseAddress!, b.count) == 0 }) {
                    cell.state = .valid
                    cell.code = Int32(i)
                    break
                }
            }
        }
        if cell.state == .valid, type == .integer || type == .decimal {
            if let min, minExclusive ? cell.number <= min : cell.number < min { cell.outOfRange = true }
            if let max, cell.number > max { cell.outOfRange = true }
        }
        return cell
    }
}

@inline(__always)
func isBlank(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    for byte in b where byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t") { return false }
    return true
}

@inline(__always)
func memcmp(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    for i in 0..<count where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
    return 0
}

/// An optional sign and up to 18 digits.
@inline(__always)
func parseInteger(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
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
func parseDecimal(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
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

/// A condition compiled against a contract: which column, and what must hold of it.
struct CompiledCondition {
    enum Test {
        case inCodes(UInt64)
        case notInCodes(UInt64)
        case empty(Bool)
    }

    let column: Int
    let test: Test

    init(_ condition: Condition, contract: Contract, columns: [CompiledColumn], ruleID: String) throws {
        guard let index = contract.index(of: condition.column) else {
            throw RehabError(.configuration, "Rule \(ruleID) names \(condition.column), not a \(contract.kind) column.")
        }
        column = index
        func mask(_ codes: [String]) throws -> UInt64 {
            guard columns[index].type == .code else {
                throw RehabError(
                    .configuration,
                    "Rule \(ruleID): `in`/`not_in` need a code column, and \(condition.column) is not one."
                )
            }
            var mask: UInt64 = 0
            for code in codes {
                guard let i = columns[index].codeIndex(code) else {
                    throw RehabError(
                        .configuration,
                        "Rule \(ruleID): \(code) is not a code of \(condition.column)."
                    )
                }
                mask |= 1 << UInt64(i)
            }
            return mask
        }
        if let codes = condition.in {
            test = .inCodes(try mask(codes))
        } else if let codes = condition.notIn {
            test = .notInCodes(try mask(codes))
        } else {
            test = .empty(condition.empty ?? true)
        }
    }

    @inline(__always)
    func holds(_ cells: UnsafeMutablePointer<Cell>) -> Bool {
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

import RehabIngest

extension CheckKind {
    /// A number must lie within its column's range.
    public static let range = CheckKind(rawValue: "range")
}

/// `range`: a number must lie within its column's `min` and `max` in the contract.
struct RangeRule: RowRuleKind {
    static var kind: CheckKind { .range }
    static var withholdsValue: Bool { true }

    let column: Int

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        column = try compiler.column(rule.column)
    }

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        if row.cells[column].outOfRange { row.find(rule, column) }
    }
}

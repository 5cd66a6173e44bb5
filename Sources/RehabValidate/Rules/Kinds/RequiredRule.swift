import RehabIngest

extension CheckKind {
    /// A value must be present.
    public static let required = CheckKind(rawValue: "required")
}

/// `required`: the column must have a value; with `when`, only in rows where every condition holds, and otherwise
/// where the contract's `required_when` holds.
struct RequiredRule: RowRuleKind {
    static var kind: CheckKind { .required }

    let column: Int
    let when: Range<Int>

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        column = try compiler.column(rule.column)
        when = try rule.when.map(compiler.conditions) ?? compiler.builder.columns[column].requiredWhen
    }

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        if row.cells[column].state == .empty, row.plan.all(when, row.cells) { row.find(rule, column) }
    }
}

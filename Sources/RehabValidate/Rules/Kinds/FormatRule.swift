import RehabIngest

extension CheckKind {
    /// A value must have its column's type and length.
    public static let format = CheckKind(rawValue: "format")
}

/// `format`: a value must parse as its column's type, within its length. Code columns are `code_list`'s business.
struct FormatRule: RowRuleKind {
    static var kind: CheckKind { .format }
    static var withholdsValue: Bool { true }

    let column: Int

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        column = try compiler.column(rule.column)
    }

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        if row.cells[column].state == .invalid, row.plan.columns[column].type != .code { row.find(rule, column) }
    }
}

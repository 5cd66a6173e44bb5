import RehabIngest

extension CheckKind {
    /// A date must not be before another column's.
    public static let date_order = CheckKind(rawValue: "date_order")
}

/// `date_order`: a date must not be before the date in `after`, or in `fallback` when `after` is empty.
struct DateOrderRule: RowRuleKind {
    static var kind: CheckKind { .date_order }

    let column: Int
    let after: Int
    let fallback: Int?

    static func check(_ rule: Rule, _ catalogue: CatalogueCheck) throws {
        try catalogue.requireColumn(rule.after, "after")
        if rule.fallback != nil { try catalogue.requireColumn(rule.fallback, "fallback") }
    }

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        column = try compiler.column(rule.column)
        after = try compiler.column(rule.after)
        fallback = try rule.fallback.map(compiler.column)
    }

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        let cell = row.cells[column]
        guard cell.state == .valid else { return }
        var reference = row.cells[after]
        if reference.state == .empty, let fallback { reference = row.cells[fallback] }
        if reference.state == .valid, cell.day < reference.day { row.find(rule, column) }
    }
}

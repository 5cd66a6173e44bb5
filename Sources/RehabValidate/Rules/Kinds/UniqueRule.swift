import RehabIngest

extension CheckKind {
    /// A value must not repeat within the file.
    public static let unique = CheckKind(rawValue: "unique")
}

/// `unique`: a value must not appear twice in the file. Each value's hash is kept in a table of the run's; the
/// row's hash is taken, and its slot fetched, before the row's cells are parsed.
struct UniqueRule: RowRuleKind {
    static var kind: CheckKind { .unique }

    let column: Int
    /// The check's table in `RowEvaluation.uniques`.
    let table: Int

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        column = try compiler.column(rule.column)
        table = compiler.uniqueTable(for: column)
    }

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        if row.cells[column].state != .empty, !row.uniques[table].insert(row.keys[column]) {
            row.find(rule, column)
        }
    }
}

import RehabIngest

extension CheckKind {
    /// A code must be the ORG the file name declares.
    public static let equals_file_org = CheckKind(rawValue: "equals_file_org")
}

/// `equals_file_org`: the column must hold the ORG code the file is named for. Not evaluated when the file name
/// does not follow the contract: there is no ORG to compare with.
struct EqualsFileOrgRule: RowRuleKind {
    static var kind: CheckKind { .equals_file_org }

    let column: Int

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        guard compiler.name != nil else { return nil }
        column = try compiler.column(rule.column)
    }

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        if row.cells[column].state != .empty, !row.plan.isOrgCode(row.field(column, of: fields)) {
            row.find(rule, column)
        }
    }
}

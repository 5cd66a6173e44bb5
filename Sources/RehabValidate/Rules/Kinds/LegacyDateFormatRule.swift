import RehabIngest

extension CheckKind {
    /// Dates written DD/MM/YYYY.
    public static let legacy_date_format = CheckKind(rawValue: "legacy_date_format")
}

/// `legacy_date_format`: every date column, written `DD/MM/YYYY` instead of `YYYY-MM-DD`. The finding names the
/// column; a `column` in the rule is not used.
struct LegacyDateFormatRule: RowRuleKind {
    static var kind: CheckKind { .legacy_date_format }
    static var columnUse: ColumnUse { .ignored }

    /// The date columns: indices into the plan's ints.
    let columns: Range<Int>

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        let contract = compiler.contract
        columns = compiler.ints(contract.columns.indices.filter { contract.columns[$0].type == .date })
    }

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        for i in columns where row.cells[row.plan.ints[i]].legacyDate { row.find(rule, row.plan.ints[i]) }
    }
}

import RehabIngest

extension CheckKind {
    /// An LSOA code must be in the reference data.
    public static let lsoa_known = CheckKind(rawValue: "lsoa_known")
}

/// `lsoa_known`: a well-formed LSOA 2021 code must be one of the reference data's.
struct LSOAKnownRule: RowRuleKind {
    static var kind: CheckKind { .lsoa_known }

    let column: Int

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        column = try compiler.column(rule.column)
    }

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        let cell = row.cells[column]
        if cell.state == .valid, !row.reference.lsoaExists(Int(cell.number)) { row.find(rule, column) }
    }
}

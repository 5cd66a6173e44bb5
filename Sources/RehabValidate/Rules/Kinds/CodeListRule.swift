import RehabIngest

extension CheckKind {
    /// A value must be on its column's code list.
    public static let code_list = CheckKind(rawValue: "code_list")
}

/// `code_list`: a value must be one of its column's codes.
struct CodeListRule: RowRuleKind {
    static var kind: CheckKind { .code_list }
    static var withholdsValue: Bool { true }

    let column: Int

    static func check(_ rule: Rule, _ catalogue: CatalogueCheck) throws {
        for extract in catalogue.extracts
        where catalogue.contracts[extract].column(named: rule.column ?? "")?.type != .code {
            throw catalogue.fail(
                "column \(rule.column ?? "") has no code list in the \(extract.rawValue) contract"
            )
        }
    }

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        column = try compiler.column(rule.column)
    }

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        if row.cells[column].state == .invalid { row.find(rule, column) }
    }
}

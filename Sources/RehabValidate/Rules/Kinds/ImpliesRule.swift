import RehabCore
import RehabIngest

extension CheckKind {
    /// When some conditions hold, another must.
    public static let implies = CheckKind(rawValue: "implies")
}

/// `implies`: in a row where every `when` condition holds, `then` must hold too. An empty `then` column is the
/// business of the `required` rules, not of this one.
struct ImpliesRule: RowRuleKind {
    static var kind: CheckKind { .implies }

    let column: Int
    let when: Range<Int>
    let then: CompiledCondition

    static func check(_ rule: Rule, _ catalogue: CatalogueCheck) throws {
        guard rule.when != nil, rule.then != nil else { throw catalogue.fail("`implies` needs `when` and `then`") }
    }

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        guard let then = rule.then else { throw RehabError(.configuration, "Rule \(rule.id) lacks `then`.") }
        column = try compiler.column(rule.column)
        when = try compiler.conditions(rule.when ?? [])
        self.then = try compiler.condition(then)
    }

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        if row.cells[then.column].state != .empty, row.plan.all(when, row.cells), !then.holds(row.cells) {
            row.find(rule, column)
        }
    }
}

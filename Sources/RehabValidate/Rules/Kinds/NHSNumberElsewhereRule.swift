import RehabCore
import RehabIngest

extension CheckKind {
    /// An NHS number written in a column other than the NHS number's.
    public static let nhs_number_elsewhere = CheckKind(rawValue: "nhs_number_elsewhere")
}

/// `nhs_number_elsewhere`: a valid NHS number written anywhere in any other column, dates included. The NHS number's
/// own column is pseudonymised; a number in any other value would otherwise reach a report, the quarantine or core
/// as written. The finding names the column.
struct NHSNumberElsewhereRule: RowRuleKind {
    static var kind: CheckKind { .nhs_number_elsewhere }
    static var columnUse: ColumnUse { .none }

    /// Every column but the NHS number's: indices into the plan's ints.
    let columns: Range<Int>

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        let contract = compiler.contract
        columns = compiler.ints(contract.columns.indices.filter { contract.columns[$0].type != .nhs_number })
    }

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        for i in columns {
            let c = row.plan.ints[i]
            let value = row.field(c, of: fields)
            if value.count >= 10, NHSNumber.containsValid(value) { row.find(rule, c) }
        }
    }
}

import RehabCore
import RehabIngest

extension CheckKind {
    /// An NHS number's check digit.
    public static let nhs_number_check = CheckKind(rawValue: "nhs_number_check")
}

/// `nhs_number_check`: a well-formed NHS number must have the right check digit (modulus 11).
struct NHSNumberCheckRule: RowRuleKind {
    static var kind: CheckKind { .nhs_number_check }

    let column: Int

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        column = try compiler.column(rule.column)
    }

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        if row.cells[column].state == .valid, !NHSNumber.hasValidCheckDigit(row.field(column, of: fields)) {
            row.find(rule, column)
        }
    }
}

import RehabIngest

extension CheckKind {
    /// A contact's referral must be in the same trust's referrals for the period.
    public static let referral_exists = CheckKind(rawValue: "referral_exists")
}

/// `referral_exists`: the referral id must be in the referrals file of the same trust and period. Not evaluated
/// without one.
struct ReferralExistsRule: RowRuleKind {
    static var kind: CheckKind { .referral_exists }

    let column: Int

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        guard compiler.hasReferrals else { return nil }
        column = try compiler.column(rule.column)
        compiler.looksUpReferral(column)
    }

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        if row.cells[column].state == .valid, row.referrals?.lookup(key: row.keys[column]) == nil {
            row.find(rule, column)
        }
    }
}

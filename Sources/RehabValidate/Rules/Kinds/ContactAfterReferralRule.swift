import RehabIngest

extension CheckKind {
    /// A contact must not be before its referral was received.
    public static let contact_after_referral = CheckKind(rawValue: "contact_after_referral")
}

/// `contact_after_referral`: the date must not be before the referral in `referral_column` was received, as the
/// same trust and period's referrals file says. Not evaluated without one.
struct ContactAfterReferralRule: RowRuleKind {
    static var kind: CheckKind { .contact_after_referral }

    let column: Int
    let referral: Int

    static func check(_ rule: Rule, _ catalogue: CatalogueCheck) throws {
        try catalogue.requireColumn(rule.referralColumn, "referral_column")
    }

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        guard compiler.hasReferrals else { return nil }
        column = try compiler.column(rule.column)
        referral = try compiler.column(rule.referralColumn)
        compiler.looksUpReferral(referral)
    }

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        if row.cells[column].state == .valid, row.cells[referral].state == .valid,
            case .some(.some(let received)) = row.referrals?.lookup(key: row.keys[referral]),
            row.cells[column].day < received.ordinal
        {
            row.find(rule, column)
        }
    }
}

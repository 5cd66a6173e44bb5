extension CheckKind {
    /// A column must be recorded in enough of the rows where it applies.
    public static let share_recorded = CheckKind(rawValue: "share_recorded")
}

/// `share_recorded`: of the rows where the column applies, at least `minimum` (0–1) must have a valid value other
/// than a "not recorded" code. Judged once the last row is read, on recording rather than loading: values in
/// quarantined rows count.
struct ShareRecordedRule: SubmissionRuleKind {
    static var kind: CheckKind { .share_recorded }

    let column: Int
    let minimum: Double

    static func check(_ rule: Rule, _ catalogue: CatalogueCheck) throws {
        guard let minimum = rule.minimum, (0...1).contains(minimum) else {
            throw catalogue.fail("`minimum` must be 0–1")
        }
    }

    init(_ rule: Rule, compiler: RuleCompiler) throws {
        column = try compiler.column(rule.column)
        minimum = rule.minimum ?? 0
    }

    func evaluate(_ submission: SubmissionTotals) -> Int? {
        let item = submission.items[column]
        guard item.applicable > 0, Double(item.valid - item.defaulted) < minimum * Double(item.applicable) else {
            return nil
        }
        return column
    }
}

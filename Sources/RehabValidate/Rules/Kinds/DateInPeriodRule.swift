import RehabIngest

extension CheckKind {
    /// A date must lie in the month the file is named for.
    public static let date_in_period = CheckKind(rawValue: "date_in_period")
}

/// `date_in_period`: a date must lie in the file's period. Not evaluated when the file name gives no period.
struct DateInPeriodRule: DateWindow {
    static var kind: CheckKind { .date_in_period }

    let column: Int
    let earliest: Int32
    let latest: Int32

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        guard let period = compiler.name?.period else { return nil }
        column = try compiler.column(rule.column)
        earliest = period.start.ordinal
        latest = period.end.ordinal
    }
}

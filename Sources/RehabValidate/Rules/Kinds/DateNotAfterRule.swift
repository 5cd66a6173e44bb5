import RehabIngest

extension CheckKind {
    /// A date must not be after the period's end, or today.
    public static let date_not_after = CheckKind(rawValue: "date_not_after")
}

/// `date_not_after`: a date must not be after `limit`: `period_end` (the file's period; not evaluated when the
/// file name gives none) or `today`.
struct DateNotAfterRule: DateWindow {
    static var kind: CheckKind { .date_not_after }

    let column: Int
    let earliest = Int32.min
    let latest: Int32

    static func check(_ rule: Rule, _ catalogue: CatalogueCheck) throws {
        guard rule.limit == "period_end" || rule.limit == "today" else {
            throw catalogue.fail("`limit` must be period_end or today")
        }
    }

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        if rule.limit == "today" {
            latest = compiler.today.ordinal
        } else {
            guard let period = compiler.name?.period else { return nil }
            latest = period.end.ordinal
        }
        column = try compiler.column(rule.column)
    }
}

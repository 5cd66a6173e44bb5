import RehabCore
import RehabIngest

extension CheckKind {
    /// A date must not be before the period's start, or a fixed date.
    public static let date_not_before = CheckKind(rawValue: "date_not_before")
}

/// `date_not_before`: a date must not be before `limit`: `period_start` (the file's period; not evaluated when the
/// file name gives none) or a `YYYY-MM-DD` date.
struct DateNotBeforeRule: DateWindow {
    static var kind: CheckKind { .date_not_before }

    let column: Int
    let earliest: Int32
    let latest = Int32.max

    static func check(_ rule: Rule, _ catalogue: CatalogueCheck) throws {
        guard let limit = rule.limit, limit == "period_start" || Day(iso: limit) != nil else {
            throw catalogue.fail("`limit` must be period_start or a YYYY-MM-DD date")
        }
    }

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        if rule.limit == "period_start" {
            guard let period = compiler.name?.period else { return nil }
            earliest = period.start.ordinal
        } else {
            earliest = Day(iso: rule.limit ?? "")?.ordinal ?? .min
        }
        column = try compiler.column(rule.column)
    }
}

extension CheckKind {
    /// No more than a share of the rows may be quarantined.
    public static let rejected_share = CheckKind(rawValue: "rejected_share")
}

/// `rejected_share`: more than `maximum` (0–1) of the rows quarantined. Judged once the last row is read.
struct RejectedShareRule: SubmissionRuleKind {
    static var kind: CheckKind { .rejected_share }
    static var columnUse: ColumnUse { .none }

    let maximum: Double

    static func check(_ rule: Rule, _ catalogue: CatalogueCheck) throws {
        guard let maximum = rule.maximum, (0...1).contains(maximum) else {
            throw catalogue.fail("`maximum` must be 0–1")
        }
    }

    init(_ rule: Rule, compiler: RuleCompiler) throws {
        maximum = rule.maximum ?? 1
    }

    func evaluate(_ submission: SubmissionTotals) -> Int? {
        let counts = submission.counts
        return counts.read > 0 && Double(counts.quarantined) > maximum * Double(counts.read) ? -1 : nil
    }
}

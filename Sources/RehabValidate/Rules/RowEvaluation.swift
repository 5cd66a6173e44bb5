import RehabCore
import RehabIngest

/// Everything a row check reads of the current row and of the submission so far, and the findings it makes.
///
/// It lives as long as one validation run; `cells` holds the current row's parsed values.
struct RowEvaluation: ~Copyable {
    let plan: Plan
    let cells: FixedArray<Cell>
    let reference: ReferenceData
    /// The same trust and period's referrals, for the cross-file rules.
    let referrals: ReferralIndex?
    /// The tables of the uniqueness checks (`RuleCompiler.uniqueTable`).
    var uniques: [IdentifierSet]
    /// The row's id hashes, by column, for the columns of `Plan.uniqueProbes` and `Plan.referralColumns`: hashed
    /// before the cells are parsed.
    var keys: [UInt64]
    /// The last trust code looked up, and whether it was known: rows of one trust repeat it.
    var lastTrust: [UInt8] = []
    var lastTrustKnown = false
    /// The row's findings: rule and column (-1 for the row as a whole).
    var findings: [(rule: Int, column: Int)] = []

    init(plan: Plan, reference: ReferenceData, referrals: ReferralIndex?, identifierBudget: Int) {
        self.plan = plan
        self.cells = FixedArray(repeating: Cell(), count: plan.columns.count)
        self.reference = reference
        self.referrals = referrals
        self.uniques = plan.uniqueProbes.map { _ in IdentifierSet(budget: identifierBudget) }
        self.keys = Array(repeating: 0, count: plan.columns.count)
    }

    /// Records a failure of `rule` on `column`.
    @inline(__always)
    mutating func find(_ rule: Int, _ column: Int) {
        findings.append((rule, column))
    }

    /// The bytes of contract column `c` in the row.
    @inline(__always)
    @_lifetime(copy row)
    func field(_ c: Int, of row: TableRow) -> Span<UInt8> {
        row[plan.columns[c].field]
    }
}

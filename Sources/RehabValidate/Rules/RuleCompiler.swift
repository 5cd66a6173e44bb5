import RehabCore
import RehabIngest

/// What compiling a submission's rules has to hand: the contract, what the file name declares, and the plan being
/// built. Kinds register here what the row loop must prepare for them, such as an id to hash before the cells are
/// parsed.
final class RuleCompiler {
    let contract: Contract
    /// What the file name declares; nil when it does not follow the contract.
    let name: SubmissionName?
    let today: Day
    /// Whether a referrals index is available for the cross-file rules.
    let hasReferrals: Bool
    var builder: PlanBuilder
    /// The rule being compiled, for error messages.
    var rule: Rule?

    /// The columns and tables of the uniqueness checks, and the columns looked up in the referrals index.
    private(set) var uniqueProbes: [(column: Int, table: Int)] = []
    private(set) var referralColumns: [Int] = []

    init(contract: Contract, name: SubmissionName?, today: Day, hasReferrals: Bool) throws {
        self.contract = contract
        self.name = name
        self.today = today
        self.hasReferrals = hasReferrals
        builder = try PlanBuilder(contract: contract)
    }

    /// The index of a column the rule names.
    func column(_ name: String?) throws -> Int {
        guard let name, let index = contract.index(of: name) else {
            throw RehabError(
                .configuration,
                "Rule \(rule?.id ?? "") names a column the \(contract.kind) contract lacks."
            )
        }
        return index
    }

    /// Compiles conditions that must all hold into the plan, and returns their indices.
    func conditions(_ list: [Condition]) throws -> Range<Int> {
        try builder.add(list, contract: contract, owner: "Rule \(rule?.id ?? "")")
    }

    /// Compiles one condition.
    func condition(_ condition: Condition) throws -> CompiledCondition {
        try builder.compile(condition, contract: contract, owner: "Rule \(rule?.id ?? "")")
    }

    /// Adds integers to the plan's pool (for example a list of columns) and returns their indices.
    func ints(_ values: [Int]) -> Range<Int> {
        let start = builder.ints.count
        builder.ints += values
        return start..<builder.ints.count
    }

    /// A new table of ids for a uniqueness check on `column`: each row's id there is hashed and its slot fetched
    /// before the row's cells are parsed. Returns the table's index in `RowEvaluation.uniques`.
    func uniqueTable(for column: Int) -> Int {
        uniqueProbes.append((column, uniqueProbes.count))
        return uniqueProbes.count - 1
    }

    /// Asks for `column`'s id to be hashed and looked up in the referrals index, for `RowEvaluation.key(column)`.
    func looksUpReferral(_ column: Int) {
        if !referralColumns.contains(column) { referralColumns.append(column) }
    }
}

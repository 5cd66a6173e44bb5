import RehabCore

/// The rules of one extract kind, compiled for one submission.
struct CompiledRules {
    /// Every rule that applies to the kind, in catalogue order; findings refer to rules by index here.
    let rules: [Rule]
    /// The flat, trivially copyable form the row loop runs on, with the row checks.
    let plan: Plan
    /// The checks judged once the last row is read.
    let submission: SubmissionChecks
    /// Rules that cannot be evaluated for this submission: it lacks what they need.
    var notEvaluated: Set<Int> = []
    /// Structure rules by check (the first rule of each).
    var structure: [StructureCheck: Int] = [:]

    /// Compiles the rules for a submission.
    ///
    /// - Parameters:
    ///   - name: what the file name declares; nil when it does not follow the contract, in which case rules
    ///     that need the ORG or period are not evaluated.
    ///   - hasReferrals: whether a referrals index is available for cross-file rules.
    init(
        catalogue: RuleCatalogue,
        contract: Contract,
        name: SubmissionName?,
        today: Day,
        hasReferrals: Bool
    ) throws {
        rules = catalogue.rules(for: contract.kind)
        let compiler = try RuleCompiler(contract: contract, name: name, today: today, hasReferrals: hasReferrals)
        for (index, rule) in rules.enumerated() {
            if let check = StructureCheck(rawValue: rule.check.rawValue), structure[check] == nil {
                structure[check] = index
            }
        }
        let (checks, notEvaluated) = try RowChecks.compile(rules, compiler: compiler)
        self.notEvaluated = notEvaluated
        submission = try SubmissionChecks.compile(rules, compiler: compiler)
        plan = Plan(compiler, checks: checks, severities: rules.map(\.severity), orgCode: name?.orgCode)
    }

    /// The rules that judge columns: row checks, and submission checks of a column.
    var columnRules: [Int] { plan.checks.rules + submission.columnRules }
}

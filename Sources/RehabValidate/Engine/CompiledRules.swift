import RehabCore

/// A row-level rule, compiled against one contract, one header and one submission.
enum RowCheck {
    case required(column: Int, when: Range<Int>)
    case format(column: Int)
    /// Date columns: indices into the plan's ints.
    case legacyDate(columns: Range<Int>)
    case codeList(column: Int)
    case range(column: Int)
    case nhsCheck(column: Int)
    /// Every column but the NHS number's and the dates': indices into the plan's ints.
    case nhsElsewhere(columns: Range<Int>)
    case equalsFileOrg(column: Int)
    case knownTrust(column: Int)
    case lsoaKnown(column: Int)
    /// `date_in_period`, `date_not_after` and `date_not_before`: the date must lie in `min...max`.
    case dateWindow(column: Int, min: Int32, max: Int32)
    case unique(column: Int, table: Int)
    case dateOrder(column: Int, after: Int, fallback: Int?)
    case implies(column: Int, when: Range<Int>, then: CompiledCondition)
    /// Ranges by tool code: `scoreRanges[ranges + code]`.
    case scoreRange(column: Int, tool: Int, ranges: Int)
    case referralExists(column: Int)
    case contactAfterReferral(column: Int, referral: Int)
}

/// The rules of one extract kind, sorted by what they look at.
struct CompiledRules {
    /// Every rule that applies to the kind, in catalogue order; findings refer to rules by index here.
    let rules: [Rule]
    /// The flat, trivially copyable form the row loop runs on.
    let plan: Plan
    /// Rules that could not be evaluated for this submission, with the reason.
    var notEvaluated: Set<Int> = []
    /// Structure rules by check kind (the first rule of each kind).
    var structure: [CheckKind: Int] = [:]
    /// `share_recorded` rules: rule index, column, minimum share.
    var shares: [(rule: Int, column: Int, minimum: Double)] = []
    var uniqueTables = 0

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
        var builder = try PlanBuilder(contract: contract)
        for (index, rule) in rules.enumerated() {
            func column(_ name: String?) throws -> Int {
                guard let name, let i = contract.index(of: name) else {
                    throw RehabError(
                        .configuration,
                        "Rule \(rule.id) names a column the \(contract.kind) contract lacks."
                    )
                }
                return i
            }
            func conditions(_ list: [Condition]) throws -> Range<Int> {
                try builder.add(list, contract: contract, owner: "Rule \(rule.id)")
            }
            let check: RowCheck?
            switch rule.check {
            case .file_name, .period_not_future, .unreadable, .encoding, .header, .unterminated_quote, .no_rows,
                .blank_line, .ragged_row, .nul_byte, .malformed_quote, .oversized_row, .rejected_share:
                if structure[rule.check] == nil { structure[rule.check] = index }
                check = nil
            case .share_recorded:
                shares.append((index, try column(rule.column), rule.minimum ?? 0))
                check = nil
            case .required:
                let c = try column(rule.column)
                let when = try rule.when.map(conditions) ?? builder.columns[c].requiredWhen
                check = .required(column: c, when: when)
            case .format:
                check = .format(column: try column(rule.column))
            case .legacy_date_format:
                let start = builder.ints.count
                builder.ints += contract.columns.indices.filter { contract.columns[$0].type == .date }
                check = .legacyDate(columns: start..<builder.ints.count)
            case .code_list:
                check = .codeList(column: try column(rule.column))
            case .range:
                check = .range(column: try column(rule.column))
            case .nhs_number_check:
                check = .nhsCheck(column: try column(rule.column))
            case .nhs_number_elsewhere:
                // Every column but the NHS number's own (pseudonymised): a number inside any value, a date's
                // included, would otherwise reach a report, the quarantine or core as written.
                let start = builder.ints.count
                builder.ints += contract.columns.indices.filter { contract.columns[$0].type != .nhs_number }
                check = .nhsElsewhere(columns: start..<builder.ints.count)
            case .known_trust:
                check = .knownTrust(column: try column(rule.column))
            case .lsoa_known:
                check = .lsoaKnown(column: try column(rule.column))
            case .unique:
                check = .unique(column: try column(rule.column), table: uniqueTables)
                uniqueTables += 1
            case .date_order:
                check = .dateOrder(
                    column: try column(rule.column),
                    after: try column(rule.after),
                    fallback: try rule.fallback.map { try column($0) }
                )
            case .implies:
                guard let then = rule.then else { throw RehabError(.configuration, "Rule \(rule.id) lacks `then`.") }
                check = .implies(
                    column: try column(rule.column),
                    when: try conditions(rule.when ?? []),
                    then: try builder.compile(then, contract: contract, owner: "Rule \(rule.id)")
                )
            case .score_range:
                let tool = try column(rule.toolColumn)
                let codes = builder.codeLists[tool]
                let start = builder.scoreRanges.count
                builder.scoreRanges += Array(repeating: ScoreRange(min: 0, max: 0, defined: false), count: codes.count)
                for (code, bounds) in rule.ranges ?? [:] {
                    guard let i = codes.firstIndex(of: code) else {
                        throw RehabError(
                            .configuration,
                            "Rule \(rule.id): \(code) is not a code of \(rule.toolColumn ?? "")."
                        )
                    }
                    builder.scoreRanges[start + i] = ScoreRange(min: bounds[0], max: bounds[1], defined: true)
                }
                check = .scoreRange(column: try column(rule.column), tool: tool, ranges: start)
            case .date_not_before:
                let c = try column(rule.column)
                if rule.limit == "period_start" {
                    guard let name else {
                        notEvaluated.insert(index)
                        continue
                    }
                    check = .dateWindow(column: c, min: name.period.start.ordinal, max: .max)
                } else {
                    check = .dateWindow(column: c, min: Day(iso: rule.limit ?? "")?.ordinal ?? .min, max: .max)
                }
            case .date_not_after:
                let c = try column(rule.column)
                if rule.limit == "today" {
                    check = .dateWindow(column: c, min: .min, max: today.ordinal)
                } else {
                    guard let name else {
                        notEvaluated.insert(index)
                        continue
                    }
                    check = .dateWindow(column: c, min: .min, max: name.period.end.ordinal)
                }
            case .date_in_period:
                guard let name else {
                    notEvaluated.insert(index)
                    continue
                }
                check = .dateWindow(
                    column: try column(rule.column),
                    min: name.period.start.ordinal,
                    max: name.period.end.ordinal
                )
            case .equals_file_org:
                // The ORG to compare with is in the plan; without a parsable file name there is none.
                guard name != nil else {
                    notEvaluated.insert(index)
                    continue
                }
                check = .equalsFileOrg(column: try column(rule.column))
            case .referral_exists:
                guard hasReferrals else {
                    notEvaluated.insert(index)
                    continue
                }
                check = .referralExists(column: try column(rule.column))
            case .contact_after_referral:
                guard hasReferrals else {
                    notEvaluated.insert(index)
                    continue
                }
                check = .contactAfterReferral(
                    column: try column(rule.column),
                    referral: try column(rule.referralColumn)
                )
            }
            if let check { builder.checks.append(PlannedCheck(rule: index, check: check)) }
        }
        plan = Plan(builder, severities: rules.map(\.severity), orgCode: name?.orgCode)
    }

    /// The rules with a row-level check.
    var rowCheckRules: [Int] { plan.checks.map(\.rule) }
}

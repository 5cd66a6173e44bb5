import RehabCore
import RehabIngest

/// Every kind of check, listed once.
///
/// A new kind is one file in `Rules/Kinds/` (its type: parameters, catalogue check, compiling and evaluating), and
/// here its entry in `row` or `submission`; a row kind also needs its case in `RowCheck` and that case's arm in
/// `RowCheck.evaluate`. docs/rule-catalogue.md says how.
enum RuleKinds {
    /// The kinds that check each row.
    static let row: [RowEntry] = [
        RowEntry(RequiredRule.self, RowCheck.required),
        RowEntry(FormatRule.self, RowCheck.format),
        RowEntry(LegacyDateFormatRule.self, RowCheck.legacyDateFormat),
        RowEntry(CodeListRule.self, RowCheck.codeList),
        RowEntry(RangeRule.self, RowCheck.range),
        RowEntry(NHSNumberCheckRule.self, RowCheck.nhsNumberCheck),
        RowEntry(NHSNumberElsewhereRule.self, RowCheck.nhsNumberElsewhere),
        RowEntry(EqualsFileOrgRule.self, RowCheck.equalsFileOrg),
        RowEntry(KnownTrustRule.self, RowCheck.knownTrust),
        RowEntry(LSOAKnownRule.self, RowCheck.lsoaKnown),
        RowEntry(DateInPeriodRule.self, RowCheck.dateInPeriod),
        RowEntry(DateNotAfterRule.self, RowCheck.dateNotAfter),
        RowEntry(DateNotBeforeRule.self, RowCheck.dateNotBefore),
        RowEntry(UniqueRule.self, RowCheck.unique),
        RowEntry(DateOrderRule.self, RowCheck.dateOrder),
        RowEntry(ImpliesRule.self, RowCheck.implies),
        RowEntry(ScoreRangeRule.self, RowCheck.scoreRange),
        RowEntry(ReferralExistsRule.self, RowCheck.referralExists),
        RowEntry(ContactAfterReferralRule.self, RowCheck.contactAfterReferral),
    ]

    /// The kinds that judge the submission once its last row is read.
    static let submission: [SubmissionEntry] = [
        SubmissionEntry(ShareRecordedRule.self),
        SubmissionEntry(RejectedShareRule.self),
    ]

    /// Every kind, structure first.
    static let all: [Entry] =
        StructureCheck.allCases.map { Entry(kind: $0.kind, columnUse: .none, check: { _, _ in }) }
        + row.map(\.entry) + submission.map(\.entry)

    /// The kind of this name.
    static func kind(named name: String) -> Entry? {
        all.first { $0.kind.rawValue == name }
    }

    /// What the catalogue needs of a kind.
    struct Entry: Sendable {
        let kind: CheckKind
        let columnUse: ColumnUse
        /// The kind's own check of a rule's parameters (`RuleKind.check`).
        let check: @Sendable (Rule, CatalogueCheck) throws -> Void

        init(kind: CheckKind, columnUse: ColumnUse, check: @escaping @Sendable (Rule, CatalogueCheck) throws -> Void) {
            self.kind = kind
            self.columnUse = columnUse
            self.check = check
        }

        init<K: RuleKind>(_ type: K.Type) {
            self.init(kind: K.kind, columnUse: K.columnUse, check: { try K.check($0, $1) })
        }
    }

    /// A row kind: what the catalogue needs of it, and how its rules compile into `RowCheck`s.
    struct RowEntry: Sendable {
        let entry: Entry
        let withholdsValue: Bool
        let compile: @Sendable (Rule, RuleCompiler) throws -> RowCheck?

        init<K: RowRuleKind>(_ type: K.Type, _ wrap: @escaping @Sendable (K) -> RowCheck) {
            entry = Entry(type)
            withholdsValue = K.withholdsValue
            compile = { rule, compiler in try K(rule, compiler: compiler).map(wrap) }
        }
    }

    /// A submission kind: what the catalogue needs of it, and how its rules compile.
    struct SubmissionEntry: Sendable {
        let entry: Entry
        let compile: @Sendable (Rule, RuleCompiler) throws -> any SubmissionRuleKind

        init<K: SubmissionRuleKind>(_ type: K.Type) {
            entry = Entry(type)
            compile = { rule, compiler in try K(rule, compiler: compiler) }
        }
    }
}

/// One rule compiled for one submission, as its kind's value. The row loop switches over the case and calls the
/// kind's own `evaluate`: a jump, not a dynamic call, and every payload is trivially copyable, so the loop does no
/// reference counting.
enum RowCheck {
    case required(RequiredRule)
    case format(FormatRule)
    case legacyDateFormat(LegacyDateFormatRule)
    case codeList(CodeListRule)
    case range(RangeRule)
    case nhsNumberCheck(NHSNumberCheckRule)
    case nhsNumberElsewhere(NHSNumberElsewhereRule)
    case equalsFileOrg(EqualsFileOrgRule)
    case knownTrust(KnownTrustRule)
    case lsoaKnown(LSOAKnownRule)
    case dateInPeriod(DateInPeriodRule)
    case dateNotAfter(DateNotAfterRule)
    case dateNotBefore(DateNotBeforeRule)
    case unique(UniqueRule)
    case dateOrder(DateOrderRule)
    case implies(ImpliesRule)
    case scoreRange(ScoreRangeRule)
    case referralExists(ReferralExistsRule)
    case contactAfterReferral(ContactAfterReferralRule)

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        switch self {
        case .required(let check): check.evaluate(rule: rule, fields, &row)
        case .format(let check): check.evaluate(rule: rule, fields, &row)
        case .legacyDateFormat(let check): check.evaluate(rule: rule, fields, &row)
        case .codeList(let check): check.evaluate(rule: rule, fields, &row)
        case .range(let check): check.evaluate(rule: rule, fields, &row)
        case .nhsNumberCheck(let check): check.evaluate(rule: rule, fields, &row)
        case .nhsNumberElsewhere(let check): check.evaluate(rule: rule, fields, &row)
        case .equalsFileOrg(let check): check.evaluate(rule: rule, fields, &row)
        case .knownTrust(let check): check.evaluate(rule: rule, fields, &row)
        case .lsoaKnown(let check): check.evaluate(rule: rule, fields, &row)
        case .dateInPeriod(let check): check.evaluate(rule: rule, fields, &row)
        case .dateNotAfter(let check): check.evaluate(rule: rule, fields, &row)
        case .dateNotBefore(let check): check.evaluate(rule: rule, fields, &row)
        case .unique(let check): check.evaluate(rule: rule, fields, &row)
        case .dateOrder(let check): check.evaluate(rule: rule, fields, &row)
        case .implies(let check): check.evaluate(rule: rule, fields, &row)
        case .scoreRange(let check): check.evaluate(rule: rule, fields, &row)
        case .referralExists(let check): check.evaluate(rule: rule, fields, &row)
        case .contactAfterReferral(let check): check.evaluate(rule: rule, fields, &row)
        }
    }
}

/// The row checks of one submission, in catalogue order, so that a row's findings come in the order reports list
/// them.
///
/// The list is a buffer the plan owns and frees (`deallocate`), so that reading it each row costs no reference
/// counting.
struct RowChecks {
    private let list: UnsafeMutableBufferPointer<(rule: Int, check: RowCheck)>
    /// For each rule of the submission, whether a failure keeps the value out of every statistic
    /// (`RowRuleKind.withholdsValue`).
    let withholdsValue: [Bool]

    /// Compiles each row rule with its kind.
    ///
    /// - Parameter rules: the submission's rules, in catalogue order; rules of other kinds are passed over.
    /// - Returns: the checks, and the indices of the rules the submission cannot evaluate.
    static func compile(_ rules: [Rule], compiler: RuleCompiler) throws -> (checks: RowChecks, notEvaluated: Set<Int>) {
        let kinds = Dictionary(uniqueKeysWithValues: RuleKinds.row.map { ($0.entry.kind, $0) })
        var list: [(rule: Int, check: RowCheck)] = []
        var withholds = Array(repeating: false, count: rules.count)
        var notEvaluated = Set<Int>()
        for (index, rule) in rules.enumerated() {
            guard let kind = kinds[rule.check] else { continue }
            compiler.rule = rule
            if let check = try kind.compile(rule, compiler) {
                list.append((index, check))
                withholds[index] = kind.withholdsValue
            } else {
                notEvaluated.insert(index)
            }
        }
        let buffer = UnsafeMutableBufferPointer<(rule: Int, check: RowCheck)>.allocate(capacity: max(list.count, 1))
        _ = buffer.initialize(from: list)
        let checks = RowChecks(
            list: UnsafeMutableBufferPointer(rebasing: buffer[0..<list.count]),
            withholdsValue: withholds
        )
        return (checks, notEvaluated)
    }

    /// Frees the list; called once, by the plan that owns it.
    func deallocate() {
        list.baseAddress?.deallocate()
    }

    /// The indices of the rules with a row check, in catalogue order.
    var rules: [Int] { list.map(\.rule) }

    /// Checks one row.
    @inline(__always)
    func evaluate(_ fields: TableRow, _ row: inout RowEvaluation) {
        for planned in list { planned.check.evaluate(rule: planned.rule, fields, &row) }
    }
}

/// The submission checks of one submission, in catalogue order.
struct SubmissionChecks {
    private let list: [(rule: Int, check: any SubmissionRuleKind)]

    /// Compiles each submission rule with its kind; rules of other kinds are passed over.
    static func compile(_ rules: [Rule], compiler: RuleCompiler) throws -> SubmissionChecks {
        let kinds = Dictionary(uniqueKeysWithValues: RuleKinds.submission.map { ($0.entry.kind, $0) })
        var list: [(rule: Int, check: any SubmissionRuleKind)] = []
        for (index, rule) in rules.enumerated() {
            guard let kind = kinds[rule.check] else { continue }
            compiler.rule = rule
            list.append((index, try kind.compile(rule, compiler)))
        }
        return SubmissionChecks(list: list)
    }

    /// The indices of the rules that judge a column: they cannot be evaluated when the header does not place the
    /// columns.
    var columnRules: [Int] {
        list.filter { type(of: $0.check).columnUse == .required }.map(\.rule)
    }

    /// Judges the submission: each failure as rule and column, in catalogue order.
    func evaluate(_ submission: SubmissionTotals, skipping: Set<Int>) -> [(rule: Int, column: Int)] {
        list.compactMap { rule, check in
            guard !skipping.contains(rule), let column = check.evaluate(submission) else { return nil }
            return (rule, column)
        }
    }
}

import RehabCore
import RehabIngest

/// The name of a kind of check, as a rule's `check:` gives it. The kinds are listed once, in `RuleKinds`; each is
/// one type in `Rules/Kinds/` and documented in `docs/rule-catalogue.md`.
public struct CheckKind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// Every kind this rehabcount knows, in the registry's order.
    public static var allCases: [CheckKind] { RuleKinds.all.map(\.kind) }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard RuleKinds.kind(named: name) != nil else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "\(name) is not a kind of check; the kinds are "
                    + Self.allCases.map(\.rawValue).joined(separator: ", ")
            )
        }
        rawValue = name
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// How the rules of a kind use `column`.
enum ColumnUse: Sendable {
    /// They check one column, which they must name.
    case required
    /// They look at the file, the row or the submission as a whole, and must not name one.
    case none
    /// They look at several columns of their own choosing; a `column` is allowed and not used.
    case ignored
}

/// A kind of check: what its rules are called, and what the catalogue requires of them.
///
/// A kind that looks at rows is a `RowRuleKind`, one that looks at the submission once its last row is read a
/// `SubmissionRuleKind`. The file's structure (its name, encoding, header and quoting) is checked by the readers and
/// the run itself: `StructureCheck`.
protocol RuleKind {
    /// The name rules give in `check:`.
    static var kind: CheckKind { get }
    /// How its rules use `column`.
    static var columnUse: ColumnUse { get }
    /// Checks a rule's own parameters when the catalogue is read. `column`, `when` and `then` are checked for
    /// every kind before this is called.
    static func check(_ rule: Rule, _ catalogue: CatalogueCheck) throws
}

extension RuleKind {
    static var columnUse: ColumnUse { .required }
    static func check(_ rule: Rule, _ catalogue: CatalogueCheck) throws {}
}

/// A kind that checks each row. Its value is one rule compiled for one submission: the columns and limits the row
/// loop needs, trivially copyable, so that the loop does no reference counting.
protocol RowRuleKind: RuleKind {
    /// Compiles a rule for one submission.
    ///
    /// - Returns: nil when this submission lacks what the rule needs (a file name to take the period from, a
    ///   referrals file): the rule is then reported as not evaluated.
    init?(_ rule: Rule, compiler: RuleCompiler) throws

    /// Checks one row, calling `row.find(rule, column)` for each failure, in column order.
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation)

    /// Whether a failure keeps the value out of every statistic: a value of the wrong format, not on its code list
    /// or out of range is loaded as NULL, counted as not recorded.
    static var withholdsValue: Bool { get }
}

extension RowRuleKind {
    static var withholdsValue: Bool { false }
}

/// A kind that judges the submission as a whole, once its last row is read.
protocol SubmissionRuleKind: RuleKind {
    /// Compiles a rule for one submission.
    init(_ rule: Rule, compiler: RuleCompiler) throws

    /// The column the rule fails on (-1 for the submission as a whole), or nil when it holds.
    func evaluate(_ submission: SubmissionTotals) -> Int?
}

/// What a submission rule may read: the rows' counts and each column's data-quality counts.
struct SubmissionTotals {
    let counts: RowCounts
    let items: [ItemCounts]
}

/// The catalogue's view of one rule while it is being checked, with the helpers a kind's `check` uses.
struct CatalogueCheck {
    let rule: Rule
    let contracts: ContractSet
    let file: String

    /// The extracts the rule applies to.
    var extracts: [ExtractKind] { ExtractKind.allCases.filter { rule.appliesTo.includes($0) } }

    /// A configuration error naming the file and the rule.
    func fail(_ problem: String) -> RehabError {
        RehabError(.configuration, "\(file): rule \(rule.id): \(problem).", hint: "See docs/rule-catalogue.md.")
    }

    /// Requires `name` to be a column of every extract the rule applies to.
    func requireColumn(_ name: String?, _ role: String) throws {
        guard let name else { throw fail("`\(role)` is required for check \(rule.check.rawValue)") }
        for kind in extracts where contracts[kind].column(named: name) == nil {
            throw fail("`\(role)` names \(name), which is not a \(kind.rawValue) column")
        }
    }
}

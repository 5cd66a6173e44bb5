import RehabCore
import RehabIngest

extension CheckKind {
    /// A score must lie within its tool's range.
    public static let score_range = CheckKind(rawValue: "score_range")
}

/// `score_range`: a score must lie within the range `ranges` gives for the tool in `tool_column`. A tool without a
/// range is not checked.
struct ScoreRangeRule: RowRuleKind {
    static var kind: CheckKind { .score_range }
    static var withholdsValue: Bool { true }

    let column: Int
    let tool: Int
    /// Where the tool's ranges start in the plan: `scoreRanges[ranges + code]`.
    let ranges: Int

    /// One tool's range, in the plan.
    struct Bounds {
        var min: Double
        var max: Double
        var defined: Bool
    }

    static func check(_ rule: Rule, _ catalogue: CatalogueCheck) throws {
        try catalogue.requireColumn(rule.toolColumn, "tool_column")
        guard let ranges = rule.ranges, ranges.values.allSatisfy({ $0.count == 2 && $0[0] <= $0[1] }) else {
            throw catalogue.fail("`ranges` must map each tool code to [min, max]")
        }
    }

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        tool = try compiler.column(rule.toolColumn)
        let codes = compiler.builder.codeLists[tool]
        ranges = compiler.builder.scoreRanges.count
        compiler.builder.scoreRanges += Array(repeating: Bounds(min: 0, max: 0, defined: false), count: codes.count)
        for (code, bounds) in rule.ranges ?? [:] {
            guard let i = codes.firstIndex(of: code) else {
                throw RehabError(.configuration, "Rule \(rule.id): \(code) is not a code of \(rule.toolColumn ?? "").")
            }
            compiler.builder.scoreRanges[ranges + i] = Bounds(min: bounds[0], max: bounds[1], defined: true)
        }
        column = try compiler.column(rule.column)
    }

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        let cell = row.cells[column]
        let toolCell = row.cells[tool]
        guard cell.state == .valid, toolCell.state == .valid else { return }
        let range = row.plan.scoreRanges[ranges + Int(toolCell.code)]
        if range.defined, cell.number < range.min || cell.number > range.max { row.find(rule, column) }
    }
}

import Foundation
import RehabCore
import RehabValidate

/// Writes the machine-readable validation report, `X.json`.
///
/// The shape is fixed by contract with downstream systems: `contract_version`, `ruleset_version`, `submission`,
/// `status`, `rows`, `score`, `rules` and `findings`. The report stays small at any defect rate: `rules` holds
/// each rule's message and count once, and `findings` only the first `findingsPerRule` findings of each rule,
/// without the message; every finding is in `X.findings.csv` and the workbook. Apart from `validated_at`, nothing
/// in it varies between two runs over the same file with the same rules, which makes it fit for golden tests and
/// diffs.
public enum JSONReport {
    /// The formula, stated in every report so that the score can be checked by hand.
    public static let scoreFormula =
        "item score = 100 × (valid − not-recorded) / applicable rows, a quarantined row never valid; "
        + "overall = mean item score over M and R items, at most 100 × (read − quarantined) / read"

    /// How many findings of each rule the report lists unless told otherwise.
    public static let defaultFindingsPerRule = 20

    /// Writes the report to `path`, atomically.
    public static func write(
        _ result: ValidationResult,
        trend: [ScorePoint]? = nil,
        findingsPerRule: Int = defaultFindingsPerRule,
        to path: String
    ) throws {
        let out = try FileOutput(path: path)
        try write(result, trend: trend, findingsPerRule: findingsPerRule, to: out)
        try out.commit()
    }

    /// `trend`, when given, adds `score_trend`: this kind's score over recent periods, from the database.
    static func write(
        _ result: ValidationResult,
        trend: [ScorePoint]? = nil,
        findingsPerRule: Int = defaultFindingsPerRule,
        to out: FileOutput
    ) throws {
        var list = try FindingList(result, trend: trend, findingsPerRule: findingsPerRule, out: out)
        try result.findings.visit { try list.add($0) }
        try list.finish()
    }

    /// Everything before the findings, up to `"findings": [`.
    static func writeHead(_ result: ValidationResult, findingsPerRule: Int, to out: FileOutput) throws {
        let s = result.submission
        try out.write("{\n")
        try out.write("  \"contract_version\": \(JSONText.string(result.contractVersion)),\n")
        try out.write("  \"ruleset_version\": \(JSONText.string(result.rulesetVersion)),\n")
        try out.write("  \"ruleset_source\": \(JSONText.string(result.catalogue.source)),\n")
        try out.write("  \"ruleset_sha256\": \(JSONText.string(result.catalogue.sha256)),\n")
        try out.write("  \"ruleset_warning\": \(JSONText.string(result.catalogue.warning)),\n")
        try out.write("  \"rehabcount_version\": \(JSONText.string(RehabCountVersion.tool)),\n")
        try out.write("  \"validated_at\": \(JSONText.string(Self.timestamp(result.validatedAt))),\n")
        try out.write("  \"submission\": {")
        try out.write("\"org_code\": \(JSONText.string(s.orgCode)), ")
        try out.write("\"kind\": \(JSONText.string(s.kind?.rawValue)), ")
        try out.write("\"period\": \(JSONText.string(s.period?.description)), ")
        try out.write("\"file\": \(JSONText.string(s.file)), ")
        try out.write("\"sha256\": \(JSONText.string(s.sha256)), ")
        try out.write("\"format\": \(JSONText.string(s.format.rawValue)), ")
        try out.write("\"encoding\": \(JSONText.string(s.encoding.rawValue)), ")
        try out.write("\"bytes\": \(s.bytes), ")
        try out.write("\"suggested_name\": \(JSONText.string(s.suggestedName))},\n")
        try out.write("  \"status\": \(JSONText.string(result.status.rawValue)),\n")
        let r = result.rows
        try out.write(
            "  \"rows\": {\"read\": \(r.read), \"accepted\": \(r.accepted), \"quarantined\": \(r.quarantined), "
                + "\"passed_row_checks\": \(r.passedRowChecks)},\n"
        )
        try out.write("  \"lines\": {\"physical\": \(result.lines), \"blank\": \(result.blankLines)},\n")
        try out.write("  \"pseudonym_key\": \(JSONText.string(result.pseudonymKeySource.rawValue)),\n")
        try out.write("  \"score\": {\"overall\": \(JSONText.number(result.score.overall, places: 2)), ")
        try out.write("\"item_mean\": \(JSONText.number(result.score.itemMean, places: 2)), ")
        try out.write("\"cap\": \(JSONText.number(result.score.cap, places: 2)), ")
        try out.write("\"formula\": \(JSONText.string(scoreFormula)), \"items\": [")
        for (i, item) in result.score.items.enumerated() {
            try out.write(i == 0 ? "\n" : ",\n")
            try out.write(
                "    {\"column\": \(JSONText.string(item.column)), \"status\": \(JSONText.string(item.status.rawValue)), "
                    + "\"scored\": \(JSONText.bool(item.isScored)), \"applicable\": \(item.applicable), "
                    + "\"completeness\": \(JSONText.number(item.completeness)), "
                    + "\"validity\": \(JSONText.number(item.validity)), "
                    + "\"default_rate\": \(JSONText.number(item.defaultRate)), "
                    + "\"score\": \(JSONText.number(item.score, places: 2))}"
            )
        }
        try out.write("\n  ]},\n")
        try out.write("  \"rules\": [")
        for (i, rule) in result.rules.enumerated() {
            try out.write(i == 0 ? "\n" : ",\n")
            try out.write(
                "    {\"id\": \(JSONText.string(rule.rule.id)), \"severity\": \(JSONText.string(rule.rule.severity.rawValue)), "
                    + "\"failures\": \(rule.failures), \"evaluated\": \(JSONText.bool(rule.evaluated)), "
                    + "\"check\": \(JSONText.string(rule.rule.check.rawValue)), "
                    + "\"column\": \(JSONText.string(rule.rule.column)), "
                    + "\"message\": \(JSONText.string(rule.rule.message)), "
                    + "\"top_values\": [\(topValues(rule))], "
                    + "\"values_withheld\": \(JSONText.bool(rule.valuesWithheld))}"
            )
        }
        try out.write("\n  ],\n")
        try out.write("  \"findings_total\": \(result.findings.count),\n")
        try out.write("  \"findings_per_rule\": \(findingsPerRule),\n")
        try out.write("  \"findings\": [")
    }

    /// The `findings` array, and what follows it: the first `findingsPerRule` findings of each rule, fed one by
    /// one from the finding log, so that the reports of a submission read the log once between them.
    struct FindingList: FindingConsumer {
        private let out: FileOutput
        private let limit: Int
        private let trend: [ScorePoint]?
        private var listed: [Int]
        private var first = true
        /// Per rule, `{"rule": …, "severity": …, ` as bytes.
        private let ruleFields: [[UInt8]]
        private let columns: [String]

        /// Writes the report's head to `out`.
        init(_ result: ValidationResult, trend: [ScorePoint]?, findingsPerRule: Int, out: FileOutput) throws {
            self.out = out
            self.limit = findingsPerRule
            self.trend = trend
            listed = Array(repeating: 0, count: result.rules.count)
            ruleFields = result.rules.map {
                Array(
                    "    {\"rule\": \(JSONText.string($0.rule.id)), \"severity\": \(JSONText.string($0.rule.severity.rawValue)), "
                        .utf8
                )
            }
            columns = result.findings.columns
            try JSONReport.writeHead(result, findingsPerRule: findingsPerRule, to: out)
        }

        mutating func add(_ f: FindingLog.Entry) throws {
            guard listed[f.ruleIndex] < limit else { return }
            listed[f.ruleIndex] += 1
            try out.write(first ? "\n" : ",\n")
            first = false
            try out.write(ruleFields[f.ruleIndex])
            try out.write(
                "\"row\": \(JSONText.int(f.row)), \"line\": \(JSONText.int(f.line)), "
                    + "\"record_id\": \(text(f.recordID)), \"column\": \(JSONText.string(f.columnIndex.map { columns[$0] })), "
                    + "\"value\": \(text(f.value)), \"value_withheld\": \(JSONText.bool(f.withheld))}"
            )
        }

        func finish() throws {
            if let trend {
                try out.write(first ? "],\n" : "\n  ],\n")
                try out.write("  \"score_trend\": [")
                for (i, point) in trend.enumerated() {
                    try out.write(
                        (i == 0 ? "\n" : ",\n") + "    {\"period\": \(JSONText.string(point.period)), "
                            + "\"score\": \(point.score.map { JSONText.number($0) } ?? "null"), "
                            + "\"status\": \(JSONText.string(point.status))}"
                    )
                }
                try out.write(trend.isEmpty ? "]\n" : "\n  ]\n")
            } else {
                try out.write(first ? "]\n" : "\n  ]\n")
            }
            try out.write("}\n")
        }
    }

    /// An instant as ISO 8601 in UTC, to the second.
    static func timestamp(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .omitted)
        )
    }

    /// Logged bytes as a JSON string, or null when there are none.
    static func text(_ bytes: Span<UInt8>) -> String {
        bytes.isEmpty ? "null" : JSONText.string(String(decoding: bytes))
    }

    /// A rule's most frequent wrong values, as JSON objects.
    static func topValues(_ rule: RuleResult) -> String {
        rule.topValues.map { "{\"value\": \(JSONText.string($0.value)), \"count\": \($0.count)}" }
            .joined(separator: ", ")
    }
}

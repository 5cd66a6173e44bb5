import RehabCore
import RehabValidate

/// A report fed a submission's findings one by one, so that every report reads the finding log in one pass.
protocol FindingConsumer {
    mutating func add(_ finding: FindingLog.Entry) throws
    mutating func finish() throws
}

/// The reports of one submission, `<base>.json`, `.html`, `.findings.csv` and `.xlsx`, written with one read of
/// its finding log.
public enum SubmissionReports {
    /// Writes the four reports. `trend`, when given, is the score of this kind over recent periods; the JSON lists
    /// `findingsPerRule` findings of each rule, the CSV and the workbook all of them (the first
    /// `ValidationResult.rejectedSample` of each for a rejected submission).
    public static func write(
        _ result: ValidationResult,
        trend: [ScorePoint]? = nil,
        findingsPerRule: Int = JSONReport.defaultFindingsPerRule,
        base: String
    ) throws {
        let json = try FileOutput(path: "\(base).json")
        var list = try JSONReport.FindingList(result, trend: trend, findingsPerRule: findingsPerRule, out: json)
        var csv = try FindingsCSV.Writer(result, path: "\(base).findings.csv")
        var book = try ErrorWorkbook.Writer(result, path: "\(base).xlsx")
        // A rejected file loads nothing and its original is archived: the CSV and the workbook list the first
        // findings of each rule, enough to see and fix what is wrong, and its outbox cost stays bounded.
        let limit = result.keptPerRule
        var listed = Array(repeating: 0, count: result.rules.count)
        try result.findings.visit { f in
            try list.add(f)
            guard listed[f.ruleIndex] < limit else { return }
            listed[f.ruleIndex] += 1
            try csv.add(f)
            try book.add(f)
        }
        try list.finish()
        try json.commit()
        try csv.finish()
        try book.finish()
        try HTMLReport.write(result, trend: trend ?? [], to: "\(base).html")
    }
}

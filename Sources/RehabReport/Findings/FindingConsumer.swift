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
    /// A part of a submission's reports: how its file's name ends, and what it is.
    public struct Part: Sendable, Equatable {
        /// The end of its name after the submission's stem, `.findings.csv`.
        public let ending: String
        /// What a page calls it, "Findings".
        public let title: String
        /// Its format in a word, for a link's text: "CSV".
        public let format: String
        /// Its media type, for serving it.
        public let mediaType: String
    }

    /// Every part of one submission's reports, in the order pages list them. The quarantined rows are written by
    /// the sink that saw them, the rest by `write`.
    public static let parts: [Part] = [
        Part(ending: ".html", title: "Report", format: "HTML", mediaType: "text/html; charset=utf-8"),
        Part(
            ending: ".xlsx",
            title: "Workbook",
            format: "Excel",
            mediaType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
        Part(ending: ".findings.csv", title: "Findings", format: "CSV", mediaType: "text/csv; charset=utf-8"),
        Part(ending: ".quarantine.csv", title: "Quarantined rows", format: "CSV", mediaType: "text/csv; charset=utf-8"),
        Part(ending: ".json", title: "JSON", format: "JSON", mediaType: "application/json"),
    ]

    /// The night's page of a trust's data quality item by item, beside its ICB's trusts and England:
    /// `<ORG>_<YYYY-MM>.quality.html` in the trust's outbox folder. Not a part of one submission's reports.
    public static let quality = Part(
        ending: ".quality.html",
        title: "Data quality",
        format: "HTML",
        mediaType: "text/html; charset=utf-8"
    )

    /// What a report's file name is: the quality page or a part, by the longest ending it has (`.quality.html`
    /// before `.html`, `.findings.csv` before `.csv`); nil for any other name.
    public static func part(of name: String) -> Part? {
        ([quality] + parts).filter { name.hasSuffix($0.ending) && name.count > $0.ending.count }
            .max { $0.ending.count < $1.ending.count }
    }

    /// The names of one submission's reports, every part, for its report stem.
    public static func names(stem: String) -> [String] { parts.map { stem + $0.ending } }

    /// The stem of a submission's reports: its file's name without path or extension, shortened to fit.
    public static func stem(of path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let stem: String
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            stem = String(name[..<dot])
        } else {
            stem = name
        }
        return shortened(stem)
    }

    /// The longest stem whose reports' names fit the file system's 255 bytes with the longest ending of a part.
    static let longestStem = 255 - (parts.map(\.ending.utf8.count).max() ?? 0)

    /// A stem that fits: as it is, or its start cut at a character boundary with a digest of the whole, so that
    /// two long names sharing a start keep reports of their own. (Such a name never follows the pattern: the file
    /// is rejected under FILE-NAME-01 and its reports say so.)
    static func shortened(_ stem: String) -> String {
        let bytes = Array(stem.utf8)
        guard bytes.count > longestStem else { return stem }
        let digest = String(StableHash.of(stem), radix: 16)
        var end = longestStem - digest.count - 1
        while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self) + "-" + digest
    }

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

import Foundation
import RehabCore
import RehabIngest
import RehabTestSupport
import Testing

@testable import RehabReport
@testable import RehabValidate

enum ReportFixtures {
    static let root = TestFixtures.root
    static let contracts = try! ContractSet(directory: "\(root)/pipelines/contracts")
    static let catalogue = try! RuleCatalogue(directory: "\(root)/pipelines/rules", contracts: contracts)
    static let context = ValidationContext(
        contracts: contracts,
        catalogue: catalogue,
        reference: ReferenceData(trusts: ["RY2"], lsoa2011: ["E01012367"]),
        pseudonymiser: try! Pseudonymiser(key: Array(repeating: UInt8(ascii: "k"), count: 32), source: .environment),
        today: Day(iso: "2025-11-22")!
    )

    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rehabcount-report-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Every report of one validated file.
    struct Reports {
        let result: ValidationResult
        let folder: String
        let stem: String
        let json: String
        let html: String
        let quarantine: String
        let findings: String
        var workbook: String { "\(folder)/\(stem).xlsx" }
    }

    /// Validates `text` as `name` and writes every report; returns their contents.
    static func allReports(
        _ text: String,
        name: String,
        findingsPerRule: Int = JSONReport.defaultFindingsPerRule,
        rowsPerSheet: Int = XLSXWriter.maximumRows
    ) throws -> Reports {
        try allReports(Data(text.utf8), name: name, findingsPerRule: findingsPerRule, rowsPerSheet: rowsPerSheet)
    }

    /// The same, for a file of any bytes.
    static func allReports(
        _ bytes: Data,
        name: String,
        findingsPerRule: Int = JSONReport.defaultFindingsPerRule,
        rowsPerSheet: Int = XLSXWriter.maximumRows
    ) throws -> Reports {
        let dir = try folder()
        let path = "\(dir)/\(name)"
        try bytes.write(to: URL(fileURLWithPath: path))
        let stem = String(name.dropLast(4))
        var sink = try QuarantineWriter(path: "\(dir)/\(stem).quarantine.csv", pseudonymiser: context.pseudonymiser)
        let (result, _) = try SubmissionValidator(context: context).validate(path: path, sink: &sink)
        try sink.commit()
        try JSONReport.write(result, findingsPerRule: findingsPerRule, to: "\(dir)/\(stem).json")
        try HTMLReport.write(result, to: "\(dir)/\(stem).html")
        try FindingsCSV.write(result, to: "\(dir)/\(stem).findings.csv")
        try ErrorWorkbook.write(result, to: "\(dir)/\(stem).xlsx", rowsPerSheet: rowsPerSheet)
        func read(_ p: String) throws -> String { try String(contentsOfFile: p, encoding: .utf8) }
        return Reports(
            result: result,
            folder: dir,
            stem: stem,
            json: try read("\(dir)/\(stem).json"),
            html: try read("\(dir)/\(stem).html"),
            quarantine: try read("\(dir)/\(stem).quarantine.csv"),
            findings: try read("\(dir)/\(stem).findings.csv")
        )
    }

    /// Validates `text` as `name` and writes every report; returns the result, JSON, HTML and quarantine CSV.
    static func reports(
        _ text: String,
        name: String
    ) throws -> (result: ValidationResult, json: String, html: String, quarantine: String) {
        let r = try allReports(text, name: name)
        return (r.result, r.json, r.html, r.quarantine)
    }

    static let header =
        "org_code,referral_id,nhs_number,patient_id,age_at_referral,sex,ethnic_category,lsoa_code,referral_received_date,"
        + "referral_source,service_line,priority,first_contact_date,discharge_date,referral_outcome,outcome_tool,"
        + "outcome_score_start,outcome_score_end"
}

@Suite("Reports")
struct ReportTests {
    @Test("A badly named file's reports propose the name the trust meant")
    func suggestedName() throws {
        let header =
            "org_code,snapshot_date,staff_id,post_status,profession,registered,afc_band,fte,service_line,setting"
        let (_, json, html, _) = try ReportFixtures.reports(
            header + "\nRY2,2025-09-30,S1,filled,physiotherapist,Y,6,1.0,msk,clinic\n",
            name: "ry2_workforce_2025_09.csv"
        )
        #expect(json.contains("\"suggested_name\": \"RY2_workforce_2025-09.csv\""))
        #expect(html.contains("Did you mean <code>RY2_workforce_2025-09.csv</code>?"))
    }

    @Test("HTML escapes every value")
    func htmlEscaping() {
        #expect(
            HTML.escape("<script>alert('x')</script> & \"q\"")
                == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        )
        var page = HTML()
        page.element("td", "<b>")
        #expect(page.text == "<td>&lt;b&gt;</td>")
    }

    @Test("A hostile file name is escaped in the page and the JSON")
    func hostileFileName() throws {
        let name = "<img src=x onerror=alert(1)>.csv"
        let (_, json, html, _) = try ReportFixtures.reports(ReportFixtures.header + "\n", name: name)
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;.csv"))
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect((parsed?["submission"] as? [String: Any])?["file"] as? String == name)
    }

    @Test(
        "Cells a spreadsheet would run as formulas are neutralised",
        arguments: [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"), ("ok", "ok"),
        ]
    )
    func csvInjection(input: String, output: String) {
        #expect(QuarantineWriter.neutralised(Array(input.utf8)) == Array(output.utf8))
    }

    @Test("The reports show the wrong values with counts, escaped, and never an identifying one")
    func offendingValues() throws {
        let rows = [
            "RY2,R1,,P1,67,Male,A,E01012367,2025-08-20,gp,stroke,routine,,,open,,,",
            "RY2,R2,,P2,67,Male,A,E01012367,2025-08-20,gp,stroke,routine,,,open,,,",
            "RY2,R3,,P3,67,<b>x</b>,A,E01012367,2025-08-20,gp,stroke,routine,,,open,,,",
            "RY2,R4,,\(String(repeating: "q", count: 70)),67,2,A,E01012367,2025-08-20,gp,stroke,routine,,,open,,,",
        ]
        let (_, json, html, _) = try ReportFixtures.reports(
            ([ReportFixtures.header] + rows).joined(separator: "\n") + "\n",
            name: "RY2_referrals_2025-09.csv"
        )
        #expect(html.contains("Values found: <code>Male</code> ×2, <code>&lt;b&gt;x&lt;/b&gt;</code> ×1"))
        #expect(!html.contains("<b>x</b>"))
        #expect(
            json.contains(
                "\"top_values\": [{\"value\": \"Male\", \"count\": 2}, {\"value\": \"<b>x</b>\", \"count\": 1}]"
            )
        )
        #expect(html.contains("Values withheld: this column could identify a person."))
        // Each place is the line a spreadsheet shows, with the record's own id.
        #expect(html.contains("line 2 (R1), sex; line 3 (R2), sex; line 4 (R3), sex"))
        #expect(!html.contains("qqqq") && !json.contains("qqqq"))
    }

    @Test("The quarantine file holds rejected rows with reasons, quoted and neutralised")
    func quarantineFile() throws {
        let good = "RY2,R1,,P1,67,2,A,E01012367,2025-08-20,gp,stroke,routine,,,open,,,"
        let bad = "RY2,\"=cmd|' /C calc'!A0\",,P2,67,2,A,E01012367,2025-08-20,gp,,routine,,,open,,,"
        let (result, _, _, quarantine) = try ReportFixtures.reports(
            [ReportFixtures.header, good, bad].joined(separator: "\n") + "\n",
            name: "RY2_referrals_2025-09.csv"
        )
        #expect(result.rows.quarantined == 1)
        let lines = quarantine.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("row,line,reasons,reason_messages,org_code,referral_id,nhs_number_pseudonym"))
        #expect(lines[1].hasPrefix("2,3,REF-SERVICE-REQ-01,"))
        #expect(lines[1].contains(",'=cmd|' /C calc'!A0,"))
        // patient_id is an identifying column: withheld here as in every report.
        #expect(lines[1].contains(",(withheld),"))
        #expect(!lines[1].contains(",P2,"))
    }

    @Test("No clear NHS number appears in any output, wherever the trust put it")
    func noClearNHSNumber() throws {
        let numbers = ["9434765919", "4010232137", "9434765918"]
        let rows = [
            // Quarantined (no service line), with the number in its column.
            "RY2,R1,\(numbers[0]),,67,2,A,E01012367,2025-08-20,gp,,routine,,,open,,,",
            // Quarantined, with the number typed into patient_id as well.
            "RY2,R2,,\(numbers[1]),67,2,A,E01012367,2025-08-20,gp,,routine,,,open,,,",
            // A bad check digit: still somebody's number, mistyped.
            "RY2,R3,\(numbers[2]),P3,67,2,A,E01012367,2025-08-20,gp,stroke,routine,,,open,,,",
            // A ragged row that shifts the number out of its column.
            "RY2,R4,,\(numbers[0]),67,2",
        ]
        let r = try ReportFixtures.allReports(
            ([ReportFixtures.header] + rows).joined(separator: "\n") + "\n",
            name: "RY2_referrals_2025-09.csv"
        )
        let (result, quarantine) = (r.result, r.quarantine)
        #expect(result.rows.quarantined == 4)
        let book = try WorkbookReader.read(r.workbook)
        let cells = book.sheets.flatMap(\.rows).flatMap { $0 }.compactMap { $0.map { "\($0)" } }.joined(separator: "\n")
        #expect(cells.contains("R3"))
        for number in numbers {
            for (output, text) in [
                ("json", r.json), ("html", r.html), ("quarantine", quarantine), ("findings", r.findings),
                ("workbook", cells),
            ] {
                #expect(!text.contains(number), "\(number) appears in the \(output) report")
            }
        }
        // The NHS number that failed its check is shown as the start of its pseudonym.
        let mistyped = ReportFixtures.context.pseudonymiser.pseudonym(of: numbers[2]).prefix(12)
        #expect(r.findings.contains("REF-NHS-MOD11-01,record,3,4,R3,nhs_number,pseudonym \(mistyped)…"))
        let pseudonym = ReportFixtures.context.pseudonymiser.pseudonym(of: numbers[0])
        #expect(quarantine.contains(pseudonym))
    }

    @Test("An NHS number inside longer text, in any column and any digits, quarantines its row and is never shown")
    func embeddedNHSNumbers() throws {
        // 9434765919 and 4010232137 pass the Modulus 11 check.
        let written = [
            "NHS:9434765919", "pt 943 476 5919", "(4010232137)",
            "\u{FF19}\u{FF14}\u{FF13}\u{FF14}\u{FF17}\u{FF16}\u{FF15}\u{FF19}\u{FF11}\u{FF19}",
            "943-476-5919 seen",
        ]
        let rows =
            written.enumerated().map { i, text in
                "RY2,\"\(text)\",,P\(i),67,2,A,E01012367,2025-08-20,gp,stroke,routine,,,open,,,"
            } + [
                // Inside an identifier; and a mistyped number (bad check digit), which is loaded but never shown.
                "RY2,REF-9434765919,,P8,67,2,A,E01012367,2025-08-20,gp,stroke,routine,,,open,,,",
                "RY2,id 9434765918,,P9,67,2,A,E01012367,2025-08-20,gp,stroke,routine,,,open,,,",
            ] + (10..<20).map { "RY2,R\($0),,P\($0),67,2,A,E01012367,2025-08-20,gp,stroke,routine,,,open,,," }
        let r = try ReportFixtures.allReports(
            ([ReportFixtures.header] + rows).joined(separator: "\n") + "\n",
            name: "RY2_referrals_2025-09.csv"
        )
        #expect(r.result.rows.quarantined == 6)
        let elsewhere = try #require(r.result.rules.first(where: { $0.rule.id == "ROW-NHS-ELSEWHERE-01" }))
        #expect(elsewhere.failures == 6)
        let book = try WorkbookReader.read(r.workbook)
        let cells = book.sheets.flatMap(\.rows).flatMap { $0 }.compactMap { $0.map { "\($0)" } }.joined(separator: "\n")
        for (output, text) in [
            ("json", r.json), ("html", r.html), ("quarantine", r.quarantine), ("findings", r.findings),
            ("workbook", cells),
        ] {
            for clear in ["9434765919", "943 476 5919", "943-476-5919", "4010232137", "9434765918", written[3]] {
                #expect(!text.contains(clear), "\(clear) appears in the \(output) report")
            }
        }
        // Shown as the start of the pseudonym of its ten digits, the rest of the text as written.
        let pseudonym = ReportFixtures.context.pseudonymiser.pseudonym(of: "9434765919")
        #expect(r.findings.contains("NHS:pseudonym \(pseudonym.prefix(12))…"))
        #expect(r.findings.contains("pt pseudonym \(pseudonym.prefix(12))…"))
        #expect(r.quarantine.contains("NHS:\(pseudonym)"))
    }

    @Test("The most frequent wrong values are listed, however late they first appear")
    func heavyHitters() throws {
        // 100 different wrong codes once each, then one wrong code 50 times: the first 64 seen are not the top.
        let rows =
            (0..<100).map { "RY2,R\($0),,P\($0),67,X\($0),A,E01012367,2025-08-20,gp,stroke,routine,,,open,,," }
            + (100..<150).map { "RY2,R\($0),,P\($0),67,Male,A,E01012367,2025-08-20,gp,stroke,routine,,,open,,," }
        let r = try ReportFixtures.allReports(
            ([ReportFixtures.header] + rows).joined(separator: "\n") + "\n",
            name: "RY2_referrals_2025-09.csv"
        )
        let sex = try #require(r.result.rules.first(where: { $0.rule.id == "REF-SEX-CODE-01" }))
        #expect(sex.failures == 150)
        #expect(sex.topValues.first == ValueCount(value: "Male", count: 50))
        // Every other value was seen once, and no count claims more than was seen.
        #expect(sex.topValues.dropFirst().allSatisfy { $0.count == 1 })
        #expect(r.html.contains("Male"))
    }

    @Test("NUL bytes and invalid UTF-8 in a value are repaired in the findings CSV, the HTML and the quarantine CSV")
    func controlBytesRepaired() throws {
        var bytes = Data((ReportFixtures.header + "\n").utf8)
        // A file that is not UTF-8 is refused whole, so invalid UTF-8 reaches a value only through a workbook's
        // text or a Windows-1252 file read as such: the CSV writer's own repair is checked below.
        bytes +=
            Data("RY2,R\u{1}".utf8) + Data([0x00, 0x00])
            + Data("x,,P1,67,2,A,E01012367,2025-08-20,gp,,routine,,,open,,,\n".utf8)
        for i in 2..<10 {
            bytes += Data("RY2,R\(i),,P\(i),67,2,A,E01012367,2025-08-20,gp,stroke,routine,,,open,,,\n".utf8)
        }
        let r = try ReportFixtures.allReports(bytes, name: "RY2_referrals_2025-09.csv")
        #expect(r.result.rows.quarantined == 1)
        for (output, path) in [("findings", "findings.csv"), ("html", "html"), ("quarantine", "quarantine.csv")] {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(r.folder)/\(r.stem).\(path)"))
            #expect(!data.contains(0x00), "a NUL byte in the \(output) report")
            #expect(!data.contains(0x01), "a control byte in the \(output) report")
            #expect(String(data: data, encoding: .utf8) != nil, "invalid UTF-8 in the \(output) report")
        }
        #expect(r.findings.contains("R\u{FFFD}\u{FFFD}\u{FFFD}x"))
        var field: [UInt8] = []
        let invalid: [UInt8] = [0x41, 0xFF, 0xFE, 0x00, 0x42]
        CSVField.append(invalid.span, to: &field)
        #expect(String(decoding: field, as: UTF8.self) == "A\u{FFFD}\u{FFFD}\u{FFFD}B")
        #expect(String(validatingUTF8: field.map { CChar(bitPattern: $0) } + [0]) != nil)
    }

    @Test("The JSON report has the contracted shape")
    func jsonShape() throws {
        let text = ReportFixtures.header + "\nRY2,R1,,P1,67,M,A,E01012367,2025-08-20,gp,stroke,routine,,,open,,,\n"
        let (result, json, _, _) = try ReportFixtures.reports(text, name: "RY2_referrals_2025-09.csv")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["contract_version"] as? String == "1")
        #expect(object["ruleset_version"] as? String == ReportFixtures.catalogue.version)
        let submission = try #require(object["submission"] as? [String: Any])
        #expect(Set(submission.keys).isSuperset(of: ["org_code", "kind", "period", "file", "sha256"]))
        #expect(submission["sha256"] as? String == result.submission.sha256)
        #expect(object["status"] as? String == "accepted_with_warnings")
        let rows = try #require(object["rows"] as? [String: Int])
        #expect(rows["read"] == 1 && rows["accepted"] == 1 && rows["quarantined"] == 0)
        #expect(object["score"] is [String: Any])
        let rules = try #require(object["rules"] as? [[String: Any]])
        #expect(rules.contains { $0["id"] as? String == "REF-SEX-CODE-01" && $0["failures"] as? Int == 1 })
        let findings = try #require(object["findings"] as? [[String: Any]])
        let finding = try #require(findings.first { $0["rule"] as? String == "REF-SEX-CODE-01" })
        #expect(finding["row"] as? Int == 1)
        #expect(finding["line"] as? Int == 2)
        #expect(finding["column"] as? String == "sex")
        #expect(finding["severity"] as? String == "warning")
        #expect(finding["record_id"] as? String == "R1")
        #expect(finding["value"] as? String == "M")
        #expect(finding["value_withheld"] as? Bool == false)
        // The message is said once, in `rules`, never per finding.
        #expect(finding["message"] == nil)
        #expect(object["findings_total"] as? Int == result.findings.count)
    }
}

@Suite("Charts")
struct ChartTests {
    @Test("Axes have round ticks from 0 past the largest value")
    func ticks() {
        #expect(SVGChart.ticks(upTo: 103) == [0, 50, 100, 150])
        #expect(SVGChart.ticks(upTo: 4.3) == [0, 2, 4, 6])
        #expect(SVGChart.ticks(upTo: 1000) == [0, 250, 500, 750, 1000])
        #expect(SVGChart.ticks(upTo: 0) == [0, 1])
    }

    @Test("A bar chart's labels get the room they need: the longest ICB name is not clipped")
    func labels() throws {
        let long = "Shropshire, Telford and Wrekin Integrated Care Board (QOC)"
        let svg = SVGChart.bars(
            [.init(label: long, value: 1, caption: "1", colour: "#000")],
            maximum: 1,
            title: "t",
            width: 640
        )
        // The label ends at the label column's edge, which starts far enough right for its characters.
        let anchor = try #require(
            svg.range(of: #"<text x="(\d+)" y="\d+" text-anchor="end""#, options: .regularExpression)
        )
        let x = Int(svg[anchor].split(separator: "\"")[1])!
        #expect(x >= long.count * 7)
    }

    @Test("Line labels that end close together are moved apart, in order; those far apart stay at their lines")
    func lineLabels() {
        let close = SVGChart.spread(
            [(1, 0, 100), (2, 0, 101), (3, 0, 103), (4, 0, 150)],
            gap: 11,
            top: 14,
            bottom: 200
        )
        #expect(close.map(\.y) == [100, 111, 122, 150])
        #expect(close.map(\.n) == [1, 2, 3, 4])
        // Crowded at the bottom: the run moves up rather than off the chart.
        let low = SVGChart.spread([(1, 0, 125), (2, 0, 126), (3, 0, 128)], gap: 11, top: 14, bottom: 129)
        #expect(low.map(\.y) == [107, 118, 129])
        // In a chart, no two quintile labels are nearer than 11 px.
        let svg = SVGChart.lines(
            (1...5).map { q in (label: "Q\(q)", values: [500 + Double(q), 510 + Double(q)]) },
            labels: ["2025-01", "2025-02"],
            title: "t"
        )
        let ys = (1...5).compactMap { q -> Int? in
            guard
                let r = svg.range(
                    of: #"y="(\d+)" font-size="11" fill="[^"]+">Q"# + "\(q)<",
                    options: .regularExpression
                )
            else { return nil }
            return Int(svg[r].split(separator: "\"")[1])
        }.sorted()
        #expect(ys.count == 5 && zip(ys, ys.dropFirst()).allSatisfy { $1 - $0 >= 11 })
    }
}

@Suite("Chart axes")
struct AxisTests {
    @Test("Count axes read short: 250, 2,500, 25k, 1.5m")
    func compactTicks() {
        #expect(SVGChart.compact(250) == "250" && SVGChart.compact(2500) == "2,500")
        #expect(SVGChart.compact(25_000) == "25k" && SVGChart.compact(1_500_000) == "1.5m")
        #expect(SVGChart.compact(4_000_000) == "4m")
    }

    @Test("A funnel point is outside when it passes the 99.8% limit at its own x, read between the curve's points")
    func funnelOutside() {
        let curves = FunnelCurves(
            baseline: 50,
            lower2: [],
            upper2: [],
            lower3: [(100, 10), (200, 30)],
            upper3: [(100, 90), (200, 70)]
        )
        // At x = 150 the limits are 20 and 80.
        #expect(!curves.outside(x: 150, y: 21) && curves.outside(x: 150, y: 19))
        #expect(!curves.outside(x: 150, y: 79) && curves.outside(x: 150, y: 81))
        // Beyond the curve, its end values.
        #expect(curves.outside(x: 500, y: 29) && !curves.outside(x: 50, y: 11))
    }

    @Test("Ticks cover a range that does not start at 0, labelled with the places their step needs")
    func rangeTicks() {
        let ticks = SVGChart.ticks(from: 0.81, to: 0.88)
        #expect(zip(ticks, [0.8, 0.82, 0.84, 0.86, 0.88]).allSatisfy { abs($0 - $1) < 1e-12 } && ticks.count == 5)
        #expect(SVGChart.tickLabel(0.75, step: 0.25) == "0.75" && SVGChart.tickLabel(0.5, step: 0.25) == "0.50")
        #expect(SVGChart.tickLabel(150, step: 50) == "150" && SVGChart.tickLabel(0.2, step: 0.1) == "0.2")
    }
}

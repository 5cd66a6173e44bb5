import Foundation
import RehabCore
import Testing

@testable import RehabReport
@testable import RehabValidate

/// Opens workbooks with openpyxl, a real reader. `scripts/test.sh` installs it and names it in
/// REHABCOUNT_TEST_PYTHONPATH.
enum WorkbookReader {
    struct Sheet {
        let name: String
        let rows: [[Any?]]
        let frozen: String?
        /// The auto-filter's range, e.g. `A1:G31`.
        let filter: String?
        /// How it prints, as openpyxl reads the page setup: fit_to_page, fit_to_width, fit_to_height,
        /// orientation, paper, title_rows.
        let print: [String: Any]
    }

    static func read(_ path: String) throws -> (sheets: [Sheet], formulas: Int, quotePrefixed: [String]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(ReportFixtures.root)/Tests/Tools/read_workbook.py", path]
        var environment = ProcessInfo.processInfo.environment
        if let extra = environment["REHABCOUNT_TEST_PYTHONPATH"] {
            environment["PYTHONPATH"] = extra + (environment["PYTHONPATH"].map { ":" + $0 } ?? "")
        }
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ReaderFailed(message: message + " (run the tests with scripts/test.sh, which installs openpyxl)")
        }
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let sheets = try #require(object["sheets"] as? [[String: Any]]).map { sheet in
            Sheet(
                name: sheet["name"] as? String ?? "",
                rows: (sheet["rows"] as? [[Any]] ?? []).map { $0.map { $0 is NSNull ? nil : $0 } },
                frozen: sheet["frozen"] as? String,
                filter: sheet["filter"] as? String,
                print: sheet["print"] as? [String: Any] ?? [:]
            )
        }
        return (sheets, object["formulas"] as? Int ?? -1, object["quote_prefixed"] as? [String] ?? [])
    }

    struct ReaderFailed: Error, CustomStringConvertible {
        let message: String
        var description: String { "openpyxl could not read the workbook: \(message)" }
    }
}

@Suite("Findings: the CSV, the JSON sample and the workbook")
struct FindingsReportTests {
    /// 30 rows whose sex is "Male" (a warning each), one row with a formula-like referral id and no service line
    /// (quarantined), and one whose patient_id is too long (an identifying value, never shown).
    static let text: String = {
        var rows = (1...30).map { "RY2,R\($0),,P\($0),67,Male,A,E01012367,2025-08-20,gp,stroke,routine,,,open,,," }
        rows.append("RY2,\"=HYPERLINK(\"\"x\"\")\",,P31,67,2,A,E01012367,2025-08-20,gp,,routine,,,open,,,")
        rows.append(
            "RY2,R32,,\(String(repeating: "q", count: 70)),67,2,A,E01012367,2025-08-20,gp,stroke,routine,,,open,,,"
        )
        return ([ReportFixtures.header] + rows).joined(separator: "\n") + "\n"
    }()

    @Test("The findings CSV holds every finding; the JSON lists the first N of each rule, which are in the CSV")
    func csvAgainstJSON() throws {
        let r = try ReportFixtures.allReports(Self.text, name: "RY2_referrals_2025-09.csv", findingsPerRule: 20)
        let lines = r.findings.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.first == "rule,severity,row,line,record_id,column,value")
        let records = lines.dropFirst()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.json.utf8)) as? [String: Any])
        #expect(object["findings_total"] as? Int == records.count)
        #expect(object["findings_per_rule"] as? Int == 20)

        // Per rule, the CSV has as many lines as the rule's failures, and the JSON at most 20 of them.
        let rules = try #require(object["rules"] as? [[String: Any]])
        let findings = try #require(object["findings"] as? [[String: Any]])
        for rule in rules {
            let id = try #require(rule["id"] as? String)
            let failures = try #require(rule["failures"] as? Int)
            #expect(records.filter { $0.hasPrefix(id + ",") }.count == failures, "\(id) in the CSV")
            #expect(findings.filter { $0["rule"] as? String == id }.count == min(failures, 20), "\(id) in the JSON")
        }
        let sex = records.filter { $0.hasPrefix("REF-SEX-CODE-01,") }
        #expect(sex.count == 30)
        #expect(sex.first == "REF-SEX-CODE-01,warning,1,2,R1,sex,Male")

        // Every finding the JSON lists is a line of the CSV, field for field.
        for f in findings {
            func field(_ key: String) -> String {
                switch f[key] {
                case let s as String: s
                case let n as Int: String(n)
                default: ""
                }
            }
            let id = field("record_id")
            let quoted = id.contains(",") || id.contains("\"")
            let idField =
                quoted
                ? "\"" + (id.first == "=" ? "'" : "") + id.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : id
            let line = [
                field("rule"), field("severity"), field("row"), field("line"), idField, field("column"), field("value"),
            ]
            .joined(separator: ",")
            #expect(records.contains(Substring(line)), "\(line) is not in the findings CSV")
        }
        // A finding costs bytes, not a message: far under 100 bytes a line.
        #expect(r.findings.utf8.count / max(records.count, 1) < 100)
    }

    @Test("Identifying values are withheld everywhere; others are shown, neutralised for spreadsheets")
    func withheldAndShown() throws {
        let r = try ReportFixtures.allReports(Self.text, name: "RY2_referrals_2025-09.csv")
        // patient_id is identifying: the finding is there, its value is not.
        #expect(r.findings.contains(",33,R32,patient_id,\n"))
        #expect(!r.findings.contains("qqqq") && !r.json.contains("qqqq"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.json.utf8)) as? [String: Any])
        let findings = try #require(object["findings"] as? [[String: Any]])
        let patient = try #require(findings.first { $0["column"] as? String == "patient_id" })
        #expect(patient["value"] is NSNull)
        #expect(patient["value_withheld"] as? Bool == true)
        // A formula-like record id is neutralised in the CSV.
        #expect(r.findings.contains("REF-SERVICE-REQ-01,record,31,32,\"'=HYPERLINK(\"\"x\"\")\",service_line,"))

        let book = try WorkbookReader.read(r.workbook)
        let rows = try #require(book.sheets.first { $0.name == "Findings" }).rows
        #expect(!rows.flatMap { $0 }.contains { ($0 as? String)?.contains("qqqq") == true })
        let withheld = try #require(rows.first { $0.count > 2 && $0[2] as? String == "patient_id" })
        #expect(withheld[5] as? String == "(withheld)")
    }

    @Test("The workbook opens in a real reader: Summary, Rules and every finding, as text and numbers only")
    func workbook() throws {
        let r = try ReportFixtures.allReports(Self.text, name: "RY2_referrals_2025-09.csv")
        let book = try WorkbookReader.read(r.workbook)
        #expect(book.sheets.map(\.name) == ["Summary", "Rules", "Findings"])
        #expect(book.formulas == 0)
        // Text that starts like a formula is marked as text, so that editing the cell in Excel keeps it text.
        #expect(book.quotePrefixed.contains("=HYPERLINK(\"x\")"))
        #expect(!book.quotePrefixed.contains("Male"))

        let summary = Dictionary(
            book.sheets[0].rows.dropFirst().map { ($0[0] as? String ?? "", $0[1]) },
            uniquingKeysWith: { a, _ in a }
        )
        #expect(summary["File"] as? String == "RY2_referrals_2025-09.csv")
        #expect(summary["Rows read"] as? Int == 32)
        #expect(summary["Rows quarantined"] as? Int == r.result.rows.quarantined)
        #expect(summary["Findings"] as? Int == r.result.findings.count)
        #expect(summary["rehabcount_version"] as? String == RehabCountVersion.tool)
        #expect((summary["validated_at"] as? String)?.hasSuffix("Z") == true)
        #expect(summary["Status"] as? String == "accepted, needs attention: many rows quarantined")

        let rules = book.sheets[1].rows
        #expect(rules[0].first as? String == "Rule")
        #expect(rules.count - 1 == r.result.rules.count)
        let sexRule = try #require(rules.first { $0[0] as? String == "REF-SEX-CODE-01" })
        #expect(sexRule[3] as? Int == 30)
        #expect(sexRule[8] as? String == "Male ×30")

        let findings = book.sheets[2].rows
        #expect(findings[0] as? [String] == ErrorWorkbook.findingsHeader)
        #expect(findings.count - 1 == r.result.findings.count)
        #expect(book.sheets[2].frozen == "A2")
        // Filters on every column of the header and every finding: seven columns, A to G.
        #expect(ErrorWorkbook.findingsHeader.count == 7 && book.sheets[2].filter == "A1:G\(findings.count)")
        // Every sheet prints on A4 landscape, one page wide, its header row repeated on every page.
        for sheet in book.sheets {
            #expect(sheet.print["fit_to_page"] as? Bool == true, "\(sheet.name)")
            #expect(sheet.print["fit_to_width"] as? Int == 1 && sheet.print["fit_to_height"] as? Int == 0)
            #expect(sheet.print["orientation"] as? String == "landscape" && sheet.print["paper"] as? Int == 9)
            #expect(sheet.print["title_rows"] as? String == "$1:$1", "\(sheet.name)")
        }
        // The line is the row a spreadsheet shows for the record: header on line 1.
        let first = findings[1]
        #expect(first[0] as? Int == 2)
        #expect(first[1] as? String == "R1")
        #expect(first[2] as? String == "sex")
        #expect(first[3] as? String == "REF-SEX-CODE-01")
        #expect(first[4] as? String == "warning")
        #expect(first[5] as? String == "Male")
        // The rule's message beside each finding, so that a printed page says what is wrong.
        #expect(first[6] as? String == r.result.rules.first { $0.rule.id == "REF-SEX-CODE-01" }?.rule.message)
        // A value that starts with "=" is text, shown as written.
        #expect(findings.contains { $0[1] as? String == "=HYPERLINK(\"x\")" })
    }

    @Test("Past a sheet's row limit, findings go on to the next sheet, none lost")
    func overflow() throws {
        let r = try ReportFixtures.allReports(Self.text, name: "RY2_referrals_2025-09.csv", rowsPerSheet: 11)
        let book = try WorkbookReader.read(r.workbook)
        let sheets = book.sheets.filter { $0.name.hasPrefix("Findings") }
        let total = r.result.findings.count
        #expect(sheets.count == (total + 9) / 10)
        #expect(sheets.map(\.name).prefix(2) == ["Findings", "Findings 2"])
        #expect(sheets.allSatisfy { $0.rows.count <= 11 && $0.rows[0].first as? String == "Line" })
        #expect(sheets.map { $0.rows.count - 1 }.reduce(0, +) == total)
    }

    @Test("Text is made safe for XML: markup, control characters and invalid UTF-8")
    func xmlText() {
        var out: [UInt8] = []
        let bytes: [UInt8] = Array("<a&\"b\">".utf8) + [0x01, 0xFF, 0x09]
        XLSXWriter.appendEscaped(bytes.span, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "&lt;a&amp;&quot;b&quot;&gt;\u{FFFD}\u{FFFD}\t")
    }

    @Test(
        "Valid UTF-8 is escaped as it stands; anything else is repaired as Swift decodes it",
        arguments: [
            Array("café … 😀 \u{FF19}".utf8), [0xEF, 0xBF, 0xBE], [0xEF, 0xBF, 0xBF, 0x41], [0xC0, 0x80],
            [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x80], [0x41, 0xE2, 0x80, 0xA6], [0xF0, 0x9F, 0x98],
        ] as [[UInt8]]
    )
    func utf8Repair(_ bytes: [UInt8]) {
        var out: [UInt8] = []
        XLSXWriter.appendEscaped(bytes.span, to: &out)
        // What the text is once decoded, with the two non-characters XML forbids replaced.
        let expected = String(
            String.UnicodeScalarView(
                String(decoding: bytes, as: UTF8.self).unicodeScalars.map {
                    $0.value == 0xFFFE || $0.value == 0xFFFF ? "\u{FFFD}" : $0
                }
            )
        )
        #expect(String(decoding: out, as: UTF8.self) == expected)
        #expect(String(validatingUTF8: out.map { CChar(bitPattern: $0) } + [0]) != nil)
    }
}

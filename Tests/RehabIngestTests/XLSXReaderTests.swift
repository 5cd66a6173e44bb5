import Foundation
import RehabCore
import Testing
import ZIPFoundation

@testable import RehabIngest

// MARK: - Building workbooks

private let mainNS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
private let relNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
private let relType = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

private let sheetML = "application/vnd.openxmlformats-officedocument.spreadsheetml"

private let contentTypes = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
      <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
      <Default Extension="xml" ContentType="application/xml"/>
      <Override PartName="/xl/workbook.xml" ContentType="\(sheetML).sheet.main+xml"/>
      <Override PartName="/xl/worksheets/sheet1.xml" ContentType="\(sheetML).worksheet+xml"/>
      <Override PartName="/xl/worksheets/sheet2.xml" ContentType="\(sheetML).worksheet+xml"/>
      <Override PartName="/xl/sharedStrings.xml" ContentType="\(sheetML).sharedStrings+xml"/>
      <Override PartName="/xl/styles.xml" ContentType="\(sheetML).styles+xml"/>
    </Types>
    """

private func workbookXML(
    date1904: Bool = false,
    firstSheetID: String = "rId1",
    secondSheetID: String = "rId2"
)
    -> String
{
    """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <workbook xmlns="\(mainNS)" xmlns:r="\(relNS)">
      <workbookPr\(date1904 ? " date1904=\"1\"" : "")/>
      <sheets>
        <sheet name="Referrals" sheetId="1" r:id="\(firstSheetID)"/>
        <sheet name="Notes" sheetId="2" r:id="\(secondSheetID)"/>
      </sheets>
    </workbook>
    """
}

private func relsXML(
    sheet1Target: String = "worksheets/sheet1.xml",
    sheet2Target: String = "worksheets/sheet2.xml"
)
    -> String
{
    """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
      <Relationship Id="rId1" Type="\(relType)/worksheet" Target="\(sheet1Target)"/>
      <Relationship Id="rId2" Type="\(relType)/worksheet" Target="\(sheet2Target)"/>
      <Relationship Id="rId3" Type="\(relType)/styles" Target="styles.xml"/>
      <Relationship Id="rId4" Type="\(relType)/sharedStrings" Target="sharedStrings.xml"/>
    </Relationships>
    """
}

/// 0 Patient, 1 Referral date, 2 "Score total" as rich text (two runs and a phonetic run), 3 "  Ann  " kept
/// with its spaces, 4 "Cy", 5 an Excel `_x000D_` escape.
private let sharedStringsXML = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <sst xmlns="\(mainNS)" count="6" uniqueCount="6">
      <si><t>Patient</t></si>
      <si><t>Referral date</t></si>
      <si>
        <r><rPr><b/></rPr><t>Score</t></r>
        <r><t xml:space="preserve"> total</t></r>
        <rPh sb="0" eb="1"><t>X</t></rPh>
      </si>
      <si><t xml:space="preserve">  Ann  </t></si>
      <si><t>Cy</t></si>
      <si><t>a_x000D_b &amp; c</t></si>
    </sst>
    """

/// Cell styles: 0 General, 1 custom dd/mm/yyyy (164), 2 built-in date 14, 3 "0.00", 4 custom time h:mm (165).
private let stylesXML = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <styleSheet xmlns="\(mainNS)">
      <numFmts count="2">
        <numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>
        <numFmt numFmtId="165" formatCode="h:mm"/>
      </numFmts>
      <fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
      <cellStyleXfs count="1"><xf numFmtId="0" fontId="0"/></cellStyleXfs>
      <cellXfs count="5">
        <xf numFmtId="0" fontId="0" xfId="0"/>
        <xf numFmtId="164" fontId="0" xfId="0" applyNumberFormat="1"/>
        <xf numFmtId="14" fontId="0" xfId="0" applyNumberFormat="1"/>
        <xf numFmtId="2" fontId="0" xfId="0" applyNumberFormat="1"/>
        <xf numFmtId="165" fontId="0" xfId="0" applyNumberFormat="1"/>
      </cellXfs>
    </styleSheet>
    """

private func sheetXML(_ rows: String) -> String {
    """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <worksheet xmlns="\(mainNS)" xmlns:r="\(relNS)">
      <dimension ref="A1:F10"/>
      <sheetData>
    \(rows)
      </sheetData>
      <pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>
    </worksheet>
    """
}

/// The first sheet of the main fixture.
private let referralsSheet = sheetXML(
    """
    <row r="1" spans="1:4">
      <c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>
      <c r="D1" t="inlineStr"><is><t>Notes</t></is></c>
    </row>
    <row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" s="1"><v>45292</v></c><c r="C2"><v>45</v></c>
      <c r="D2" t="inlineStr"><is><r><t>o</t></r><r><t>k</t></r></is></c></row>
    <row r="3"/>
    <row r="4"><c r="A4" s="1"/><c r="B4" t="inlineStr"><is><t></t></is></c></row>
    <row r="5"><c r="A5" t="inlineStr"><is><t>Bob</t></is></c><c r="C5"><v>0.8</v></c><c r="D5" t="b"><v>1</v></c></row>
    <row r="6"><c r="A6" t="s"><v>4</v></c><c r="B6" t="e"><v>#N/A</v></c>
      <c r="C6" t="str"><f>A6&amp;"x"</f><v>Cyx</v></c><c r="D6" s="3"><v>-3</v></c><c r="F6"><v>12.5</v></c></row>
    <row r="8"><c r="A8" t="s"><v>5</v></c><c r="B8" s="2"><v>45292.75</v></c><c r="C8" s="4"><v>0.5</v></c>
      <c r="D8" t="b"><v>0</v></c></row>
    <row r="9"><c r="A9" s="1"/></row>
    <row r="10"/>
    """
)

private let notesSheet = sheetXML(
    """
    <row r="1"><c r="A1" t="inlineStr"><is><t>Not this sheet</t></is></c></row>
    """
)

/// Writes an .xlsx with the given parts (deflated) and returns its path.
private func makeWorkbook(_ parts: [(String, String)], name: String = "RHB_referrals_2024-01.xlsx") throws -> URL {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("xlsx-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    let archive = try Archive(url: url, accessMode: .create)
    for (path, text) in parts {
        let data = Data(text.utf8)
        try archive.addEntry(
            with: path,
            type: .file,
            uncompressedSize: Int64(data.count),
            compressionMethod: .deflate,
            provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) }
        )
    }
    return url
}

private func standardParts(
    date1904: Bool = false,
    sheet1: String = referralsSheet,
    sheet2: String = notesSheet
) -> [(String, String)] {
    [
        ("[Content_Types].xml", contentTypes),
        ("xl/workbook.xml", workbookXML(date1904: date1904)),
        ("xl/_rels/workbook.xml.rels", relsXML()),
        ("xl/worksheets/sheet1.xml", sheet1),
        ("xl/worksheets/sheet2.xml", sheet2),
        ("xl/sharedStrings.xml", sharedStringsXML),
        ("xl/styles.xml", stylesXML),
    ]
}

private struct Read {
    var rows: [(record: Int, line: Int, fields: [String], issues: RowIssues)] = []
    var blanks: [Int] = []
    var summary = TableSummary()
}

private func readAll(_ url: URL) throws -> Read {
    var result = Read()
    result.summary = try XLSXReader(path: url.path).read(
        onBlankLine: { result.blanks.append($0) },
        onRow: { result.rows.append(($0.recordNumber, $0.line, $0.strings, $0.issues)) }
    )
    return result
}

private func unreadable(_ url: URL) -> RehabError? {
    do {
        _ = try XLSXReader(path: url.path).read(onBlankLine: { _ in }, onRow: { _ in })
        return nil
    } catch let error as RehabError {
        return error
    } catch {
        Issue.record("expected a RehabError, got \(error)")
        return nil
    }
}

// MARK: - Tests

@Suite struct XLSXReaderTests {
    @Test func readsTheFirstSheetLikeACSVFile() throws {
        let result = try readAll(try makeWorkbook(standardParts()))
        let rows = result.rows
        try #require(rows.count == 5)
        #expect(rows.map(\.record) == [0, 1, 2, 3, 4])
        #expect(rows.map(\.line) == [1, 2, 5, 6, 8])
        // Header from shared strings, rich text runs joined, phonetic run left out, inline string.
        #expect(rows[0].fields == ["Patient", "Referral date", "Score total", "Notes"])
        // Preserved spaces, a custom-format date, an integer, a rich inline string.
        #expect(rows[1].fields == ["  Ann  ", "2024-01-01", "45", "ok"])
        // B5 is missing: an empty field. A decimal, a boolean.
        #expect(rows[2].fields == ["Bob", "", "0.8", "TRUE"])
        // Longer than the header: F6 makes six fields, E6 missing in between. Error, formula string, "0.00" number.
        #expect(rows[3].fields == ["Cy", "#N/A", "Cyx", "-3", "", "12.5"])
        // Escape decoded; a date-time with a built-in date format keeps the day; a time stays a number.
        #expect(rows[4].fields == ["a\rb & c", "2024-01-01", "0.5", "FALSE"])
        #expect(rows.allSatisfy { $0.issues.isEmpty })
    }

    @Test func reportsEmptyRowsBetweenRowsAsBlankLinesAndIgnoresTrailingOnes() throws {
        let result = try readAll(try makeWorkbook(standardParts()))
        // Row 3 has no cells, row 4 only empty cells, row 7 is absent; rows 9 and 10 come after the last row.
        #expect(result.blanks == [3, 4, 7])
        #expect(result.summary.blankLines == 3)
        #expect(result.summary.records == 5)
        #expect(result.summary.lines == 8)
        #expect(result.summary.unterminatedQuoteLine == nil)
    }

    @Test func leadingEmptyRowsAreBlankLinesAndTheHeaderSetsTheWidth() throws {
        let sheet = sheetXML(
            """
            <row r="2"><c r="A2" s="1"/></row>
            <row r="3"><c r="B3" t="inlineStr"><is><t>id</t></is></c><c r="C3" t="inlineStr"><is><t>x</t></is></c>
              <c r="D3" s="1"/></row>
            <row r="4"><c r="B4"><v>1</v></c></row>
            """
        )
        let result = try readAll(try makeWorkbook(standardParts(sheet1: sheet)))
        #expect(result.blanks == [1, 2])
        try #require(result.rows.map(\.line) == [3, 4])
        // Column A is empty in the header but still a column; D3 is empty and does not count.
        #expect(result.rows[0].fields == ["", "id", "x"])
        #expect(result.rows[1].fields == ["", "1", ""])
    }

    @Test func doesNotReadTheSecondSheet() throws {
        let result = try readAll(try makeWorkbook(standardParts()))
        #expect(!result.rows.contains { $0.fields.contains("Not this sheet") })
    }

    @Test func findsTheFirstSheetThroughTheWorkbookRelationships() throws {
        // The first <sheet> points (by an absolute target) at sheet2.xml, the second at sheet1.xml.
        let parts: [(String, String)] = [
            ("[Content_Types].xml", contentTypes),
            ("xl/workbook.xml", workbookXML(firstSheetID: "rId2", secondSheetID: "rId1")),
            ("xl/_rels/workbook.xml.rels", relsXML(sheet2Target: "/xl/worksheets/sheet2.xml")),
            ("xl/worksheets/sheet1.xml", referralsSheet),
            ("xl/worksheets/sheet2.xml", notesSheet),
            ("xl/sharedStrings.xml", sharedStringsXML),
            ("xl/styles.xml", stylesXML),
        ]
        let result = try readAll(try makeWorkbook(parts))
        #expect(result.rows.map(\.fields) == [["Not this sheet"]])
    }

    @Test func fallsBackToSheet1WithoutRelationships() throws {
        let parts = standardParts().filter { $0.0 != "xl/_rels/workbook.xml.rels" }
        let result = try readAll(try makeWorkbook(parts))
        #expect(result.rows.first?.fields.first == "Patient")
    }

    @Test func dateSerialsIn1900System() throws {
        let sheet = sheetXML(
            """
            <row r="1"><c r="A1" t="inlineStr"><is><t>d</t></is></c></row>
            <row r="2"><c r="A2" s="2"><v>1</v></c></row>
            <row r="3"><c r="A3" s="2"><v>59</v></c></row>
            <row r="4"><c r="A4" s="2"><v>61</v></c></row>
            <row r="5"><c r="A5" s="2"><v>25569</v></c></row>
            <row r="6"><c r="A6" s="1"><v>2958465</v></c></row>
            """
        )
        let result = try readAll(try makeWorkbook(standardParts(sheet1: sheet)))
        #expect(
            result.rows.dropFirst().map { $0.fields[0] }
                == ["1900-01-01", "1900-02-28", "1900-03-01", "1970-01-01", "9999-12-31"]
        )
    }

    @Test func honoursThe1904DateSystem() throws {
        let sheet = sheetXML(
            """
            <row r="1"><c r="A1" t="inlineStr"><is><t>d</t></is></c></row>
            <row r="2"><c r="A2" s="1"><v>0</v></c></row>
            <row r="3"><c r="A3" s="2"><v>43830</v></c></row>
            <row r="4"><c r="A4"><v>43830</v></c></row>
            """
        )
        let result = try readAll(try makeWorkbook(standardParts(date1904: true, sheet1: sheet)))
        #expect(result.rows.dropFirst().map { $0.fields[0] } == ["1904-01-01", "2024-01-01", "43830"])
    }

    @Test func customDateFormatDetection() {
        #expect(NumberFormat.isDate("dd/mm/yyyy"))
        #expect(NumberFormat.isDate("[$-809]dd mmmm yyyy;@"))
        #expect(NumberFormat.isDate("mmm-yy"))
        #expect(NumberFormat.isDate("m/d/yy h:mm AM/PM"))
        #expect(!NumberFormat.isDate("h:mm:ss"))
        #expect(!NumberFormat.isDate("[h]:mm"))
        #expect(!NumberFormat.isDate("mm:ss"))
        #expect(!NumberFormat.isDate("#,##0.00 \"days\""))
        #expect(!NumberFormat.isDate("[Red]0.00;\\-0.00"))
        #expect(!NumberFormat.isDate("General"))
        #expect(!NumberFormat.isDate("0.00E+00"))
    }

    @Test func numbersPrintWithoutATrailingPointZero() {
        #expect(NumberFormat.text(45) == "45")
        #expect(NumberFormat.text(-3) == "-3")
        #expect(NumberFormat.text(-0.0) == "0")
        #expect(NumberFormat.text(0.8) == "0.8")
        #expect(NumberFormat.text(9_434_765_919) == "9434765919")
    }

    @Test func columnReferences() {
        #expect(SheetHandler.columnIndex("A1") == 0)
        #expect(SheetHandler.columnIndex("Z9") == 25)
        #expect(SheetHandler.columnIndex("AA10") == 26)
        #expect(SheetHandler.columnIndex("$C$7") == 2)
        #expect(SheetHandler.columnIndex("XFD1048576") == 16_383)
        #expect(SheetHandler.columnIndex("17") == nil)
        // And back: the letters of every column index read, as the writer names them.
        for index in [0, 25, 26, 701, 702, 16_383] {
            #expect(SheetHandler.columnIndex(SpreadsheetColumn.letters(index) + "1") == index)
        }
        #expect(SpreadsheetColumn.letters(701) == "ZZ" && SpreadsheetColumn.letters(16_383) == "XFD")
    }

    @Test func corruptFileIsAnUnreadableWorkbook() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("xlsx-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("broken.xlsx")
        var generator = SystemRandomNumberGenerator()
        try Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: url)
        let error = try #require(unreadable(url))
        #expect(error.code == .unreadableFile)
        #expect(error.message.hasPrefix("broken.xlsx is not a readable Excel workbook: "))
        #expect(error.hint == "Save it again from Excel as .xlsx, or export CSV.")
    }

    @Test func zipWithoutAWorkbookIsUnreadable() throws {
        let url = try makeWorkbook([("hello.txt", "not a workbook")], name: "other.xlsx")
        let error = try #require(unreadable(url))
        #expect(error.code == .unreadableFile)
        #expect(error.message.contains("xl/workbook.xml"))
    }

    @Test func malformedSheetXMLIsUnreadableWithoutQuotingCells() throws {
        let sheet = sheetXML(#"<row r="1"><c r="A1" t="inlineStr"><is><t>9434765919</t></is></c>"#)
        let error = try #require(unreadable(try makeWorkbook(standardParts(sheet1: sheet))))
        #expect(error.code == .unreadableFile)
        #expect(error.message.contains("xl/worksheets/sheet1.xml"))
        #expect(!error.message.contains("9434765919"))
    }

    @Test func missingSharedStringIsUnreadable() throws {
        let sheet = sheetXML(#"<row r="1"><c r="B1" t="s"><v>99</v></c></row>"#)
        let error = try #require(unreadable(try makeWorkbook(standardParts(sheet1: sheet))))
        #expect(error.code == .unreadableFile)
        #expect(error.message.contains("cell B1"))
    }

    @Test func callbackErrorsPassThrough() throws {
        struct Stop: Error {}
        let url = try makeWorkbook(standardParts())
        #expect(throws: Stop.self) {
            _ = try XLSXReader(path: url.path).read(onBlankLine: { _ in }, onRow: { _ in throw Stop() })
        }
    }

    @Test func sha256AndSizeAreOfTheFileBytes() throws {
        let url = try makeWorkbook(standardParts())
        let bytes = try [UInt8](Data(contentsOf: url))
        let result = try readAll(url)
        #expect(result.summary.bytesRead == bytes.count)
        // CSVReader hashes the bytes it reads as stored; check it against the FIPS 180-2 "abc" vector first.
        let abc = try CSVReader(bytes: Array("abc".utf8)).read(onBlankLine: { _ in }, onRow: { _ in })
        #expect(abc.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let expected = try CSVReader(bytes: bytes).read(onBlankLine: { _ in }, onRow: { _ in }).sha256
        #expect(result.summary.sha256 == expected)
        #expect(result.summary.sha256?.count == 64)
    }

    // MARK: Bombs

    @Test("A sheet that inflates far past its file's size is unreadable, read in bounded memory")
    func inflationBomb() throws {
        // About 100 KB of ZIP holding 96 MiB of sheet XML: whitespace between rows.
        let head = Data(sheetXML(#"<row r="1"><c r="A1" t="inlineStr"><is><t>referral_id</t></is></c></row>"#).utf8)
        let cut = head.range(of: Data("</sheetData>".utf8))!.lowerBound
        let prefix = head[..<cut]
        let suffix = head[cut...]
        let filler = 96 << 20
        let total = prefix.count + filler + suffix.count
        let spaces = Data(repeating: 0x20, count: 1 << 16)
        let url = try makeWorkbook(standardParts().filter { $0.0 != "xl/worksheets/sheet1.xml" })
        let archive = try Archive(url: url, accessMode: .update)
        try archive.addEntry(
            with: "xl/worksheets/sheet1.xml",
            type: .file,
            uncompressedSize: Int64(total),
            compressionMethod: .deflate,
            provider: { position, size in
                var chunk = Data()
                var at = Int(position)
                while chunk.count < size {
                    if at < prefix.count {
                        chunk.append(
                            prefix[
                                (prefix.startIndex + at)..<min(
                                    prefix.endIndex,
                                    prefix.startIndex + at + size - chunk.count
                                )
                            ]
                        )
                    } else if at < prefix.count + filler {
                        chunk.append(spaces.prefix(min(size - chunk.count, prefix.count + filler - at)))
                    } else {
                        let start = suffix.startIndex + at - prefix.count - filler
                        chunk.append(suffix[start..<min(suffix.endIndex, start + size - chunk.count)])
                    }
                    at = Int(position) + chunk.count
                }
                return chunk
            }
        )
        let fileBytes = try Data(contentsOf: url).count
        #expect(fileBytes < 1 << 20)
        let before = peakResidentBytes()
        let error = try #require(unreadable(url))
        #expect(error.message.contains("expands to more than 64 MiB"))
        // Never more than a few MiB above where it started: the part was never held whole.
        #expect(peakResidentBytes() - before < 32 << 20)
        #expect(XLSXReader.expansionBudget(fileBytes: fileBytes) == 64 << 20)
    }

    @Test("A sheet stopped early, with more of it still being inflated, ends cleanly and says why")
    func stoppedEarly() throws {
        // A bad reference in the first row, then some 8 MiB of rows behind it: many chunks still to come.
        let filler = (2...60_000).map {
            #"<row r="\#($0)"><c r="A\#($0)" t="inlineStr"><is><t>R\#($0)</t></is></c></row>"#
        }
        let sheet = sheetXML(#"<row r="1"><c r="B1" t="s"><v>99</v></c></row>"# + filler.joined())
        for _ in 0..<3 {
            let error = try #require(unreadable(try makeWorkbook(standardParts(sheet1: sheet))))
            #expect(error.message.contains("cell B1"))
        }
    }

    @Test("Cells repeating one huge shared string are cut at the row limit and stopped by the budget")
    func sharedStringAmplification() throws {
        let big = String(repeating: "x", count: 2 << 20)
        let strings = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <sst xmlns="\(mainNS)" count="2" uniqueCount="2"><si><t>referral_id</t></si><si><t>\(big)</t></si></sst>
            """
        // A header, then two rows that each repeat the 2 MiB string: cut to 1 MiB and flagged.
        let rows =
            #"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#
            + (2...3).map { #"<row r="\#($0)"><c r="A\#($0)" t="s"><v>1</v></c></row>"# }.joined()
        var parts = standardParts(sheet1: sheetXML(rows))
        parts.removeAll { $0.0 == "xl/sharedStrings.xml" }
        parts.append(("xl/sharedStrings.xml", strings))
        let result = try readAll(try makeWorkbook(parts))
        #expect(result.rows.count == 3)
        #expect(result.rows[1].issues.contains(.oversized) && result.rows[1].fields[0].utf8.count == 1 << 20)

        // Forty rows of it pass the workbook's budget: unreadable, whatever the quarantine would have been.
        let many =
            #"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#
            + (2...41).map { #"<row r="\#($0)"><c r="A\#($0)" t="s"><v>1</v></c></row>"# }.joined()
        parts.removeAll { $0.0 == "xl/worksheets/sheet1.xml" }
        parts.append(("xl/worksheets/sheet1.xml", sheetXML(many)))
        let error = try #require(unreadable(try makeWorkbook(parts)))
        #expect(error.message.contains("expands to more than"))
        #expect(!error.message.contains("xxxx"))
    }
}

/// The process's peak resident set so far (VmHWM), in bytes.
private func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return (Int(line.split(separator: " ")[1]) ?? 0) * 1024
    }
    return 0
}

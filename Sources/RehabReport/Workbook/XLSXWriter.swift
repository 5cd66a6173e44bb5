import Foundation
import RehabCore

/// A small streaming writer of Office Open XML workbooks (`.xlsx`): sheets of text and number cells, a bold header
/// row that stays in view, and a filter on it.
///
/// Each sheet's XML is deflated into the ZIP container (`ZIPStream`) as its rows arrive, so a sheet of a million
/// rows is written in bounded memory and in one pass; the workbook's other parts follow the sheets.
/// Cells are inline strings or numbers, never formulas, so a value that starts with `=` is shown, not run. Text is
/// made safe for XML: invalid UTF-8 is repaired and the control characters XML forbids become U+FFFD.
///
/// Strings that repeat on many rows (a rule's id, a column's name) can be shared: `share` once, then `shared` in
/// each cell, a few bytes instead of the text.
///
/// Usage: `addSheet` (the header row first), `row`/`text`/`number`/`shared`/`endRow`, then `commit`.
public final class XLSXWriter {
    /// Excel's limit on rows per sheet, the header included.
    public static let maximumRows = 1_048_576

    private let zip: ZIPStream
    private var sheets: [String] = []
    private var inSheet = false
    private var columns = 0
    private var line: [UInt8] = []
    /// Rows written to the current sheet, its header included.
    private(set) var rows = 0
    private var sharedStrings: [String] = []
    private var sharedIndex: [String: Int] = [:]

    /// The workbook will be written to `path` by `commit()`, atomically.
    init(path: String) throws {
        zip = try ZIPStream(path: path)
        line.reserveCapacity(1 << 17)
    }

    /// Starts a new sheet, with a bold header row, frozen and filtered, and the columns' widths in characters.
    func addSheet(_ name: String, header: [String], widths: [Double]) throws {
        try finishSheet()
        sheets.append(name)
        try zip.beginEntry("xl/worksheets/sheet\(sheets.count).xml")
        inSheet = true
        columns = header.count
        rows = 0
        var start = Self.xmlDeclaration
        start += "<worksheet xmlns=\"\(Self.mainNamespace)\">"
        // Printed fitted to the page's width (as many pages down as it takes): see finishSheet.
        start += "<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>"
        start += "<sheetViews><sheetView workbookViewId=\"0\">"
        start += "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"
        start += "</sheetView></sheetViews><cols>"
        for (i, width) in widths.enumerated() {
            start += "<col min=\"\(i + 1)\" max=\"\(i + 1)\" width=\"\(width)\" customWidth=\"1\"/>"
        }
        start += "</cols><sheetData>"
        line.append(contentsOf: start.utf8)
        line.append(contentsOf: "<row>".utf8)
        for title in header {
            line.append(contentsOf: "<c t=\"inlineStr\" s=\"1\"><is><t>".utf8)
            Self.appendEscaped(title, to: &line)
            line.append(contentsOf: "</t></is></c>".utf8)
        }
        try endRow()
    }

    /// Starts a row.
    @inline(__always)
    func row() {
        append(Self.rowStart)
    }

    /// Ends a row.
    func endRow() throws {
        append(Self.rowEnd)
        rows += 1
        if line.count >= 1 << 16 {
            try zip.write(line)
            line.removeAll(keepingCapacity: true)
        }
    }

    /// The index of `text` in the shared strings, added if new.
    func share(_ text: String) -> Int {
        if let index = sharedIndex[text] { return index }
        sharedIndex[text] = sharedStrings.count
        sharedStrings.append(text)
        return sharedStrings.count - 1
    }

    /// Appends a literal's bytes.
    @inline(__always)
    private func append(_ literal: StaticString) {
        literal.withUTF8Buffer { line.append(contentsOf: $0) }
    }

    /// A text cell holding shared string `index`.
    @inline(__always)
    func shared(_ index: Int) {
        append(Self.sharedStart)
        CSVField.append(index, to: &line)
        append(Self.numberEnd)
    }

    /// An empty cell.
    @inline(__always)
    func empty() { append(Self.emptyCell) }

    /// A text cell; an empty one for empty text.
    func text(_ bytes: Span<UInt8>) {
        guard !bytes.isEmpty else { return append(Self.emptyCell) }
        let spaced = bytes[0] == 0x20 || bytes[bytes.count - 1] == 0x20
        if CSVField.startsFormula(bytes[0]) {
            // Inline text is never a formula, but Excel would make it one if a person edited the cell: the
            // quotePrefix style keeps it text.
            append(spaced ? Self.preservedQuotedTextStart : Self.quotedTextStart)
        } else {
            append(spaced ? Self.preservedTextStart : Self.textStart)
        }
        Self.appendEscaped(bytes, to: &line)
        append(Self.textEnd)
    }

    /// A text cell.
    func text(_ value: String?) {
        text(Array((value ?? "").utf8).span)
    }

    /// A number cell, or an empty cell for nil.
    func number(_ value: Int?) {
        guard let value else { return append(Self.emptyCell) }
        append(Self.numberStart)
        CSVField.append(value, to: &line)
        append(Self.numberEnd)
    }

    /// A number cell, or an empty cell for nil or a value that is not finite; `leftAligned` for a number beside
    /// text in a column of both.
    func number(_ value: Double?, leftAligned: Bool = false) {
        guard let value, value.isFinite else { return append(Self.emptyCell) }
        append(leftAligned ? Self.leftNumberStart : Self.numberStart)
        line.append(contentsOf: "\(value)".utf8)
        append(Self.numberEnd)
    }

    private func finishSheet() throws {
        guard inSheet else { return }
        line.append(contentsOf: "</sheetData>".utf8)
        if rows > 1 {
            line.append(contentsOf: "<autoFilter ref=\"A1:\(SpreadsheetColumn.letters(columns - 1))\(rows)\"/>".utf8)
        }
        // A4 landscape, every column on the page's width, the sheet's name and page numbers in the footer; the
        // header row repeats on every page (the workbook's Print_Titles).
        line.append(contentsOf: Self.printSetup.utf8)
        line.append(contentsOf: "</worksheet>".utf8)
        try zip.write(line)
        line.removeAll(keepingCapacity: true)
        try zip.endEntry()
        inSheet = false
    }

    /// Ends the last sheet, writes the workbook's other parts, and publishes the file.
    func commit() throws {
        try finishSheet()
        try add("[Content_Types].xml", contentTypes())
        try add("_rels/.rels", Self.packageRelationships)
        try add("docProps/app.xml", Self.appProperties)
        try add("xl/workbook.xml", workbook())
        try add("xl/_rels/workbook.xml.rels", workbookRelationships())
        try add("xl/styles.xml", Self.styles)
        if !sharedStrings.isEmpty { try add("xl/sharedStrings.xml", sharedStringsPart()) }
        try zip.finish()
    }

    private func add(_ name: String, _ text: String) throws {
        try zip.beginEntry(name)
        try zip.write(Array(text.utf8))
        try zip.endEntry()
    }

    // MARK: Parts

    private func contentTypes() -> String {
        var xml = Self.xmlDeclaration
        xml += "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        xml += "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        xml += "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        xml += "<Override PartName=\"/xl/workbook.xml\" "
        xml += "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
        xml += "<Override PartName=\"/xl/styles.xml\" "
        xml += "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
        xml += "<Override PartName=\"/docProps/app.xml\" "
        xml += "ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>"
        if !sharedStrings.isEmpty {
            xml += "<Override PartName=\"/xl/sharedStrings.xml\" "
            xml += "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>"
        }
        for i in sheets.indices {
            xml += "<Override PartName=\"/xl/worksheets/sheet\(i + 1).xml\" "
            xml += "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        return xml + "</Types>"
    }

    /// Page margins, A4 landscape fitted to one page wide, and a footer with the sheet's name and the page.
    static let printSetup =
        "<pageMargins left=\"0.4\" right=\"0.4\" top=\"0.5\" bottom=\"0.6\" header=\"0.3\" footer=\"0.3\"/>"
        + "<pageSetup paperSize=\"9\" orientation=\"landscape\" fitToWidth=\"1\" fitToHeight=\"0\"/>"
        + "<headerFooter><oddFooter>&amp;L&amp;A&amp;RPage &amp;P of &amp;N</oddFooter></headerFooter>"

    private func workbook() -> String {
        var xml = Self.xmlDeclaration
        xml += "<workbook xmlns=\"\(Self.mainNamespace)\" xmlns:r=\"\(Self.relationshipNamespace)\"><sheets>"
        var names: [String] = []
        for (i, sheet) in sheets.enumerated() {
            var name: [UInt8] = []
            Self.appendEscaped(sheet, to: &name)
            names.append(String(decoding: name, as: UTF8.self))
            xml += "<sheet name=\"\(names[i])\" sheetId=\"\(i + 1)\" r:id=\"rId\(i + 1)\"/>"
        }
        xml += "</sheets><definedNames>"
        // Each sheet's header row printed at the top of every page. A sheet name is quoted, its ' doubled.
        for (i, name) in names.enumerated() {
            let quoted = name.replacingOccurrences(of: "'", with: "''")
            xml += "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"\(i)\">'\(quoted)'!$1:$1</definedName>"
        }
        return xml + "</definedNames></workbook>"
    }

    private func workbookRelationships() -> String {
        var xml = Self.xmlDeclaration
        xml += "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        for i in sheets.indices {
            xml += "<Relationship Id=\"rId\(i + 1)\" "
            xml += "Type=\"\(Self.relationshipNamespace)/worksheet\" Target=\"worksheets/sheet\(i + 1).xml\"/>"
        }
        xml += "<Relationship Id=\"rId\(sheets.count + 1)\" "
        xml += "Type=\"\(Self.relationshipNamespace)/styles\" Target=\"styles.xml\"/>"
        if !sharedStrings.isEmpty {
            xml += "<Relationship Id=\"rId\(sheets.count + 2)\" "
            xml += "Type=\"\(Self.relationshipNamespace)/sharedStrings\" Target=\"sharedStrings.xml\"/>"
        }
        return xml + "</Relationships>"
    }

    private func sharedStringsPart() -> String {
        var xml: [UInt8] = Array(Self.xmlDeclaration.utf8)
        xml += "<sst xmlns=\"\(Self.mainNamespace)\" uniqueCount=\"\(sharedStrings.count)\">".utf8
        for text in sharedStrings {
            xml += "<si><t xml:space=\"preserve\">".utf8
            Self.appendEscaped(text, to: &xml)
            xml += "</t></si>".utf8
        }
        xml += "</sst>".utf8
        return String(decoding: xml, as: UTF8.self)
    }

    private static let xmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    private static let mainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    private static let relationshipNamespace =
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    private static let packageRelationships =
        xmlDeclaration
        + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        + "<Relationship Id=\"rId1\" Type=\"\(relationshipNamespace)/officeDocument\" Target=\"xl/workbook.xml\"/>"
        + "<Relationship Id=\"rId2\" Type=\"\(relationshipNamespace)/extended-properties\" Target=\"docProps/app.xml\"/>"
        + "</Relationships>"

    private static let appProperties =
        xmlDeclaration
        + "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\">"
        + "<Application>RehabCount \(RehabCountVersion.tool)</Application></Properties>"

    /// Three cell formats: 0 plain, 1 bold (the header row), 2 aligned left.
    private static let styles =
        xmlDeclaration
        + "<styleSheet xmlns=\"\(mainNamespace)\">"
        + "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font>"
        + "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
        + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
        + "<fill><patternFill patternType=\"gray125\"/></fill></fills>"
        + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
        + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
        + "<cellXfs count=\"4\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
        + "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>"
        + "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyAlignment=\"1\">"
        + "<alignment horizontal=\"left\"/></xf>"
        + "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" quotePrefix=\"1\"/></cellXfs>"
        + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
        + "</styleSheet>"

    private static let rowStart: StaticString = "<row>"
    private static let rowEnd: StaticString = "</row>"
    private static let emptyCell: StaticString = "<c/>"
    private static let textStart: StaticString = "<c t=\"inlineStr\"><is><t>"
    private static let preservedTextStart: StaticString = "<c t=\"inlineStr\"><is><t xml:space=\"preserve\">"
    private static let quotedTextStart: StaticString = "<c t=\"inlineStr\" s=\"3\"><is><t>"
    private static let preservedQuotedTextStart: StaticString =
        "<c t=\"inlineStr\" s=\"3\"><is><t xml:space=\"preserve\">"
    private static let textEnd: StaticString = "</t></is></c>"
    private static let numberStart: StaticString = "<c><v>"
    private static let sharedStart: StaticString = "<c t=\"s\"><v>"
    private static let leftNumberStart: StaticString = "<c s=\"2\"><v>"
    private static let numberEnd: StaticString = "</v></c>"

    // MARK: Text

    static func appendEscaped(_ text: String, to out: inout [UInt8]) {
        appendEscaped(Array(text.utf8).span, to: &out)
    }

    /// Appends text escaped for XML content and attributes.
    static func appendEscaped(_ bytes: Span<UInt8>, to out: inout [UInt8]) {
        // Most values need nothing: copy them at once.
        if !bytes.contains(where: { $0 < 0x20 || $0 >= 0x80 || $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 }) {
            return out.append(copying: bytes)
        }
        // Valid UTF-8 (the "…" of every cut value, most names) is escaped byte by byte as it stands.
        if bytes.contains(where: { $0 >= 0x80 }), !UTF8Check.isValid(bytes, forbiddingNonCharacters: true) {
            // Repair invalid UTF-8 (and drop the two non-characters XML forbids), then escape as ASCII would.
            let text = String(decoding: bytes)
            var cleaned = String.UnicodeScalarView()
            for scalar in text.unicodeScalars {
                cleaned.append(scalar.value == 0xFFFE || scalar.value == 0xFFFF ? "\u{FFFD}" : scalar)
            }
            return appendEscapedUTF8(Array(String(cleaned).utf8).span, to: &out)
        }
        appendEscapedUTF8(bytes, to: &out)
    }

    private static func appendEscapedUTF8(_ bytes: Span<UInt8>, to out: inout [UInt8]) {
        for i in bytes.indices {
            switch bytes[i] {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case 0x09, 0x0A, 0x0D: out.append(bytes[i])
            case 0..<0x20: out.append(contentsOf: [0xEF, 0xBF, 0xBD])
            case let byte: out.append(byte)
            }
        }
    }
}

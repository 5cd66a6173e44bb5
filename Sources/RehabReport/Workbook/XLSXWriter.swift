import Foundation
import RehabCore
import ZIPFoundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small streaming writer of Office Open XML workbooks (`.xlsx`): sheets of text and number cells, a bold header
/// row that stays in view, and a filter on it.
///
/// Each sheet's XML streams to a private temporary file as its rows arrive, and goes into the ZIP container (by
/// ZIPFoundation, deflated) when the workbook is committed: a sheet of a million rows is written in bounded memory.
/// Cells are inline strings or numbers, never formulas, so a value that starts with `=` is shown, not run. Text is
/// made safe for XML: invalid UTF-8 is repaired and the control characters XML forbids become U+FFFD.
///
/// Usage: `addSheet` (the header row first), `row`/`text`/`number`/`endRow`, then `commit`.
public final class XLSXWriter {
    /// Excel's limit on rows per sheet, the header included.
    public static let maximumRows = 1_048_576

    private let path: String
    private var sheets: [(name: String, file: ScratchFile)] = []
    private var current: ScratchFile?
    private var columns = 0
    private var line: [UInt8] = []
    /// Rows written to the current sheet, its header included.
    private(set) var rows = 0

    /// The workbook will be written to `path` by `commit()`, atomically.
    init(path: String) {
        self.path = path
        line.reserveCapacity(1 << 17)
    }

    /// Starts a new sheet, with a bold header row, frozen and filtered, and the columns' widths in characters.
    func addSheet(_ name: String, header: [String], widths: [Double]) throws {
        try finishSheet()
        let file = try ScratchFile(kind: .workbook)
        sheets.append((name, file))
        current = file
        columns = header.count
        rows = 0
        var start = Self.xmlDeclaration
        start += "<worksheet xmlns=\"\(Self.mainNamespace)\">"
        start += "<sheetViews><sheetView workbookViewId=\"0\">"
        start += "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"
        start += "</sheetView></sheetViews><cols>"
        for (i, width) in widths.enumerated() {
            start += "<col min=\"\(i + 1)\" max=\"\(i + 1)\" width=\"\(width)\" customWidth=\"1\"/>"
        }
        start += "</cols><sheetData>"
        try file.append(start)
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
        line.append(contentsOf: Self.rowStart)
    }

    /// Ends a row.
    func endRow() throws {
        line.append(contentsOf: Self.rowEnd)
        rows += 1
        if line.count >= 1 << 16 {
            try current?.append(line)
            line.removeAll(keepingCapacity: true)
        }
    }

    /// A text cell; an empty one for empty text.
    func text(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return line.append(contentsOf: Self.emptyCell) }
        let spaced = bytes.first == 0x20 || bytes.last == 0x20
        line.append(contentsOf: spaced ? Self.preservedTextStart : Self.textStart)
        Self.appendEscaped(bytes, to: &line)
        line.append(contentsOf: Self.textEnd)
    }

    /// A text cell.
    func text(_ value: String?) {
        var value = value ?? ""
        value.withUTF8 { text(UnsafeRawBufferPointer($0)) }
    }

    /// A number cell, or an empty cell for nil.
    func number(_ value: Int?) {
        guard let value else { return line.append(contentsOf: Self.emptyCell) }
        line.append(contentsOf: Self.numberStart)
        CSVField.append(value, to: &line)
        line.append(contentsOf: Self.numberEnd)
    }

    /// A number cell, or an empty cell for nil or a value that is not finite.
    func number(_ value: Double?) {
        guard let value, value.isFinite else { return line.append(contentsOf: Self.emptyCell) }
        line.append(contentsOf: Self.numberStart)
        line.append(contentsOf: "\(value)".utf8)
        line.append(contentsOf: Self.numberEnd)
    }

    private func finishSheet() throws {
        guard let file = current else { return }
        line.append(contentsOf: "</sheetData>".utf8)
        if rows > 1 {
            line.append(contentsOf: "<autoFilter ref=\"A1:\(Self.columnName(columns))\(rows)\"/>".utf8)
        }
        line.append(contentsOf: "</worksheet>".utf8)
        try file.append(line)
        try file.flush()
        line.removeAll(keepingCapacity: true)
        current = nil
    }

    /// Writes the workbook to its path: the temporary file appears under the name only when complete.
    func commit() throws {
        try finishSheet()
        // An unguessable name beside the workbook's, as for every RehabCount output. ZIPFoundation creates it, and
        // refuses a name that exists.
        let temporary = FileOutput.temporaryPath(beside: path)
        var published = false
        defer { if !published { unlink(temporary) } }
        do {
            let archive = try Archive(url: URL(fileURLWithPath: temporary), accessMode: .create)
            try add(archive, "[Content_Types].xml", contentTypes())
            try add(archive, "_rels/.rels", Self.packageRelationships)
            try add(archive, "docProps/app.xml", Self.appProperties)
            try add(archive, "xl/workbook.xml", workbook())
            try add(archive, "xl/_rels/workbook.xml.rels", workbookRelationships())
            try add(archive, "xl/styles.xml", Self.styles)
            for (i, sheet) in sheets.enumerated() {
                let file = sheet.file
                try archive.addEntry(
                    with: "xl/worksheets/sheet\(i + 1).xml",
                    type: .file,
                    uncompressedSize: Int64(file.size),
                    modificationDate: Self.fixedDate,
                    compressionMethod: .deflate,
                    bufferSize: 1 << 20,
                    provider: { position, size in try file.read(at: Int(position), count: size) }
                )
            }
        } catch let error as RehabError {
            throw error
        } catch {
            throw RehabError(.output, "Writing the workbook \(path) failed: \(error).")
        }
        // Owner-only, synced, then renamed into place.
        let fd = open(temporary, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw RehabError(.output, "Cannot save \(path): \(String(cString: strerror(errno))).") }
        defer { close(fd) }
        guard fchmod(fd, 0o600) == 0, fsync(fd) == 0 || errno == EINVAL, rename(temporary, path) == 0 else {
            throw RehabError(.output, "Cannot save \(path): \(String(cString: strerror(errno))).")
        }
        published = true
        sheets = []
    }

    private func add(_ archive: Archive, _ name: String, _ text: String) throws {
        let data = Data(text.utf8)
        try archive.addEntry(
            with: name,
            type: .file,
            uncompressedSize: Int64(data.count),
            modificationDate: Self.fixedDate,
            compressionMethod: .deflate,
            provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) }
        )
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
        for i in sheets.indices {
            xml += "<Override PartName=\"/xl/worksheets/sheet\(i + 1).xml\" "
            xml += "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        return xml + "</Types>"
    }

    private func workbook() -> String {
        var xml = Self.xmlDeclaration
        xml += "<workbook xmlns=\"\(Self.mainNamespace)\" xmlns:r=\"\(Self.relationshipNamespace)\"><sheets>"
        for (i, sheet) in sheets.enumerated() {
            var name: [UInt8] = []
            Self.appendEscaped(sheet.name, to: &name)
            xml += "<sheet name=\"\(String(decoding: name, as: UTF8.self))\" sheetId=\"\(i + 1)\" r:id=\"rId\(i + 1)\"/>"
        }
        return xml + "</sheets></workbook>"
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
        return xml + "</Relationships>"
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

    /// Two cell formats: 0 plain, 1 bold (the header row).
    private static let styles =
        xmlDeclaration
        + "<styleSheet xmlns=\"\(mainNamespace)\">"
        + "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font>"
        + "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
        + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
        + "<fill><patternFill patternType=\"gray125\"/></fill></fills>"
        + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
        + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
        + "<cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
        + "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs>"
        + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
        + "</styleSheet>"

    /// Entries carry one fixed date, so that the same report gives the same bytes.
    private static let fixedDate = Date(timeIntervalSince1970: 1_704_067_200)

    private static let rowStart = Array("<row>".utf8)
    private static let rowEnd = Array("</row>".utf8)
    private static let emptyCell = Array("<c/>".utf8)
    private static let textStart = Array("<c t=\"inlineStr\"><is><t>".utf8)
    private static let preservedTextStart = Array("<c t=\"inlineStr\"><is><t xml:space=\"preserve\">".utf8)
    private static let textEnd = Array("</t></is></c>".utf8)
    private static let numberStart = Array("<c><v>".utf8)
    private static let numberEnd = Array("</v></c>".utf8)

    // MARK: Text

    /// The spreadsheet name of column `n` (1 = A).
    static func columnName(_ n: Int) -> String {
        var n = n
        var name = ""
        while n > 0 {
            let r = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + r))) + name
            n = (n - 1) / 26
        }
        return name
    }

    static func appendEscaped(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendEscaped(UnsafeRawBufferPointer($0), to: &out) }
    }

    /// Appends text escaped for XML content and attributes.
    static func appendEscaped(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        if bytes.contains(where: { $0 >= 0x80 }) {
            // Repair invalid UTF-8 (and drop the two non-characters XML forbids), then escape as ASCII would.
            let text = String(decoding: bytes, as: UTF8.self)
            var cleaned = String.UnicodeScalarView()
            for scalar in text.unicodeScalars {
                cleaned.append(scalar.value == 0xFFFE || scalar.value == 0xFFFF ? "\u{FFFD}" : scalar)
            }
            var repaired = String(cleaned)
            return repaired.withUTF8 { appendEscapedUTF8(UnsafeRawBufferPointer($0), to: &out) }
        }
        appendEscapedUTF8(bytes, to: &out)
    }

    private static func appendEscapedUTF8(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case 0x09, 0x0A, 0x0D: out.append(byte)
            case 0..<0x20: out.append(contentsOf: [0xEF, 0xBF, 0xBD])
            default: out.append(byte)
            }
        }
    }
}

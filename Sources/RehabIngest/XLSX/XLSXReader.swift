import Crypto
import Foundation
import RehabCore
import Synchronization
import XMLCoder
import ZIPFoundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads the first sheet of an Excel workbook (.xlsx) as rows, exactly as `CSVReader` delivers a CSV file.
///
/// - Record 0 is the header (the first non-empty spreadsheet row); `line` is the spreadsheet row number.
/// - Every cell becomes text: shared and inline strings as written, numbers without a trailing `.0`, cells with a
///   date number format as `YYYY-MM-DD`, booleans as `TRUE`/`FALSE`, errors as their text (`#N/A`).
/// - A missing cell is an empty field. A row is as wide as the header, or wider when it has a non-empty cell past
///   the header's last column, so a ragged row shows up as it would in a CSV file.
/// - Empty rows between rows (and before the header) are reported as blank lines; empty rows after the last row
///   are ignored, because Excel often keeps formatted empty rows.
///
/// The small parts (workbook, relationships, styles) are decoded with XMLCoder. The sheet and the shared strings
/// are parsed with a streaming `XMLParser` instead: XMLCoder builds a tree of the whole document, which is slow
/// for a large sheet, and on Linux it fails outright on a part over 10 MB (libxml2's single-chunk limit). Rows are
/// streamed out one at a time through a reused buffer.
///
/// A workbook is a ZIP package, and a few kilobytes of it can claim gigabytes of XML. Memory stays bounded whatever
/// the workbook: the sheet and shared strings are inflated to a private temporary file as they are read and parsed
/// from there, never held whole; every part inflated, and every cell byte a shared string expands to, counts
/// against one budget per workbook (`expansionBudget`); the shared strings held in memory have a budget of their
/// own; and a row is cut at the same byte length as a CSV row and flagged `oversized`. A workbook past a budget is
/// unreadable, with a message that says which limit it passed.
public struct XLSXReader: TableSource {
    let path: String
    let maxRowBytes: Int

    /// - Parameter maxRowBytes: a row longer than this is cut short and flagged `oversized`, as in `CSVReader`.
    public init(path: String, maxRowBytes: Int = 1 << 20) {
        self.path = path
        self.maxRowBytes = maxRowBytes
    }

    /// Uncompressed bytes a workbook of `fileBytes` may expand to: 50 times its size, at least 64 MiB and at most
    /// 4 GiB. Real extracts inflate 5 to 20 times; a decompression bomb, hundreds or thousands of times.
    public static func expansionBudget(fileBytes: Int) -> Int {
        min(max(fileBytes.multipliedReportingOverflow(by: 50).partialValue, 64 << 20), 4 << 30)
    }

    /// The most shared-string text held in memory at once.
    public static let maxSharedStringBytes = 64 << 20

    public func read(onBlankLine: (Int) throws -> Void, onRow: (TableRow) throws -> Void) throws -> TableSummary {
        var summary = TableSummary()
        let (size, sha256) = try Self.digest(path)
        summary.bytesRead = size
        summary.sha256 = sha256

        let package = try XLSXPackage(path: path, budget: Self.expansionBudget(fileBytes: size))
        let workbook = try package.workbook()
        let sharedStrings = try package.sharedStrings(at: workbook.sharedStringsPath)
        let dateStyles = try package.dateStyles(at: workbook.stylesPath)

        let handler = SheetHandler(
            sharedStrings: sharedStrings,
            dateStyles: dateStyles,
            date1904: workbook.date1904,
            budget: package.budget,
            maxRowBytes: maxRowBytes
        )
        try withoutActuallyEscaping(onRow) { onRow in
            try withoutActuallyEscaping(onBlankLine) { onBlankLine in
                handler.onRow = onRow
                handler.onBlankLine = onBlankLine
                // The handler must not keep the closures past this scope.
                defer {
                    handler.onRow = nil
                    handler.onBlankLine = nil
                }
                try package.parse(workbook.sheetPath, with: handler)
            }
        }
        summary.records = handler.recordNumber
        summary.lines = handler.lastRowNumber
        summary.blankLines = handler.blankLines
        return summary
    }

    /// The size and SHA-256 of the file's bytes as stored.
    static func digest(_ path: String) throws -> (size: Int, sha256: String) {
        let digest = try FileDigest.sha256(path: path)
        return (digest.bytes, digest.hex)
    }
}

// MARK: - The package: ZIP entries and the small XML parts

/// Where the parts of a workbook are, and how its dates count.
struct WorkbookLayout {
    var sheetPath: String
    var sharedStringsPath: String?
    var stylesPath: String?
    var date1904: Bool
}

/// How many more uncompressed bytes a workbook may expand to, shared by its parts (inflated on a thread of their
/// own) and its cells (read on the parser's).
final class ExpansionBudget: Sendable {
    let limit: Int
    private let used = Atomic(0)

    init(limit: Int) { self.limit = limit }

    /// Counts `bytes`; false once the budget is spent.
    func spend(_ bytes: Int) -> Bool {
        used.add(bytes, ordering: .relaxed).newValue <= limit
    }

    /// Why a workbook was refused, in words without its contents.
    var exceeded: String {
        "it expands to more than \(limit >> 20) MiB of XML and text, far more than a workbook of its size holds "
            + "(a damaged file or a decompression bomb)"
    }
}

/// An opened .xlsx file. Every failure is reported as an unreadable workbook, in words that never quote cell
/// contents.
struct XLSXPackage {
    static let hint = "Save it again from Excel as .xlsx, or export CSV."
    /// The largest small part (workbook, relationships, styles) decoded in memory.
    static let maxSmallPartBytes = 32 << 20

    let archive: Archive
    let fileName: String
    let budget: ExpansionBudget

    init(path: String, budget: Int = XLSXReader.expansionBudget(fileBytes: 0)) throws {
        let url = URL(fileURLWithPath: path)
        self.budget = ExpansionBudget(limit: budget)
        fileName = url.lastPathComponent
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw Self.failure(
                fileName,
                Self.looksLikeCompoundFile(path)
                    ? "it is an older .xls file or a password-protected workbook, not an .xlsx (ZIP) package"
                    : "it is not a ZIP package"
            )
        }
    }

    static func failure(_ fileName: String, _ reason: String) -> RehabError {
        RehabError(.unreadableFile, "\(fileName) is not a readable Excel workbook: \(reason).", hint: hint)
    }

    func failure(_ reason: String) -> RehabError {
        Self.failure(fileName, reason)
    }

    /// Whether the file starts with the OLE compound-file signature (.xls, or an encrypted .xlsx).
    static func looksLikeCompoundFile(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 8)) ?? Data()
        return magic == Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
    }

    /// Inflates a part, chunk by chunk, to `consume`, within the workbook's budget and at most `limit` bytes.
    ///
    /// - Returns: false when the package has no such part.
    func extract(_ partPath: String, limit: Int? = nil, _ consume: (Data) throws -> Void) throws -> Bool {
        guard let entry = archive[partPath], entry.type == .file else { return false }
        try extract(partPath, entry: entry, limit: limit, consume)
        return true
    }

    /// Inflates an entry, chunk by chunk, to `consume`, within the workbook's budget and at most `limit` bytes.
    func extract(_ partPath: String, entry: Entry, limit: Int? = nil, _ consume: (Data) throws -> Void) throws {
        // The sizes in a ZIP header are only claims: the bytes are counted as they come.
        var reason: String?
        let crc: CRC32
        do {
            var size = 0
            crc = try archive.extract(
                entry,
                consumer: { chunk in
                    size += chunk.count
                    if let limit, size > limit {
                        reason = "\(partPath) is too large (over \(limit >> 20) MiB uncompressed)"
                        throw CocoaError(.fileReadTooLarge)
                    }
                    guard budget.spend(chunk.count) else {
                        reason = budget.exceeded
                        throw CocoaError(.fileReadTooLarge)
                    }
                    try consume(chunk)
                }
            )
        } catch let error as RehabError {
            throw error
        } catch let error as ChunkChannel.Closed {
            throw error
        } catch {
            throw failure(reason ?? "\(partPath) is damaged")
        }
        guard crc == entry.checksum else { throw failure("\(partPath) is damaged (checksum mismatch)") }
    }

    /// The uncompressed bytes of a small part, or nil when the package has no such part.
    func data(of partPath: String) throws -> Data? {
        var data = Data()
        guard try extract(partPath, limit: Self.maxSmallPartBytes, { data.append($0) }) else { return nil }
        return data
    }

    /// Decodes a small part with XMLCoder.
    func decode<T: Decodable>(_ type: T.Type, _ partPath: String) throws -> T? {
        guard let data = try data(of: partPath) else { return nil }
        let decoder = XMLDecoder()
        decoder.shouldProcessNamespaces = true
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw failure("\(partPath) is not valid workbook XML")
        }
    }

    /// Finds the first sheet, the shared strings and the styles through the workbook's relationships.
    func workbook() throws -> WorkbookLayout {
        let workbookPath = "xl/workbook.xml"
        guard let workbook = try decode(WorkbookXML.self, workbookPath) else {
            throw failure("it has no \(workbookPath)")
        }
        let relationships = try decode(RelationshipsXML.self, "xl/_rels/workbook.xml.rels")?.relationships ?? []
        func target(_ relationship: RelationshipsXML.Relationship?) -> String? {
            guard let relationship, relationship.targetMode != "External", let target = relationship.target else {
                return nil
            }
            return Self.resolve(target, relativeTo: "xl")
        }
        func target(ofType suffix: String) -> String? {
            target(relationships.first { $0.type?.hasSuffix(suffix) == true })
        }

        var sheetPath = "xl/worksheets/sheet1.xml"
        if let id = workbook.sheets?.sheet?.first?.relationshipID,
            let relationship = relationships.first(where: { $0.id == id })
        {
            if relationship.type?.hasSuffix("/chartsheet") == true {
                throw failure("its first sheet is a chart, not a worksheet")
            }
            sheetPath = target(relationship) ?? sheetPath
        }
        let date1904 = workbook.workbookPr?.date1904.map { ["1", "true"].contains($0.lowercased()) } ?? false
        return WorkbookLayout(
            sheetPath: sheetPath,
            sharedStringsPath: target(ofType: "/sharedStrings") ?? "xl/sharedStrings.xml",
            stylesPath: target(ofType: "/styles") ?? "xl/styles.xml",
            date1904: date1904
        )
    }

    /// A relationship target as a path inside the package: absolute (`/xl/...`) or relative to `base`.
    static func resolve(_ target: String, relativeTo base: String) -> String {
        var parts: [Substring] = target.hasPrefix("/") ? [] : base.split(separator: "/")
        for part in target.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    /// For each cell style (`cellXfs` index), whether its number format shows a date.
    func dateStyles(at partPath: String?) throws -> [Bool] {
        guard let partPath, let styles = try decode(StylesXML.self, partPath) else { return [] }
        var custom: [Int: String] = [:]
        for format in styles.numFmts?.numFmt ?? [] {
            if let id = format.numFmtId.flatMap({ Int($0) }) { custom[id] = format.formatCode ?? "" }
        }
        return (styles.cellXfs?.xf ?? []).map { xf in
            let id = xf.numFmtId.flatMap { Int($0) } ?? 0
            if let code = custom[id] { return NumberFormat.isDate(code) }
            return NumberFormat.isBuiltInDate(id)
        }
    }

    /// The shared string table.
    func sharedStrings(at partPath: String?) throws -> [String] {
        guard let partPath else { return [] }
        let handler = SharedStringsHandler(maxBytes: XLSXReader.maxSharedStringBytes)
        try parse(partPath, with: handler, required: false)
        return handler.strings
    }

    /// Streams a part through an `XMLParser` as it is inflated: the part is never held whole.
    func parse(_ partPath: String, with handler: some StreamingHandler, required: Bool = true) throws {
        guard let entry = archive[partPath], entry.type == .file else {
            if required { throw failure("it has no worksheet at \(partPath)") }
            return
        }
        // The archive is read by the inflating thread alone while the parser waits on it for bytes; this thread
        // uses it again only after closing the stream, which waits for that thread to finish.
        let part = InflatingPart(package: self, entry: entry)
        let stream = PartStream(
            inflate: { deliver in try part.package.extract(partPath, entry: part.entry, deliver) },
            stopped: { handler.stopped }
        )
        // From a stream, so that libxml2 gets the document in chunks: in one piece it rejects 10 MB or more.
        let parser = XMLParser(stream: stream)
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = handler
        let parsed = parser.parse()
        parser.delegate = nil
        stream.close()
        if let error = handler.failure { throw error }
        if let reason = handler.invalidReason { throw failure("\(partPath): \(reason)") }
        if let error = stream.failure { throw error }
        guard parsed else {
            let line = parser.lineNumber > 0 ? " (near line \(parser.lineNumber))" : ""
            throw failure("\(partPath) is not valid XML\(line)")
        }
    }
}

/// A package and one of its entries, handed to the thread that inflates the entry.
///
/// `@unchecked Sendable`: ZIPFoundation's archive is not thread-safe, and is used by one thread at a time: the
/// inflating thread while the parser waits on it, the parser's thread only once the stream is closed and that thread
/// has finished (`XLSXPackage.parse`).
private struct InflatingPart: @unchecked Sendable {
    let package: XLSXPackage
    let entry: Entry
}

// MARK: - XMLCoder models of the small parts

struct WorkbookXML: Decodable {
    struct Properties: Decodable {
        var date1904: String?
    }

    struct Sheets: Decodable {
        var sheet: [Sheet]?
    }

    struct Sheet: Decodable {
        /// The `r:id` attribute, whatever the relationships namespace prefix is.
        var relationshipID: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            for key in container.allKeys where key.stringValue == "id" || key.stringValue.hasSuffix(":id") {
                relationshipID = try container.decode(String.self, forKey: key)
            }
        }
    }

    var workbookPr: Properties?
    var sheets: Sheets?
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

struct RelationshipsXML: Decodable {
    struct Relationship: Decodable {
        var id: String?
        var type: String?
        var target: String?
        var targetMode: String?

        enum CodingKeys: String, CodingKey {
            case id = "Id"
            case type = "Type"
            case target = "Target"
            case targetMode = "TargetMode"
        }
    }

    var relationships: [Relationship]?

    enum CodingKeys: String, CodingKey {
        case relationships = "Relationship"
    }
}

struct StylesXML: Decodable {
    struct NumFmts: Decodable {
        var numFmt: [NumFmt]?
    }

    struct NumFmt: Decodable {
        var numFmtId: String?
        var formatCode: String?
    }

    struct CellXfs: Decodable {
        var xf: [Xf]?
    }

    struct Xf: Decodable {
        var numFmtId: String?
    }

    var numFmts: NumFmts?
    var cellXfs: CellXfs?
}

// MARK: - Number formats and values

enum NumberFormat {
    /// The built-in formats that show a date (the ones Excel and its readers treat as dates).
    static func isBuiltInDate(_ id: Int) -> Bool {
        (14...22).contains(id) || (27...36).contains(id) || (45...47).contains(id) || (50...58).contains(id)
    }

    /// Whether a custom format code shows a date: it has a day, month or year outside quotes, brackets and escapes,
    /// and is not a time alone (`m` next to `h` or `s` is minutes).
    static func isDate(_ code: String) -> Bool {
        let chars = Array(code.lowercased().unicodeScalars)
        var hasDate = false
        var hasTime = false
        var hasM = false
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "\"":
                i += 1
                while i < chars.count, chars[i] != "\"" { i += 1 }
            case "[":
                var inner = ""
                i += 1
                while i < chars.count, chars[i] != "]" {
                    inner.unicodeScalars.append(chars[i])
                    i += 1
                }
                // [h], [mm], [ss]: elapsed time. Colours, conditions and locales say nothing about dates.
                if !inner.isEmpty, inner.allSatisfy({ "hms".contains($0) }) { hasTime = true }
            case "\\", "_", "*":
                i += 1
            case "a" where matches(chars, i, "am/pm"):
                i += 4
            case "a" where matches(chars, i, "a/p"):
                i += 2
            case "d", "y":
                hasDate = true
            case "h", "s":
                hasTime = true
            case "m":
                hasM = true
            default:
                break
            }
            i += 1
        }
        return hasDate || (hasM && !hasTime)
    }

    static func matches(_ chars: [Unicode.Scalar], _ at: Int, _ word: String) -> Bool {
        let w = Array(word.unicodeScalars)
        return at + w.count <= chars.count && Array(chars[at..<at + w.count]) == w
    }

    /// A number as text: integral values without a decimal point, others as Swift's shortest round trip.
    static func text(_ value: Double) -> String {
        if value == value.rounded(.towardZero), abs(value) < 9.0e18 {
            return String(Int64(value))
        }
        return value.description
    }

    /// An Excel date serial as `YYYY-MM-DD`, or nil when it is not a date Excel can show.
    static func dateText(serial value: Double, date1904: Bool) -> String? {
        guard value.isFinite, value >= 0, value < 3_000_000 else { return nil }
        let serial = Int(value.rounded(.down))
        let ordinal: Int
        if date1904 {
            ordinal = serial - 24_107  // 1904-01-01 is serial 0
        } else if serial >= 61 {
            ordinal = serial - 25_569  // 1970-01-01 is serial 25569
        } else if serial == 60 {
            return "1900-02-29"  // Excel's day that never was; the validator will flag it
        } else if serial >= 1 {
            ordinal = serial - 25_568  // before Excel's fake 29 February 1900
        } else {
            return nil
        }
        guard ordinal <= 2_932_896 else { return nil }  // 9999-12-31
        return Day(ordinal: Int32(ordinal)).description
    }

    /// Decodes Excel's `_xHHHH_` escapes of characters XML cannot hold (`_x000D_` is a carriage return).
    static func unescape(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "_")), text.contains("_x") else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "_", i + 6 < scalars.count, scalars[i + 1] == "x", scalars[i + 6] == "_" {
                var code: UInt32 = 0
                var valid = true
                for s in scalars[(i + 2)..<(i + 6)] {
                    guard let digit = hexValue(s) else {
                        valid = false
                        break
                    }
                    code = code << 4 | digit
                }
                if valid, let scalar = Unicode.Scalar(code) {
                    out.append(scalar)
                    i += 7
                    continue
                }
            }
            out.append(scalars[i])
            i += 1
        }
        return String(out)
    }

    static func hexValue(_ s: Unicode.Scalar) -> UInt32? {
        switch s.value {
        case 0x30...0x39: s.value - 0x30
        case 0x41...0x46: s.value - 0x41 + 10
        case 0x61...0x66: s.value - 0x61 + 10
        default: nil
        }
    }
}

// MARK: - Streaming parsers

/// An `XMLParser` delegate that can stop the parse with an error.
///
/// A protocol rather than a base class: on Linux a subclass's delegate methods would not be called through the
/// base class's conformance.
protocol StreamingHandler: XMLParserDelegate {
    /// An error to rethrow as is (one thrown by a callback).
    var failure: (any Error)? { get set }
    /// Why the part is not a valid workbook part, in words without cell contents.
    var invalidReason: String? { get set }
}

extension StreamingHandler {
    var stopped: Bool { failure != nil || invalidReason != nil }

    func stop(_ parser: XMLParser, error: any Error) {
        failure = error
        parser.abortParsing()
    }

    func stop(_ parser: XMLParser, invalid reason: String) {
        invalidReason = reason
        parser.abortParsing()
    }
}

/// Collects `<si>` items: plain `<t>`, or the `<t>` of each rich-text run `<r>` concatenated. Phonetic runs
/// (`<rPh>`) are not part of the text.
final class SharedStringsHandler: NSObject, StreamingHandler {
    var failure: (any Error)?
    var invalidReason: String?
    var strings: [String] = []
    /// The most text the table may hold.
    let maxBytes: Int
    var bytes = 0

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
        super.init()
    }
    var inItem = false
    var phoneticDepth = 0
    var capturing = false
    var item = ""

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch elementName {
        case "si":
            inItem = true
            item = ""
        case "rPh":
            phoneticDepth += 1
        case "t" where inItem && phoneticDepth == 0:
            capturing = true
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        switch elementName {
        case "si":
            bytes += item.utf8.count + 16
            guard bytes <= maxBytes else {
                return stop(parser, invalid: "its shared strings hold more than \(maxBytes >> 20) MiB of text")
            }
            strings.append(NumberFormat.unescape(item))
            inItem = false
        case "rPh":
            phoneticDepth -= 1
        case "t":
            capturing = false
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard capturing, !stopped else { return }
        item += string
        if item.utf8.count > maxBytes {
            stop(parser, invalid: "its shared strings hold more than \(maxBytes >> 20) MiB of text")
        }
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        if capturing { item += String(decoding: CDATABlock, as: UTF8.self) }
    }
}

/// Turns `<sheetData>` into rows as it streams past.
final class SheetHandler: NSObject, StreamingHandler {
    var failure: (any Error)?
    var invalidReason: String?
    static let maxRows = 1_048_576
    static let maxColumns = 16_384

    let sharedStrings: [String]
    let dateStyles: [Bool]
    let date1904: Bool
    var onRow: ((TableRow) throws -> Void)?
    var onBlankLine: ((Int) throws -> Void)?

    // Where the parse is.
    var inSheetData = false
    var inRow = false
    var inCell = false
    var inInlineString = false
    var phoneticDepth = 0
    var capturing = false
    var text = ""

    // The current row.
    var rowNumber = 0
    var cells: [(column: Int, value: String)] = []
    var nextColumn = 0

    // The current cell.
    var column = 0
    var cellType: String?
    var cellStyle = 0
    var valueText: String?
    var inlineText: String?

    // Output.
    var headerWidth: Int?
    var recordNumber = 0
    var blankLines = 0
    /// The row number of the last row delivered.
    var lastRowNumber = 0
    var fieldBytes = OwnedBuffer<UInt8>(capacity: 4096)
    var length = 0
    var ends = OwnedBuffer<Int>(capacity: 64)
    var fieldCount = 0
    var issues: RowIssues = []
    /// A cell of the current row had more text than a row may.
    var cellCut = false

    /// The workbook's expansion budget: a shared string counts each time a cell repeats it.
    let budget: ExpansionBudget
    let maxRowBytes: Int

    init(
        sharedStrings: [String],
        dateStyles: [Bool],
        date1904: Bool,
        budget: ExpansionBudget = ExpansionBudget(limit: .max),
        maxRowBytes: Int = 1 << 20
    ) {
        self.sharedStrings = sharedStrings
        self.dateStyles = dateStyles
        self.date1904 = date1904
        self.budget = budget
        self.maxRowBytes = maxRowBytes
        super.init()
    }

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        guard !stopped else { return }
        switch elementName {
        case "sheetData":
            inSheetData = true
        case "row" where inSheetData:
            inRow = true
            if let r = attributes["r"] {
                guard let n = Int(r), n >= 1, n <= Self.maxRows else {
                    return stop(parser, invalid: "a row number is out of range")
                }
                rowNumber = n
            } else {
                rowNumber += 1
            }
            cells.removeAll(keepingCapacity: true)
            nextColumn = 0
        case "c" where inRow:
            inCell = true
            if let r = attributes["r"] {
                guard let c = Self.columnIndex(r) else {
                    return stop(parser, invalid: "a cell reference is not valid in row \(rowNumber)")
                }
                column = c
            } else {
                column = nextColumn
            }
            guard column < Self.maxColumns else {
                return stop(parser, invalid: "a cell is beyond column XFD in row \(rowNumber)")
            }
            cellType = attributes["t"]
            cellStyle = attributes["s"].flatMap { Int($0) } ?? 0
            valueText = nil
            inlineText = nil
        case "v" where inCell:
            capturing = true
            text = ""
        case "is" where inCell:
            inInlineString = true
            inlineText = ""
        case "rPh" where inCell:
            phoneticDepth += 1
        case "t" where inInlineString && phoneticDepth == 0:
            capturing = true
            text = ""
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        guard !stopped else { return }
        switch elementName {
        case "sheetData":
            inSheetData = false
        case "row" where inRow:
            inRow = false
            do {
                try finishRow()
            } catch {
                stop(parser, error: error)
            }
        case "c" where inCell:
            inCell = false
            guard let value = cellValue(parser) else { return }
            if !value.isEmpty { cells.append((column, value)) }
            nextColumn = column + 1
        case "v" where capturing:
            capturing = false
            valueText = text
        case "t" where capturing:
            capturing = false
            inlineText = (inlineText ?? "") + text
        case "is":
            inInlineString = false
        case "rPh" where inCell:
            phoneticDepth -= 1
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard capturing else { return }
        // A cell's own text is held only up to the row limit; the row is flagged when it was cut.
        if text.utf8.count < maxRowBytes { text += string } else { cellCut = true }
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard capturing else { return }
        if text.utf8.count < maxRowBytes { text += String(decoding: CDATABlock, as: UTF8.self) } else { cellCut = true }
    }

    /// A1-style reference → zero-based column index (`A` 0, `Z` 25, `AA` 26), ignoring the row digits.
    static func columnIndex(_ reference: String) -> Int? {
        var index = 0
        var letters = 0
        for byte in reference.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): index = index * 26 + Int(byte - UInt8(ascii: "A")) + 1
            case UInt8(ascii: "a")...UInt8(ascii: "z"): index = index * 26 + Int(byte - UInt8(ascii: "a")) + 1
            case UInt8(ascii: "$") where letters == 0: continue
            default:
                return letters == 0 ? nil : index - 1
            }
            letters += 1
            if letters > 3 { return nil }
        }
        return letters == 0 ? nil : index - 1
    }

    /// The text of the cell that just ended, or nil after stopping the parse.
    func cellValue(_ parser: XMLParser) -> String? {
        switch cellType {
        case nil, "n":
            guard let raw = valueText, !raw.isEmpty else { return "" }
            guard let number = Double(raw), number.isFinite else { return raw }
            if cellStyle >= 0, cellStyle < dateStyles.count, dateStyles[cellStyle],
                let date = NumberFormat.dateText(serial: number, date1904: date1904)
            {
                return date
            }
            return NumberFormat.text(number)
        case "s":
            guard let raw = valueText, !raw.isEmpty else { return "" }
            guard let index = Int(raw), index >= 0, index < sharedStrings.count else {
                stop(
                    parser,
                    invalid:
                        "cell \(SpreadsheetColumn.letters(column))\(rowNumber) refers to a shared string that does not exist"
                )
                return nil
            }
            guard budget.spend(sharedStrings[index].utf8.count) else {
                stop(parser, invalid: budget.exceeded)
                return nil
            }
            return sharedStrings[index]
        case "inlineStr":
            return NumberFormat.unescape(inlineText ?? valueText ?? "")
        case "b":
            switch valueText {
            case "1", "true": return "TRUE"
            case "0", "false": return "FALSE"
            default: return valueText ?? ""
            }
        case "d":
            // An ISO 8601 date cell (strict OOXML): keep the date.
            guard let raw = valueText else { return "" }
            let bytes = Array(raw.utf8.prefix(11))
            if bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
                bytes.count == 10 || bytes[10] == UInt8(ascii: "T")
            {
                return String(decoding: bytes[0..<10], as: UTF8.self)
            }
            return raw
        default:
            // "str" (a formula's text), "e" (an error such as #N/A) and anything newer: the value as written.
            return valueText ?? inlineText ?? ""
        }
    }

    func finishRow() throws {
        guard !cells.isEmpty else {  // an empty row is only a blank line if a row follows it
            cellCut = false
            return
        }
        if rowNumber > lastRowNumber + 1 {
            for blank in (lastRowNumber + 1)..<rowNumber {
                blankLines += 1
                try onBlankLine?(blank)
            }
        }
        if !cells.indices.dropFirst().allSatisfy({ cells[$0 - 1].column < cells[$0].column }) {
            cells.sort { $0.column < $1.column }
        }
        length = 0
        fieldCount = 0
        issues = cellCut ? [.oversized] : []
        cellCut = false
        for (column, value) in cells where column >= fieldCount {  // a repeated cell: the first one wins
            while fieldCount < column { endField() }
            var value = value
            value.withUTF8 { bytes in
                // A row is cut at the CSV reader's limit: one cell repeating a huge shared string must not become
                // gigabytes of quarantine.
                let room = max(0, maxRowBytes - length)
                if bytes.count > room { issues.insert(.oversized) }
                append(UnsafeBufferPointer(rebasing: bytes.prefix(room)))
            }
            endField()
        }
        let width = headerWidth ?? fieldCount
        if headerWidth == nil { headerWidth = fieldCount }
        while fieldCount < width { endField() }

        let row = TableRow(
            recordNumber: recordNumber,
            line: rowNumber,
            issues: issues,
            count: fieldCount,
            base: fieldBytes.address,
            ends: ends.address
        )
        recordNumber += 1
        lastRowNumber = max(lastRowNumber, rowNumber)
        try onRow?(row)
    }

    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        if length + bytes.count > fieldBytes.capacity {
            var capacity = fieldBytes.capacity * 2
            while capacity < length + bytes.count { capacity *= 2 }
            fieldBytes.grow(to: capacity, keeping: length)
        }
        guard let source = bytes.baseAddress else { return }
        fieldBytes.copy(from: source, count: bytes.count, to: length)
        length += bytes.count
        if bytes.contains(0) { issues.insert(.nulByte) }  // only from an `_x0000_` escape
    }

    func endField() {
        if fieldCount == ends.capacity { ends.grow(to: ends.capacity * 2, keeping: fieldCount) }
        ends[fieldCount] = length
        fieldCount += 1
    }
}

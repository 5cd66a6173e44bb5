import Foundation
import RehabCore
import Testing

@testable import RehabIngest

/// What a reader delivered, copied out of its borrowed rows.
struct ReadOutcome: Equatable {
    struct Row: Equatable {
        var record: Int
        var line: Int
        var fields: [String]
        var issues: RowIssues
    }
    var rows: [Row] = []
    var blankLines: [Int] = []
    var summary = TableSummary()
}

func read(
    _ bytes: [UInt8],
    encoding: TextEncoding = .utf8,
    chunkSize: Int = 1 << 20,
    maxRowBytes: Int = 1 << 20
)
    throws -> ReadOutcome
{
    var outcome = ReadOutcome()
    let reader = CSVReader(bytes: bytes, encoding: encoding, chunkSize: chunkSize, maxRowBytes: maxRowBytes)
    outcome.summary = try reader.read(
        onBlankLine: { outcome.blankLines.append($0) },
        onRow: { row in
            outcome.rows.append(
                .init(record: row.recordNumber, line: row.line, fields: row.strings, issues: row.issues)
            )
        }
    )
    return outcome
}

func read(_ text: String, chunkSize: Int = 1 << 20) throws -> ReadOutcome {
    try read(Array(text.utf8), chunkSize: chunkSize)
}

/// Chunk sizes that put every byte on a chunk boundary somewhere.
let chunkSizes = [1, 2, 3, 5, 16, 1 << 20]

@Suite("CSV reader")
struct CSVReaderTests {
    @Test("LF and CRLF line endings give the same rows", arguments: chunkSizes)
    func lineEndings(chunkSize: Int) throws {
        let lf = try read("a,b\n1,2\n3,4\n", chunkSize: chunkSize)
        let crlf = try read("a,b\r\n1,2\r\n3,4\r\n", chunkSize: chunkSize)
        #expect(lf.rows.map(\.fields) == [["a", "b"], ["1", "2"], ["3", "4"]])
        #expect(crlf.rows == lf.rows)
        #expect(crlf.rows.map(\.line) == [1, 2, 3])
        #expect(lf.summary.lines == 3)
    }

    @Test("A lone CR ends a line", arguments: chunkSizes)
    func loneCarriageReturn(chunkSize: Int) throws {
        let outcome = try read("a,b\r1,2\r", chunkSize: chunkSize)
        #expect(outcome.rows.map(\.fields) == [["a", "b"], ["1", "2"]])
        #expect(outcome.rows.map(\.line) == [1, 2])
    }

    @Test("A UTF-8 byte-order mark is skipped", arguments: chunkSizes)
    func byteOrderMark(chunkSize: Int) throws {
        let outcome = try read([0xEF, 0xBB, 0xBF] + Array("org_code,x\nRX1,1\n".utf8), chunkSize: chunkSize)
        #expect(outcome.rows[0].fields == ["org_code", "x"])
        #expect(outcome.summary.bytesRead == 20)
    }

    @Test("Quoted fields hold commas, doubled quotes and line breaks", arguments: chunkSizes)
    func quotedFields(chunkSize: Int) throws {
        let text = "id,note\n1,\"a, b\"\n2,\"say \"\"hi\"\"\"\n3,\"two\nlines\"\n4,\"\"\n5,x\n"
        let outcome = try read(text, chunkSize: chunkSize)
        #expect(
            outcome.rows.map(\.fields) == [
                ["id", "note"], ["1", "a, b"], ["2", "say \"hi\""], ["3", "two\nlines"], ["4", ""], ["5", "x"],
            ]
        )
        // The record after the embedded line break starts one physical line later.
        #expect(outcome.rows.map(\.line) == [1, 2, 3, 4, 6, 7])
        #expect(outcome.rows.map(\.record) == [0, 1, 2, 3, 4, 5])
        #expect(outcome.rows.allSatisfy { $0.issues.isEmpty })
    }

    @Test("Invalid UTF-8 is reported on its row", arguments: chunkSizes)
    func invalidUTF8(chunkSize: Int) throws {
        let bytes = Array("a,b\n1,ok\n2,".utf8) + [0xC3, 0x28] + Array("\n3,caf\u{E9}\n".utf8)
        let outcome = try read(bytes, chunkSize: chunkSize)
        #expect(outcome.rows[1].issues.isEmpty)
        #expect(outcome.rows[2].issues == .invalidUTF8)
        #expect(outcome.rows[2].line == 3)
        #expect(outcome.rows[3].issues.isEmpty)
        #expect(outcome.rows[3].fields == ["3", "café"])
    }

    @Test("Overlong encodings and surrogates are invalid UTF-8")
    func invalidUTF8Forms() throws {
        for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF]] {
            let outcome = try read(Array("a\n".utf8) + bad + [0x0A])
            #expect(outcome.rows[1].issues.contains(.invalidUTF8), "bytes \(bad)")
        }
    }

    @Test("Ragged rows keep their own field counts", arguments: chunkSizes)
    func raggedRows(chunkSize: Int) throws {
        let outcome = try read("a,b,c\n1,2\n1,2,3,4\n1,2,3\n", chunkSize: chunkSize)
        #expect(outcome.rows.map(\.fields.count) == [3, 2, 4, 3])
    }

    @Test("A NUL byte is reported", arguments: chunkSizes)
    func nulByte(chunkSize: Int) throws {
        let outcome = try read(Array("a,b\n1,x".utf8) + [0] + Array("y\n2,z\n".utf8), chunkSize: chunkSize)
        #expect(outcome.rows[1].issues == .nulByte)
        #expect(outcome.rows[2].issues.isEmpty)
    }

    @Test("An unterminated quote at the end of the file is reported with its line", arguments: chunkSizes)
    func unterminatedQuote(chunkSize: Int) throws {
        let outcome = try read("a,b\n1,2\n3,\"never closed\n4,5\n", chunkSize: chunkSize)
        #expect(outcome.summary.unterminatedQuoteLine == 3)
        #expect(outcome.rows.map(\.fields) == [["a", "b"], ["1", "2"]])
    }

    @Test("Blank lines are reported, not delivered as rows", arguments: chunkSizes)
    func blankLines(chunkSize: Int) throws {
        let outcome = try read("a,b\n\n1,2\r\n\r\n3,4\n\n", chunkSize: chunkSize)
        #expect(outcome.rows.map(\.fields) == [["a", "b"], ["1", "2"], ["3", "4"]])
        #expect(outcome.blankLines == [2, 4, 6])
        #expect(outcome.rows.map(\.line) == [1, 3, 5])
        #expect(outcome.summary.blankLines == 3)
    }

    @Test("A quoted empty field on its own line is a row, not a blank line")
    func quotedEmptyIsNotBlank() throws {
        let outcome = try read("a\n\"\"\n")
        #expect(outcome.rows.count == 2)
        #expect(outcome.blankLines.isEmpty)
    }

    @Test("Stray quotes are flagged as malformed", arguments: chunkSizes)
    func malformedQuotes(chunkSize: Int) throws {
        let outcome = try read("a,b\nab\"c,1\n\"x\"y,2\nok,3\n", chunkSize: chunkSize)
        #expect(outcome.rows[1].issues == .malformedQuote)
        #expect(outcome.rows[1].fields == ["ab\"c", "1"])
        #expect(outcome.rows[2].issues == .malformedQuote)
        #expect(outcome.rows[3].issues.isEmpty)
    }

    @Test("The last row needs no line break")
    func noFinalNewline() throws {
        let outcome = try read("a,b\n1,2")
        #expect(outcome.rows.map(\.fields) == [["a", "b"], ["1", "2"]])
        #expect(outcome.summary.lines == 2)
        #expect(outcome.summary.records == 2)
    }

    @Test("Windows-1252 is converted to UTF-8", arguments: chunkSizes)
    func windows1252(chunkSize: Int) throws {
        // "café", "€5" and "naïve" in Windows-1252; 0x81 is undefined there and maps to U+0081.
        let bytes: [UInt8] =
            Array("a,b\n".utf8) + [0x63, 0x61, 0x66, 0xE9, 0x2C, 0x80, 0x35, 0x0A]
            + [0x6E, 0x61, 0xEF, 0x76, 0x65, 0x2C, 0x81, 0x0A]
        let outcome = try read(bytes, encoding: .windows1252, chunkSize: chunkSize)
        #expect(outcome.rows.map(\.fields) == [["a", "b"], ["café", "€5"], ["naïve", "\u{81}"]])
        #expect(outcome.rows.allSatisfy { $0.issues.isEmpty })
        // Read as UTF-8, the same bytes are invalid.
        #expect(try read(bytes, chunkSize: chunkSize).rows[1].issues == .invalidUTF8)
    }

    @Test("Encoding labels are accepted in their common spellings")
    func encodingLabels() {
        #expect(TextEncoding(label: "UTF8") == .utf8)
        #expect(TextEncoding(label: "cp1252") == .windows1252)
        #expect(TextEncoding(label: "Windows-1252") == .windows1252)
        #expect(TextEncoding(label: "latin9") == nil)
    }

    @Test("A runaway row is cut short and flagged, so memory stays bounded")
    func oversizedRow() throws {
        let huge = "a,b\n1,\"" + String(repeating: "x", count: 10_000) + "\"\n2,3\n"
        let outcome = try read(Array(huge.utf8), chunkSize: 512, maxRowBytes: 4096)
        #expect(outcome.rows[1].issues.contains(.oversized))
        #expect(outcome.rows[1].fields[1].utf8.count < 4096)
        #expect(outcome.rows[2].fields == ["2", "3"])
    }

    @Test("The SHA-256 covers the bytes as stored")
    func digest() throws {
        let outcome = try read("a\n1\n")
        // printf 'a\n1\n' | sha256sum
        #expect(outcome.summary.sha256 == "309b0e45a73d3fc5325e2b6ed0a01ef8b9cde6b05a5633c1f893f970d52bfddc")
    }

    @Test("A caller that already hashed the file can turn the reader's digest off")
    func digestOff() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("reader-\(UUID()).csv").path
        try Data("a\n1\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let on = try CSVReader(path: path).read(onBlankLine: { _ in }, onRow: { _ in })
        let off = try CSVReader(path: path, computesDigest: false).read(onBlankLine: { _ in }, onRow: { _ in })
        #expect(on.sha256 == "309b0e45a73d3fc5325e2b6ed0a01ef8b9cde6b05a5633c1f893f970d52bfddc")
        #expect(off.sha256 == nil)
        #expect(off.records == on.records)
        #expect(try FileDigest.sha256(path: path).hex == on.sha256)
    }

    @Test("A file on disk reads the same as the same bytes in memory")
    func fileMatchesMemory() throws {
        let text = "id,note\r\n1,\"a\nb\"\r\n\r\n2,x\r\n"
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("reader-\(UUID()).csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var fromFile = ReadOutcome()
        fromFile.summary = try CSVReader(path: path, chunkSize: 16).read(
            onBlankLine: { fromFile.blankLines.append($0) },
            onRow: {
                fromFile.rows.append(
                    .init(record: $0.recordNumber, line: $0.line, fields: $0.strings, issues: $0.issues)
                )
            }
        )
        #expect(fromFile == (try read(text)))
    }

    @Test("A missing file is an error that names it")
    func missingFile() {
        #expect(throws: RehabError.self) {
            _ = try CSVReader(path: "/nonexistent/RX1_referrals_2025-09.csv").read(
                onBlankLine: { _ in },
                onRow: { _ in }
            )
        }
    }
}

/// What a reader noticed about the bytes of one row.
public struct RowIssues: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// A field is not valid UTF-8 (after any declared transcoding).
    public static let invalidUTF8 = RowIssues(rawValue: 1 << 0)
    /// A field contains a NUL byte.
    public static let nulByte = RowIssues(rawValue: 1 << 1)
    /// A quote inside an unquoted field, or text after a closing quote.
    public static let malformedQuote = RowIssues(rawValue: 1 << 2)
    /// The row exceeded the reader's size limit; its fields were cut short.
    public static let oversized = RowIssues(rawValue: 1 << 3)
}

/// One row of a tabular extract, borrowed from the reader's buffer.
///
/// It cannot escape (`~Escapable`): it exists only inside the callback that received it, and so do the `Span`s of
/// its fields. The compiler refuses code that keeps one; copy what you keep (`string(_:)`, `strings`).
public struct TableRow: ~Escapable {
    /// The record number: 0 is the header, 1 the first data row.
    public let recordNumber: Int
    /// The physical line (1-based) on which the record starts.
    public let line: Int
    /// What the reader noticed about the row's bytes.
    public let issues: RowIssues
    /// The number of fields.
    public let count: Int

    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let ends: UnsafePointer<Int>

    /// A row over a reader's field bytes and field ends, which must hold `count` ends and stay unchanged for as
    /// long as the row is used: the readers make one just before the callback and mutate nothing during it.
    @unsafe @inlinable
    @_lifetime(borrow base)
    init(
        recordNumber: Int,
        line: Int,
        issues: RowIssues,
        count: Int,
        base: UnsafePointer<UInt8>,
        ends: UnsafePointer<Int>
    ) {
        self.recordNumber = recordNumber
        self.line = line
        self.issues = issues
        self.count = count
        self.base = base
        self.ends = ends
    }

    /// The bytes of field `index` (UTF-8, quotes removed, doubled quotes collapsed), for as long as the row.
    @inlinable
    public subscript(index: Int) -> Span<UInt8> {
        @_lifetime(copy self)
        get {
            precondition(index >= 0 && index < count, "field index out of range")
            let start = index == 0 ? 0 : ends[index - 1]
            // The reader's buffer holds `ends[count - 1]` bytes and outlives the row, which this span cannot
            // outlive: the row's own lifetime is passed on.
            let span = unsafe Span(_unsafeStart: base + start, count: ends[index] - start)
            return unsafe _overrideLifetime(span, copying: self)
        }
    }

    /// Field `index` as a `String`; invalid UTF-8 is replaced with U+FFFD.
    public func string(_ index: Int) -> String {
        self[index].withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }

    /// All fields as strings.
    public var strings: [String] {
        var all: [String] = []
        all.reserveCapacity(count)
        for i in 0..<count { all.append(string(i)) }
        return all
    }
}

/// What a reader saw over a whole file.
public struct TableSummary: Sendable, Hashable {
    /// Bytes read from the source, before any transcoding.
    public var bytesRead: Int = 0
    /// Records delivered, including the header.
    public var records: Int = 0
    /// Physical lines seen.
    public var lines: Int = 0
    /// Blank lines skipped.
    public var blankLines: Int = 0
    /// The line where a quoted field opened and never closed, if the file ended inside one.
    public var unterminatedQuoteLine: Int?
    /// SHA-256 of the source's bytes as stored (before transcoding), lower-case hex.
    public var sha256: String?

    public init() {}
}

/// A source of rows: a CSV file, or the first sheet of a workbook.
public protocol TableSource {
    /// Reads every row in order, the header first.
    ///
    /// - Parameters:
    ///   - onBlankLine: called with the physical line number of each empty line, which is not a row.
    ///   - onRow: called for every record, header included. The row is valid only during the call.
    /// - Throws: `IngestError` when the source cannot be read, or whatever a callback throws.
    func read(
        onBlankLine: (Int) throws -> Void,
        onRow: (TableRow) throws -> Void
    ) throws -> TableSummary
}

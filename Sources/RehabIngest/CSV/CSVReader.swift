import Crypto
import RehabCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A streaming RFC 4180 reader over bytes.
///
/// It reads a fixed-size chunk at a time and keeps only the current row, so its memory does not grow with the
/// file. It never throws for bad data: it reports what it saw (`RowIssues`, blank lines, an unterminated quote)
/// and lets the validator decide how severe that is.
///
/// - Handles a UTF-8 byte-order mark, CRLF, LF or lone CR line endings, and quoted fields holding commas,
///   doubled quotes and line breaks.
/// - Transcodes Windows-1252 to UTF-8 when asked.
public struct CSVReader: TableSource {
    enum Input {
        case file(String)
        case bytes([UInt8])
    }

    let input: Input
    /// The encoding the bytes are declared to be in.
    public let encoding: TextEncoding
    let chunkSize: Int
    let maxRowBytes: Int
    let computesDigest: Bool

    /// A reader over a file on disk.
    ///
    /// - Parameters:
    ///   - path: the file to read.
    ///   - encoding: the declared encoding; Windows-1252 is transcoded to UTF-8.
    ///   - chunkSize: bytes read per system call.
    ///   - maxRowBytes: a row longer than this is cut short and flagged `oversized`, so one runaway quoted
    ///     field cannot make memory grow with the file.
    ///   - computesDigest: whether to hash the bytes into `TableSummary.sha256`; a caller that has already
    ///     hashed the file turns it off rather than hash it twice.
    public init(
        path: String,
        encoding: TextEncoding = .utf8,
        chunkSize: Int = 1 << 20,
        maxRowBytes: Int = 1 << 20,
        computesDigest: Bool = true
    ) {
        self.input = .file(path)
        self.encoding = encoding
        self.chunkSize = max(chunkSize, 16)
        self.maxRowBytes = maxRowBytes
        self.computesDigest = computesDigest
    }

    /// A reader over bytes in memory.
    public init(bytes: [UInt8], encoding: TextEncoding = .utf8, chunkSize: Int = 1 << 20, maxRowBytes: Int = 1 << 20) {
        self.input = .bytes(bytes)
        self.encoding = encoding
        self.chunkSize = max(chunkSize, 1)
        self.maxRowBytes = maxRowBytes
        self.computesDigest = true
    }

    public func read(
        onBlankLine: (Int) throws -> Void,
        onRow: (TableRow) throws -> Void
    ) throws -> TableSummary {
        var parser = CSVParser(maxRowBytes: maxRowBytes)
        var summary = TableSummary()
        var transcoder = encoding == .windows1252 ? Windows1252Transcoder() : nil
        var bomChecked = false
        var digest: SHA256? = computesDigest ? SHA256() : nil

        func feed(_ chunk: UnsafeBufferPointer<UInt8>) throws {
            summary.bytesRead += chunk.count
            digest?.update(bufferPointer: UnsafeRawBufferPointer(chunk))
            var chunk = chunk
            if !bomChecked {
                // The BOM can only be recognised once three bytes have arrived; chunks are at least 16 bytes
                // except for in-memory tests with tiny chunks, which handle it byte by byte below.
                bomChecked = true
                if encoding == .utf8, chunk.count >= 3, chunk[0] == 0xEF, chunk[1] == 0xBB, chunk[2] == 0xBF {
                    chunk = UnsafeBufferPointer(rebasing: chunk[3...])
                }
            }
            if var t = transcoder {
                try t.transcode(chunk) { utf8 in try parser.parse(utf8, onBlankLine: onBlankLine, onRow: onRow) }
                transcoder = t
            } else {
                try parser.parse(chunk, onBlankLine: onBlankLine, onRow: onRow)
            }
        }

        switch input {
        case .bytes(let bytes):
            var offset = 0
            if chunkSize < 3, encoding == .utf8, bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
                offset = 3
                bomChecked = true
                summary.bytesRead += 3
                digest?.update(data: [0xEF, 0xBB, 0xBF])
            }
            // As for a file: the parser walks each chunk through its address.
            try bytes.withUnsafeBufferPointer { all in
                while offset < all.count {
                    let end = min(offset + chunkSize, all.count)
                    try feed(UnsafeBufferPointer(rebasing: all[offset..<end]))
                    offset = end
                }
            }
        case .file(let path):
            // The parser walks each chunk through its address: the hot loop of every read, one byte at a time.
            try forEachChunk(of: path, chunkSize: chunkSize) { chunk in try chunk.withUnsafeBufferPointer(feed) }
        }
        try parser.finish(onRow: onRow, summary: &summary)
        summary.sha256 = digest?.finalize().hexString
        return summary
    }
}

// MARK: - The state machine

/// The RFC 4180 state machine. A value type driven through `inout`, so that the hot loop touches no class
/// storage and pays no exclusivity checks.
struct CSVParser: ~Copyable {
    enum State: UInt8 {
        case fieldStart
        case unquoted
        case quoted
        case quoteInQuoted
        case afterCR
    }

    var state: State = .fieldStart
    var fieldBytes = OwnedBuffer<UInt8>(capacity: 4096)
    var length = 0
    var ends = OwnedBuffer<Int>(capacity: 64)
    var fieldCount = 0
    var issues: RowIssues = []
    var highBits: UInt8 = 0
    var sawQuote = false
    var line = 1
    var recordLine = 1
    var recordNumber = 0
    var blankLines = 0
    var lastWasTerminator = false
    let maxRowBytes: Int
    let maxFields = 4096

    init(maxRowBytes: Int) {
        self.maxRowBytes = maxRowBytes
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if length == fieldBytes.capacity {
            guard length < maxRowBytes else {
                issues.insert(.oversized)
                return
            }
            grow()
        }
        fieldBytes[length] = byte
        length &+= 1
        highBits |= byte
        if byte == 0 { issues.insert(.nulByte) }
    }

    /// Appends the ordinary bytes from `i` on (up to the next comma, quote, CR, LF or NUL, or the chunk's end) in
    /// one copy, and moves `i` past them: most of a field, without a trip through the state machine per byte.
    @inline(__always)
    mutating func appendRun(_ p: UnsafePointer<UInt8>, from i: inout Int, to n: Int) {
        var j = i
        var bits: UInt8 = 0
        while j < n {
            let c = p[j]
            if c == UInt8(ascii: ",") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\"")
                || c == 0
            {
                break
            }
            bits |= c
            j &+= 1
        }
        let count = j &- i
        guard count > 0 else { return }
        if length &+ count <= fieldBytes.capacity {
            fieldBytes.copy(from: p + i, count: count, to: length)
            length &+= count
            highBits |= bits
        } else {
            // Past the buffer's capacity: byte by byte, which grows it or flags an oversized row.
            for k in i..<j { append(p[k]) }
        }
        i = j
    }

    mutating func grow() {
        let capacity = fieldBytes.capacity
        fieldBytes.grow(to: min(capacity * 2, max(maxRowBytes, capacity + 1)), keeping: length)
    }

    @inline(__always)
    mutating func endField() {
        if fieldCount == ends.capacity {
            guard fieldCount < maxFields else {
                issues.insert(.oversized)
                return
            }
            ends.grow(to: ends.capacity * 2, keeping: fieldCount)
        }
        ends[fieldCount] = length
        fieldCount &+= 1
    }

    mutating func endRecord(onBlankLine: (Int) throws -> Void, onRow: (TableRow) throws -> Void) rethrows {
        if fieldCount == 0 && length == 0 && !sawQuote {
            blankLines += 1
            try onBlankLine(recordLine)
        } else {
            endField()
            try emit(onRow: onRow)
        }
        reset()
    }

    mutating func emit(onRow: (TableRow) throws -> Void) rethrows {
        if highBits & 0x80 != 0, !UTF8Check.isValid(fieldBytes.span(count: length)) {
            issues.insert(.invalidUTF8)
        }
        let row = TableRow(
            recordNumber: recordNumber,
            line: recordLine,
            issues: issues,
            count: fieldCount,
            base: fieldBytes.address,
            ends: ends.address
        )
        recordNumber += 1
        try onRow(row)
    }

    @inline(__always)
    mutating func reset() {
        length = 0
        fieldCount = 0
        issues = []
        highBits = 0
        sawQuote = false
        recordLine = line
    }

    mutating func parse(
        _ chunk: UnsafeBufferPointer<UInt8>,
        onBlankLine: (Int) throws -> Void,
        onRow: (TableRow) throws -> Void
    ) rethrows {
        guard let p = chunk.baseAddress else { return }
        let n = chunk.count
        var i = 0
        while i < n {
            let b = p[i]
            i &+= 1
            switch state {
            case .unquoted:
                switch b {
                case UInt8(ascii: ","):
                    endField()
                    state = .fieldStart
                case UInt8(ascii: "\n"):
                    line &+= 1
                    try endRecord(onBlankLine: onBlankLine, onRow: onRow)
                    state = .fieldStart
                case UInt8(ascii: "\r"):
                    line &+= 1
                    try endRecord(onBlankLine: onBlankLine, onRow: onRow)
                    state = .afterCR
                case UInt8(ascii: "\""):
                    issues.insert(.malformedQuote)
                    append(b)
                default:
                    append(b)
                    appendRun(p, from: &i, to: n)
                }
            case .fieldStart:
                switch b {
                case UInt8(ascii: ","):
                    endField()
                case UInt8(ascii: "\""):
                    sawQuote = true
                    state = .quoted
                case UInt8(ascii: "\n"):
                    line &+= 1
                    try endRecord(onBlankLine: onBlankLine, onRow: onRow)
                case UInt8(ascii: "\r"):
                    line &+= 1
                    try endRecord(onBlankLine: onBlankLine, onRow: onRow)
                    state = .afterCR
                default:
                    append(b)
                    appendRun(p, from: &i, to: n)
                    state = .unquoted
                }
            case .quoted:
                if b == UInt8(ascii: "\"") {
                    state = .quoteInQuoted
                } else {
                    if b == UInt8(ascii: "\n") { line &+= 1 }
                    append(b)
                }
            case .quoteInQuoted:
                switch b {
                case UInt8(ascii: "\""):
                    append(b)
                    state = .quoted
                case UInt8(ascii: ","):
                    endField()
                    state = .fieldStart
                case UInt8(ascii: "\n"):
                    line &+= 1
                    try endRecord(onBlankLine: onBlankLine, onRow: onRow)
                    state = .fieldStart
                case UInt8(ascii: "\r"):
                    line &+= 1
                    try endRecord(onBlankLine: onBlankLine, onRow: onRow)
                    state = .afterCR
                default:
                    issues.insert(.malformedQuote)
                    append(b)
                    state = .unquoted
                }
            case .afterCR:
                state = .fieldStart
                if b != UInt8(ascii: "\n") {
                    // A lone CR ended the line: look at this byte again as the start of the next record.
                    i &-= 1
                }
            }
        }
        if n > 0 {
            let last = p[n - 1]
            lastWasTerminator = (last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r")) && state != .quoted
        }
    }

    mutating func finish(onRow: (TableRow) throws -> Void, summary: inout TableSummary) rethrows {
        switch state {
        case .quoted:
            summary.unterminatedQuoteLine = recordLine
        case .afterCR:
            break
        case .fieldStart, .unquoted, .quoteInQuoted:
            if fieldCount > 0 || length > 0 || sawQuote {
                endField()
                try emit(onRow: onRow)
            }
        }
        summary.records = recordNumber
        summary.blankLines = blankLines
        summary.lines = lastWasTerminator ? line - 1 : line
    }
}

extension Digest {
    /// Lower-case hex.
    public var hexString: String {
        var hex = ""
        hex.reserveCapacity(64)
        for byte in self {
            hex += byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return hex
    }
}

/// Reads a file a chunk at a time with `read(2)`, retrying interrupted calls.
///
/// - Throws: `RehabError.Code.unreadableFile` when the file cannot be opened or read, or what `body` throws.
public func forEachChunk(
    of path: String,
    chunkSize: Int = 1 << 20,
    _ body: (Span<UInt8>) throws -> Void
) throws {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
        throw RehabError(
            .unreadableFile,
            "Cannot open \(path): \(String(cString: strerror(errno))).",
            hint: "Check the path and that the file is readable by this user."
        )
    }
    defer { close(fd) }
    var buffer = OwnedBuffer<UInt8>(capacity: chunkSize)
    while true {
        let n = buffer.read(from: fd)
        if n < 0 {
            if errno == EINTR { continue }
            throw RehabError(.unreadableFile, "Reading \(path) failed: \(String(cString: strerror(errno))).")
        }
        if n == 0 { return }
        try body(buffer.span(count: n))
    }
}

/// SHA-256 of a whole file: for workbooks, and for submissions whose content could not be read as rows.
public enum FileDigest {
    /// The lower-case hex SHA-256 of the file's bytes, and its size.
    ///
    /// - Throws: `RehabError.Code.unreadableFile` when the file cannot be opened or read.
    public static func sha256(path: String) throws -> (hex: String, bytes: Int) {
        var digest = SHA256()
        var total = 0
        try forEachChunk(of: path, chunkSize: 1 << 20) { chunk in
            chunk.withUnsafeBytes { digest.update(bufferPointer: $0) }
            total += chunk.count
        }
        return (digest.finalize().hexString, total)
    }
}

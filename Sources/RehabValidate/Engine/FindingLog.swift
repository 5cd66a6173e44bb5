import Foundation
import RehabCore

/// Findings of one submission, spilled to a temporary file as they arrive, so that a file with millions of
/// defective rows is validated in bounded memory and still reported in full.
///
/// A finding costs bytes, never a String: a 24-byte record (rule, column, row, line and two lengths) followed by
/// the row's key and the value found, both already in the form a report may show:
/// - a value in an identifying column (the contract's `identifying: true`) is withheld: only a flag is kept;
/// - a value in an NHS-number column, or written like an NHS number anywhere, becomes the start of its pseudonym;
/// - any other value is kept as written, cut to `FindingLog.valueLimit` bytes at a character boundary.
public final class FindingLog: @unchecked Sendable {
    // @unchecked: a log is written by the one validator that owns it and read only after validation has finished.
    private let path: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var rules: [Rule]
    private let pseudonymiser: Pseudonymiser
    /// Column names that findings refer to by index.
    var columns: [String]
    /// How many findings were logged.
    public private(set) var count = 0
    /// How many findings each rule raised, by the rule's index in `rules`.
    public private(set) var countByRule: [Int]
    /// The longest value (and row key) kept, in bytes, before "…".
    public static let valueLimit = 64
    private static let headerSize = 24
    private static let withheldLength = UInt16.max

    init(rules: [Rule], columns: [String], pseudonymiser: Pseudonymiser) throws {
        self.rules = rules
        self.columns = columns
        self.pseudonymiser = pseudonymiser
        countByRule = Array(repeating: 0, count: rules.count)
        let directory = FileManager.default.temporaryDirectory.path
        path = TemporaryFiles.path(kind: .findings, suffix: ".bin")
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forUpdatingAtPath: path)
        else {
            throw RehabError(
                .output,
                "Cannot create a temporary file in \(directory).",
                hint: "Set TMPDIR to a writable folder."
            )
        }
        self.handle = handle
        buffer.reserveCapacity(1 << 17)
        // The file is unlinked at once: it needs no cleanup, even after a crash, and no other process can open it.
        unlink(path)
    }

    deinit { try? handle.close() }

    /// How a finding's value is to be kept.
    enum Value {
        /// No value: a file-level finding, or a rule about the whole row.
        case none
        /// The column could identify a person.
        case withheld
        /// A value to keep as a report may show it.
        case shown(UnsafeBufferPointer<UInt8>, pseudonymise: Bool)
    }

    /// Logs one finding. Rows and lines are stored plus one, so that 0 means "none".
    func append(
        rule: Int,
        column: Int,
        row: Int?,
        line: Int?,
        recordID: UnsafeBufferPointer<UInt8>? = nil,
        value: Value = .none
    ) {
        count += 1
        countByRule[rule] += 1
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: Self.headerSize))
        let idStart = buffer.count
        if let recordID { appendShown(recordID, pseudonymise: false) }
        let idLength = buffer.count - idStart
        var valueLength: Int
        switch value {
        case .none:
            valueLength = 0
        case .withheld:
            valueLength = Int(Self.withheldLength)
        case .shown(let bytes, let pseudonymise):
            let valueStart = buffer.count
            appendShown(bytes, pseudonymise: pseudonymise)
            valueLength = buffer.count - valueStart
        }
        buffer.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(rule).littleEndian, toByteOffset: start, as: UInt32.self)
            raw.storeBytes(of: Int32(column).littleEndian, toByteOffset: start + 4, as: Int32.self)
            raw.storeBytes(of: UInt64(row.map { $0 + 1 } ?? 0).littleEndian, toByteOffset: start + 8, as: UInt64.self)
            raw.storeBytes(
                of: UInt32(truncatingIfNeeded: line.map { $0 + 1 } ?? 0).littleEndian,
                toByteOffset: start + 16,
                as: UInt32.self
            )
            raw.storeBytes(of: UInt16(idLength).littleEndian, toByteOffset: start + 20, as: UInt16.self)
            raw.storeBytes(of: UInt16(valueLength).littleEndian, toByteOffset: start + 22, as: UInt16.self)
        }
        if buffer.count >= 1 << 17 { flush() }
    }

    /// Appends a value as a report may show it.
    private func appendShown(_ value: UnsafeBufferPointer<UInt8>, pseudonymise: Bool) {
        if pseudonymise || NHSNumber.mightBeOne(value) {
            buffer.append(contentsOf: "pseudonym ".utf8)
            var hex: [UInt8] = []
            pseudonymiser.appendPseudonym(of: value, to: &hex)
            buffer.append(contentsOf: hex.prefix(12))
            buffer.append(contentsOf: Self.ellipsis)
            return
        }
        guard value.count > Self.valueLimit else {
            buffer.append(contentsOf: value)
            return
        }
        // Cut before a UTF-8 continuation byte never splits a character.
        var end = Self.valueLimit
        while end > 0, value[end] & 0xC0 == 0x80 { end -= 1 }
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: value[..<end]))
        buffer.append(contentsOf: Self.ellipsis)
    }

    private static let ellipsis: [UInt8] = [0xE2, 0x80, 0xA6]

    private func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    /// One logged finding, borrowed for the length of a `visit` callback: copy what you keep.
    public struct Entry {
        /// The rule's index in the submission's rule list (`ValidationResult.rules`).
        public let ruleIndex: Int
        public let rule: Rule
        /// The record number (1 = first data row), or nil for a file-level finding.
        public let row: Int?
        /// The physical line where the record starts (1 = the header line), or nil.
        public let line: Int?
        /// The contract column (or the header's name for an unknown column), or nil.
        public let column: String?
        /// The row's key as a report may show it; empty when there is none.
        public let recordID: UnsafeRawBufferPointer
        /// The value as a report may show it; empty when there is none or it is withheld.
        public let value: UnsafeRawBufferPointer
        /// The value was in a column that could identify a person.
        public let withheld: Bool
    }

    /// Calls `body` with every finding, in the order they were found: row findings, then file findings.
    public func visit(_ body: (Entry) throws -> Void) throws {
        flush()
        try handle.seek(toOffset: 0)
        var pending: [UInt8] = []
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            pending.append(contentsOf: chunk)
            let used = try pending.withUnsafeBytes { raw in try entries(in: raw, body) }
            pending.removeFirst(used)
        }
        try handle.seekToEnd()
    }

    /// Calls `body` with each whole entry in `raw`; returns how many bytes they took.
    private func entries(in raw: UnsafeRawBufferPointer, _ body: (Entry) throws -> Void) throws -> Int {
        var offset = 0
        while offset + Self.headerSize <= raw.count {
            let rule = Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
            let column = Int(raw.loadUnaligned(fromByteOffset: offset + 4, as: Int32.self).littleEndian)
            let row = Int(raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self).littleEndian)
            let line = Int(raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt32.self).littleEndian)
            let idLength = Int(raw.loadUnaligned(fromByteOffset: offset + 20, as: UInt16.self).littleEndian)
            let storedValue = raw.loadUnaligned(fromByteOffset: offset + 22, as: UInt16.self).littleEndian
            let withheld = storedValue == Self.withheldLength
            let valueLength = withheld ? 0 : Int(storedValue)
            let end = offset + Self.headerSize + idLength + valueLength
            guard end <= raw.count else { break }
            let idStart = offset + Self.headerSize
            try body(
                Entry(
                    ruleIndex: rule,
                    rule: rules[rule],
                    row: row == 0 ? nil : row - 1,
                    line: line == 0 ? nil : line - 1,
                    column: column < 0 ? nil : columns[column],
                    recordID: UnsafeRawBufferPointer(rebasing: raw[idStart..<idStart + idLength]),
                    value: UnsafeRawBufferPointer(rebasing: raw[idStart + idLength..<end]),
                    withheld: withheld
                )
            )
            offset = end
        }
        return offset
    }

    /// Every finding, in memory: for tests and small submissions.
    public func all() throws -> [Finding] {
        var findings: [Finding] = []
        try visit { e in
            var finding = Finding(
                rule: e.rule.id,
                severity: e.rule.severity,
                row: e.row,
                line: e.line,
                column: e.column,
                message: e.rule.message
            )
            finding.recordID = e.recordID.isEmpty ? nil : String(decoding: e.recordID, as: UTF8.self)
            finding.value = e.value.isEmpty ? nil : String(decoding: e.value, as: UTF8.self)
            finding.withheld = e.withheld
            findings.append(finding)
        }
        return findings
    }
}

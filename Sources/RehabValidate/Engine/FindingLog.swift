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
    private let file: ScratchFile
    private var buffer: [UInt8] = []
    private var rules: [Rule]
    private let pseudonymiser: Pseudonymiser
    /// Column names that findings refer to by index (`Entry.columnIndex`): the contract's, then any unknown header
    /// columns, named by position.
    public internal(set) var columns: [String]
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
        file = try ScratchFile(kind: .findings)
        buffer.reserveCapacity(1 << 17)
    }

    /// How a finding's value is to be kept.
    enum Value: ~Escapable {
        /// No value: a file-level finding, or a rule about the whole row.
        case none
        /// The column could identify a person.
        case withheld
        /// A value to keep as a report may show it.
        case shown(Span<UInt8>, pseudonymise: Bool)
    }

    /// Logs one finding. Rows and lines are stored plus one, so that 0 means "none".
    func append(
        rule: Int,
        column: Int,
        row: Int?,
        line: Int?,
        recordID: Span<UInt8>? = nil,
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
        // The header's fields, little-endian, into the 24 bytes reserved for them before the value's length was
        // known.
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
    private func appendShown(_ value: Span<UInt8>, pseudonymise: Bool) {
        Self.appendShown(value, pseudonymise: pseudonymise, by: pseudonymiser, to: &buffer)
    }

    /// A value as every report shows it (the finding log, the CSV, the workbook, the top values): a value of an
    /// identifying column as "pseudonym " and the first 12 hex digits of its keyed pseudonym; a number written like
    /// an NHS number anywhere in any other value (`NHSNumber.forEachWritten`) replaced in the same way; the rest as
    /// written, cut to `valueLimit` bytes at a character boundary, with "…" when cut.
    static func appendShown(
        _ value: Span<UInt8>,
        pseudonymise: Bool,
        by pseudonymiser: Pseudonymiser,
        to out: inout [UInt8]
    ) {
        if pseudonymise {
            appendPseudonymStart(of: value, by: pseudonymiser, to: &out)
            return
        }
        if NHSNumber.containsAny(value) {
            // Each number written like an NHS number, anywhere in the value, by the start of its pseudonym (of its
            // ten digits, so that it matches the nhs_number column's); the rest as written.
            var masked: [UInt8] = []
            NHSNumber.appendMasked(value, to: &masked) { digits, out in
                appendPseudonymStart(of: digits, by: pseudonymiser, to: &out)
            }
            appendCut(masked.span, to: &out)
            return
        }
        appendCut(value, to: &out)
    }

    /// "pseudonym " and the first 12 hex digits of the value's keyed pseudonym, then "…".
    private static func appendPseudonymStart(
        of value: Span<UInt8>,
        by pseudonymiser: Pseudonymiser,
        to out: inout [UInt8]
    ) {
        out.append(contentsOf: "pseudonym ".utf8)
        var hex: [UInt8] = []
        pseudonymiser.appendPseudonym(of: value, to: &hex)
        out.append(contentsOf: hex.prefix(12))
        out.append(contentsOf: ellipsis)
    }

    /// The value as written, cut to `valueLimit` bytes at a character boundary, with "…" when cut.
    private static func appendCut(_ value: Span<UInt8>, to out: inout [UInt8]) {
        guard value.count > valueLimit else {
            out.append(copying: value)
            return
        }
        // Cut before a UTF-8 continuation byte never splits a character.
        var end = valueLimit
        while end > 0, value[end] & 0xC0 == 0x80 { end -= 1 }
        out.append(copying: value.extracting(..<end))
        out.append(contentsOf: ellipsis)
    }

    private static let ellipsis: [UInt8] = [0xE2, 0x80, 0xA6]

    /// Hands the gathered records to the scratch file. A full disk surfaces when the log is next read.
    private func flush() {
        guard !buffer.isEmpty else { return }
        do { try file.append(buffer) } catch { failure = error }
        buffer.removeAll(keepingCapacity: true)
    }

    /// The first error writing the scratch file, thrown by `visit`.
    private var failure: (any Error)?

    /// One logged finding, borrowed for the length of a `visit` callback: copy what you keep.
    public struct Entry: ~Escapable {
        /// The rule's index in the submission's rule list (`ValidationResult.rules`): an index, so that a visit
        /// copies no `Rule`.
        public let ruleIndex: Int
        /// The record number (1 = first data row), or nil for a file-level finding.
        public let row: Int?
        /// The physical line where the record starts (1 = the header line), or nil.
        public let line: Int?
        /// The column's index in `FindingLog.columns`, or nil for a finding about a whole row or file.
        public let columnIndex: Int?
        /// The row's key as a report may show it; empty when there is none.
        public let recordID: Span<UInt8>
        /// The value as a report may show it; empty when there is none or it is withheld.
        public let value: Span<UInt8>
        /// The value was in a column that could identify a person.
        public let withheld: Bool

        @_lifetime(copy recordID, copy value)
        init(
            ruleIndex: Int,
            row: Int?,
            line: Int?,
            columnIndex: Int?,
            recordID: Span<UInt8>,
            value: Span<UInt8>,
            withheld: Bool
        ) {
            self.ruleIndex = ruleIndex
            self.row = row
            self.line = line
            self.columnIndex = columnIndex
            self.recordID = recordID
            self.value = value
            self.withheld = withheld
        }
    }

    /// Calls `body` with every finding, in the order they were found: row findings, then file findings.
    public func visit(_ body: (Entry) throws -> Void) throws {
        flush()
        try file.flush()
        if let failure { throw failure }
        var pending: [UInt8] = []
        var offset = 0
        while offset < file.size {
            let chunk = try file.read(at: offset, count: 1 << 20)
            if chunk.isEmpty { break }
            offset += chunk.count
            pending.append(contentsOf: chunk)
            let used = try entries(in: pending.span, body)
            pending.removeFirst(used)
        }
    }

    /// Calls `body` with each whole entry in `raw`; returns how many bytes they took.
    private func entries(in raw: Span<UInt8>, _ body: (Entry) throws -> Void) throws -> Int {
        /// The little-endian unsigned integer in `size` bytes at `at`.
        func number(_ at: Int, _ size: Int) -> UInt64 {
            var value: UInt64 = 0
            for k in (0..<size).reversed() { value = value << 8 | UInt64(raw[at + k]) }
            return value
        }
        var offset = 0
        while offset + Self.headerSize <= raw.count {
            let rule = Int(number(offset, 4))
            let column = Int(Int32(truncatingIfNeeded: number(offset + 4, 4)))
            let row = Int(number(offset + 8, 8))
            let line = Int(number(offset + 16, 4))
            let idLength = Int(number(offset + 20, 2))
            let storedValue = UInt16(number(offset + 22, 2))
            let withheld = storedValue == Self.withheldLength
            let valueLength = withheld ? 0 : Int(storedValue)
            let end = offset + Self.headerSize + idLength + valueLength
            guard end <= raw.count else { break }
            let idStart = offset + Self.headerSize
            try body(
                Entry(
                    ruleIndex: rule,
                    row: row == 0 ? nil : row - 1,
                    line: line == 0 ? nil : line - 1,
                    columnIndex: column < 0 ? nil : column,
                    recordID: raw.extracting(idStart..<idStart + idLength),
                    value: raw.extracting(idStart + idLength..<end),
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
            let rule = rules[e.ruleIndex]
            var finding = Finding(
                rule: rule.id,
                severity: rule.severity,
                row: e.row,
                line: e.line,
                column: e.columnIndex.map { columns[$0] },
                message: rule.message
            )
            finding.recordID = e.recordID.isEmpty ? nil : String(decoding: e.recordID)
            finding.value = e.value.isEmpty ? nil : String(decoding: e.value)
            finding.withheld = e.withheld
            findings.append(finding)
        }
        return findings
    }
}

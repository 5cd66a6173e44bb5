import Foundation
import RehabCore

/// One thing a rule found. A value, never an exception: validation gathers them and carries on.
///
/// - Important: A finding names a rule, a row and a column. It never holds a value from the file.
public struct Finding: Sendable, Hashable, Codable {
    /// The rule's id.
    public var rule: String
    public var severity: Severity
    /// The record number (1 = first data row), or nil for a file-level finding.
    public var row: Int?
    /// The physical line where the record starts, or nil when the finding is about the whole file.
    public var line: Int?
    /// The contract column, or nil for file-level findings.
    public var column: String?
    /// The rule's message.
    public var message: String

    public init(rule: String, severity: Severity, row: Int?, line: Int?, column: String?, message: String) {
        self.rule = rule
        self.severity = severity
        self.row = row
        self.line = line
        self.column = column
        self.message = message
    }
}

/// Where a rule failed, for the examples in a report.
public struct FindingLocation: Sendable, Hashable, Codable {
    public var row: Int?
    public var line: Int?
    public var column: String?
    /// The row's key (`referral_id`, `contact_id`, `staff_id`) as the trust wrote it, so that the record can be
    /// found by id as well as by line; an NHS-number-like key only as the start of its pseudonym.
    public var recordID: String? = nil
}

/// How one rule fared on one submission.
public struct RuleResult: Sendable, Hashable {
    public var rule: Rule
    /// Whether the rule could be checked (a cross-file rule needs the other file; a header problem stops column
    /// rules).
    public var evaluated: Bool
    /// How many findings it raised.
    public var failures: Int
    /// The first few places it failed.
    public var examples: [FindingLocation]
    /// The values it found wrong most often, when its column may be shown.
    public var topValues: [ValueCount] = []
    /// Its column could identify a person, so its values are never shown.
    public var valuesWithheld = false
}

/// Findings of one submission, spilled to a temporary file as they arrive, so that a file with millions of
/// defective rows is validated in bounded memory and still reported in full.
public final class FindingLog: @unchecked Sendable {
    // @unchecked: a log is written by the one validator that owns it and read only after validation has finished.
    private let path: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var rules: [Rule]
    /// Column names that findings refer to by index.
    var columns: [String]
    /// How many findings were logged.
    public private(set) var count = 0
    private static let recordSize = 20

    init(rules: [Rule], columns: [String]) throws {
        self.rules = rules
        self.columns = columns
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
        buffer.reserveCapacity(1 << 16)
        // The file is unlinked at once: it needs no cleanup, even after a crash, and no other process can open it.
        unlink(path)
    }

    deinit { try? handle.close() }

    /// Rows and lines are stored as UInt32 plus one, so that 0 means "none".
    func append(rule: Int, column: Int, row: Int?, line: Int?) {
        count += 1
        withUnsafeBytes(of: UInt32(rule).littleEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: Int32(column).littleEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(row.map { $0 + 1 } ?? 0).littleEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: line.map { $0 + 1 } ?? 0).littleEndian) {
            buffer.append(contentsOf: $0)
        }
        if buffer.count >= 1 << 16 { flush() }
    }

    private func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    /// Calls `body` with every finding, in the order they were found.
    public func visit(_ body: (Finding) throws -> Void) throws {
        flush()
        try handle.seek(toOffset: 0)
        while true {
            let chunk = handle.readData(ofLength: Self.recordSize * 4096)
            if chunk.isEmpty { break }
            try chunk.withUnsafeBytes { raw in
                var offset = 0
                while offset + Self.recordSize <= raw.count {
                    let rule = Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
                    let column = Int(raw.loadUnaligned(fromByteOffset: offset + 4, as: Int32.self).littleEndian)
                    let row = Int(raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self).littleEndian)
                    let line = Int(raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt32.self).littleEndian)
                    let r = rules[rule]
                    try body(
                        Finding(
                            rule: r.id,
                            severity: r.severity,
                            row: row == 0 ? nil : row - 1,
                            line: line == 0 ? nil : line - 1,
                            column: column < 0 ? nil : columns[column],
                            message: r.message
                        )
                    )
                    offset += Self.recordSize
                }
            }
        }
        try handle.seekToEnd()
    }

    /// Every finding, in memory: for tests and small submissions.
    public func all() throws -> [Finding] {
        var findings: [Finding] = []
        try visit { findings.append($0) }
        return findings
    }
}

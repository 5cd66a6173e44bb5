import RehabCore
import RehabIngest

/// How a file's fields line up with the contract, handed to a `RowSink` before the first row.
public struct RowLayout: Sendable {
    /// The file's own header, as written.
    public let header: [String]
    /// The contract the rows are checked against, when one could be chosen.
    public let contract: Contract?
    /// For each contract column, its field index in the file, or nil when the header lacks it.
    public let fieldOfColumn: [Int?]
    /// Fields holding NHS numbers, which every output must pseudonymise.
    public let nhsNumberFields: Set<Int>
}

/// The contract columns of an accepted row whose values failed a format, code list or range rule of warning
/// severity: the row is loaded, but those values are kept out of every statistic (the load writes them as NULL,
/// so they count as not recorded). The original is in the archive and the finding in the trust's report.
public struct WithheldColumns: Sendable, Equatable {
    /// Bit c is contract column c.
    public var bits: UInt64

    public static let none = WithheldColumns(bits: 0)

    public init(bits: UInt64) { self.bits = bits }

    @inline(__always)
    public func contains(_ column: Int) -> Bool { column < 64 && bits & (1 << UInt64(column)) != 0 }
}

/// Receives every row as the validator decides its fate: the one code path that both the trust-side report and
/// the central load go through.
///
/// - Important: Rows are borrowed: copy what you keep. A sink must never write a field listed in
///   `RowLayout.nhsNumberFields` in the clear.
///
/// A sink may be noncopyable, as the loader's is: it owns its COPY buffer.
public protocol RowSink: ~Copyable {
    /// Called once, after the header, before any row.
    mutating func begin(_ layout: RowLayout) throws
    /// A row that passed every record-level rule; `withheld` names its values that must not enter a statistic.
    mutating func accepted(_ row: TableRow, withheld: WithheldColumns) throws
    /// A row a record-level (or file-level) rule rejected, with every such rule that failed on it.
    mutating func quarantined(_ row: TableRow, reasons: [Rule]) throws
}

/// A sink that keeps nothing, for validation without outputs.
public struct DiscardingRowSink: RowSink {
    public init() {}
    public mutating func begin(_ layout: RowLayout) throws {}
    public mutating func accepted(_ row: TableRow, withheld: WithheldColumns) throws {}
    public mutating func quarantined(_ row: TableRow, reasons: [Rule]) throws {}
}

/// Two sinks given the same rows, the first before the second: the loader's COPY and the trust's quarantine CSV,
/// from one pass over the file.
public struct PairedRowSink<First: RowSink & ~Copyable, Second: RowSink & ~Copyable>: RowSink, ~Copyable {
    public var first: First
    public var second: Second

    public init(_ first: consuming First, _ second: consuming Second) {
        self.first = first
        self.second = second
    }

    public mutating func begin(_ layout: RowLayout) throws {
        try first.begin(layout)
        try second.begin(layout)
    }

    public mutating func accepted(_ row: TableRow, withheld: WithheldColumns) throws {
        try first.accepted(row, withheld: withheld)
        try second.accepted(row, withheld: withheld)
    }

    public mutating func quarantined(_ row: TableRow, reasons: [Rule]) throws {
        try first.quarantined(row, reasons: reasons)
        try second.quarantined(row, reasons: reasons)
    }
}

/// A sink that may be absent: rows go to it when it is there, and nowhere otherwise.
public struct OptionalRowSink<Wrapped: RowSink>: RowSink {
    public var sink: Wrapped?

    public init(_ sink: Wrapped?) { self.sink = sink }

    public mutating func begin(_ layout: RowLayout) throws { try sink?.begin(layout) }
    public mutating func accepted(_ row: TableRow, withheld: WithheldColumns) throws {
        try sink?.accepted(row, withheld: withheld)
    }
    public mutating func quarantined(_ row: TableRow, reasons: [Rule]) throws {
        try sink?.quarantined(row, reasons: reasons)
    }
}

extension PairedRowSink: Copyable where First: Copyable, Second: Copyable {}

import RehabCore

/// A value a rule found wrong, and how often.
public struct ValueCount: Sendable, Hashable {
    /// As shown: the value as written, cut to 64 bytes; an NHS number (or anything written like one) as the first
    /// characters of its pseudonym (`FindingLog.appendShown`).
    public var value: String
    public var count: Int
}

/// The values one rule found wrong, counted in bounded memory: at most `limit` distinct values are kept, each made
/// a `String` once, the first time it is seen; a finding with a value seen before costs a hash and a lookup.
struct ValueTally {
    static let limit = 64
    private var index: [UInt64: Int] = [:]
    private var entries: [ValueCount] = []
    /// Findings whose value was not among the first `limit` distinct ones.
    private(set) var others = 0

    /// Counts one value. Empty values are not counted: the rule's message says the value is missing.
    mutating func add(_ value: UnsafeBufferPointer<UInt8>, pseudonymise: Bool, pseudonymiser: Pseudonymiser) {
        guard !value.isEmpty else { return }
        let key = IdentifierTable.hash(value)
        if let i = index[key] {
            entries[i].count += 1
            return
        }
        guard entries.count < Self.limit else {
            others += 1
            return
        }
        index[key] = entries.count
        entries.append(ValueCount(value: Self.shown(value, pseudonymise: pseudonymise, by: pseudonymiser), count: 1))
    }

    /// The most frequent values, most frequent first (first seen first among equals).
    func top(_ n: Int) -> [ValueCount] {
        Array(
            entries.enumerated().sorted { ($0.element.count, -$0.offset) > ($1.element.count, -$1.offset) }
                .prefix(n).map(\.element)
        )
    }

    /// A value as a report may show it (`FindingLog.appendShown`).
    static func shown(
        _ value: UnsafeBufferPointer<UInt8>,
        pseudonymise: Bool,
        by pseudonymiser: Pseudonymiser
    )
        -> String
    {
        var bytes: [UInt8] = []
        FindingLog.appendShown(value, pseudonymise: pseudonymise, by: pseudonymiser, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

import RehabCore

/// A value a rule found wrong, and how often.
public struct ValueCount: Sendable, Hashable {
    /// As shown: the value as written, cut to 64 bytes; an NHS number (or anything written like one) as the first
    /// characters of its pseudonym (`FindingLog.appendShown`).
    public var value: String
    public var count: Int
}

/// The values one rule found wrong, and the most frequent of them, counted in bounded memory with the
/// space-saving algorithm (Metwally, Agrawal and El Abbadi, "Efficient computation of frequent and top-k elements
/// in data streams", ICDT 2005).
///
/// At most `limit` values are counted at once. A value not among them replaces the one counted least, taking over
/// its count plus one, so that a value that truly occurs more than n/`limit` times in n findings is never lost,
/// however late it first appears; its count is at most the least count too high. A value is made a `String` only
/// when a report asks for the top values: a finding costs a hash and a lookup, and, for a value not counted yet,
/// a scan of the counts.
struct ValueTally {
    static let limit = 64
    /// The bytes of a value kept for showing it: more than a report shows (64 bytes after NHS numbers are masked).
    static let keptBytes = 256

    private var index: [UInt64: Int] = [:]
    private var hashes: [UInt64] = []
    private var counts: [Int] = []
    /// How much each count may overstate its value's true count: the count it took over.
    private var errors: [Int] = []
    /// Each counted value's first `keptBytes` bytes, in slot order, `keptBytes` apart: one allocation, reused
    /// when a value gives its place to another.
    private var kept: [UInt8] = []
    private var keptLengths: [Int] = []
    private var pseudonymise: [Bool] = []

    /// Counts one value. Empty values are not counted: the rule's message says the value is missing.
    mutating func add(_ value: Span<UInt8>, pseudonymise withheld: Bool, pseudonymiser: Pseudonymiser) {
        guard !value.isEmpty else { return }
        let key = IdentifierTable.hash(value)
        if let i = index[key] {
            counts[i] += 1
            return
        }
        let length = min(value.count, Self.keptBytes)
        guard counts.count == Self.limit else {
            index[key] = counts.count
            hashes.append(key)
            counts.append(1)
            errors.append(0)
            kept.append(copying: value.extracting(first: length))
            kept.append(contentsOf: repeatElement(0, count: Self.keptBytes - length))
            keptLengths.append(length)
            pseudonymise.append(withheld)
            return
        }
        // Full: the least counted value gives its place to this one (the last of equals, so that the first seen
        // keep theirs).
        var least = 0
        for i in 1..<counts.count where counts[i] <= counts[least] { least = i }
        index[hashes[least]] = nil
        index[key] = least
        hashes[least] = key
        errors[least] = counts[least]
        counts[least] += 1
        let start = least * Self.keptBytes
        for k in 0..<length { kept[start + k] = value[k] }
        keptLengths[least] = length
        pseudonymise[least] = withheld
    }

    /// The most frequent values, most frequent first, each with the count it is sure to have: exact while no more
    /// than `limit` distinct values were found, and never more than the true count after that.
    func top(_ n: Int, by pseudonymiser: Pseudonymiser) -> [ValueCount] {
        counts.indices.sorted { a, b in
            (counts[a] - errors[a], counts[a], -a) > (counts[b] - errors[b], counts[b], -b)
        }.prefix(n).map { i in
            ValueCount(
                value: Self.shown(
                    kept.span.extracting((i * Self.keptBytes)..<(i * Self.keptBytes + keptLengths[i])),
                    pseudonymise: pseudonymise[i],
                    by: pseudonymiser
                ),
                count: counts[i] - errors[i]
            )
        }
    }

    /// A value as a report may show it (`FindingLog.appendShown`).
    static func shown(
        _ value: Span<UInt8>,
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

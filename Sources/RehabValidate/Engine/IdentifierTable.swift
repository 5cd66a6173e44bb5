import CRehabMemory
import RehabCore

/// An open-addressing table keyed by a 64-bit hash of an identifier's bytes, holding one 32-bit value.
///
/// Uniqueness and cross-file checks need every id of a submission in one pass, so that a duplicate row can be
/// quarantined as it streams by. Storing an 8-byte hash per id, not the id itself, keeps a million-row file's
/// table at 10 MB: slots are at most four fifths full, and the table has exactly the slots it needs (a hash is
/// mapped to its slot by multiplication, not by a mask, so its size need not be a power of two). Two different ids
/// share a 64-bit hash with probability about n²/2⁶⁵: for a million ids, about one in 37 million files.
/// `reserve(_:)` sizes the table once from an estimate, so that it does not hold an old and a new array while
/// growing.
struct IdentifierTable {
    private var keys: [UInt64]
    private var values: [Int32]
    private var size: Int
    private(set) var count = 0

    private let storesValues: Bool

    /// - Parameter storesValues: false for a plain set, which then costs 8 bytes a slot, not 12.
    init(capacity: Int = 1024, storesValues: Bool = true) {
        let size = Self.slots(for: capacity)
        self.storesValues = storesValues
        keys = Array(repeating: 0, count: size)
        values = storesValues ? Array(repeating: 0, count: size) : []
        self.size = size
    }

    /// Inserts a key. Returns the value already stored if the key was present.
    @inline(__always)
    mutating func insert(_ key: UInt64, value: Int32) -> Int32? {
        if (count + 1) * 5 > size * 4 { resize(to: size + size / 2) }
        let key = key == 0 ? 1 : key
        var slot = home(key)
        while true {
            let existing = keys[slot]
            if existing == 0 {
                keys[slot] = key
                if storesValues { values[slot] = value }
                count += 1
                return nil
            }
            if existing == key { return storesValues ? values[slot] : 0 }
            slot += 1
            if slot == size { slot = 0 }
        }
    }

    /// The slot where `key` is looked up first: its high bits scaled to the table's size.
    @inline(__always)
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: key.multipliedFullWidth(by: UInt64(size)).high)
    }

    /// Starts loading the slot where `key` is looked up first, so that an `insert` or `value(for:)` of it a
    /// little later finds it in cache: a table of a million ids is far larger than the cache, and a miss per row
    /// was a third of the row checks' time.
    @inline(__always)
    func prefetch(_ key: UInt64) {
        let slot = home(key == 0 ? 1 : key)
        keys.withUnsafeBufferPointer { rehab_prefetch($0.baseAddress! + slot) }
        if storesValues { values.withUnsafeBufferPointer { rehab_prefetch($0.baseAddress! + slot) } }
    }

    @inline(__always)
    func value(for key: UInt64) -> Int32? {
        let key = key == 0 ? 1 : key
        var slot = home(key)
        while true {
            let existing = keys[slot]
            if existing == 0 { return nil }
            if existing == key { return storesValues ? values[slot] : 0 }
            slot += 1
            if slot == size { slot = 0 }
        }
    }

    /// Makes room for `expected` keys in all, and a tenth more (an estimate from a file's first rows can be a
    /// little low), if the table is smaller than that needs.
    mutating func reserve(_ expected: Int) {
        reserve(exactly: expected + expected / 10)
    }

    /// Makes room for `keys` keys in all, if the table is smaller than that needs.
    mutating func reserve(exactly keys: Int) {
        let wanted = Self.slots(for: keys)
        if wanted > size { resize(to: wanted) }
    }

    /// Hands every key to `write`, in ascending order, then empties the table; if `write` returns false the
    /// table keeps its keys. The keys are sorted where they lie, so that this needs no second array.
    mutating func spill(_ write: (UnsafeBufferPointer<UInt64>) -> Bool) -> Bool {
        precondition(!storesValues, "Only a plain set spills.")
        let written = keys.withUnsafeMutableBufferPointer { keys -> Bool in
            var end = 0
            for i in keys.indices where keys[i] != 0 {
                keys[end] = keys[i]
                end += 1
            }
            keys[0..<end].sort()
            return write(UnsafeBufferPointer(rebasing: keys[0..<end]))
        }
        // The keys are no longer in their slots: either way the table is rebuilt.
        if written {
            keys.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            count = 0
        } else {
            resize(to: size)
        }
        return written
    }

    /// Enough slots to hold `n` keys at most four fifths full.
    static func slots(for n: Int) -> Int {
        max(16, n + n / 4 + 1)
    }

    private mutating func resize(to size: Int) {
        let oldKeys = keys
        let oldValues = values
        keys = Array(repeating: 0, count: size)
        values = storesValues ? Array(repeating: 0, count: size) : []
        self.size = size
        count = 0
        for i in 0..<oldKeys.count where oldKeys[i] != 0 {
            _ = insert(oldKeys[i], value: storesValues ? oldValues[i] : 0)
        }
    }

    /// A 64-bit hash of bytes: FNV-1a, then a SplitMix64 finaliser so that similar ids spread over the table.
    @inline(__always)
    static func hash(_ bytes: Span<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in bytes.indices {
            h = (h ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01B3
        }
        h ^= h >> 30
        h = h &* 0xbf58_476d_1ce4_e5b9
        h ^= h >> 27
        h = h &* 0x94d0_49bb_1331_11eb
        h ^= h >> 31
        return h
    }
}

/// What a validated referrals file tells the contacts file of the same trust and period.
public struct ReferralIndex: Sendable {
    var table = IdentifierTable(capacity: 1024)

    /// How many referrals it holds.
    public var count: Int { table.count }

    mutating func reserve(_ expected: Int) { table.reserve(expected) }

    mutating func add(id: Span<UInt8>, received: Day?) {
        _ = table.insert(IdentifierTable.hash(id), value: received?.ordinal ?? Int32.min)
    }

    /// The referral whose id has this `IdentifierTable.hash`: nil when it is unknown; `.some(nil)` when it is known
    /// but its received date was not readable.
    func lookup(key: UInt64) -> Day?? {
        guard let value = table.value(for: key) else { return nil }
        return .some(value == Int32.min ? nil : Day(ordinal: value))
    }

    /// `IdentifierTable.prefetch(_:)` for a lookup of this key soon.
    @inline(__always)
    func prefetch(_ key: UInt64) { table.prefetch(key) }
}

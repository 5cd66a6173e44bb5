import Foundation
import RehabCore

/// The ids a `unique` check has seen, in bounded memory: a file of any length is checked exactly, in one pass.
///
/// Ids are held as their 64-bit `IdentifierTable.hash`, as the referrals index holds them. Up to `budget` bytes
/// of them are in an in-memory table. When it is full, its ids are sorted and written to a run file, their hashes
/// set bits in a Bloom filter of fixed size, and the table starts again empty. An id not in the table is looked
/// up on disk only when the filter says it may be there: one `pread` of a page a run, found through an in-memory
/// index of every run's pages. The memory a set holds is therefore at most the table's budget, the filter and
/// 8 bytes for each page of 512 ids on disk, whatever the file's length; a file that spills takes a little longer
/// (see BENCHMARKS.md).
///
/// Run files are unlinked as soon as they are opened, so that nothing is left on disk even if the process is
/// killed. They go in the system's temporary directory (`TMPDIR`). If a run cannot be written (a full disk), the
/// set keeps its ids in memory instead: the check stays exact, and only the budget is exceeded.
struct IdentifierSet {
    private var table: IdentifierTable
    /// How many ids the table holds before it spills; no limit once a run could not be written.
    private var limit: Int
    private var spilled: SpilledIdentifiers?
    /// The spilled runs' filter, held here too so that a row's look-up touches no reference count.
    private var filter: UnsafeMutablePointer<UInt64>?

    /// - Parameter budget: bytes the in-memory table may take; the filter, once there are runs, takes
    ///   `SpilledIdentifiers.filterBytes` more.
    init(budget: Int = ValidationContext.defaultIdentifierBudget) {
        // A slot is 8 bytes and the table is at most four fifths full.
        limit = max(64, budget / 8 * 4 / 5)
        table = IdentifierTable(capacity: min(4096, limit), storesValues: false)
    }

    /// How many ids are in the set.
    var count: Int { table.count + (spilled?.count ?? 0) }

    /// Whether ids have been written to disk.
    var hasSpilled: Bool { spilled != nil }

    /// Adds an id's hash. Returns false if it was already in the set.
    @inline(__always)
    mutating func insert(_ key: UInt64) -> Bool {
        let key = key == 0 ? 1 : key
        if let filter, SpilledIdentifiers.mayContain(key, filter), spilled!.contains(key) { return false }
        guard table.insert(key, value: 0) == nil else { return false }
        if table.count >= limit { spill() }
        return true
    }

    /// `IdentifierTable.prefetch(_:)`, for an insert of this key soon.
    @inline(__always)
    func prefetch(_ key: UInt64) { table.prefetch(key) }

    /// Sizes the table for `expected` ids in all, and a tenth more for a low estimate, within the budget.
    mutating func reserve(_ expected: Int) {
        table.reserve(exactly: min(expected + expected / 10, limit))
    }

    private mutating func spill() {
        let runs = spilled ?? SpilledIdentifiers()
        if table.spill(runs.write) {
            spilled = runs
            filter = runs.filter
        } else {
            limit = .max
        }
    }
}

/// The runs an `IdentifierSet` has written, their page index and the Bloom filter over them.
///
/// A class, so that the set that owns it closes its files and frees its filter when it goes.
final class SpilledIdentifiers {
    /// The filter's size: 4 MiB, 2²⁵ bits. With 4 bits set an id, it passes about 1% of absent ids at 3.4 million
    /// spilled ids, and 5% at 6.7 million.
    static let filterBytes = 4 << 20
    private static let filterMask: UInt64 = UInt64(filterBytes * 8 - 1)
    /// Ids a page: one `pread` of 4 KiB.
    static let pageKeys = 512

    let filter: UnsafeMutablePointer<UInt64>
    private var runs: [Run] = []
    private(set) var count = 0

    /// One sorted run on disk, and the first id of each of its pages.
    private struct Run {
        let descriptor: Int32
        let count: Int
        let firsts: [UInt64]
    }

    init() {
        filter = .allocate(capacity: Self.filterBytes / 8)
        filter.initialize(repeating: 0, count: Self.filterBytes / 8)
    }

    deinit {
        for run in runs { close(run.descriptor) }
        filter.deallocate()
    }

    /// The filter's four bit positions for a key: slices of the hash, which is already well mixed.
    @inline(__always)
    private static func bits(_ key: UInt64) -> (UInt64, UInt64, UInt64, UInt64) {
        let other = key &* 0x9e37_79b9_7f4a_7c15
        return (key & filterMask, (key >> 32) & filterMask, other & filterMask, (other >> 32) & filterMask)
    }

    @inline(__always)
    private func set(_ bit: UInt64) { filter[Int(bit >> 6)] |= 1 << (bit & 63) }

    /// Whether a key may be in a run, by the runs' `filter`: false means it is certainly not.
    @inline(__always)
    static func mayContain(_ key: UInt64, _ filter: UnsafeMutablePointer<UInt64>) -> Bool {
        @inline(__always) func isSet(_ bit: UInt64) -> Bool { filter[Int(bit >> 6)] & (1 << (bit & 63)) != 0 }
        let (a, b, c, d) = bits(key)
        return isSet(a) && isSet(b) && isSet(c) && isSet(d)
    }

    /// Whether a key is in a run, read from disk.
    func contains(_ key: UInt64) -> Bool {
        var page = [UInt64](repeating: 0, count: Self.pageKeys)
        for run in runs {
            // The last page whose first id is not above the key.
            var low = 0
            var high = run.firsts.count
            while low < high {
                let middle = (low + high) / 2
                if run.firsts[middle] <= key { low = middle + 1 } else { high = middle }
            }
            guard low > 0 else { continue }
            let start = (low - 1) * Self.pageKeys
            let keys = min(Self.pageKeys, run.count - start)
            let found = page.withUnsafeMutableBytes { bytes -> Bool in
                let wanted = keys * 8
                var read = 0
                while read < wanted {
                    let n = pread(run.descriptor, bytes.baseAddress! + read, wanted - read, off_t((start * 8) + read))
                    if n <= 0 {
                        if n < 0, errno == EINTR { continue }
                        // A run that cannot be read back is a fault of the machine, not of the file.
                        fatalError("The ids written to a temporary file could not be read back (errno \(errno)).")
                    }
                    read += n
                }
                let ids = bytes.bindMemory(to: UInt64.self)
                var low = 0
                var high = keys
                while low < high {
                    let middle = (low + high) / 2
                    if ids[middle] < key { low = middle + 1 } else { high = middle }
                }
                return low < keys && ids[low] == key
            }
            if found { return true }
        }
        return false
    }

    /// Writes sorted keys as a new run. Returns false, having written nothing that counts, if the run could not be
    /// written.
    func write(_ keys: UnsafeBufferPointer<UInt64>) -> Bool {
        let directory = FileManager.default.temporaryDirectory.path
        var template = Array("\(directory)/rehabcount-ids-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { return false }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        let bytes = UnsafeRawBufferPointer(keys)
        var written = 0
        while written < bytes.count {
            let n = Foundation.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                close(descriptor)
                return false
            }
            written += n
        }
        var firsts: [UInt64] = []
        firsts.reserveCapacity(keys.count / Self.pageKeys + 1)
        for start in stride(from: 0, to: keys.count, by: Self.pageKeys) { firsts.append(keys[start]) }
        for key in keys {
            let (a, b, c, d) = Self.bits(key)
            set(a)
            set(b)
            set(c)
            set(d)
        }
        runs.append(Run(descriptor: descriptor, count: keys.count, firsts: firsts))
        count += keys.count
        return true
    }
}

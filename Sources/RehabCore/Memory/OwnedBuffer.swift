/// Memory that one value alone owns: room for `capacity` elements, freed when the value goes.
///
/// It cannot be copied, so two holders never share it and no holder frees it twice or forgets to: this is the one
/// owner of raw memory for the hot paths (the readers' field bytes, the loader's COPY bytes), in place of buffers
/// each freed by hand. Elements are plain bits (`BitwiseCopyable`), so the memory needs no initialising; what has
/// been written is for the holder to track, usually as a count.
///
/// Indexing is checked in debug builds only: the hot paths index it once a byte.
public struct OwnedBuffer<Element: BitwiseCopyable>: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<Element>
    /// How many elements fit.
    public private(set) var capacity: Int

    public init(capacity: Int) {
        self.capacity = max(capacity, 1)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inlinable
    public subscript(index: Int) -> Element {
        @inline(__always) get {
            assert(index >= 0 && index < capacity)
            return base[index]
        }
        @inline(__always) nonmutating set {
            assert(index >= 0 && index < capacity)
            base[index] = newValue
        }
    }

    /// Makes room for `newCapacity` elements, keeping the first `count`.
    public mutating func grow(to newCapacity: Int, keeping count: Int) {
        precondition(count <= capacity && newCapacity >= count)
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: max(newCapacity, 1))
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = max(newCapacity, 1)
    }

    /// Copies `count` elements from `source` to position `index` on.
    @inlinable @inline(__always)
    public func copy(from source: UnsafePointer<Element>, count: Int, to index: Int) {
        assert(index >= 0 && count >= 0 && index + count <= capacity)
        (base + index).update(from: source, count: count)
    }

    /// The first `count` elements, for as long as `body` runs.
    @inlinable @inline(__always)
    public func withPrefix<R, E: Error>(
        _ count: Int,
        _ body: (UnsafeBufferPointer<Element>) throws(E) -> R
    ) throws(E) -> R {
        assert(count >= 0 && count <= capacity)
        return try body(UnsafeBufferPointer(start: base, count: count))
    }

    /// The elements' address, for a view that lives no longer than this buffer and no longer than its next
    /// `grow` (`TableRow` is handed one for the duration of a callback).
    @inlinable
    public var address: UnsafePointer<Element> { UnsafePointer(base) }
}

extension OwnedBuffer where Element == UInt8 {
    /// Stores a value's bytes at byte `index`, unaligned.
    @inlinable @inline(__always)
    public func storeBytes<T: BitwiseCopyable>(of value: T, at index: Int) {
        assert(index >= 0 && index + MemoryLayout<T>.size <= capacity)
        UnsafeMutableRawPointer(base + index).storeBytes(of: value, as: T.self)
    }
}

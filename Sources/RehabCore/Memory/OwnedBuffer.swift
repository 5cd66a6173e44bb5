#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// Copies a span's elements to position `index` on.
    @inlinable @inline(__always)
    public func copy(from source: Span<Element>, to index: Int) {
        precondition(index >= 0 && index + source.count <= capacity)
        guard !source.isEmpty else { return }
        // The span's address, for this copy only.
        source.withUnsafeBufferPointer { (base + index).update(from: $0.baseAddress!, count: $0.count) }
    }

    /// The first `count` elements, for as long as this buffer is neither changed nor gone.
    @inlinable
    @_lifetime(borrow self)
    public func span(count: Int) -> Span<Element> {
        precondition(count >= 0 && count <= capacity)
        let span = Span(_unsafeStart: UnsafePointer(base), count: count)
        return _overrideLifetime(span, borrowing: self)
    }

    /// The elements' address, for a view that lives no longer than this buffer and no longer than its next
    /// `grow` (`TableRow` is handed one for the duration of a callback).
    @inlinable
    public var address: UnsafePointer<Element> { UnsafePointer(base) }
}

extension OwnedBuffer where Element == UInt8 {
    /// Reads up to `capacity` bytes from a file descriptor into the start of the buffer: what `read(2)` returns
    /// (-1 with `errno` set on failure).
    public mutating func read(from fd: Int32) -> Int {
        // The system call writes through the buffer's address, within its capacity.
        #if canImport(Glibc)
        Glibc.read(fd, base, capacity)
        #else
        Darwin.read(fd, base, capacity)
        #endif
    }

    /// Stores a value's bytes at byte `index`, unaligned.
    @inlinable @inline(__always)
    public func storeBytes<T: BitwiseCopyable>(of value: T, at index: Int) {
        assert(index >= 0 && index + MemoryLayout<T>.size <= capacity)
        UnsafeMutableRawPointer(base + index).storeBytes(of: value, as: T.self)
    }
}

/// Byte spans where the standard library asks for a collection.
///
/// Field bytes reach the checks, the pseudonymiser and the writers as `Span<UInt8>`, which cannot outlive what it
/// views. Copying one into an array or a string is the one thing these helpers add.
extension Array where Element == UInt8 {
    /// Appends a span's bytes.
    @inlinable @inline(__always)
    public mutating func append(copying bytes: Span<UInt8>) {
        // Safe: the pointer lives only for this call, inside the span's own lifetime.
        bytes.withUnsafeBufferPointer { append(contentsOf: $0) }
    }
}

extension String {
    /// A span's bytes as UTF-8; invalid sequences become U+FFFD.
    @inlinable
    public init(decoding bytes: Span<UInt8>) {
        // Safe: the pointer lives only for this call, inside the span's own lifetime.
        self = bytes.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }
}

extension Span where Element == UInt8 {
    /// Whether any byte satisfies `predicate`.
    @inlinable @inline(__always)
    public func contains(where predicate: (UInt8) -> Bool) -> Bool {
        for i in indices where predicate(self[i]) { return true }
        return false
    }

    /// Whether every byte satisfies `predicate`.
    @inlinable @inline(__always)
    public func allSatisfy(_ predicate: (UInt8) -> Bool) -> Bool {
        for i in indices where !predicate(self[i]) { return false }
        return true
    }

    /// Whether the bytes are `other`'s.
    @inlinable @inline(__always)
    public func elementsEqual(_ other: some Collection<UInt8>) -> Bool {
        guard count == other.count else { return false }
        var i = 0
        for byte in other {
            guard self[i] == byte else { return false }
            i &+= 1
        }
        return true
    }

    /// Whether the bytes are `other`'s.
    @inlinable @inline(__always)
    public func elementsEqual(_ other: Span<UInt8>) -> Bool {
        guard count == other.count else { return false }
        for i in indices where self[i] != other[i] { return false }
        return true
    }
}

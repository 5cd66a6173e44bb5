/// A fixed number of plain values in memory this value alone owns, freed when it goes.
///
/// For tables a hot loop reads once a row or more (a validation plan's columns and codes, a row's parsed cells):
/// unlike an `Array`, reading one costs no reference counting and no exclusivity check, and unlike a pointer it
/// cannot be freed twice, leaked or shared. Indexing is checked in debug builds only, as `OwnedBuffer`'s is: the
/// indices come from the plan that made the table.
public struct FixedArray<Element: BitwiseCopyable>: ~Copyable {
    @usableFromInline let storage: OwnedBuffer<Element>
    /// How many elements there are.
    public let count: Int

    /// The elements of `array`.
    public init(_ array: [Element]) {
        count = array.count
        storage = OwnedBuffer(capacity: array.count)
        for i in array.indices { storage[i] = array[i] }
    }

    /// `count` copies of `value`.
    public init(repeating value: Element, count: Int) {
        self.count = count
        storage = OwnedBuffer(capacity: count)
        for i in 0..<count { storage[i] = value }
    }

    @inlinable
    public var indices: Range<Int> { 0..<count }

    @inlinable
    public var isEmpty: Bool { count == 0 }

    @inlinable
    public subscript(index: Int) -> Element {
        @inline(__always) get {
            assert(index >= 0 && index < count)
            return storage[index]
        }
        @inline(__always) nonmutating set {
            assert(index >= 0 && index < count)
            storage[index] = newValue
        }
    }

    /// Whether the elements in `range` are `other`'s.
    @inlinable @inline(__always)
    public func elements(_ range: Range<Int>, equal other: Span<Element>) -> Bool where Element: Equatable {
        guard range.count == other.count else { return false }
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        for i in other.indices where storage[range.lowerBound + i] != other[i] { return false }
        return true
    }

    /// The elements, for as long as this array.
    @inlinable
    public var span: Span<Element> {
        @_lifetime(borrow self)
        get { storage.span(count: count) }
    }
}

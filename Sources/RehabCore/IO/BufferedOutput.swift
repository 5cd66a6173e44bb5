/// Where a `BufferedOutput` sends its bytes, a block at a time: a file, a scratch file, a COPY stream.
public protocol ByteSink: ~Copyable {
    /// Takes all of `bytes`, or throws.
    ///
    /// - Parameter offset: where the bytes start in the whole output (the sum of the counts taken before).
    func take(_ bytes: Span<UInt8>, at offset: Int) throws
}

/// Bytes gathered in memory this value alone owns and handed to a sink a block at a time.
///
/// The one buffer behind every file RehabCount writes (`FileOutput`), its scratch files (`ScratchFile`) and its COPY
/// streams: each used to gather bytes in an array of its own with the same flush. A write of at least a whole block
/// to an empty buffer goes to the sink as it is, without a copy.
public struct BufferedOutput<Sink: ByteSink & ~Copyable>: ~Copyable {
    /// Where the bytes go.
    public private(set) var sink: Sink
    @usableFromInline var storage: OwnedBuffer<UInt8>
    /// Bytes gathered and not yet handed over.
    @usableFromInline var buffered = 0
    /// Bytes handed to the sink so far.
    public private(set) var flushed = 0

    /// All the bytes written so far.
    public var count: Int { flushed + buffered }

    /// Bytes gathered and not yet handed over.
    public var pending: Int { buffered }

    /// - Parameter blockSize: how many bytes to gather before handing them over.
    public init(_ sink: consuming Sink, blockSize: Int) {
        self.sink = sink
        storage = OwnedBuffer(capacity: blockSize)
    }

    /// Appends bytes.
    @inlinable @inline(__always)
    public mutating func write(_ bytes: Span<UInt8>) throws {
        if buffered + bytes.count <= storage.capacity {
            storage.copy(from: bytes, to: buffered)
            buffered &+= bytes.count
            if buffered == storage.capacity { try flush() }
        } else {
            try writeLarge(bytes)
        }
    }

    @usableFromInline
    mutating func writeLarge(_ bytes: Span<UInt8>) throws {
        var rest = bytes
        if buffered > 0 {
            let room = storage.capacity - buffered
            storage.copy(from: rest.extracting(first: room), to: buffered)
            buffered = storage.capacity
            rest = rest.extracting(droppingFirst: room)
            try flush()
        }
        if rest.count >= storage.capacity {
            try sink.take(rest, at: flushed)
            flushed += rest.count
        } else {
            storage.copy(from: rest, to: 0)
            buffered = rest.count
        }
    }

    /// Appends bytes.
    @inlinable @inline(__always)
    public mutating func write(_ bytes: [UInt8]) throws { try write(bytes.span) }

    /// Appends a string's UTF-8.
    public mutating func write(_ text: String) throws {
        var text = text
        text.makeContiguousUTF8()
        try write(text.utf8.span)
    }

    /// Appends one byte.
    @inlinable @inline(__always)
    public mutating func write(byte: UInt8) throws {
        storage[buffered] = byte
        buffered &+= 1
        if buffered == storage.capacity { try flush() }
    }

    /// Hands the gathered bytes to the sink.
    public mutating func flush() throws {
        guard buffered > 0 else { return }
        try sink.take(storage.span(count: buffered), at: flushed)
        flushed += buffered
        buffered = 0
    }

    /// Flushes and gives the sink back.
    public consuming func finish() throws -> Sink {
        try flush()
        return sink
    }
}

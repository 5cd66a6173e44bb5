import CRehabZlib

/// Inflates one gzip stream as it arrives, refusing to produce more than `limit` bytes: a small message that
/// would inflate to gigabytes stops at the limit, as a workbook does.
final class GzipInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var output = [UInt8](repeating: 0, count: 1 << 16)
    private(set) var produced = 0
    private(set) var finished = false
    let limit: Int

    init(limit: Int) throws {
        self.limit = limit
        // zlib keeps pointers into its state, so the state stays at one address for the stream's life.
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 window bits, + 16: a gzip header and trailer.
        let status = inflateInit2_(stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw MESHError(.compression, "Cannot start decompressing (zlib \(status)).")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Inflates `input`, handing what it produces to `body`.
    func inflate(_ input: UnsafeRawBufferPointer, _ body: (Span<UInt8>) throws -> Void) throws {
        guard !input.isEmpty else { return }
        guard !finished else { throw MESHError(.compression, "Bytes follow the end of a gzip stream.") }
        // zlib reads the input and writes the output through their addresses, for these calls only.
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        while stream.pointee.avail_in > 0, !finished {
            let capacity = output.count
            let (status, count) = output.withUnsafeMutableBytes { raw in
                stream.pointee.next_out = raw.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(capacity)
                let status = CRehabZlib.inflate(stream, Z_NO_FLUSH)
                return (status, capacity - Int(stream.pointee.avail_out))
            }
            guard status == Z_OK || status == Z_STREAM_END || (status == Z_BUF_ERROR && count == 0) else {
                throw MESHError(.compression, "A message said it was gzip and is not (zlib \(status)).")
            }
            produced += count
            guard produced <= limit else {
                throw MESHError(.tooLarge, "A message inflates past \(limit) bytes.")
            }
            if count > 0 {
                let chunk = output
                try body(chunk.span.extracting(first: count))
            }
            if status == Z_STREAM_END { finished = true }
            if status == Z_BUF_ERROR { break }
        }
    }

    /// Checks that the stream ended: a cut-short gzip stream is an error, not a short file.
    func finish() throws {
        guard finished else { throw MESHError(.compression, "A gzip stream ends early.") }
    }
}

import CRehabZlib
import Foundation
import RehabCore

/// A ZIP archive written as a stream: each entry is deflated as its bytes arrive and followed by a data descriptor
/// (its CRC and sizes), and the central directory is written at the end. Nothing is held back or read again, so
/// an entry of any size costs a fixed amount of memory and one pass.
///
/// Entries are deflated at zlib level 1, which for a workbook's repetitive XML is several times faster than the
/// default level for a file a little larger. Names are UTF-8 (general-purpose flag 11); every entry carries one
/// fixed date, so the same content gives the same bytes. Entries and the archive must stay under 4 GiB (ZIP64 is
/// not written): a workbook sheet holds at most 1,048,576 rows of bounded size, well under it.
final class ZIPStream {
    private let out: FileOutput
    /// Bytes written so far: the offset of the next header.
    private var offset: UInt64 = 0
    private var entries: [(name: [UInt8], crc: UInt32, compressed: UInt32, size: UInt32, offset: UInt32)] = []
    private let stream: UnsafeMutablePointer<z_stream>
    private var open: (name: [UInt8], offset: UInt64)?
    private var crc: uLong = 0
    private var size: UInt64 = 0
    private var compressed: UInt64 = 0
    private var output = [UInt8](repeating: 0, count: 1 << 17)

    /// 2024-01-01 00:00 in MS-DOS form.
    private static let dosDate: UInt16 = (2024 - 1980) << 9 | 1 << 5 | 1
    private static let dosTime: UInt16 = 0
    /// Data descriptor follows (bit 3), names are UTF-8 (bit 11).
    private static let flags: UInt16 = 0x0808

    /// The archive is written to `path` when `finish` is called, atomically, as every RehabCount output.
    init(path: String) throws {
        out = try FileOutput(path: path)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
    }

    deinit {
        if open != nil { deflateEnd(stream) }
        stream.deallocate()
    }

    /// Starts an entry; the previous one must have been ended.
    func beginEntry(_ name: String) throws {
        precondition(open == nil, "an entry is already open")
        let nameBytes = Array(name.utf8)
        var header: [UInt8] = []
        Self.put(UInt32(0x0403_4B50), &header)
        Self.put(UInt16(20), &header)  // version needed: 2.0 (deflate)
        Self.put(Self.flags, &header)
        Self.put(UInt16(8), &header)  // deflate
        Self.put(Self.dosTime, &header)
        Self.put(Self.dosDate, &header)
        Self.put(UInt32(0), &header)  // CRC and sizes follow the data
        Self.put(UInt32(0), &header)
        Self.put(UInt32(0), &header)
        Self.put(UInt16(nameBytes.count), &header)
        Self.put(UInt16(0), &header)
        header += nameBytes
        open = (nameBytes, offset)
        try emit(header)
        crc = crc32(0, nil, 0)
        size = 0
        compressed = 0
        let status = deflateInit2_(
            stream,
            1,
            Z_DEFLATED,
            -MAX_WBITS,
            8,
            Z_DEFAULT_STRATEGY,
            ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size)
        )
        guard status == Z_OK else { throw RehabError(.output, "Cannot start compressing \(name) (zlib \(status)).") }
    }

    /// Appends bytes to the open entry.
    func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        size += UInt64(bytes.count)
        // zlib reads the bytes through their address, for these calls only.
        try bytes.withUnsafeBytes { raw in
            crc = crc32(crc, raw.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(raw.count))
            try deflate(raw, flush: Z_NO_FLUSH)
        }
    }

    /// Ends the open entry with its data descriptor.
    func endEntry() throws {
        guard let entry = open else { return }
        try deflate(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
        deflateEnd(stream)
        open = nil
        guard size < UInt64(UInt32.max), compressed < UInt64(UInt32.max), entry.offset < UInt64(UInt32.max) else {
            throw RehabError(.output, "A workbook part is over 4 GiB, more than a workbook can hold.")
        }
        var descriptor: [UInt8] = []
        Self.put(UInt32(0x0807_4B50), &descriptor)
        Self.put(UInt32(crc), &descriptor)
        Self.put(UInt32(compressed), &descriptor)
        Self.put(UInt32(size), &descriptor)
        try emit(descriptor)
        entries.append((entry.name, UInt32(crc), UInt32(compressed), UInt32(size), UInt32(entry.offset)))
    }

    /// Writes the central directory and publishes the archive.
    func finish() throws {
        try endEntry()
        let start = offset
        var directory: [UInt8] = []
        for entry in entries {
            Self.put(UInt32(0x0201_4B50), &directory)
            Self.put(UInt16(20), &directory)  // made by: 2.0, MS-DOS attributes
            Self.put(UInt16(20), &directory)
            Self.put(Self.flags, &directory)
            Self.put(UInt16(8), &directory)
            Self.put(Self.dosTime, &directory)
            Self.put(Self.dosDate, &directory)
            Self.put(entry.crc, &directory)
            Self.put(entry.compressed, &directory)
            Self.put(entry.size, &directory)
            Self.put(UInt16(entry.name.count), &directory)
            Self.put(UInt16(0), &directory)  // extra
            Self.put(UInt16(0), &directory)  // comment
            Self.put(UInt16(0), &directory)  // disk
            Self.put(UInt16(0), &directory)  // internal attributes
            Self.put(UInt32(0), &directory)  // external attributes
            Self.put(entry.offset, &directory)
            directory += entry.name
        }
        try emit(directory)
        guard offset < UInt64(UInt32.max), entries.count < Int(UInt16.max) else {
            throw RehabError(.output, "The workbook is over 4 GiB, more than a workbook can hold.")
        }
        var end: [UInt8] = []
        Self.put(UInt32(0x0605_4B50), &end)
        Self.put(UInt16(0), &end)
        Self.put(UInt16(0), &end)
        Self.put(UInt16(entries.count), &end)
        Self.put(UInt16(entries.count), &end)
        Self.put(UInt32(offset - start), &end)
        Self.put(UInt32(start), &end)
        Self.put(UInt16(0), &end)
        try emit(end)
        try out.commit()
    }

    private func deflate(_ input: UnsafeRawBufferPointer, flush: Int32) throws {
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self)
        )
        stream.pointee.avail_in = uInt(input.count)
        let capacity = output.count
        while true {
            let (status, produced) = output.withUnsafeMutableBytes { raw in
                stream.pointee.next_out = raw.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(capacity)
                let status = CRehabZlib.deflate(stream, flush)
                return (status, capacity - Int(stream.pointee.avail_out))
            }
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw RehabError(.output, "Compressing a workbook part failed (zlib \(status)).")
            }
            if produced > 0 {
                compressed += UInt64(produced)
                let block = output
                try emit(block.span.extracting(first: produced))
            }
            if flush == Z_FINISH ? status == Z_STREAM_END : stream.pointee.avail_in == 0 && produced < capacity {
                return
            }
        }
    }

    private func emit(_ bytes: [UInt8]) throws {
        try emit(bytes.span)
    }

    private func emit(_ bytes: Span<UInt8>) throws {
        try out.write(bytes)
        offset += UInt64(bytes.count)
    }

    private static func put<T: FixedWidthInteger>(_ value: T, _ out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }
}

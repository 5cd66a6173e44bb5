import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A private temporary file for bytes too many to hold in memory: created with `O_EXCL`, mode 600, and unlinked at
/// once, so it needs no cleanup even after a crash and no other process can open it. Written by appending through
/// a buffer, read back in chunks.
///
/// Not thread-safe: one owner writes it, then reads it.
public final class ScratchFile {
    /// Appends to the unlinked file at its end, by offset.
    struct Appender: ByteSink {
        let fd: Int32

        func take(_ bytes: Span<UInt8>, at end: Int) throws {
            // The span's address, for the system calls only.
            try bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = pwrite(fd, raw.baseAddress! + offset, raw.count - offset, off_t(end + offset))
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw RehabError(
                            .output,
                            "Writing a temporary file failed: \(String(cString: strerror(errno))).",
                            hint: "Set TMPDIR to a folder with room."
                        )
                    }
                    offset += n
                }
            }
        }
    }

    private let fd: Int32
    private var output: BufferedOutput<Appender>
    /// Bytes appended so far.
    public var size: Int { output.count }

    /// - Throws: `RehabError.Code.output` when the temporary folder refuses the file.
    public init(kind: TemporaryFiles.Kind, capacity: Int = 1 << 17) throws {
        let path = TemporaryFiles.path(kind: kind, suffix: ".tmp")
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw RehabError(
                .output,
                "Cannot create a temporary file in \(NSTemporaryDirectory()): \(String(cString: strerror(errno))).",
                hint: "Set TMPDIR to a writable folder with room."
            )
        }
        unlink(path)
        output = BufferedOutput(Appender(fd: fd), blockSize: capacity)
    }

    deinit { close(fd) }

    /// Appends bytes.
    @inline(__always)
    public func append(_ bytes: Span<UInt8>) throws { try output.write(bytes) }

    /// Appends bytes.
    @inline(__always)
    public func append(_ bytes: [UInt8]) throws { try output.write(bytes.span) }

    /// Appends a string's UTF-8.
    @inline(__always)
    public func append(_ text: String) throws { try output.write(text) }

    /// Writes the buffered bytes to the file.
    public func flush() throws { try output.flush() }

    /// Up to `count` bytes from `offset`; fewer only at the end of the file. Call `flush()` first.
    public func read(at offset: Int, count: Int) throws -> Data {
        var data = Data(count: count)
        var got = 0
        try data.withUnsafeMutableBytes { raw in
            while got < count {
                let n = pread(fd, raw.baseAddress! + got, count - got, off_t(offset + got))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw RehabError(.output, "Reading a temporary file failed: \(String(cString: strerror(errno))).")
                }
                if n == 0 { break }
                got += n
            }
        }
        if got < count { data.removeSubrange(got...) }
        return data
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered file writer that publishes atomically: bytes go to `<path>.part`, which is renamed over `path`
/// only by `commit()`. A reader never sees half a report, and a crash leaves no truncated file behind.
public final class FileOutput {
    /// The final path.
    public let path: String
    private let partPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int

    /// Creates `<path>.part`, readable and writable by the owner only.
    ///
    /// - Throws: `RehabError.Code.output` when the file cannot be created.
    public init(path: String, capacity: Int = 1 << 20) throws {
        self.path = path
        self.partPath = path + ".part"
        self.capacity = capacity
        fd = open(partPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw RehabError(
                .output,
                "Cannot write \(path): \(String(cString: strerror(errno))).",
                hint: "Check that the folder exists and is writable."
            )
        }
        buffer.reserveCapacity(capacity)
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(partPath)
        }
    }

    /// Appends bytes.
    @inline(__always)
    public func write(_ bytes: some Sequence<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { try flush() }
    }

    /// Appends a string's UTF-8.
    @inline(__always)
    public func write(_ text: String) throws {
        try write(text.utf8)
    }

    /// Appends one byte.
    @inline(__always)
    public func write(byte: UInt8) throws {
        buffer.append(byte)
        if buffer.count >= capacity { try flush() }
    }

    private func flush() throws {
        var offset = 0
        try buffer.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw RehabError(.output, "Writing \(path) failed: \(String(cString: strerror(errno))).")
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes a whole text file atomically: a partial file is never left under the name.
    public static func write(_ text: String, toFile path: String) throws {
        let output = try FileOutput(path: path)
        try output.write(text)
        try output.commit()
    }

    /// Flushes, syncs and renames the file into place.
    public func commit() throws {
        try flush()
        fsync(fd)
        close(fd)
        fd = -1
        guard rename(partPath, path) == 0 else {
            throw RehabError(.output, "Cannot publish \(path): \(String(cString: strerror(errno))).")
        }
    }
}

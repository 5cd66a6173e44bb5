#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered file writer that publishes atomically: bytes go to a new temporary file beside `path`
/// (`.<name>.<random>.part`), which is renamed over `path` only by `commit()`. A reader never sees half a report,
/// and a crash leaves no truncated file behind.
///
/// The temporary file is created with `O_EXCL | O_NOFOLLOW` under a name nobody can guess: a link planted in an
/// output folder (`report.json.part` pointing at some other file) is never followed, and `rename` replaces a link
/// at `path` itself rather than writing through it.
public final class FileOutput {
    /// The final path.
    public let path: String
    private let partPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int

    /// Creates the temporary file, readable and writable by the owner only.
    ///
    /// - Throws: `RehabError.Code.output` when the file cannot be created.
    public init(path: String, capacity: Int = 1 << 20) throws {
        self.path = path
        self.partPath = Self.temporaryPath(beside: path)
        self.capacity = capacity
        fd = open(partPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
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

    /// A fresh, unguessable name in the folder of `path`: `.<name>.<random>.part`.
    public static func temporaryPath(beside path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let random = (0..<4).map { _ in String(UInt32.random(in: .min ... .max), radix: 36) }.joined()
        return "\(folder).\(name).\(random).part"
    }

    /// Writes a whole text file atomically: a partial file is never left under the name.
    public static func write(_ text: String, toFile path: String) throws {
        let output = try FileOutput(path: path)
        try output.write(text)
        try output.commit()
    }

    /// Flushes, syncs and renames the file into place. On failure the temporary file is removed and `path` keeps
    /// what it had.
    public func commit() throws {
        do {
            try flush()
        } catch {
            close(fd)
            fd = -1
            unlink(partPath)
            throw error
        }
        // A full disk can surface only now, at fsync or close.
        let synced = fsync(fd) == 0 || errno == EINVAL
        let closed = close(fd) == 0
        fd = -1
        guard synced, closed, rename(partPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(partPath)
            throw RehabError(.output, "Cannot publish \(path): \(reason).")
        }
    }
}

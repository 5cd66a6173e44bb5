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
    private var file: NewFile?
    private var buffer: [UInt8] = []
    private let capacity: Int
    private var flushed = 0

    /// The bytes written so far.
    public var count: Int { flushed + buffer.count }

    /// Creates the temporary file, readable and writable by the owner only.
    ///
    /// - Throws: `RehabError.Code.output` when the file cannot be created.
    public init(path: String, capacity: Int = 1 << 18) throws {
        self.path = path
        self.capacity = capacity
        file = try NewFile(path: Self.temporaryPath(beside: path))
        buffer.reserveCapacity(capacity)
    }

    /// Appends bytes.
    @inline(__always)
    public func write(_ bytes: some Sequence<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { try flush() }
    }

    /// Appends raw bytes, copied at once.
    @inline(__always)
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        bytes.withMemoryRebound(to: UInt8.self) { buffer.append(contentsOf: $0) }
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
        guard file != nil else { throw RehabError(.output, "\(path) was already published.") }
        try buffer.withUnsafeBytes { try file!.write($0) }
        flushed += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    /// A fresh, unguessable name in the folder of `path`: `.rehabcount-<random>.part`, short whatever the final
    /// name's length, so that any name the file system takes can be written.
    public static func temporaryPath(beside path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let random = (0..<4).map { _ in String(UInt32.random(in: .min ... .max), radix: 36) }.joined()
        return "\(folder).rehabcount-\(random).part"
    }

    /// Writes a whole text file atomically: a partial file is never left under the name.
    public static func write(_ text: String, toFile path: String) throws {
        let output = try FileOutput(path: path)
        try output.write(text)
        try output.commit()
    }

    /// Flushes, syncs and renames the file into place. On failure the temporary file is removed and `path` keeps
    /// what it had.
    ///
    /// - Parameter length: when given, only the first `length` bytes are published.
    public func commit(keepingFirst length: Int? = nil) throws {
        try flush()
        if let length, length < flushed, let fd = file?.fd, ftruncate(fd, off_t(length)) != 0 {
            throw RehabError(.output, "Cannot shorten \(path): \(String(cString: strerror(errno))).")
        }
        guard var done = file.take() else { return }
        try done.keep()
        guard rename(done.path, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(done.path)
            throw RehabError(.output, "Cannot publish \(path): \(reason).")
        }
    }
}

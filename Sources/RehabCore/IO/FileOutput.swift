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
    private var output: BufferedOutput<NewFile>?
    private var published = 0

    /// The bytes written so far.
    public var count: Int { output?.count ?? published }

    /// Creates the temporary file, readable and writable by the owner only.
    ///
    /// - Throws: `RehabError.Code.output` when the file cannot be created.
    public init(path: String, capacity: Int = 1 << 18) throws {
        self.path = path
        output = BufferedOutput(try NewFile(path: Self.temporaryPath(beside: path)), blockSize: capacity)
    }

    /// Appends bytes.
    @inline(__always)
    public func write(_ bytes: Span<UInt8>) throws {
        guard output != nil else { throw published(path) }
        try output!.write(bytes)
    }

    /// Appends bytes.
    @inline(__always)
    public func write(_ bytes: [UInt8]) throws { try write(bytes.span) }

    /// Appends a string's UTF-8.
    @inline(__always)
    public func write(_ text: String) throws {
        var text = text
        text.makeContiguousUTF8()
        try write(text.utf8.span)
    }

    /// Appends one byte.
    @inline(__always)
    public func write(byte: UInt8) throws {
        guard output != nil else { throw published(path) }
        try output!.write(byte: byte)
    }

    private func published(_ path: String) -> RehabError {
        RehabError(.output, "\(path) was already published.")
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
        guard let output = output.take() else { return }
        published = output.count
        var done = try output.finish()
        if let length, length < published, ftruncate(done.fd, off_t(length)) != 0 {
            throw RehabError(.output, "Cannot shorten \(path): \(String(cString: strerror(errno))).")
        }
        try done.keep()
        guard rename(done.path, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(done.path)
            throw RehabError(.output, "Cannot publish \(path): \(reason).")
        }
    }
}

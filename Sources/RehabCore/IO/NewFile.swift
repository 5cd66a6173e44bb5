#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file this process creates and nobody else can have prepared: opened with `O_CREAT | O_EXCL | O_NOFOLLOW`, so a
/// file or link already at the path is an error, never written through; readable and writable by its owner only.
/// Unless `keep` is called, the file is removed when the value goes away, so a failure leaves nothing half-written.
public struct NewFile: ~Copyable {
    public let path: String
    let fd: Int32
    private var kept = false

    /// - Throws: `RehabError.Code.output` when the file cannot be created.
    public init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw RehabError(
                .output,
                "Cannot create \(path): \(String(cString: strerror(errno))).",
                hint: "Check that the folder exists, is writable, and has room."
            )
        }
    }

    /// Writes all of `bytes`, retrying short and interrupted writes.
    ///
    /// - Throws: `RehabError.Code.output`, with the system's reason (a full disk, say).
    public func write(_ bytes: Span<UInt8>) throws {
        // The span's address, for the system calls only.
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw RehabError(.output, "Writing \(path) failed: \(String(cString: strerror(errno))).")
                }
                offset += n
            }
        }
    }

    /// Cuts the file to its first `length` bytes, and writes next at that point: to write a part again.
    public func truncate(to length: Int) throws {
        guard ftruncate(fd, off_t(length)) == 0, lseek(fd, off_t(length), SEEK_SET) >= 0 else {
            throw RehabError(.output, "Cannot shorten \(path): \(String(cString: strerror(errno))).")
        }
    }

    /// Syncs the bytes to disk, sets the file's mode, and keeps it when this value goes away.
    ///
    /// - Throws: `RehabError.Code.output` when the disk refuses (a full disk can surface only now).
    public mutating func keep(mode: mode_t = 0o600) throws {
        // fsync is not supported by every file system (EINVAL): the bytes are written all the same.
        guard fsync(fd) == 0 || errno == EINVAL, fchmod(fd, mode) == 0 else {
            throw RehabError(.output, "Cannot save \(path): \(String(cString: strerror(errno))).")
        }
        kept = true
    }

    deinit {
        close(fd)
        if !kept { unlink(path) }
    }
}

extension NewFile: ByteSink {
    public func take(_ bytes: Span<UInt8>, at offset: Int) throws { try write(bytes) }
}

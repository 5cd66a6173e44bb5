import Crypto
import RehabCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Takes a file from a folder that others write to (the nightly inbox) into a private copy, safely.
///
/// The file is opened once, with `O_NOFOLLOW | O_NONBLOCK`: a symbolic link is refused, not followed, and a FIFO
/// or device cannot block the run. `fstat` on that descriptor decides whether it is a regular file; its bytes are
/// copied into a new file (`O_EXCL | O_NOFOLLOW`) while they are hashed, so what is hashed, validated, loaded and
/// archived is what was read, never the path read again. A file whose size or modification time changed while it
/// was read is still being written: its copy is discarded and the original left for the next run.
public enum FileIntake {
    /// The private copy of a file, and who the original was.
    public struct Copy: Sendable, Equatable {
        /// The copy: read-only, owned by this process's user.
        public var path: String
        public var sha256: String
        public var bytes: Int
        /// The original's device and inode, to remove exactly that file later and not one that has replaced it.
        public var device: UInt64
        public var inode: UInt64
    }

    /// What became of a file offered to the intake.
    public enum Outcome: Sendable, Equatable {
        /// Copied and hashed.
        case copied(Copy)
        /// Not taken, and left where it is: a symbolic link, a folder, a FIFO, a device, a socket, or a file with
        /// other hard links (which could be any file on the disk).
        case refused(reason: String)
        /// It changed while it was read (still being written): left for the next run.
        case changing
    }

    /// Copies `source` to `destination`, which must not exist.
    ///
    /// - Throws: `RehabError.Code.unreadableFile` when the file cannot be read, `.output` when the copy cannot be
    ///   written (a full disk, for example); the destination is then removed.
    public static func copy(_ source: String, to destination: String) throws -> Outcome {
        let fd = open(source, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            let error = errno
            switch error {
            case ELOOP: return .refused(reason: "symbolic link")
            case ENXIO, EOPNOTSUPP: return .refused(reason: "not a regular file")
            default:
                throw RehabError(.unreadableFile, "Cannot open \(source): \(String(cString: strerror(error))).")
            }
        }
        defer { close(fd) }
        var before = stat()
        guard fstat(fd, &before) == 0 else {
            throw RehabError(.unreadableFile, "Cannot inspect \(source): \(String(cString: strerror(errno))).")
        }
        guard before.st_mode & S_IFMT == S_IFREG else { return .refused(reason: "not a regular file") }
        guard before.st_nlink == 1 else { return .refused(reason: "a hard link to another file") }

        var out = try NewFile(path: destination)
        var digest = SHA256()
        var total = 0
        var buffer = OwnedBuffer<UInt8>(capacity: 1 << 20)
        while true {
            let n = buffer.read(from: fd)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw RehabError(.unreadableFile, "Reading \(source) failed: \(String(cString: strerror(errno))).")
            }
            if n == 0 { break }
            let chunk = buffer.span(count: n)
            chunk.withUnsafeBytes { digest.update(bufferPointer: $0) }
            total += n
            try out.write(chunk)
        }
        var after = stat()
        guard fstat(fd, &after) == 0 else {
            throw RehabError(.unreadableFile, "Cannot inspect \(source): \(String(cString: strerror(errno))).")
        }
        if after.st_size != before.st_size || total != Int(before.st_size)
            || after.st_mtim.tv_sec != before.st_mtim.tv_sec || after.st_mtim.tv_nsec != before.st_mtim.tv_nsec
        {
            return .changing
        }
        try out.keep(mode: 0o444)
        return .copied(
            Copy(
                path: destination,
                sha256: digest.finalize().hexString,
                bytes: total,
                device: UInt64(before.st_dev),
                inode: UInt64(before.st_ino)
            )
        )
    }

    /// Removes `path` if it is still the file that was copied (same device and inode), never one that has taken its
    /// name since. `unlink` removes the name only: a link is never followed.
    ///
    /// - Returns: whether it was removed.
    @discardableResult
    public static func remove(_ path: String, ifStill copy: Copy) -> Bool {
        var now = stat()
        guard lstat(path, &now) == 0, UInt64(now.st_dev) == copy.device, UInt64(now.st_ino) == copy.inode else {
            return false
        }
        return unlink(path) == 0
    }
}

import Foundation
import RehabCore
import RehabIngest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The write-once archive of original extracts: `<archive>/<sha256>/<file name>`, read-only once written.
///
/// A submission is its file name and its bytes: the same bytes under another name (a trust that renamed a badly
/// named file, or another trust's identical header-only file) are a submission of their own and are archived
/// beside the first, under the same hash. Nothing in the archive is ever overwritten or deleted by RehabCount.
///
/// Files are taken from the inbox into `<archive>/.incoming/` first (`FileIntake`), and everything after that —
/// hashing, validation, loading, archiving — reads that private copy, never the inbox path again.
struct Archive {
    let root: String

    /// Where this process's copies wait while they are processed.
    var incoming: String { "\(root)/.incoming" }

    /// The folder of a content hash.
    func folder(sha256: String) -> String { "\(root)/\(sha256)" }

    /// When these bytes were archived under this name, if they were: the time the archived file was linked in.
    func archived(sha256: String, name: String) -> Date? {
        var info = stat()
        guard lstat("\(folder(sha256: sha256))/\(name)", &info) == 0 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(info.st_ctim.tv_sec))
    }

    /// Removes copies left in `.incoming` by runs that died. Call only while holding the run lock.
    ///
    /// A run's folder is locked (`flock`) by its process for as long as it lives, so a folder whose lock can be
    /// taken belongs to a run that died, and one whose lock is held is left alone: a run that lost its database
    /// lock keeps its files while it stops. The kernel drops the lock of a killed process.
    ///
    /// - Returns: how many were removed.
    @discardableResult
    func sweepIncoming() -> Int {
        let manager = FileManager.default
        guard let folders = try? manager.contentsOfDirectory(atPath: incoming) else { return 0 }
        var removed = 0
        for folder in folders {
            let path = "\(incoming)/\(folder)"
            let fd = open("\(path)/\(Self.lockName)", O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            if fd >= 0 {
                defer { close(fd) }
                guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }  // a live run's
            } else {
                // No lock file: a folder of a version before locks, or one a run is creating this instant.
                var info = stat()
                guard lstat(path, &info) == 0, Date().timeIntervalSince1970 - Double(info.st_mtim.tv_sec) > 3600
                else { continue }
            }
            if (try? manager.removeItem(atPath: path)) != nil { removed += 1 }
        }
        return removed
    }

    /// The lock file inside a run's folder of copies.
    static let lockName = ".run.lock"

    /// A run's folder of copies, locked for as long as this process lives or until `removeStaging`.
    struct Staging: Sendable {
        let path: String
        /// The open lock file: its `flock` tells other runs that this folder is in use.
        let lockDescriptor: Int32
    }

    /// A new private folder for one run's copies, locked against other runs' sweeps.
    ///
    /// - Throws: `RehabError.Code.output` when the archive is not writable.
    func stagingFolder() throws -> Staging {
        do {
            try FileManager.default.createDirectory(atPath: incoming, withIntermediateDirectories: true)
        } catch {
            throw RehabError(.output, "Cannot create \(incoming): \(error.localizedDescription)")
        }
        let path = try Self.privateFolder(in: incoming, prefix: "run")
        let fd = open("\(path)/\(Self.lockName)", O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0, flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = String(cString: strerror(errno))
            if fd >= 0 { close(fd) }
            try? FileManager.default.removeItem(atPath: path)
            throw RehabError(.output, "Cannot lock the run's folder in \(incoming): \(reason).")
        }
        return Staging(path: path, lockDescriptor: fd)
    }

    /// Removes a run's folder of copies, and `.incoming` itself once no other run's is in it.
    func removeStaging(_ staging: Staging) {
        try? FileManager.default.removeItem(atPath: staging.path)
        close(staging.lockDescriptor)
        rmdir(incoming)  // fails, harmlessly, while anything is in it
    }

    /// A new folder readable by this user only, `<parent>/<prefix>-<random>`; `parent` must exist.
    static func privateFolder(in parent: String, prefix: String) throws -> String {
        var template = Array("\(parent)/\(prefix)-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw RehabError(.output, "Cannot create a folder in \(parent): \(String(cString: strerror(errno))).")
        }
        return String(cString: made)
    }

    /// Moves a processed copy into the archive as `<sha256>/<name>`. A name already there is never replaced.
    ///
    /// - Returns: the archived path.
    /// - Throws: `RehabError.Code.output` when the archive cannot take it; the original then stays in the inbox.
    @discardableResult
    func keep(_ copy: FileIntake.Copy, name: String) throws -> String {
        let folder = folder(sha256: copy.sha256)
        let target = "\(folder)/\(name)"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw RehabError(
                .output,
                "Could not archive \(name): \(error.localizedDescription)",
                hint: "Check that \(root) is writable by the user running RehabCount; the file stays in the inbox."
            )
        }
        // link(2) fails rather than replace what is there, and does not follow a link at the target.
        guard link(copy.path, target) == 0 || errno == EEXIST else {
            throw RehabError(
                .output,
                "Could not archive \(name): \(String(cString: strerror(errno))).",
                hint: "Check that \(root) is writable by the user running RehabCount; the file stays in the inbox."
            )
        }
        unlink(copy.path)
        return target
    }
}

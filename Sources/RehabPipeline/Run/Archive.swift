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
    /// - Returns: how many were removed.
    @discardableResult
    func sweepIncoming() -> Int {
        let manager = FileManager.default
        guard let folders = try? manager.contentsOfDirectory(atPath: incoming) else { return 0 }
        for folder in folders { try? manager.removeItem(atPath: "\(incoming)/\(folder)") }
        return folders.count
    }

    /// A new private folder for one run's copies.
    ///
    /// - Throws: `RehabError.Code.output` when the archive is not writable.
    func stagingFolder() throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: incoming, withIntermediateDirectories: true)
        } catch {
            throw RehabError(.output, "Cannot create \(incoming): \(error.localizedDescription)")
        }
        return try Self.privateFolder(in: incoming, prefix: "run")
    }

    /// Removes a run's folder of copies, and `.incoming` itself once no other run's is in it.
    func removeStaging(_ folder: String) {
        try? FileManager.default.removeItem(atPath: folder)
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

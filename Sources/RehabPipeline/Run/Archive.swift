import Foundation
import RehabCore

/// The write-once archive of original extracts: `<archive>/<sha256>/<file name>`, read-only once written.
///
/// A file is archived by its content: the same bytes arriving again, under any name, are found by their hash and
/// never written twice. Nothing in the archive is ever overwritten or deleted by RehabCount.
struct Archive {
    let root: String

    /// The folder of a content hash.
    func folder(sha256: String) -> String { "\(root)/\(sha256)" }

    /// Whether these bytes were archived before, and when (the time their folder last changed: the file's arrival).
    func archived(sha256: String) -> Date? {
        let folder = folder(sha256: sha256)
        guard (try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty == false else { return nil }
        let attributes = try? FileManager.default.attributesOfItem(atPath: folder)
        return attributes?[.modificationDate] as? Date ?? Date(timeIntervalSince1970: 0)
    }

    /// Moves an inbox file into the archive under its hash; when that hash is archived already, removes the inbox
    /// copy instead (the archive keeps the first copy, untouched).
    ///
    /// - Returns: the archived path.
    /// - Throws: `RehabError.Code.unreadableFile` when the move fails; the file then stays in the inbox.
    @discardableResult
    func take(_ path: String, sha256: String) throws -> String {
        let manager = FileManager.default
        let folder = folder(sha256: sha256)
        let name = (path as NSString).lastPathComponent
        let target = "\(folder)/\(name)"
        do {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let existing = try manager.contentsOfDirectory(atPath: folder).sorted()
            if let first = existing.first {
                // Same bytes already archived (under this or another name): never overwrite; drop the copy.
                try manager.removeItem(atPath: path)
                return "\(folder)/\(first)"
            }
            try manager.moveItem(atPath: path, toPath: target)
            try manager.setAttributes([.posixPermissions: 0o444], ofItemAtPath: target)
            return target
        } catch {
            throw RehabError(
                .unreadableFile,
                "Could not archive \(name): \(error.localizedDescription)",
                hint: "Check that \(root) is writable by the user running RehabCount; the file stays in the inbox."
            )
        }
    }
}

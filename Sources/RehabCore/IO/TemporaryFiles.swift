import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// RehabCount's temporary files: `rehabcount-<kind>-<pid>-<unique>` in the temporary folder, readable by their
/// owner only. Some hold row data (quarantined rows), so a process killed before it could remove its own leaves
/// them to the next run, which removes every one whose process is gone.
public enum TemporaryFiles {
    /// A new path for a temporary file of `kind`, ending in `suffix`.
    public static func path(kind: Kind, suffix: String) -> String {
        NSTemporaryDirectory() + "rehabcount-\(kind.rawValue)-\(getpid())-\(UUID().uuidString)\(suffix)"
    }

    /// What a temporary file holds; only these are ever swept.
    public enum Kind: String, CaseIterable, Sendable {
        /// Quarantined rows on their way to `audit.quarantine`.
        case quarantine
        /// A submission's findings (locations, and values as a report may show them) while it is validated.
        case findings
    }

    /// Removes the temporary files of processes that no longer exist, and their `.….part` files.
    ///
    /// - Returns: how many were removed.
    @discardableResult
    public static func removeAbandoned() -> Int {
        let folder = NSTemporaryDirectory()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return 0 }
        var removed = 0
        for name in names {
            let bare = name.hasPrefix(".") ? name.dropFirst() : Substring(name)
            guard bare.hasPrefix("rehabcount-") else { continue }
            let fields = bare.split(separator: "-", maxSplits: 3)
            guard fields.count == 4, Kind(rawValue: String(fields[1])) != nil, let pid = Int32(fields[2]), pid > 0,
                kill(pid, 0) != 0, errno == ESRCH
            else {
                continue
            }
            if unlink(folder + name) == 0 { removed += 1 }
        }
        return removed
    }
}

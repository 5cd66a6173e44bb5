import Foundation

/// A folder a command writes into, named by an option (`--report-dir`, `--out`).
public enum OutputFolder {
    /// Makes the folder if it is missing.
    ///
    /// - Throws: `RehabError.Code.usage` (exit 2) when the path names something that is not a folder, or the folder
    ///   cannot be made, with the option's name and what to do: before anything is read or written.
    public static func prepare(_ path: String, option: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw RehabError(
                    .usage,
                    "\(option) \(path) is a file, not a folder.",
                    hint: "Name a folder for the reports (it is made if it does not exist), or remove the file."
                )
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw RehabError(
                .usage,
                "\(option) \(path) cannot be made: \(error.localizedDescription)",
                hint: "Name a folder you can write to; every folder above it must be a folder too."
            )
        }
    }
}

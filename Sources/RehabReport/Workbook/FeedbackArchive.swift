import Foundation
import RehabCore

/// A trust's reports for one file, in one zip archive: what the night sends back through MESH.
public enum FeedbackArchive {
    /// Zips `files`, each under its own name, into a new archive at `path`, published atomically as every
    /// RehabCount output is.
    public static func write(_ files: [String], to path: String) throws {
        let zip = try ZIPStream(path: path)
        for file in files {
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw RehabError(.output, "Cannot read \(file) to send it.")
            }
            defer { try? handle.close() }
            try zip.beginEntry((file as NSString).lastPathComponent)
            while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
                try zip.write(Array(data))
            }
            try zip.endEntry()
        }
        try zip.finish()
    }
}

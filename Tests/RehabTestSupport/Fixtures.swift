import Foundation
import Logging
import RehabDatabase
import RehabPipeline

/// What the tests share: the package's folders and sample month, a silent logger, a pseudonym key, scratch
/// folders, and databases on the throwaway server `scripts/test.sh` starts, migrated and with reference data.
public enum TestFixtures {
    /// The package's root folder, where `pipelines/`, `sql/` and `sample-data/` are.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    public static let layout = ProjectLayout(root: root)
    public static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    public static let keyFile: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rehabcount-test-\(UUID()).key").path
        try! String(repeating: "k", count: 48).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    public static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rehabcount-load-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A fresh database with the schema and the reference data: a copy of a template made once per test run, so
    /// that tests neither repeat the reference load nor migrate side by side (the cluster-wide roles of
    /// 0006_roles.sql cannot be created by two migrations at once).
    public static func database() throws -> TestDatabase {
        try TestDatabase(template: templates.get().withReference)
    }

    /// A fresh database with the schema only (no reference data), copied from a template in the same way.
    public static func migrated() throws -> TestDatabase {
        try TestDatabase(template: templates.get().migrated)
    }

    private static let templates = Result<(migrated: String, withReference: String), any Error>(catching: {
        let bare = try TestDatabase()
        _ = try DatabaseJob.migrate(layout: layout, database: try bare.url(), logger: logger)
        let migrated = bare.keep()
        let full = try TestDatabase(template: migrated)
        _ = try LoadJob.loadReference(layout: layout, referenceDirectory: nil, database: try full.url(), logger: logger)
        return (migrated, full.keep())
    })

    public static func load(_ files: [String], into db: borrowing TestDatabase) throws -> [LoadedFile] {
        try LoadJob.run(
            ValidateOptions(files: files, reportDirectory: "", layout: layout, pseudonymKeyFile: keyFile),
            database: try db.url(),
            writeReports: false,
            logger: logger
        )
    }

    public static var inbox: [String] {
        let dir = "\(root)/sample-data/inbox"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().map { "\(dir)/\($0)" }
    }
}

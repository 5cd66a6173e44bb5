import Crypto
import Foundation
import Logging

/// One migration file: `sql/migrations/NNNN_name.sql`.
public struct Migration: Sendable, Hashable {
    public let version: Int
    public let name: String
    public let path: String
    /// SHA-256 of the file's bytes, lower-case hex.
    public let checksum: String
    public let sql: String
}

/// What `migrate` did.
public struct MigrationOutcome: Sendable {
    /// Migrations applied by this call, in order.
    public var applied: [Migration]
    /// Migrations that were already applied, with matching checksums.
    public var unchanged: Int
}

/// Applies the project's migrations in order, each in its own transaction, and records each with its checksum.
///
/// It refuses to run when an applied file has changed since: a schema must be changed by a new migration, never
/// by editing an old one, or two databases that both say "version 3" would differ.
public enum Migrator {
    /// The advisory lock that serialises migrations: two `db migrate` at once apply each file once.
    public static let lockKey: Int64 = 0x5245_4841_424D_4947  // "REHABMIG"

    /// Reads `NNNN_name.sql` files from a folder, in version order.
    ///
    /// - Throws: `DatabaseError` of kind `.migration` for a misnamed file or a repeated version.
    public static func load(directory: String) throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }
        } catch {
            throw DatabaseError(
                kind: .migration,
                summary: "Cannot read the migrations folder \(directory)",
                hint: "Run from a RehabCount checkout, or pass --config-dir."
            )
        }
        var files: [(name: String, path: String, data: Data)] = []
        for name in names {
            let path = "\(directory)/\(name)"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw DatabaseError(kind: .migration, summary: "Cannot read migration \(path)")
            }
            files.append((name, path, data))
        }
        return try migrations(files)
    }

    /// The migrations built into the executable at build time (the EmbedDefaults plugin), for a binary run without
    /// the sql/ folder: the same files, names and checksums as sql/migrations when it was built.
    public static func builtIn() throws -> [Migration] {
        try migrations(
            EmbeddedSQL.migrations.map {
                (name: $0.name, path: "built in: sql/migrations/\($0.name)", Data($0.text.utf8))
            }
        )
    }

    /// Migrations from files' names and bytes, in version order.
    static func migrations(_ files: [(name: String, path: String, data: Data)]) throws -> [Migration] {
        var migrations: [Migration] = []
        for (name, path, data) in files {
            let stem = name.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]),
                stem[..<underscore].count == 4
            else {
                throw DatabaseError(
                    kind: .migration,
                    summary: "Migration file \(name) is not named NNNN_name.sql",
                    hint: "Rename it, for example 0007_add_outcomes.sql."
                )
            }
            guard let sql = String(data: data, encoding: .utf8) else {
                throw DatabaseError(kind: .migration, summary: "Cannot read migration \(path) as UTF-8")
            }
            let checksum = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            migrations.append(
                Migration(
                    version: version,
                    name: String(stem[stem.index(after: underscore)...]),
                    path: path,
                    checksum: checksum,
                    sql: sql
                )
            )
        }
        migrations.sort { $0.version < $1.version }
        for (a, b) in zip(migrations, migrations.dropFirst()) where a.version == b.version {
            throw DatabaseError(
                kind: .migration,
                summary: "Two migrations share version \(a.version): \(a.path) and \(b.path)"
            )
        }
        return migrations
    }

    /// Applies what is pending.
    ///
    /// - Throws: `DatabaseError` of kind `.migration` when an applied migration's file has changed or vanished,
    ///   before anything is applied; a server error from a migration, whose transaction is then rolled back.
    public static func migrate(
        _ connection: borrowing Connection,
        migrations: [Migration],
        logger: Logger
    ) throws -> MigrationOutcome {
        try connection.lock(lockKey)
        defer { _ = try? connection.unlock(lockKey) }
        try connection.query(
            """
            CREATE TABLE IF NOT EXISTS public.rehabcount_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum char(64) NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        try connection.query(
            "COMMENT ON TABLE public.rehabcount_migrations IS 'Migrations applied by rehabcount db migrate, with the SHA-256 of each file as applied.'"
        )
        let applied = try connection.query(
            "SELECT version, name, checksum FROM public.rehabcount_migrations ORDER BY version"
        )
        var recorded: [Int: (name: String, checksum: String)] = [:]
        for row in applied.rows {
            guard let version = row[0].flatMap({ Int($0) }), let name = row[1], let checksum = row[2] else { continue }
            recorded[version] = (name, checksum)
        }
        let byVersion = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for (version, record) in recorded.sorted(by: { $0.key < $1.key }) {
            guard let file = byVersion[version] else {
                throw DatabaseError(
                    kind: .migration,
                    summary: "Migration \(version) (\(record.name)) is applied in the database but its file is missing",
                    hint: "Restore sql/migrations from the release that created this database."
                )
            }
            guard file.checksum == record.checksum else {
                throw DatabaseError(
                    kind: .migration,
                    summary: "Migration \(file.path) has changed since it was applied (checksum differs)",
                    hint: "Restore the file as it was and put the change in a new migration."
                )
            }
        }
        var outcome = MigrationOutcome(applied: [], unchanged: recorded.count)
        for migration in migrations where recorded[migration.version] == nil {
            logger.info(
                "applying migration",
                metadata: ["version": .stringConvertible(migration.version), "name": "\(migration.name)"]
            )
            // Roles belong to the whole cluster, and the lock above to one database: two databases migrated at
            // the same moment can both create a role, and the second then fails with a unique violation. Its
            // transaction is rolled back, so it is tried once more, when the role exists; a migration that
            // violates a unique constraint of its own fails again and is reported.
            for attempt in 1...2 {
                do {
                    try connection.transaction { tx in
                        try tx.executeScript(migration.sql)
                        try tx.query(
                            "INSERT INTO public.rehabcount_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                            [String(migration.version), migration.name, migration.checksum]
                        )
                    }
                    break
                } catch let error as DatabaseError where error.sqlState == "23505" && attempt == 1 {
                    logger.info(
                        "retrying migration after a unique violation",
                        metadata: ["version": .stringConvertible(migration.version), "name": "\(migration.name)"]
                    )
                    Thread.sleep(forTimeInterval: 0.2)
                }
            }
            outcome.applied.append(migration)
        }
        return outcome
    }
}

import Crypto
import Foundation
import Logging

/// One file of derived definitions: `sql/analysis/NN_name.sql`, functions and views written with `CREATE OR
/// REPLACE`, which hold no data of their own.
public struct Definition: Sendable, Hashable {
    public let name: String
    public let path: String
    public let checksum: String
    public let sql: String
}

/// Derived SQL lives in files that are re-applied when they change, not in migrations: a migration is history and
/// never changes once applied, while a function's body is today's definition. `rehabcount db migrate` applies the
/// migrations first, then these files.
///
/// The files run in name order, so a file may use what an earlier one defines. When one has changed since it was
/// last applied (its SHA-256 differs from `public.rehabcount_definitions`), it and every file after it are applied
/// again, in one transaction: nothing depends on a definition that is half replaced.
public enum Definitions {
    /// Reads the `.sql` files of a folder, in name order; a missing folder holds none.
    public static func load(directory: String) throws -> [Definition] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return try names.filter { $0.hasSuffix(".sql") }.sorted().map { name in
            let path = "\(directory)/\(name)"
            guard let data = FileManager.default.contents(atPath: path), let sql = String(data: data, encoding: .utf8)
            else {
                throw DatabaseError(kind: .migration, summary: "Cannot read definitions \(path) as UTF-8")
            }
            return definition(name: name, path: path, data: data, sql: sql)
        }
    }

    /// The definitions built into the executable at build time (the EmbedDefaults plugin), for a binary run
    /// without the sql/ folder: the same files, names and checksums as sql/analysis when it was built.
    public static func builtIn() -> [Definition] {
        EmbeddedSQL.definitions.map {
            definition(name: $0.name, path: "built in: sql/analysis/\($0.name)", data: Data($0.text.utf8), sql: $0.text)
        }
    }

    static func definition(name: String, path: String, data: Data, sql: String) -> Definition {
        let checksum = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        return Definition(name: String(name.dropLast(4)), path: path, checksum: checksum, sql: sql)
    }

    /// Applies the files that changed, and every file after the first that did.
    ///
    /// - Returns: the files applied, in order.
    /// - Throws: `DatabaseError`; the transaction is rolled back and the earlier definitions stay.
    public static func apply(
        _ connection: borrowing Connection,
        definitions: [Definition],
        logger: Logger
    ) throws -> [Definition] {
        try connection.lock(Migrator.lockKey)
        defer { _ = try? connection.unlock(Migrator.lockKey) }
        try connection.query(
            """
            CREATE TABLE IF NOT EXISTS public.rehabcount_definitions (
                name text PRIMARY KEY,
                checksum char(64) NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        try connection.query(
            "COMMENT ON TABLE public.rehabcount_definitions IS 'Files of sql/analysis applied by rehabcount db migrate, "
                + "with the SHA-256 of each as applied: a file is applied again when it changes.'"
        )
        // The nightly job reads when the definitions last changed, to refresh every month after new ones; it runs
        // as a login granted rehab_loader, which the migrations create before this table exists.
        try connection.query(
            """
            DO $$BEGIN
                IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'rehab_loader') THEN
                    GRANT SELECT ON public.rehabcount_definitions TO rehab_loader;
                END IF;
            END$$
            """
        )
        var recorded: [String: String] = [:]
        for row in try connection.query("SELECT name, checksum FROM public.rehabcount_definitions").rows {
            if let name = row[0], let checksum = row[1] { recorded[name] = checksum }
        }
        // A file that was removed (its definitions dropped or moved by a later file) is no longer recorded.
        try connection.query(
            "DELETE FROM public.rehabcount_definitions WHERE NOT (name = ANY ($1::text[]))",
            [Connection.arrayLiteral(definitions.map(\.name))]
        )
        guard let first = definitions.firstIndex(where: { recorded[$0.name] != $0.checksum }) else { return [] }
        let pending = Array(definitions[first...])
        try connection.transaction { tx in
            for definition in pending {
                logger.info("applying definitions", metadata: ["name": "\(definition.name)"])
                try tx.executeScript(definition.sql)
                try tx.query(
                    """
                    INSERT INTO public.rehabcount_definitions (name, checksum) VALUES ($1, $2)
                    ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, applied_at = now()
                    """,
                    [definition.name, definition.checksum]
                )
            }
        }
        return pending
    }
}

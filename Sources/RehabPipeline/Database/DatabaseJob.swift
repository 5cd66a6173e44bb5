import Foundation
import Logging
import RehabCore
import RehabDatabase
import RehabReport

/// Database housekeeping: applying migrations.
public enum DatabaseJob {
    /// Where the migration files are.
    public static func migrationsDirectory(_ layout: ProjectLayout) -> String { "\(layout.root)/sql/migrations" }

    /// Where the derived definitions are (functions and views, re-applied when they change).
    public static func definitionsDirectory(_ layout: ProjectLayout) -> String { "\(layout.root)/sql/analysis" }

    /// Applies pending migrations, then the definitions that changed, and says what it did.
    ///
    /// - Parameter database: `--database`; nil falls back to `DATABASE_URL`, then libpq's defaults.
    /// - Returns: one line per applied migration, and a summary line.
    /// - Throws: `DatabaseError` when the database cannot be reached, a file changed after it was applied, or a
    ///   migration fails (its transaction is rolled back).
    /// Without a sql/ folder (the binary run on its own), the migrations and definitions built into it are used.
    public static func migrate(layout: ProjectLayout, database: String?, logger: Logger) throws -> [String] {
        let builtIn = !FileManager.default.fileExists(atPath: migrationsDirectory(layout))
        let migrations = try builtIn ? Migrator.builtIn() : Migrator.load(directory: migrationsDirectory(layout))
        let source = builtIn ? "the migrations built into rehabcount" : migrationsDirectory(layout)
        let connection = try Connection(Connection.conninfo(option: database))
        let outcome = try Migrator.migrate(connection, migrations: migrations, logger: logger)
        var lines = outcome.applied.map { String(format: "applied %04d %@", $0.version, $0.name) }
        lines.append(
            "\(outcome.applied.count) migration(s) applied, \(outcome.unchanged) already applied, "
                + "\(migrations.count) in \(source)."
        )
        let definitions =
            try builtIn ? Definitions.builtIn() : Definitions.load(directory: definitionsDirectory(layout))
        let applied = try Definitions.apply(connection, definitions: definitions, logger: logger)
        lines += applied.map { "applied definitions \($0.name)" }
        lines.append(
            "\(applied.count) definition file(s) applied, \(definitions.count - applied.count) unchanged, in "
                + "\(builtIn ? "the definitions built into rehabcount" : definitionsDirectory(layout))."
        )
        return lines
    }

    /// The data dictionary of a migrated database, as Markdown.
    ///
    /// - Parameter requireComments: throw when a table, view or column has no comment, listing them.
    public static func dictionary(database: String?, requireComments: Bool) throws -> String {
        let connection = try Connection(Connection.conninfo(option: database))
        let catalog = try SchemaCatalog(schemas: DataDictionary.schemas, connection: connection)
        if requireComments, !catalog.undocumented.isEmpty {
            throw RehabError(
                .configuration,
                "\(catalog.undocumented.count) object(s) have no COMMENT ON: "
                    + catalog.undocumented.prefix(20).joined(separator: ", "),
                hint: "Every table, view and column needs a comment: add them in a new migration."
            )
        }
        return DataDictionary.markdown(catalog)
    }
}

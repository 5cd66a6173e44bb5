import ArgumentParser
import Logging
import RehabCore
import RehabPipeline

struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the PostgreSQL database: migrations, reference data, the data dictionary.",
        discussion: """
            The database is chosen by --database, then DATABASE_URL, then libpq's defaults (PGHOST, PGDATABASE, \
            ~/.pgpass, service files). A private local cluster for trying RehabCount:
              eval "$(scripts/pg-local.sh start)"

            Example:
              rehabcount db migrate
              rehabcount db migrate --database postgresql://rehab_loader@dbhost/rehabcount
            """,
        subcommands: [Migrate.self, LoadReference.self, Dictionary.self]
    )

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Apply the pending migrations in sql/migrations, each in its own transaction.",
            discussion: """
                Each applied migration is recorded with its SHA-256. If an applied file has changed since, nothing \
                is applied and the command exits 2: change a schema with a new migration, never by editing an old one.

                Without a checkout (no sql/ folder found), the migrations and definitions built into rehabcount are \
                applied: the same files, with the same checksums, as sql/ when it was built.

                Example:
                  rehabcount db migrate --database "$DATABASE_URL"
                """
        )

        @OptionGroup var connection: DatabaseOptions

        func run() throws {
            let logger = Logger(label: "rehabcount.db")
            // Without a checkout, the schema built into the binary.
            for line in try DatabaseJob.migrate(
                layout: try ProjectLayout.locate(explicit: connection.configDir, builtIn: true),
                database: connection.database,
                logger: logger
            ) {
                print(line)
            }
        }
    }

    struct LoadReference: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load-reference",
            abstract: "Load ICBs, LSOA lookups, IMD 2019 and 2025, populations, ESP 2013 and trusts.",
            discussion: """
                Replaces the contents of the reference tables with the files, in one transaction: run it as often \
                as you like. Non-English trusts (ICB W00 or Q99) are skipped.

                Example:
                  rehabcount db load-reference --reference-dir sample-data/reference
                """
        )

        @OptionGroup var connection: DatabaseOptions

        @Option(
            name: .long,
            help: ArgumentHelp("Folder holding the reference CSVs (default: sample-data/reference).", valueName: "dir")
        )
        var referenceDir: String?

        func run() throws {
            let logger = Logger(label: "rehabcount.db")
            let tables = try LoadJob.loadReference(
                layout: try ProjectLayout.locate(explicit: connection.configDir),
                referenceDirectory: referenceDir,
                database: connection.database,
                logger: logger
            )
            for (table, rows) in tables { print("\(table): \(rows) rows") }
        }
    }

    struct Dictionary: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dictionary",
            abstract: "Write the data dictionary (Markdown) from the database's COMMENT ON text.",
            discussion: """
                Lists every schema, table, view, column and function RehabCount creates, with its comment, from a \
                migrated database. Exits 2 if a table, view or column has no comment. The checked-in \
                docs/data-dictionary.md is this command's output on a freshly migrated database, and a test keeps \
                them equal.

                Example:
                  rehabcount db dictionary --out docs/data-dictionary.md
                """
        )

        @OptionGroup var connection: DatabaseOptions

        @Option(name: .long, help: ArgumentHelp("Write here instead of standard output.", valueName: "file"))
        var out: String?

        func run() throws {
            let markdown = try DatabaseJob.dictionary(database: connection.database, requireComments: true)
            if let out {
                try FileOutput.write(markdown, toFile: out)
                print("wrote \(out)")
            } else {
                print(markdown, terminator: "")
            }
        }
    }
}

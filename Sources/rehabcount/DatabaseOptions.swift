import ArgumentParser

/// The options every command that talks to PostgreSQL takes.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("PostgreSQL URL or conninfo (default: DATABASE_URL, then PG* variables).", valueName: "url")
    )
    var database: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Folder holding sql/ and pipelines/ (found automatically in a checkout).", valueName: "dir")
    )
    var configDir: String?
}

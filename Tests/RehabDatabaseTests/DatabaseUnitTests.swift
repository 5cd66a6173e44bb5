import Foundation
import RehabTestSupport
import Testing

@testable import RehabDatabase

/// What the one database door does before, or without, a server: nothing here needs PostgreSQL.
@Suite("Database door, without a server")
struct DatabaseUnitTests {
    @Test("A password never reaches a message: URL, query parameter, and keyword forms in any spacing and quoting")
    func passwordsRedacted() {
        let cases: [(String, String)] = [
            ("postgresql://app:s3cret@db.example:5432/rehab", "postgresql://app:***@db.example:5432/rehab"),
            (
                "postgresql://app@db/rehab?password=s3cret&sslmode=require",
                "postgresql://app@db/rehab?password=***&sslmode=require"
            ),
            ("host=db user=app password=s3cret dbname=rehab", "host=db user=app password=*** dbname=rehab"),
            ("host=db password = 'it''s s3cret' dbname=rehab", "host=db password = *** dbname=rehab"),
            ("host=db PASSWORD=s3cret", "host=db PASSWORD=***"),
        ]
        for (given, shown) in cases {
            let redacted = DatabaseError.redacted(given)
            #expect(redacted == shown, "\(given)")
            #expect(!redacted.contains("s3cret"))
        }
    }

    @Test("An identifier is quoted whatever it holds")
    func identifiers() {
        #expect(Connection.quoteIdentifier("access") == "\"access\"")
        #expect(Connection.quoteIdentifier("a\"; DROP TABLE x; --") == "\"a\"\"; DROP TABLE x; --\"")
    }

    @Test("A server limit is named from its SQLSTATE or its words, and nothing else is blamed on one")
    func limitsNamed() {
        #expect(
            ServerLimit.cause(sqlState: "57014", message: "canceling statement due to statement timeout")
                == "statement_timeout"
        )
        #expect(ServerLimit.cause(sqlState: "57014", message: "canceling statement due to user request") == nil)
        #expect(
            ServerLimit.cause(sqlState: "55P03", message: "canceling statement due to lock timeout") == "lock_timeout"
        )
        #expect(ServerLimit.cause(sqlState: "57P05", message: nil) == "idle_session_timeout")
        #expect(
            ServerLimit.cause(sqlState: nil, message: "FATAL: terminating connection due to idle-session timeout")
                == "idle_session_timeout"
        )
        #expect(ServerLimit.cause(sqlState: "23505", message: "duplicate key value") == nil)
    }

    @Test("The package's migrations load in version order, numbered without a gap, each with its checksum")
    func migrationsInOrder() throws {
        let migrations = try Migrator.load(directory: "\(TestFixtures.root)/sql/migrations")
        #expect(migrations.count >= 28)
        #expect(migrations.map(\.version) == Array(1...migrations.count))
        #expect(migrations.allSatisfy { $0.checksum.count == 64 && !$0.sql.isEmpty })
    }

    @Test("The schema built into the binary is sql/ as it is: every migration and definition, byte for byte")
    func builtInSchema() throws {
        let onDisk = try Migrator.load(directory: "\(TestFixtures.root)/sql/migrations")
        let builtIn = try Migrator.builtIn()
        #expect(builtIn.map(\.version) == onDisk.map(\.version))
        #expect(builtIn.map(\.name) == onDisk.map(\.name))
        #expect(builtIn.map(\.checksum) == onDisk.map(\.checksum))
        let definitions = try Definitions.load(directory: "\(TestFixtures.root)/sql/analysis")
        #expect(definitions.count > 20)
        #expect(Definitions.builtIn().map(\.name) == definitions.map(\.name))
        #expect(Definitions.builtIn().map(\.checksum) == definitions.map(\.checksum))
    }

    @Test("A misnamed migration file is refused with the name it should have")
    func misnamedMigration() throws {
        let folder = try TestFixtures.folder()
        try "SELECT 1;".write(toFile: "\(folder)/7_outcomes.sql", atomically: true, encoding: .utf8)
        let error = try #require(throws: DatabaseError.self) { try Migrator.load(directory: folder) }
        #expect(error.summary.contains("7_outcomes.sql") && error.summary.contains("NNNN_name.sql"))
    }
}

import Foundation
import Logging
import RehabTestSupport
import Testing

@testable import RehabDatabase

@Suite("libpq connection", .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"))
struct ConnectionTests {
    @Test("Parameters travel as values, never as SQL")
    func parameters() throws {
        let db = try TestDatabase()
        let connection = try db.connect()
        let hostile = "x'); DROP TABLE t; --"
        try connection.query("CREATE TABLE t (v text)")
        try connection.query("INSERT INTO t VALUES ($1), ($2)", [hostile, nil])
        let rows = try connection.query("SELECT v FROM t ORDER BY v NULLS LAST").rows
        #expect(rows == [[hostile], [nil]])
    }

    @Test("An array literal carries every element back exactly: quotes, backslashes, commas, braces, NULL")
    func arrayLiteral() throws {
        let db = try TestDatabase()
        let c = try db.connect()
        let values: [String?] = [
            "plain", "a \"quoted\" word", "back\\slash", "a,b", "{braces}", "NULL", nil, "", " padded ",
        ]
        let back = try c.query(
            "SELECT e FROM unnest($1::text[]) WITH ORDINALITY AS u(e, i) ORDER BY i",
            [Connection.arrayLiteral(values)]
        ).rows.map { $0[0] }
        #expect(back == values)
    }

    @Test("A server error names the SQLSTATE and object but never the value")
    func errorsDoNotLeakValues() throws {
        let db = try TestDatabase()
        let connection = try db.connect()
        try connection.query("CREATE TABLE d (day date)")
        let secret = "9434765919"
        let error = try #require(throws: DatabaseError.self) {
            try connection.query("INSERT INTO d VALUES ($1::date)", [secret])
        }
        #expect(error.sqlState == "22008" || error.sqlState == "22007")
        #expect(!error.description.contains(secret))
        #expect(error.debugDescription.contains(secret))
    }

    @Test("A bad password is not echoed back")
    func connectionErrorRedactsPassword() throws {
        let error = try #require(throws: DatabaseError.self) {
            _ = try Connection("postgresql://someone:hunter2secret@127.0.0.1:1/nowhere?connect_timeout=2")
        }
        #expect(error.kind == .connection)
        #expect(!error.description.contains("hunter2secret"))
    }

    @Test(
        "A password is masked in every form a connection string can give it",
        arguments: [
            "host=127.0.0.1 port=1 password=hunter2secret connect_timeout=2",
            "host=127.0.0.1 port=1 password = 'hunter2secret' connect_timeout=2",
            "host=127.0.0.1 port=1 password='hunter2 secret\\'s' connect_timeout=2",
            "postgresql://someone:hunter2secret@127.0.0.1:1/db?connect_timeout=2",
            "postgresql://someone@127.0.0.1:1/db?connect_timeout=2&password=hunter2secret",
            // libpq's keywords are lower case: this one is not valid, and still masked.
            "host=127.0.0.1 port=1 PASSWORD =hunter2secret connect_timeout=2",
        ]
    )
    func passwordForms(conninfo: String) throws {
        let error = try #require(throws: DatabaseError.self) { _ = try Connection(conninfo) }
        #expect(!error.description.contains("hunter2"), "\(error.description)")
        #expect(
            error.description.contains(
                conninfo.contains("PASSWORD") ? "the connection string is not valid" : "could not be reached"
            )
        )
        // A configured database never gets the developer's hint.
        #expect(!error.description.contains("pg-local"))
    }

    @Test("A connection error says why: no such database, no such role")
    func connectionReasons() throws {
        let base = try #require(TestDatabase.url)
        func failure(_ change: (inout URLComponents) -> Void) throws -> DatabaseError {
            var components = try #require(URLComponents(string: base))
            change(&components)
            let url = try #require(components.string)
            return try #require(throws: DatabaseError.self) { _ = try Connection(url) }
        }
        let database = try failure { $0.path = "/no_such_database_here" }
        #expect(database.description.contains("the database does not exist"))
        let role = try failure { $0.user = "no_such_role_here" }
        #expect(role.description.contains("the role does not exist"))
        // With nothing configured, the hint is the developer's local cluster.
        let unconfigured = DatabaseError.connecting(
            to: nil,
            message: "connection to server failed: No such file or directory"
        )
        #expect(unconfigured.description.contains("scripts/pg-local.sh"))
    }

    @Test("COPY streams rows in, and a failed COPY leaves nothing behind")
    func copy() throws {
        let db = try TestDatabase()
        let connection = try db.connect()
        try connection.query("CREATE TABLE c (id int PRIMARY KEY, note text)")
        let copied = try connection.copy("COPY c FROM STDIN") { stream in
            for i in 0..<10_000 { try stream.write(Array("\(i)\tnote \(i)\n".utf8)) }
        }
        #expect(copied == 10_000)
        #expect(try connection.query("SELECT count(*) FROM c").scalar == "10000")
        #expect(throws: DatabaseError.self) {
            try connection.copy("COPY c FROM STDIN") { stream in try stream.write(Array("1\tduplicate\n".utf8)) }
        }
        #expect(try connection.query("SELECT count(*) FROM c").scalar == "10000")
    }

    @Test("A transaction rolls back when its body throws")
    func transactionRollsBack() throws {
        struct Stop: Error {}
        let db = try TestDatabase()
        let connection = try db.connect()
        try connection.query("CREATE TABLE r (id int)")
        #expect(throws: Stop.self) {
            try connection.transaction { tx in
                try tx.query("INSERT INTO r VALUES (1)")
                throw Stop()
            }
        }
        #expect(try connection.query("SELECT count(*) FROM r").scalar == "0")
    }

    @Test("An advisory lock held by one session is refused to another")
    func advisoryLocks() throws {
        let db = try TestDatabase()
        let first = try db.connect()
        let second = try db.connect()
        #expect(try first.tryLock(42))
        #expect(try !second.tryLock(42))
        try first.unlock(42)
        #expect(try second.tryLock(42))
    }
}

@Suite("Migrations", .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"))
struct MigrationTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func folder(_ files: [String: String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, sql) in files { try sql.write(toFile: "\(path)/\(name)", atomically: true, encoding: .utf8) }
        return path
    }

    @Test(
        "Definitions apply in name order; a changed file is applied again with every file after it; a failure changes nothing"
    )
    func definitions() throws {
        let db = try TestDatabase()
        let connection = try db.connect()
        func fn(_ name: String, _ value: Int) -> String {
            "CREATE OR REPLACE FUNCTION public.\(name)() RETURNS int LANGUAGE sql AS $$ SELECT \(value) $$;"
        }
        let dir = try folder([
            "20_b.sql": fn("b", 2) + " CREATE OR REPLACE VIEW public.vb AS SELECT public.a() + public.b() AS s;",
            "10_a.sql": fn("a", 1),
        ])
        func apply() throws -> [String] {
            try Definitions.apply(connection, definitions: try Definitions.load(directory: dir), logger: Self.logger)
                .map(\.name)
        }
        #expect(try apply() == ["10_a", "20_b"])
        #expect(try apply().isEmpty)
        #expect(try connection.query("SELECT s FROM public.vb").scalar == "3")
        // A change to the first re-applies both; to the last, only the last.
        try fn("a", 10).write(toFile: "\(dir)/10_a.sql", atomically: true, encoding: .utf8)
        #expect(try apply() == ["10_a", "20_b"])
        #expect(try connection.query("SELECT s FROM public.vb").scalar == "12")
        try (fn("b", 20) + " CREATE OR REPLACE VIEW public.vb AS SELECT public.a() + public.b() AS s;")
            .write(toFile: "\(dir)/20_b.sql", atomically: true, encoding: .utf8)
        #expect(try apply() == ["20_b"])
        #expect(try connection.query("SELECT s FROM public.vb").scalar == "30")
        // A file that fails leaves the definitions as they were, and is tried again next time.
        try (fn("a", 100) + " SELECT no_such_function();").write(
            toFile: "\(dir)/10_a.sql",
            atomically: true,
            encoding: .utf8
        )
        #expect(throws: DatabaseError.self) { try apply() }
        #expect(try connection.query("SELECT s FROM public.vb").scalar == "30")
        try fn("a", 100).write(toFile: "\(dir)/10_a.sql", atomically: true, encoding: .utf8)
        #expect(try apply() == ["10_a", "20_b"])
        #expect(try connection.query("SELECT s FROM public.vb").scalar == "120")
    }

    @Test("Migrations apply in order, once, and a second run is a no-op")
    func applyOnce() throws {
        let db = try TestDatabase()
        let connection = try db.connect()
        let dir = try folder([
            "0002_add.sql": "INSERT INTO m VALUES (2);",
            "0001_create.sql": "CREATE TABLE m (v int); INSERT INTO m VALUES (1);",
        ])
        let first = try Migrator.migrate(connection, migrations: try Migrator.load(directory: dir), logger: Self.logger)
        #expect(first.applied.map(\.version) == [1, 2])
        let second = try Migrator.migrate(
            connection,
            migrations: try Migrator.load(directory: dir),
            logger: Self.logger
        )
        #expect(second.applied.isEmpty)
        #expect(second.unchanged == 2)
        #expect(try connection.query("SELECT string_agg(v::text, ',' ORDER BY v) FROM m").scalar == "1,2")
    }

    @Test("A changed migration file is refused, and nothing new is applied")
    func checksumMismatch() throws {
        let db = try TestDatabase()
        let connection = try db.connect()
        let dir = try folder(["0001_create.sql": "CREATE TABLE m (v int);"])
        _ = try Migrator.migrate(connection, migrations: try Migrator.load(directory: dir), logger: Self.logger)
        try "CREATE TABLE m (v bigint);".write(toFile: "\(dir)/0001_create.sql", atomically: true, encoding: .utf8)
        try "CREATE TABLE n (v int);".write(toFile: "\(dir)/0002_next.sql", atomically: true, encoding: .utf8)
        let error = try #require(throws: DatabaseError.self) {
            _ = try Migrator.migrate(connection, migrations: try Migrator.load(directory: dir), logger: Self.logger)
        }
        #expect(error.kind == .migration)
        #expect(error.description.contains("0001_create.sql"))
        #expect(try connection.query("SELECT to_regclass('public.n') IS NULL").scalar == "t")
    }

    @Test("A failing migration rolls back whole and is not recorded")
    func failingMigration() throws {
        let db = try TestDatabase()
        let connection = try db.connect()
        let dir = try folder(["0001_bad.sql": "CREATE TABLE half (v int); SELECT 1/0;"])
        #expect(throws: DatabaseError.self) {
            _ = try Migrator.migrate(connection, migrations: try Migrator.load(directory: dir), logger: Self.logger)
        }
        #expect(try connection.query("SELECT to_regclass('public.half') IS NULL").scalar == "t")
        #expect(try connection.query("SELECT count(*) FROM public.rehabcount_migrations").scalar == "0")
    }

    @Test("A migration failing on a unique violation is tried once more; failing again, it is reported")
    func uniqueViolationRetry() throws {
        let db = try TestDatabase()
        let connection = try db.connect()
        // A sequence is not rolled back with a transaction, so the migration can tell its first try from a second
        // one: the first fails as a role created by another database's migration at the same moment would.
        try connection.query("CREATE SEQUENCE public.attempts")
        let flaky = """
            CREATE TABLE kept (v int);
            DO $$ BEGIN
                IF nextval('public.attempts') = 1 THEN RAISE unique_violation USING MESSAGE = 'first try'; END IF;
            END $$;
            """
        var dir = try folder(["0001_flaky.sql": flaky])
        let outcome = try Migrator.migrate(
            connection,
            migrations: try Migrator.load(directory: dir),
            logger: Self.logger
        )
        #expect(outcome.applied.map(\.version) == [1])
        #expect(try connection.query("SELECT last_value FROM public.attempts").scalar == "2")
        #expect(try connection.query("SELECT to_regclass('public.kept') IS NOT NULL").scalar == "t")

        dir = try folder([
            "0001_flaky.sql": flaky,
            "0002_duplicate.sql": "CREATE TABLE once (v int PRIMARY KEY); INSERT INTO once VALUES (1), (1);",
        ])
        let error = try #require(throws: DatabaseError.self) {
            _ = try Migrator.migrate(connection, migrations: try Migrator.load(directory: dir), logger: Self.logger)
        }
        #expect(error.sqlState == "23505")
        #expect(try connection.query("SELECT to_regclass('public.once') IS NULL").scalar == "t")
        #expect(try connection.query("SELECT count(*) FROM public.rehabcount_migrations").scalar == "1")
    }
}

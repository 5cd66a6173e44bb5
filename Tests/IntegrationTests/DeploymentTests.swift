import Foundation
import RehabCore
import RehabDatabase
import RehabLoad
import RehabPipeline
import RehabTestSupport
import Synchronization
import Testing

/// A login role made for one test, granted `rehab_loader` and nothing else, as docs/operations.md prescribes; its
/// settings (`ALTER ROLE … IN DATABASE … SET`) apply in the test's database only. Dropped afterwards.
struct LoaderLogin: ~Copyable {
    let name: String
    let url: String

    init(_ db: borrowing TestDatabase, settings: [String: String] = [:]) throws {
        name = "rehabcount_app_" + UUID().uuidString.lowercased().prefix(8)
        let admin = try db.connect()
        try admin.query("CREATE ROLE \(name) LOGIN")
        try admin.query("GRANT rehab_loader TO \(name)")
        for (setting, value) in settings.sorted(by: { $0.key < $1.key }) {
            try admin.query(
                "ALTER ROLE \(name) IN DATABASE \(Connection.quoteIdentifier(db.name)) SET \(setting) = '\(value)'"
            )
        }
        var components = URLComponents(string: try db.url())!
        components.user = name
        url = components.string!
    }

    deinit {
        if let admin = try? Connection(TestDatabase.url) {
            _ = try? admin.query("DROP OWNED BY \(name)")
            _ = try? admin.query("DROP ROLE IF EXISTS \(name)")
        }
    }
}

@Suite(
    "Deployed as docs/operations.md says",
    .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh")
)
struct DeploymentTests {
    @Test("The whole night runs as a login granted only rehab_loader: loads, archives, analyses and reports")
    func nightAsLoaderLogin() throws {
        let db = try TestFixtures.database()
        let login = try LoaderLogin(db)
        let pipeline = try PipelineFolder()
        try pipeline.drop(TestFixtures.inbox)
        let cli = try CLI.start([
            "run", pipeline.file, "--database", login.url, "--pseudonym-key-file", TestFixtures.keyFile,
        ])
        cli.waitUntilExit()
        #expect(cli.terminationStatus == 0)
        #expect(pipeline.contents(pipeline.inbox).isEmpty)
        #expect(pipeline.contents("\(pipeline.root)/reports").contains("national-gap-report-2025-09.html"))
        let c = try db.connect()
        #expect(try c.query("SELECT status FROM audit.runs").rows == [["succeeded"]])
        #expect(try c.query("SELECT count(*) FROM audit.submissions WHERE analysed_at IS NULL").scalar == "0")
        #expect(try c.query("SELECT count(*) > 0 FROM published.access").scalar == "t")
        // The login can do no more than a loader: no analyst's or owner's rights came with it.
        let app = try Connection(login.url)
        #expect(throws: DatabaseError.self) { try app.query("CREATE TABLE core.extra (x int)") }
        #expect(throws: DatabaseError.self) { try app.query("DELETE FROM audit.runs") }
    }

    @Test("analyse and report national run as the loader login, as the guide documents")
    func analyseAndReportAsLoaderLogin() throws {
        let db = try TestFixtures.database()
        _ = try TestFixtures.load(TestFixtures.inbox, into: db)
        let login = try LoaderLogin(db)
        let out = try TestFixtures.folder()
        let analyse = try CLI.start(["analyse", "--database", login.url])
        analyse.waitUntilExit()
        #expect(analyse.terminationStatus == 0)
        let report = try CLI.start(["report", "national", "--out", out, "--database", login.url])
        report.waitUntilExit()
        #expect(report.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: "\(out)/national-gap-report-2025-09.html"))
    }

    @Test("Time limits set on the login role neither end the run's lock nor cancel its statements")
    func serverLimitsOnTheRole() throws {
        let db = try TestFixtures.database()
        // The lock's session waits, idle, while the workers load: far longer than these.
        let login = try LoaderLogin(
            db,
            settings: [
                "idle_session_timeout": "150ms", "idle_in_transaction_session_timeout": "150ms",
                "statement_timeout": "10ms",
            ]
        )
        let pipeline = try PipelineFolder()
        try pipeline.drop(TestFixtures.inbox)
        let outcome = try pipeline.run(database: login.url)
        #expect(outcome.exitCode == 0)
        #expect(outcome.analysed)
        #expect(outcome.files.filter { $0.status == .loaded }.count == 9)
        let c = try db.connect()
        #expect(try c.query("SELECT status FROM audit.runs").rows == [["succeeded"]])
        // What the role set is what a session finds, before RehabCount lifts it.
        let app = try Connection(login.url)
        let statement = try #require(app.limits.first { $0.name == "statement_timeout" })
        #expect(statement.value == "10ms")
        #expect(statement.origin.contains("ALTER ROLE"))
        #expect(try app.query("SHOW statement_timeout").scalar == "0")
        #expect(try app.query("SHOW idle_session_timeout").scalar == "0")
    }

    @Test("A timeout that still ends a statement is named, with its value and where it was set")
    func timeoutNamed() throws {
        let db = try TestFixtures.database()
        let login = try LoaderLogin(db, settings: ["lock_timeout": "50ms"])
        let holder = try db.connect()
        try holder.query("BEGIN")
        try holder.query("LOCK TABLE audit.runs IN ACCESS EXCLUSIVE MODE")
        let app = try Connection(login.url)
        let error = try #require(throws: DatabaseError.self) { try app.query("SELECT count(*) FROM audit.runs") }
        #expect(error.description.contains("lock_timeout (50ms, from the login role's settings"))
        try holder.query("ROLLBACK")
        // A statement_timeout set in the session (as a pooler's session would have it) is named too.
        try app.query("SET statement_timeout = '20ms'")
        let cancelled = try #require(throws: DatabaseError.self) { try app.query("SELECT pg_sleep(1)") }
        #expect(cancelled.description.contains("statement_timeout"))
        #expect(cancelled.description.contains("ALTER ROLE … RESET statement_timeout"))
    }

    @Test("An NHS number inside longer text, in any column, reaches neither core nor audit in clear")
    func embeddedNHSNumbersStayOut() throws {
        let db = try TestFixtures.database()
        let source = try #require(TestFixtures.inbox.first { $0.hasSuffix("RY2_referrals_2025-09.csv") })
        var lines = try String(contentsOfFile: source, encoding: .utf8).split(separator: "\n").map(String.init)
        // referral_id is the second column, a free identifier shown as written in reports.
        let written = [
            "NHS:9434765919", "pt 943 476 5919", "(4010232137)",
            "\u{FF19}\u{FF14}\u{FF13}\u{FF14}\u{FF17}\u{FF16}\u{FF15}\u{FF19}\u{FF11}\u{FF19}",
        ]
        for (i, text) in written.enumerated() {
            var fields = lines[i + 1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            fields[1] = "\"\(text)\""
            lines[i + 1] = fields.joined(separator: ",")
        }
        let folder = try TestFixtures.folder()
        let file = "\(folder)/RY2_referrals_2025-09.csv"
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let loaded = try TestFixtures.load([file], into: db)
        #expect(loaded.first?.outcome?.action == .loaded)
        let c = try db.connect()
        #expect(
            try c.query(
                "SELECT count(*) FROM audit.quarantine WHERE 'ROW-NHS-ELSEWHERE-01' = ANY (reasons)"
            ).scalar == "4"
        )
        let everything =
            try c.query(
                """
                SELECT (SELECT coalesce(string_agg(row_data::text, ' '), '') FROM audit.quarantine)
                    || (SELECT coalesce(string_agg(r::text, ' '), '') FROM core.referrals r)
                    || (SELECT coalesce(string_agg(x::text, ' '), '') FROM audit.rule_results x)
                """
            ).scalar ?? ""
        for clear in ["9434765919", "943 476 5919", "4010232137", written[3]] {
            #expect(!everything.contains(clear), "\(clear) is in the database")
        }
        // The quarantined row keeps its text, with the number's pseudonym in its place.
        let pseudonym = try Pseudonymiser.configured(keyFile: TestFixtures.keyFile)!.pseudonym(of: "9434765919")
        #expect(everything.contains("NHS:\(pseudonym)"))
    }

    @Test("A file rejected for every row costs the database its first rows, not every one")
    func rejectedFileBounded() throws {
        let db = try TestFixtures.database()
        let folder = try TestFixtures.folder()
        let source = try #require(TestFixtures.inbox.first { $0.hasSuffix("RY2_referrals_2025-09.csv") })
        let header = try String(contentsOfFile: source, encoding: .utf8).prefix { $0 != "\n" }
        let rows = (1...2500).map { "RY2,R\($0),,P\($0),67,2,A,E01012367,2025-08-20,gp,,routine,,,open,,," }
        let path = "\(folder)/RY2_referrals_2025-09.csv"
        try ([String(header)] + rows).joined(separator: "\n").appending("\n").write(
            toFile: path,
            atomically: true,
            encoding: .utf8
        )
        let loaded = try TestFixtures.load([path], into: db)
        #expect(loaded.first?.outcome?.action == .rejected)
        let c = try db.connect()
        #expect(try c.query("SELECT rows_quarantined FROM audit.submissions").scalar == "2500")
        #expect(try c.query("SELECT count(*) FROM audit.quarantine").scalar == "1000")
        let rule = try c.query(
            """
            SELECT failures, cardinality(row_numbers), cardinality(lines) FROM audit.rule_results
            WHERE rule_id = 'REF-SERVICE-REQ-01'
            """
        ).rows
        #expect(rule == [["2500", "1000", "1000"]])
    }

    @Test("A file named as long as the file system allows is rejected under FILE-NAME-01; the night goes on")
    func longestNameInTheInbox() throws {
        let db = try TestFixtures.database()
        let pipeline = try PipelineFolder()
        try pipeline.drop(TestFixtures.inbox)
        let name = "RY2_referrals_2025-09" + String(repeating: "x", count: 255 - 25) + ".csv"
        let source = try #require(TestFixtures.inbox.first { $0.hasSuffix("RY2_referrals_2025-09.csv") })
        try FileManager.default.copyItem(atPath: source, toPath: "\(pipeline.inbox)/\(name)")
        let outcome = try pipeline.run(db)
        #expect(outcome.exitCode == 0)
        let long = try #require(outcome.files.first { $0.file == name })
        #expect(long.status == .rejected)
        #expect(outcome.files.filter { $0.status == .loaded }.count == 9)
        let reports = pipeline.contents("\(pipeline.outbox)/_unplaced")
        #expect(reports.count == 5)
        #expect(reports.allSatisfy { $0.utf8.count <= 255 })
        #expect(pipeline.contents(pipeline.inbox).isEmpty)
    }

    @Test("A run whose lock is taken from it stops: nothing more archived, its audit row closed with the reason")
    func lockLost() throws {
        let db = try TestFixtures.database()
        let pipeline = try PipelineFolder()
        // One worker, so that no file can be archived beside the one in hand when the lock goes.
        let text = try String(contentsOfFile: pipeline.file, encoding: .utf8)
        try text.replacingOccurrences(of: "stages:", with: "workers: 1\nstages:")
            .write(toFile: pipeline.file, atomically: true, encoding: .utf8)
        try pipeline.drop(TestFixtures.inbox)
        let url = try db.url()
        let killed = Once()
        // An administrator ends the lock's session while the first file is being read.
        let progress: @Sendable (RunJob.Progress) -> Void = { p in
            guard !p.current.isEmpty, killed.first() else { return }
            let admin = try? Connection(url)
            _ = try? admin?.query(
                """
                SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity
                WHERE application_name = 'rehabcount run lock' AND datname = current_database()
                """
            )
        }
        let lost = try #require(throws: RunLock.Lost.self) {
            try RunJob.run(
                .init(
                    pipeline: pipeline.file,
                    database: url,
                    pseudonymKeyFile: TestFixtures.keyFile,
                    layout: TestFixtures.layout
                ),
                logger: TestFixtures.logger,
                progress: progress
            )
        }
        #expect(killed.happened)
        #expect(lost.description.contains("no longer holds the run lock"))
        // Nothing was archived after the loss, and what was not archived is still in the inbox.
        let archived = pipeline.contents(pipeline.archive).filter { !$0.hasPrefix(".") }
        #expect(archived.isEmpty)
        #expect(pipeline.contents(pipeline.inbox).count == 9)
        let c = try db.connect()
        let run = try c.query("SELECT status, failure_reason FROM audit.runs").rows
        #expect(run.count == 1)
        #expect(run.first?[0] == "failed")
        #expect(run.first?[1]?.hasPrefix("The run lost its lock and stopped") == true)
        // The next night takes the lock and finishes the work: what the first loaded is found unchanged.
        let next = try pipeline.run(db)
        #expect(next.exitCode == 0)
        #expect(pipeline.contents(pipeline.inbox).isEmpty)
        #expect(try c.query("SELECT count(*) FROM audit.submissions WHERE is_current").scalar == "9")
    }
}

/// True the first time it is asked, from any thread.
final class Once: Sendable {
    private let done = Mutex(false)
    func first() -> Bool {
        done.withLock { was in
            defer { was = true }
            return !was
        }
    }
    var happened: Bool { done.withLock { $0 } }
}

/// PgBouncer in transaction mode in front of the test cluster, for as long as the value lives; nil when the
/// machine has no `pgbouncer` (`.ci/run` installs it).
final class TransactionPooler {
    static let binary = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    let port: Int
    private let folder: String
    private let process: Process

    init?(users: [String]) throws {
        guard let binary = Self.binary, let base = TestDatabase.url, let url = URLComponents(string: base) else {
            return nil
        }
        let items = Dictionary(uniqueKeysWithValues: (url.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        guard let socket = items["host"], let serverPort = items["port"] else { return nil }
        folder = "/tmp/rehabcount-pgbouncer-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard let free = Self.freePort() else { return nil }
        port = free
        try """
        [databases]
        * = host=\(socket) port=\(serverPort)
        [pgbouncer]
        listen_addr = 127.0.0.1
        listen_port = \(port)
        unix_socket_dir =
        auth_type = trust
        auth_file = \(folder)/users.txt
        pool_mode = transaction
        default_pool_size = 4
        ignore_startup_parameters = extra_float_digits,options
        logfile = \(folder)/pgbouncer.log
        """.write(toFile: "\(folder)/pgbouncer.ini", atomically: true, encoding: .utf8)
        try users.map { "\"\($0)\" \"\"" }.joined(separator: "\n").write(
            toFile: "\(folder)/users.txt",
            atomically: true,
            encoding: .utf8
        )
        // As root, PgBouncer runs as the server's user, which must read its files.
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder)
        for file in ["pgbouncer.ini", "users.txt"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: "\(folder)/\(file)")
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        let asRoot = getuid() == 0
        // The user the server runs as owns its socket's folder, and can reach it.
        let serverUser = try FileManager.default.attributesOfItem(atPath: socket)[.ownerAccountName] as? String
        process.arguments = (asRoot ? ["-u", serverUser ?? "postgres"] : []) + ["\(folder)/pgbouncer.ini"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Ready when it accepts a connection.
        for _ in 0..<50 {
            if (try? Connection("postgresql://\(users[0])@127.0.0.1:\(port)/postgres")) != nil { return }
            usleep(100_000)
        }
        kill(process.processIdentifier, SIGKILL)
        return nil
    }

    /// A loopback port nobody listens on now: the kernel's choice for a socket bound to port 0.
    static func freePort() -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }

    /// A URL for `database` as `user`, through the pooler.
    func url(user: String, database: String) -> String { "postgresql://\(user)@127.0.0.1:\(port)/\(database)" }

    deinit {
        // PgBouncer waits for its clients on SIGTERM; the test is done with it.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

@Suite(
    "Behind a transaction-pooling pooler",
    .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"),
    .enabled(if: TransactionPooler.binary != nil, "needs pgbouncer: apt-get install pgbouncer")
)
struct PoolerTests {
    @Test("The whole night runs through PgBouncer in transaction mode, its lock held by one server session")
    func nightThroughPooler() throws {
        let db = try TestFixtures.database()
        let login = try LoaderLogin(db)
        let pooler = try #require(try TransactionPooler(users: [login.name]))
        let pipeline = try PipelineFolder()
        try pipeline.drop(TestFixtures.inbox)
        let outcome = try pipeline.run(database: pooler.url(user: login.name, database: db.name))
        #expect(outcome.exitCode == 0)
        #expect(outcome.analysed)
        #expect(outcome.files.filter { $0.status == .loaded }.count == 9)
        // A second run through the pooler while the first's lock is held is refused.
        let holder = try Connection(pooler.url(user: login.name, database: db.name))
        try holder.query("BEGIN")
        try holder.query("SELECT pg_advisory_xact_lock(1380142676, 3)")
        #expect(throws: RunJob.Locked.self) {
            try pipeline.run(database: pooler.url(user: login.name, database: db.name))
        }
        try holder.query("COMMIT")
        let c = try db.connect()
        #expect(try c.query("SELECT status FROM audit.runs ORDER BY run_id").rows == [["succeeded"]])
    }
}

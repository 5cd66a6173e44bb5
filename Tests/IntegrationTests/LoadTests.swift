import Foundation
import Logging
import RehabCore
import RehabDatabase
import RehabLoad
import RehabPipeline
import RehabSample
import RehabTestSupport
import RehabValidate
import Testing

@Suite("Load", .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"), .serialized)
struct LoadTests {
    @Test("Every row is accounted for in the database: loaded + quarantined = read")
    func rowAccounting() throws {
        let db = try TestFixtures.database()
        let loaded = try TestFixtures.load(TestFixtures.inbox, into: db)
        #expect(loaded.count == 9)
        #expect(loaded.allSatisfy { $0.outcome?.action == .loaded })
        let c = try db.connect()
        let bad = try c.query(
            "SELECT count(*) FROM audit.submissions WHERE rows_read <> rows_loaded + rows_quarantined"
        ).scalar
        #expect(bad == "0")
        for kind in ["referrals", "contacts", "workforce"] {
            let inCore = try c.query("SELECT count(*) FROM core.\(kind)").scalar
            let recorded = try c.query("SELECT sum(rows_loaded) FROM audit.submissions WHERE kind = $1", [kind]).scalar
            #expect(inCore == recorded, "\(kind)")
        }
        let quarantined = try c.query("SELECT sum(rows_quarantined) FROM audit.submissions").scalar
        #expect(try c.query("SELECT count(*) FROM audit.quarantine").scalar == quarantined)
        // Residence is derived from the LSOA of its own vintage.
        let derived = try c.query(
            "SELECT count(*) FROM core.referrals WHERE lsoa_code IS NOT NULL AND lsoa_vintage IS NOT NULL AND (icb_ods IS NULL OR imd_quintile IS NULL)"
        ).scalar
        #expect(derived == "0")
        // The loader's derived columns agree with the database's own definitions of them.
        let disagreeing = try c.query(
            """
            SELECT count(*) FROM core.referrals r LEFT JOIN reference.lsoa_lookup l ON l.lsoa_code = r.lsoa_code
            WHERE r.esp_age_band IS DISTINCT FROM
                    CASE WHEN r.age_at_referral BETWEEN 0 AND 120 THEN reference.esp_band(r.age_at_referral) END
                OR r.wait_days IS DISTINCT FROM r.first_contact_date - r.referral_received_date
                OR r.imd_quintile IS DISTINCT FROM (r.imd_decile + 1) / 2
                OR (r.lsoa_vintage, r.icb_ods, r.imd_decile) IS DISTINCT FROM (l.lsoa_vintage, l.icb_ods, l.imd_decile)
            """
        ).scalar
        #expect(disagreeing == "0")
        #expect(try c.query("SELECT count(*) FROM core.referrals WHERE wait_days IS NOT NULL").scalar != "0")
        // One row per key in core, which has no primary key: the repeated keys the sample plants were quarantined.
        let contracts = try ContractSet(directory: TestFixtures.layout.contractsDirectory)
        for kind in ExtractKind.allCases {
            let key = contracts[kind].key
            let repeated = try c.query(
                "SELECT count(*) - count(DISTINCT (org_code, period, \(key))) FROM core.\(kind.rawValue)"
            ).scalar
            #expect(repeated == "0", "\(kind)")
        }
        let caught = try c.query(
            "SELECT count(*) FROM audit.quarantine WHERE 'REF-ID-UNIQUE-01' = ANY (reasons)"
        ).scalar
        #expect(caught != "0")
        // Each trust's rows are a partition of their own.
        let partitions = try c.query(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'core.referrals_2025_09'::regclass"
        ).scalar
        #expect(partitions == "3")
    }

    @Test("Every finding is in audit: each rule's rows and lines, as in the validator's log")
    func findingsInAudit() throws {
        let db = try TestFixtures.database()
        let loaded = try TestFixtures.load(TestFixtures.inbox, into: db)
        let c = try db.connect()
        for file in loaded {
            let outcome = try #require(file.outcome)
            let result = try #require(outcome.result)
            var expected: [String: (rows: [String], lines: [String])] = [:]
            for f in try result.findings.all() {
                guard let row = f.row, let line = f.line else { continue }
                expected[f.rule, default: ([], [])].rows.append(String(row))
                expected[f.rule, default: ([], [])].lines.append(String(line))
            }
            let stored = try c.query(
                """
                SELECT rule_id, array_to_string(row_numbers, ','), array_to_string(lines, ','), failures
                FROM audit.rule_results WHERE submission_id = $1
                """,
                [String(outcome.submissionID)]
            ).rows
            #expect(stored.count == result.rules.count)
            for row in stored {
                let rule = try #require(row[0])
                let want = expected[rule]
                #expect(row[1] == want.map { $0.rows.joined(separator: ",") }, "\(rule) rows")
                #expect(row[2] == want.map { $0.lines.joined(separator: ",") }, "\(rule) lines")
            }
        }
        // The quarantined rows of a record rule are among its findings' rows.
        let missing = try c.query(
            """
            SELECT count(*) FROM audit.quarantine q
            CROSS JOIN LATERAL unnest(q.reasons) AS reason
            WHERE NOT EXISTS (
                SELECT 1 FROM audit.rule_results r
                WHERE r.submission_id = q.submission_id AND r.rule_id = reason AND q.row_number = ANY (r.row_numbers))
            """
        ).scalar
        #expect(missing == "0")
    }

    @Test("No clear NHS number reaches the database")
    func noClearNHSNumbers() throws {
        let db = try TestFixtures.database()
        let referrals = TestFixtures.inbox.filter { $0.contains("RY2_referrals") }
        _ = try TestFixtures.load(referrals, into: db)
        let table = try CSVLines(path: referrals[0])
        let numbers = table.column("nhs_number").filter { !$0.isEmpty }
        #expect(numbers.count > 100)
        let c = try db.connect()
        let dump =
            try c.query(
                "SELECT string_agg(row_data::text, ' ') FROM audit.quarantine"
            ).scalar ?? ""
        let keys =
            try c.query(
                "SELECT string_agg(coalesce(encode(patient_key, 'hex'), '') || coalesce(patient_id, ''), ' ') FROM core.referrals"
            ).scalar ?? ""
        for number in numbers { #expect(!dump.contains(number) && !keys.contains(number)) }
    }

    @Test("Loading an identical file again is a no-op; a changed one supersedes, and history is kept")
    func resubmission() throws {
        let db = try TestFixtures.database()
        let original = TestFixtures.inbox.first { $0.contains("RDR_referrals") }!
        let first = try TestFixtures.load([original], into: db)
        #expect(first[0].outcome?.action == .loaded)
        let again = try TestFixtures.load([original], into: db)
        #expect(again[0].outcome?.action == .unchanged)
        #expect(again[0].outcome?.submissionID == first[0].outcome?.submissionID)

        let dir = try TestFixtures.folder()
        let lines = try String(contentsOfFile: original, encoding: .utf8).split(separator: "\n")
        try (lines.prefix(301).joined(separator: "\n") + "\n").write(
            toFile: "\(dir)/RDR_referrals_2025-09.csv",
            atomically: true,
            encoding: .utf8
        )
        let changed = try TestFixtures.load(["\(dir)/RDR_referrals_2025-09.csv"], into: db)
        #expect(changed[0].outcome?.action == .superseded)
        let c = try db.connect()
        let history = try c.query(
            "SELECT submission_id, superseded_by IS NOT NULL, is_current FROM audit.submissions ORDER BY submission_id"
        ).rows
        #expect(history.count == 2)
        #expect(history[0][1] == "t" && history[0][2] == "f")
        #expect(history[1][1] == "f" && history[1][2] == "t")
        #expect(try c.query("SELECT count(*) FROM core.referrals").scalar == String(changed[0].outcome!.rowsLoaded))
    }

    /// Moments at which a load is killed, each found by asking the server what the load is doing.
    static let killPoints: [(String, String)] = [
        ("early in the COPY into core", "SELECT count(*) > 0 FROM pg_stat_progress_copy WHERE tuples_processed > 0"),
        (
            "late in the COPY, near the commit",
            "SELECT count(*) > 0 FROM pg_stat_progress_copy WHERE tuples_processed > 250000"
        ),
    ]

    @Test(
        "A killed load leaves the previous submission intact, and the next run completes",
        arguments: killPoints.map(\.0)
    )
    func killedLoad(moment: String) throws {
        let probe = Self.killPoints.first { $0.0 == moment }!.1
        let db = try TestFixtures.database()
        let url = try db.url()
        let dir = try TestFixtures.folder()
        var options = SampleOptions(
            period: Period("2025-09")!,
            trusts: 1,
            seed: 3,
            referenceDirectory: TestFixtures.layout.referenceDirectory
        )
        options.referralsPerTrust = 300_000
        options.contactsPerReferral = 0
        _ = try SampleGenerator.write(options, to: dir)
        // The generator's first trust is R1D: its referrals replace the sample's R1D referrals submission.
        let replacement = "\(dir)/R1D_referrals_2025-09.csv"
        #expect(FileManager.default.fileExists(atPath: replacement))
        let small = TestFixtures.inbox.first { $0.contains("R1D_referrals") }!
        let before = try TestFixtures.load([small], into: db)
        let kept = before[0].outcome!.rowsLoaded

        let process = try CLI.start([
            "load", "--database", url, "--pseudonym-key-file", TestFixtures.keyFile, replacement,
        ])
        let c = try db.connect()
        var reached = false
        for _ in 0..<12_000 where !reached && process.isRunning {
            reached = (try c.query(probe).scalar) == "t"
            if !reached { usleep(5_000) }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(reached, "the load was never seen \(moment)")
        // The server notices the dropped connection and rolls back; give it a moment to do so.
        for _ in 0..<200
        where
            (try c.query(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rehabcount' AND pid <> pg_backend_pid()"
            ).scalar) != "0"
        {
            usleep(10_000)
        }
        #expect(try c.query("SELECT count(*) FROM core.referrals").scalar == String(kept))
        #expect(try c.query("SELECT count(*) FROM audit.submissions WHERE is_current").scalar == "1")
        #expect(try c.query("SELECT count(*) FROM audit.submissions").scalar == "1")

        let after = try TestFixtures.load([replacement], into: db)
        #expect(after[0].outcome?.action == .superseded)
        #expect(try c.query("SELECT count(*) FROM core.referrals").scalar == String(after[0].outcome!.rowsLoaded))
    }

    @Test("Two loads of the same submission at once load it once")
    func concurrentLoads() throws {
        let db = try TestFixtures.database()
        let url = try db.url()
        let file = TestFixtures.inbox.first { $0.contains("RY2_referrals") }!
        let a = try CLI.start(["load", "--database", url, "--pseudonym-key-file", TestFixtures.keyFile, file])
        let b = try CLI.start(["load", "--database", url, "--pseudonym-key-file", TestFixtures.keyFile, file])
        a.waitUntilExit()
        b.waitUntilExit()
        #expect(a.terminationStatus == 0 && b.terminationStatus == 0)
        let c = try db.connect()
        #expect(try c.query("SELECT count(*) FROM audit.submissions").scalar == "1")
        let loaded = try c.query("SELECT rows_loaded FROM audit.submissions").scalar
        #expect(try c.query("SELECT count(*) FROM core.referrals").scalar == loaded)
    }

    @Test("rehab_analyst reads reference data but nothing in core, staging or the quarantine")
    func roles() throws {
        let db = try TestFixtures.database()
        _ = try TestFixtures.load(TestFixtures.inbox.filter { $0.contains("R1D_referrals") }, into: db)
        let c = try db.connect()
        try c.query("SET ROLE rehab_analyst")
        #expect(try c.query("SELECT count(*) > 0 FROM reference.trust").scalar == "t")
        for table in ["core.referrals", "core.referrals_2025_09_r1d", "audit.quarantine", "audit.submissions"] {
            let error = try #require(throws: DatabaseError.self, "\(table)") {
                try c.query("SELECT 1 FROM \(table) LIMIT 1")
            }
            #expect(error.sqlState == "42501", "\(table)")
        }
        try c.query("RESET ROLE")
        try c.query("SET ROLE rehab_loader")
        try c.query("SELECT count(*) FROM core.referrals")
        try c.query("INSERT INTO audit.runs (command, host) VALUES ('role test', 'test')")
        #expect(try c.query("SELECT has_schema_privilege('rehab_analyst', 'staging', 'USAGE')").scalar == "f")
        try c.query("SELECT core.create_load_table('referrals', '2026-01-01', 'R1D', 999)")
        try c.query("DELETE FROM staging.referrals_2026_01_r1d_s999 WHERE false")
        try c.query("RESET ROLE")
    }
}

/// The real `rehabcount` binary, started in the background.
enum CLI {
    static func start(_ arguments: [String], configure: (Process) -> Void = { _ in }) throws -> Process {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "rehabcount"
        )
        let binary =
            FileManager.default.isExecutableFile(atPath: beside.path)
            ? beside.path : "\(TestFixtures.root)/.build/debug/rehabcount"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: TestFixtures.root)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        configure(process)
        try process.run()
        return process
    }
}

/// One column of a small CSV, for checking what reached the database.
struct CSVLines {
    let header: [String]
    let rows: [[String]]
    init(path: String) throws {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        header = lines[0]
        rows = Array(lines.dropFirst())
    }
    func column(_ name: String) -> [String] {
        let i = header.firstIndex(of: name)!
        return rows.map { i < $0.count ? $0[i] : "" }
    }
}

import Foundation
import RehabCore
import RehabDatabase
import RehabLoad
import RehabPipeline
import RehabTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The sample month's RY2 referrals, for files made from it.
private var sampleReferrals: String {
    get throws {
        try String(
            contentsOfFile: TestFixtures.inbox.first { $0.hasSuffix("RY2_referrals_2025-09.csv") }!,
            encoding: .utf8
        )
    }
}

private let referralsHeader =
    "org_code,referral_id,nhs_number,patient_id,age_at_referral,sex,ethnic_category,lsoa_code,referral_received_date,"
    + "referral_source,service_line,priority,first_contact_date,discharge_date,referral_outcome,outcome_tool,"
    + "outcome_score_start,outcome_score_end"

/// A referrals row with the given id, NHS number, patient id and LSOA.
private func referral(_ id: String, nhs: String = "", patient: String = "P1", lsoa: String = "E01006977") -> String {
    "RY2,\(id),\(nhs),\(patient),66,1,A,\(lsoa),2025-09-03,acute_discharge,msk,routine,,,open,,,"
}

private func permissions(_ path: String) throws -> Int {
    try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

@Suite("Nightly pipeline under hostile input and faults", .enabled(if: TestDatabase.available, "needs DATABASE_URL"))
struct HostileRunTests {
    @Test("Links, FIFOs and folders in the inbox are skipped, left alone, counted, and never read")
    func irregularEntries() throws {
        let db = try TestFixtures.database()
        let pipeline = try PipelineFolder()
        let secrets = try TestFixtures.folder()
        let target = "\(secrets)/elsewhere.csv"
        try (referralsHeader + "\n" + referral("RY2-R1", nhs: "9434765919") + "\n").write(
            toFile: target,
            atomically: true,
            encoding: .utf8
        )
        chmod(target, 0o600)
        try FileManager.default.createSymbolicLink(
            atPath: "\(pipeline.inbox)/RY2_referrals_2025-09.csv",
            withDestinationPath: target
        )
        #expect(mkfifo("\(pipeline.inbox)/RY2_contacts_2025-09.csv", 0o644) == 0)
        try FileManager.default.createDirectory(
            atPath: "\(pipeline.inbox)/RY2_workforce_2025-09.csv",
            withIntermediateDirectories: false
        )
        let outcome = try pipeline.run(db)
        #expect(outcome.exitCode == 0)
        #expect(outcome.files.count == 3 && outcome.files.allSatisfy { $0.status == .skipped })
        #expect(try pipeline.metric("rehabcount_last_run_submissions", "status=\"skipped\"") == 3)
        // Left where they were, the target untouched, and nothing of them reported or archived.
        #expect(pipeline.contents(pipeline.inbox).count == 3)
        #expect(try permissions(target) == 0o600)
        #expect(pipeline.contents(pipeline.archive).isEmpty)
        #expect(pipeline.contents("\(pipeline.outbox)/RY2").isEmpty)
        let c = try db.connect()
        #expect(try c.query("SELECT count(*) FROM audit.submissions").scalar == "0")
    }

    @Test("The same bytes under a new name, or from another trust, are a submission of their own")
    func duplicatesByNameAndBytes() throws {
        let db = try TestFixtures.database()
        let pipeline = try PipelineFolder()
        let text = try sampleReferrals
        // Night 1: a badly named file, and two trusts' identical header-only workforce files.
        let header =
            "org_code,snapshot_date,staff_id,post_status,profession,registered,afc_band,fte,service_line,setting\n"
        try pipeline.put("RY2_referral_2025-09.csv", text)
        try pipeline.put("RDR_workforce_2025-09.csv", header)
        try pipeline.put("R1D_workforce_2025-09.csv", header)
        let first = try pipeline.run(db)
        let status = Dictionary(uniqueKeysWithValues: first.files.map { ($0.file, $0.status) })
        #expect(status["RY2_referral_2025-09.csv"] == .rejected)
        #expect(status["RDR_workforce_2025-09.csv"] == .loaded)
        #expect(status["R1D_workforce_2025-09.csv"] == .loaded)

        // Night 2: the trust renames it; and the same name and bytes arrive again.
        try pipeline.put("RY2_referrals_2025-09.csv", text)
        try pipeline.put("RDR_workforce_2025-09.csv", header)
        let second = try pipeline.run(db)
        let again = Dictionary(uniqueKeysWithValues: second.files.map { ($0.file, $0.status) })
        #expect(again["RY2_referrals_2025-09.csv"] == .loaded)
        #expect(again["RDR_workforce_2025-09.csv"] == .duplicate)
        #expect(pipeline.contents(pipeline.inbox).isEmpty)
        // Both names of the referrals' bytes are in the archive, under one hash.
        let folders = pipeline.contents(pipeline.archive)
        let names = folders.flatMap { pipeline.contents("\(pipeline.archive)/\($0)") }
        #expect(names.filter { $0.hasPrefix("RY2_referral") }.count == 2)
        #expect(folders.count == 2)
    }

    @Test(
        "A file whose header is not the contract's is rejected, archived and reported; the run carries on",
        arguments: [
            ("semicolons", referralsHeader.replacingOccurrences(of: ",", with: ";")),
            ("no header", referral("RY2-R0", nhs: "9434765919", patient: "", lsoa: "E01006977")),
            ("upper case", referralsHeader.uppercased()),
        ]
    )
    func badHeader(label: String, firstLine: String) throws {
        let db = try TestFixtures.database()
        let pipeline = try PipelineFolder()
        let rows = (1...20).map { referral("RY2-R\($0)", nhs: "4010232137", patient: "") }
        try pipeline.put("RY2_referrals_2025-09.csv", ([firstLine] + rows).joined(separator: "\n") + "\n")
        try pipeline.drop(TestFixtures.inbox.filter { $0.contains("RDR_") })
        let outcome = try pipeline.run(db)
        #expect(outcome.exitCode == 0, "\(label)")
        let file = try #require(outcome.files.first { $0.file == "RY2_referrals_2025-09.csv" })
        #expect(file.status == .rejected)
        #expect(file.rowsRead == 20 && file.rowsQuarantined == 20 && file.rowsLoaded == 0)
        #expect(outcome.files.filter { $0.status == .loaded }.count == 3)
        #expect(pipeline.contents(pipeline.inbox).isEmpty)
        let report = try String(
            contentsOfFile: "\(pipeline.outbox)/RY2/RY2_referrals_2025-09.json",
            encoding: .utf8
        )
        #expect(report.contains("FILE-HEADER-01"))
        #expect(!report.contains("9434765919") && !report.contains("4010232137") && !report.contains("E01006977"))
        let c = try db.connect()
        #expect(
            try c.query("SELECT status FROM audit.submissions WHERE file_name = 'RY2_referrals_2025-09.csv'").scalar
                == "rejected"
        )
    }

    @Test("A rejected future-period file never becomes the latest period")
    func futurePeriod() throws {
        let db = try TestFixtures.database()
        let pipeline = try PipelineFolder()
        try pipeline.drop(TestFixtures.inbox)
        _ = try pipeline.run(db)
        try pipeline.put("RY2_workforce_9999-01.csv", "org_code\n")
        let outcome = try pipeline.run(db)
        #expect(outcome.files.map(\.status) == [.rejected])
        #expect(outcome.missing.isEmpty)
        #expect(outcome.exitCode == 0)
    }

    @Test("An analysis left behind by a night that died is caught up by the next, even with an empty inbox")
    func analysisCatchesUp() throws {
        let db = try TestFixtures.database()
        // A night that loaded, then died before the analysis: the same state as one with no analyse stage.
        let loadOnly = try PipelineFolder(stages: "[validate, load]")
        try loadOnly.drop(TestFixtures.inbox)
        let died = try loadOnly.run(db)
        #expect(!died.analysed && died.files.allSatisfy { $0.status == .loaded })
        let c = try db.connect()
        #expect(try c.query("SELECT count(*) FROM analysis.access").scalar == "0")

        let nightly = try PipelineFolder()
        let next = try nightly.run(db)
        #expect(next.files.isEmpty)
        #expect(next.analysed && next.nationalReport != nil)
        #expect(try c.query("SELECT count(*) > 0 FROM analysis.access").scalar == "t")
        let seen = try c.query(
            "SELECT bool_and(analysed_at IS NOT NULL) FROM audit.submissions"
        ).scalar
        #expect(seen == "t")
        // And a night after that, with nothing new, does not refresh again.
        #expect(!(try nightly.run(db)).analysed)
    }

    @Test("A failed analysis ends the run failed, recorded and counted; the next night catches up")
    func failedAnalysis() throws {
        let db = try TestFixtures.database()
        let c = try db.connect()
        try c.query("ALTER FUNCTION analysis.refresh(date[]) RENAME TO refresh_elsewhere")
        let pipeline = try PipelineFolder()
        try pipeline.drop(TestFixtures.inbox)
        #expect(throws: DatabaseError.self) { try pipeline.run(db) }
        #expect(try c.query("SELECT status FROM audit.runs ORDER BY run_id DESC LIMIT 1").scalar == "failed")
        #expect(try pipeline.metric("rehabcount_last_run_exit_code", "") == 1)
        #expect(try pipeline.metric("rehabcount_run_failures_total", "") == 1)
        // The loads themselves stand, archived.
        #expect(pipeline.contents(pipeline.inbox).isEmpty)
        #expect(try c.query("SELECT count(*) FROM audit.submissions WHERE is_current").scalar == "9")

        try c.query("ALTER FUNCTION analysis.refresh_elsewhere(date[]) RENAME TO refresh")
        let next = try pipeline.run(db)
        #expect(next.files.isEmpty && next.analysed && next.exitCode == 0)
        #expect(try pipeline.metric("rehabcount_last_run_exit_code", "") == 0)
        #expect(try pipeline.metric("rehabcount_run_failures_total", "") == 1)
    }

    @Test("A load that commits after a night's refresh, with an older id than the night's loads, is analysed next")
    func lateCommit() throws {
        let db = try TestFixtures.database()
        let c = try db.connect()
        let pipeline = try PipelineFolder()
        try pipeline.drop(TestFixtures.inbox)
        #expect(try pipeline.run(db).analysed)

        // A load of August begins: its submission id is taken now; it commits only after the next night.
        let slow = try db.connect()
        try slow.query("BEGIN")
        let late = try #require(
            try slow.query(
                """
                INSERT INTO audit.submissions (run_id, org_code, kind, period, file_name, sha256, contract_version,
                    ruleset_version, rows_read, rows_loaded, rows_quarantined, status)
                SELECT run_id, 'R1D', 'workforce', '2025-08-01', 'R1D_workforce_2025-08.csv', repeat('a', 64),
                       contract_version, ruleset_version, 0, 0, 0, 'accepted'
                FROM audit.submissions ORDER BY submission_id LIMIT 1
                RETURNING submission_id
                """
            ).scalar
        )
        // Meanwhile a night loads a later file, with a later id, and refreshes.
        // (RY2's referrals again, less their last row.)
        var rows = try sampleReferrals.split(separator: "\n", omittingEmptySubsequences: false)
        while rows.last?.isEmpty == true { rows.removeLast() }
        rows.removeLast()
        try pipeline.put("RY2_referrals_2025-09.csv", rows.joined(separator: "\n") + "\n")
        let second = try pipeline.run(db)
        #expect(second.analysed && second.files.first?.status == .superseded)
        try slow.query("COMMIT")
        #expect(
            try c.query("SELECT max(submission_id) > \(late) FROM audit.submissions WHERE analysed_at IS NOT NULL")
                .scalar == "t"
        )

        // The late submission is not in the analysis yet, whatever the ids say: the next night refreshes August.
        let backlog = try AuditStore.analysisBacklog(connection: c)
        #expect(backlog.unanalysed == 1 && backlog.isBehind)
        let third = try pipeline.run(db)
        #expect(third.files.isEmpty && third.analysed)
        #expect(
            try c.query("SELECT analysed_at IS NOT NULL FROM audit.submissions WHERE submission_id = \(late)").scalar
                == "t"
        )
        #expect(
            try c.query(
                "SELECT count(*) > 0 FROM analysis.completeness_trust WHERE org_code = 'R1D' AND period = '2025-08-01'"
            ).scalar == "t"
        )
        #expect(!(try AuditStore.analysisBacklog(connection: c).isBehind))
    }

    @Test("A run left running by a dead process is marked failed by the next; every run ends recorded")
    func abandonedRun() throws {
        let db = try TestFixtures.database()
        let c = try db.connect()
        let dead = try #require(
            try c.query(
                "INSERT INTO audit.runs (command, backend_pid) VALUES ('run test-night', 2147483000) RETURNING run_id"
            ).scalar
        )
        let pipeline = try PipelineFolder()
        _ = try pipeline.run(db)
        #expect(try c.query("SELECT status FROM audit.runs WHERE run_id = $1", [dead]).scalar == "failed")
        #expect(try c.query("SELECT count(*) FROM audit.runs WHERE status = 'running'").scalar == "0")
    }

    @Test("A run under another pseudonymisation key is refused with exit 2, and loads nothing")
    func anotherKey() throws {
        let db = try TestFixtures.database()
        let pipeline = try PipelineFolder()
        try pipeline.drop(TestFixtures.inbox.filter { $0.contains("RDR_") })
        _ = try pipeline.run(db)
        let c = try db.connect()
        let before = try c.query("SELECT count(*) FROM audit.submissions").scalar

        let other = try TestFixtures.folder() + "/other.key"
        try String(repeating: "z", count: 48).write(toFile: other, atomically: true, encoding: .utf8)
        try pipeline.drop(TestFixtures.inbox.filter { $0.contains("RY2_") })
        let error = try #require(throws: RehabError.self) { try pipeline.run(db, keyFile: other) }
        #expect(error.code == .pseudonymKey)
        #expect(try c.query("SELECT count(*) FROM audit.submissions").scalar == before)
        #expect(pipeline.contents(pipeline.inbox).count == 3)
        #expect(try pipeline.metric("rehabcount_last_run_exit_code", "") == 2)
        let cli = try CLI.start(["run", pipeline.file, "--database", try db.url(), "--pseudonym-key-file", other])
        cli.waitUntilExit()
        #expect(cli.terminationStatus == 2)
        // The fingerprint identifies the key without being it or any pseudonym of it.
        let fingerprint = try #require(try c.query("SELECT fingerprint FROM audit.pseudonym_key").scalar)
        #expect(fingerprint.count == 32 && !fingerprint.contains("kkkk"))
    }

    @Test("With the database unreachable the run exits 1 and its metrics say so")
    func databaseDown() throws {
        let pipeline = try PipelineFolder()
        try pipeline.drop(TestFixtures.inbox)
        let unreachable = "postgresql://rehabcount:s3cr%20t@127.0.0.1:1/rehabcount?connect_timeout=2"
        let error = try #require(throws: DatabaseError.self) { try pipeline.run(database: unreachable) }
        #expect("\(error)".contains("could not be reached"))
        #expect(!"\(error)".contains("s3cr"))
        #expect(try pipeline.metric("rehabcount_last_run_exit_code", "") == 1)
        #expect(try pipeline.metric("rehabcount_run_failures_total", "") == 1)
        _ = try? pipeline.run(database: unreachable)
        #expect(try pipeline.metric("rehabcount_run_failures_total", "") == 2)
        #expect(pipeline.contents(pipeline.inbox).count == 9)
    }

    @Test("Off a terminal, standard error is JSON lines only, with numbers as numbers")
    func jsonLogs() throws {
        let db = try TestFixtures.database()
        let pipeline = try PipelineFolder()
        try pipeline.drop(TestFixtures.inbox)
        let (status, stdout, stderr) = try CLI.capture([
            "run", pipeline.file, "--database", try db.url(), "--pseudonym-key-file", TestFixtures.keyFile,
        ])
        #expect(status == 0)
        let lines = stderr.split(separator: "\n")
        #expect(lines.count > 10)
        var rowsRead: [Any] = []
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not JSON: \(line.prefix(80))")
            if let value = object?["rows_read"] { rowsRead.append(value) }
        }
        #expect(!rowsRead.isEmpty && rowsRead.allSatisfy { $0 is NSNumber })
        // The summary goes to standard output.
        #expect(stdout.contains("R1D_referrals_2025-09.csv"))
    }

    @Test("Spill files of quarantined rows left by a killed load are removed by the next run")
    func abandonedSpills() throws {
        let db = try TestFixtures.database()
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let spill = NSTemporaryDirectory() + "rehabcount-quarantine-\(finished.processIdentifier)-1-test.copy"
        let part = NSTemporaryDirectory() + ".rehabcount-quarantine-\(finished.processIdentifier)-2-test.copy.x.part"
        for path in [spill, part] { try "row data".write(toFile: path, atomically: false, encoding: .utf8) }
        let pipeline = try PipelineFolder()
        _ = try pipeline.run(db)
        #expect(!FileManager.default.fileExists(atPath: spill))
        #expect(!FileManager.default.fileExists(atPath: part))
    }

    @Test("No planted NHS number reaches the database, the reports or the logs in the clear")
    func plantedNumbersScan() throws {
        let db = try TestFixtures.database()
        let pipeline = try PipelineFolder()
        // Valid NHS numbers in every place one might be typed, each a different number.
        let planted = ["4010232137", "9434765919", "9434765870", "6762452663", "9071556859", "4505577104"]
        let rows =
            (10..<30).map { referral("RY2-R\($0)", patient: "P\($0)") } + [
                referral("RY2-R1", nhs: planted[0]),
                referral("RY2-R2", patient: planted[1]),
                referral("RY2-R3", patient: "943 476 5870"),
                referral(planted[3], patient: "P4"),
                referral("RY2-R5", patient: "P5", lsoa: "907-155-6859"),
                referral("RY2-R6", nhs: "4505577104x"),
            ]
        try pipeline.put("RY2_referrals_2025-09.csv", ([referralsHeader] + rows).joined(separator: "\n") + "\n")
        // A headerless file whose first row is a patient's.
        try pipeline.put("RDR_referrals_2025-09.csv", referral("RDR-R1", nhs: planted[0]) + "\n")
        let (status, stdout, stderr) = try CLI.capture([
            "run", pipeline.file, "--database", try db.url(), "--pseudonym-key-file", TestFixtures.keyFile,
        ])
        #expect(status == 0)
        let c = try db.connect()
        // Each number typed outside nhs_number quarantined its row, whatever its form.
        #expect(
            try c.query(
                """
                SELECT r.failures FROM audit.rule_results r JOIN audit.submissions s USING (submission_id)
                WHERE s.file_name = 'RY2_referrals_2025-09.csv' AND r.rule_id = 'ROW-NHS-ELSEWHERE-01'
                """
            ).scalar == "4"
        )

        var haystacks = ["stdout": stdout, "stderr": stderr, "pg_dump": try pgDump(try db.url())]
        for folder in [pipeline.outbox, "\(pipeline.root)/reports"] {
            for path in FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? [] {
                if let text = try? String(contentsOfFile: "\(folder)/\(path)", encoding: .utf8) {
                    haystacks[path] = text
                }
            }
        }
        #expect(haystacks["pg_dump"]?.contains("COPY audit.quarantine") == true)
        for (place, text) in haystacks {
            for number in planted {
                let spaced = number.prefix(3) + " " + number.dropFirst(3).prefix(3) + " " + number.suffix(4)
                let dashed = number.prefix(3) + "-" + number.dropFirst(3).prefix(3) + "-" + number.suffix(4)
                #expect(
                    !text.contains(number) && !text.contains(spaced) && !text.contains(dashed),
                    "\(number) in \(place)"
                )
            }
        }
    }

    /// The whole database as SQL.
    private func pgDump(_ url: String) throws -> String {
        let candidates =
            (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted()
            .reversed().map { "/usr/lib/postgresql/\($0)/bin/pg_dump" } ?? []
        let binary = try #require(
            (candidates + ["/usr/bin/pg_dump"]).first { FileManager.default.isExecutableFile(atPath: $0) }
        )
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--data-only", url]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }
}

extension CLI {
    /// Runs the binary to the end off a terminal and returns its exit status, standard output and standard error.
    static func capture(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String, String) {
        let process = try start(arguments) { process in
            process.standardOutput = Pipe()
            process.standardError = Pipe()
            if !environment.isEmpty {
                process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            }
        }
        let errors = Background { (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile() }
        let output = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: output, as: UTF8.self),
            String(decoding: try errors.value(), as: UTF8.self)
        )
    }
}

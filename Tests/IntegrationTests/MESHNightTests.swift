import Foundation
import RehabCore
import RehabDatabase
import RehabPipeline
import RehabTestSupport
import Testing

/// The night's collect stage against NHS England's MESH sandbox (`scripts/with-mesh.sh`) and a throwaway
/// database; the trusts' side is NHS England's mesh-client.
@Suite("The night collects from MESH", .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"))
struct MESHNightTests {
    let server: String
    let sharedKey: String

    init() throws {
        (server, sharedKey) = try MESHTrust.sandbox()
    }

    func run(_ pipeline: PipelineFolder, _ db: borrowing TestDatabase) throws -> RunJob.Outcome {
        var options = RunJob.Options(
            pipeline: pipeline.file,
            database: try db.url(),
            pseudonymKeyFile: TestFixtures.keyFile,
            layout: TestFixtures.layout
        )
        options.environment = ["REHABCOUNT_MESH_PASSWORD": "password", "REHABCOUNT_MESH_SHARED_KEY": sharedKey]
        return try RunJob.run(options, logger: TestFixtures.logger)
    }

    @Test("A trust's extract by MESH is collected, loaded once and acknowledged; refusals are answered with the reason")
    func collect() throws {
        let tag = UUID().uuidString.prefix(8)
        let (extracts, feedback, other) = ("EXTRACT_\(tag)", "FEEDBACK_\(tag)", "OTHER_\(tag)")
        let pipeline = try PipelineFolder(
            mesh: server,
            tag: tag,
            extra: ["chunk_size: 64KiB", "max_message_size: 100KiB"],
            stages: "[collect, validate, load, deliver]"
        )
        let sample = "\(TestFixtures.root)/sample-data/inbox"
        // RY2's referrals, chunked and compressed; a file naming another trust; a mailbox that is not a sender; a
        // file over max_message_size; and a message under another workflow, which the night leaves alone.
        let sent = try MESHTrust.run([
            "send", "X26ABC1", "X26ABC2", extracts, "\(sample)/RY2_referrals_2025-09.csv", "--chunk-size", "100000",
            "--compress",
        ])
        let wrongTrust = try MESHTrust.run([
            "send", "X26ABC1", "X26ABC2", extracts, "\(sample)/RDR_referrals_2025-09.csv",
        ])
        let stranger = try MESHTrust.run([
            "send", "X26ABC3", "X26ABC2", extracts, "\(sample)/RY2_workforce_2025-09.csv",
        ])
        let tooLarge = try MESHTrust.run([
            "send", "X26ABC1", "X26ABC2", extracts, "\(sample)/RY2_contacts_2025-09.csv", "--compress",
        ])
        try MESHTrust.run(["send", "X26ABC1", "X26ABC2", other, "\(sample)/RY2_workforce_2025-09.csv"])

        let db = try TestFixtures.database()
        let first = try run(pipeline, db)
        let collected = try #require(first.collected)
        #expect(collected.failure == nil)
        #expect(collected.collected == ["RY2_referrals_2025-09.csv"])
        #expect(Set(collected.refused.map(\.message)) == Set(wrongTrust + stranger + tooLarge))
        #expect(first.exitCode == 0)
        #expect(first.files.map(\.file) == ["RY2_referrals_2025-09.csv"])
        #expect(first.files.first?.status == .loaded)

        let c = try db.connect()
        let audit = try c.query(
            """
            SELECT message_id, outcome, coalesce(reason, ''), answered_at IS NOT NULL, acknowledged_at IS NOT NULL
            FROM audit.mesh_messages ORDER BY outcome, message_id
            """
        ).rows
        #expect(audit.count == 4)
        #expect(audit.allSatisfy { $0[4] == "t" })
        let ok = try #require(audit.first { $0[1] == "collected" })
        #expect(ok[0] == sent.first && ok[3] == "f")
        let refusedWrongTrust = try #require(audit.first { $0[0] == wrongTrust.first })
        #expect(refusedWrongTrust[1] == "refused" && refusedWrongTrust[3] == "t")
        #expect((refusedWrongTrust[2] ?? "").contains("names trust RDR, but mailbox X26ABC1 sends for RY2"))
        let refusedTooLarge = try #require(audit.first { $0[0] == tooLarge.first })
        #expect(refusedTooLarge[1] == "refused" && refusedTooLarge[3] == "t")
        #expect((refusedTooLarge[2] ?? "").contains("102400 bytes"))
        let refusedStranger = try #require(audit.first { $0[0] == stranger.first })
        #expect((refusedStranger[2] ?? "").contains("X26ABC3 is not one RehabCount takes extracts from"))

        // Each sender gets its refusal under the feedback workflow, and RY2 its file's reports.
        #expect(first.delivered?.sent == ["RY2_referrals_2025-09.csv.feedback.zip"])
        let answers = try TestFixtures.folder()
        let names = try MESHTrust.run(["receive", "X26ABC1", answers, "--workflow", feedback])
        #expect(
            Set(names) == [
                "RDR_referrals_2025-09.csv.refused.txt", "RY2_contacts_2025-09.csv.refused.txt",
                "RY2_referrals_2025-09.csv.feedback.zip",
            ]
        )
        let text = try String(contentsOfFile: "\(answers)/RDR_referrals_2025-09.csv.refused.txt", encoding: .utf8)
        #expect(text.contains("names trust RDR"))
        let unzipped = try Self.unzip("\(answers)/RY2_referrals_2025-09.csv.feedback.zip")
        #expect(
            Set(try FileManager.default.contentsOfDirectory(atPath: unzipped)) == [
                "RY2_referrals_2025-09.html", "RY2_referrals_2025-09.json", "RY2_referrals_2025-09.xlsx",
                "RY2_referrals_2025-09.findings.csv", "RY2_referrals_2025-09.quarantine.csv",
            ]
        )
        // The JSON inside says what audit.submissions holds.
        let report = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: "\(unzipped)/RY2_referrals_2025-09.json"))
            ) as? [String: Any]
        )
        let row = try #require(
            try c.query("SELECT sha256, status, rows_read, rows_quarantined FROM audit.submissions").rows.first
        )
        let submission = try #require(report["submission"] as? [String: Any])
        let rows = try #require(report["rows"] as? [String: Any])
        #expect(submission["sha256"] as? String == row[0])
        #expect(report["status"] as? String == row[1])
        #expect((rows["read"] as? Int).map(String.init) == row[2])
        #expect((rows["quarantined"] as? Int).map(String.init) == row[3])
        #expect(try MESHTrust.run(["receive", "X26ABC3", answers, "--workflow", feedback]).count == 1)

        // The next night finds nothing new under the workflow, and loads nothing twice.
        let second = try run(pipeline, db)
        #expect(second.collected?.collected.isEmpty == true && second.collected?.refused.isEmpty == true)
        #expect(second.files.isEmpty)
        #expect(second.delivered?.sent.isEmpty != false)
        #expect(try MESHTrust.run(["receive", "X26ABC1", answers, "--workflow", feedback]).isEmpty)
        #expect(try c.query("SELECT count(*) FROM audit.submissions").scalar == "1")
    }

    @Test(
        "Names that break the rule or hold a path, a wrong checksum and false gzip are refused and answered",
        arguments: [
            (["--name", "../RY2_referrals_2025-09.csv"], "is not named <ORG>_<kind>_<YYYY-MM>.csv or .xlsx"),
            (["--name", "RY2 referrals September.csv"], "is not named <ORG>_<kind>_<YYYY-MM>.csv or .xlsx"),
            (["--name", ".RY2_referrals_2025-09.csv"], "is not named <ORG>_<kind>_<YYYY-MM>.csv or .xlsx"),
            (["--checksum", "md5:" + String(repeating: "0", count: 32)], "does not match its checksum"),
            (["--false-gzip"], "gzip"),
        ]
    )
    func refusalClasses(_ options: [String], _ reason: String) throws {
        let tag = UUID().uuidString.prefix(8)
        let pipeline = try PipelineFolder(mesh: server, tag: tag, stages: "[collect, validate, load]")
        let sent = try MESHTrust.run(
            [
                "send", "X26ABC1", "X26ABC2", "EXTRACT_\(tag)",
                "\(TestFixtures.root)/sample-data/inbox/RY2_referrals_2025-09.csv",
            ] + options
        )
        let db = try TestFixtures.database()
        let night = try run(pipeline, db)
        let collected = try #require(night.collected)
        #expect(collected.collected.isEmpty)
        #expect(collected.refused.map(\.message) == sent)
        #expect(collected.refused.first?.reason.contains(reason) == true, "\(collected.refused)")
        #expect(night.files.isEmpty)
        #expect(pipeline.contents(pipeline.inbox).isEmpty)
        #expect(
            try db.connect().query(
                "SELECT outcome, answered_at IS NOT NULL, acknowledged_at IS NOT NULL FROM audit.mesh_messages"
            )
            .rows.map { $0.compactMap { $0 } } == [["refused", "t", "t"]]
        )
        let answers = try TestFixtures.folder()
        let names = try MESHTrust.run(["receive", "X26ABC1", answers, "--workflow", "FEEDBACK_\(tag)"])
        #expect(names.count == 1 && names.first?.hasSuffix(".refused.txt") == true)
    }

    @Test(
        "Twice: a message recorded before a stop is only acknowledged; the same file by MESH and by folder loads once"
    )
    func twice() throws {
        let tag = UUID().uuidString.prefix(8)
        let pipeline = try PipelineFolder(mesh: server, tag: tag, stages: "[collect, validate, load]")
        let sample = "\(TestFixtures.root)/sample-data/inbox"
        // A night that recorded this message, then stopped before acknowledging it.
        let recorded = try MESHTrust.run([
            "send", "X26ABC1", "X26ABC2", "EXTRACT_\(tag)", "\(sample)/RY2_contacts_2025-09.csv",
        ])
        // The same workforce file by MESH and by folder.
        let both = try MESHTrust.run([
            "send", "X26ABC1", "X26ABC2", "EXTRACT_\(tag)", "\(sample)/RY2_workforce_2025-09.csv",
        ])
        try pipeline.drop(["\(sample)/RY2_workforce_2025-09.csv"])
        let db = try TestFixtures.database()
        let c = try db.connect()
        try c.query(
            "INSERT INTO audit.mesh_messages (message_id, sender, file_name, outcome) VALUES ($1, 'X26ABC1', $2, 'collected')",
            [recorded[0], "RY2_contacts_2025-09.csv"]
        )

        let night = try run(pipeline, db)
        let collected = try #require(night.collected)
        #expect(collected.acknowledgedAgain == 1 && collected.duplicates == 1 && collected.collected.isEmpty)
        #expect(night.files.map(\.file) == ["RY2_workforce_2025-09.csv"])
        #expect(night.files.map(\.status) == [.loaded])
        let rows = try c.query(
            "SELECT message_id, outcome, acknowledged_at IS NOT NULL FROM audit.mesh_messages ORDER BY outcome"
        ).rows
        #expect(rows.map { $0[1] } == ["collected", "duplicate"])
        #expect(rows.first { $0[1] == "duplicate" }?[0] == both[0])
        #expect(rows.allSatisfy { $0[2] == "t" })
        // Both messages are gone from the mailbox: acknowledged, not left for the next night.
        let next = try run(pipeline, db)
        #expect(next.collected?.acknowledgedAgain == 0 && next.files.isEmpty)
    }

    @Test("A pipeline of collect alone fills the inbox between nights and takes nothing from it")
    func collectAlone() throws {
        let tag = UUID().uuidString.prefix(8)
        let hourly = try PipelineFolder(mesh: server, tag: tag, stages: "[collect]")
        try hourly.drop(["\(TestFixtures.root)/sample-data/inbox/RY2_workforce_2025-09.csv"])
        try MESHTrust.run([
            "send", "X26ABC1", "X26ABC2", "EXTRACT_\(tag)",
            "\(TestFixtures.root)/sample-data/inbox/RY2_referrals_2025-09.csv",
        ])
        let db = try TestFixtures.database()
        let (status, summary, _) = try CLI.capture(
            ["run", hourly.file, "--database", try db.url(), "--pseudonym-key-file", TestFixtures.keyFile],
            environment: ["REHABCOUNT_MESH_PASSWORD": "password", "REHABCOUNT_MESH_SHARED_KEY": sharedKey]
        )
        #expect(status == 0)
        #expect(summary.contains("MESH: 1 collected, 0 already waiting, 0 refused, 0 left in the mailbox"))
        #expect(!summary.contains("Expected but not received"))
        #expect(try hourly.metric("rehabcount_last_run_mesh_messages", "outcome=\"collected\"") == 1)
        #expect(hourly.contents(hourly.inbox) == ["RY2_referrals_2025-09.csv", "RY2_workforce_2025-09.csv"])
        #expect(try db.connect().query("SELECT count(*) FROM audit.submissions").scalar == "0")
        // Any other stage without validate is still refused.
        let loadAlone = try PipelineFolder(stages: "[load]")
        #expect(throws: (any Error).self) { try PipelineConfig.load(path: loadAlone.file) }
    }

    /// Unzips an archive into a new folder, with Python's zipfile, and returns the folder.
    static func unzip(_ archive: String) throws -> String {
        let folder = try TestFixtures.folder()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "zipfile", "-e", archive, folder]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 -m zipfile could not read \(archive)")
        return folder
    }

    @Test(
        "With MESH down the night still processes the local inbox and exits 1; its feedback is sent the next night, once"
    )
    func meshDown() throws {
        let tag = UUID().uuidString.prefix(8)
        func folder(_ url: String) throws -> PipelineFolder {
            try PipelineFolder(mesh: url, tag: tag, stages: "[collect, validate, load, deliver]")
        }
        let pipeline = try folder("http://127.0.0.1:9")
        try pipeline.drop(["\(TestFixtures.root)/sample-data/inbox/RY2_workforce_2025-09.csv"])
        let db = try TestFixtures.database()
        let outcome = try run(pipeline, db)
        #expect(outcome.collected?.failure?.contains("MESH could not be reached") == true)
        #expect(outcome.files.map(\.status) == [.loaded])
        #expect(outcome.exitCode == 1)
        let reason = try db.connect().query("SELECT failure_reason FROM audit.runs").scalar
        #expect(reason?.hasPrefix("MESH: MESH could not be reached") == true)
        #expect(outcome.delivered?.queued == 1)
        #expect(try pipeline.metric("rehabcount_mesh_failures_total", "") == 1)
        #expect(try pipeline.metric("rehabcount_mesh_feedback_queued", "") == 1)

        // The next night, with MESH back: the file that came by folder gets its reports, once.
        let next = try run(try folder(server), db)
        #expect(next.exitCode == 0)
        #expect(next.delivered?.sent == ["RY2_workforce_2025-09.csv.feedback.zip"])
        let answers = try TestFixtures.folder()
        let names = try MESHTrust.run(["receive", "X26ABC1", answers, "--workflow", "FEEDBACK_\(tag)"])
        #expect(names == ["RY2_workforce_2025-09.csv.feedback.zip"])
        let third = try run(try folder(server), db)
        #expect(third.delivered?.sent.isEmpty != false)
    }
}

extension PipelineFolder {
    /// A pipeline with a `mesh:` section for RehabCount's sandbox mailbox, X26ABC2, under the workflows
    /// EXTRACT_<tag> and FEEDBACK_<tag> (so that tests sharing the sandbox never see each other's messages).
    init(
        mesh url: String,
        tag: some StringProtocol,
        senders: String = "{X26ABC1: RY2}",
        extra: [String] = [],
        stages: String
    ) throws {
        let lines =
            [
                "mesh:", "  url: \(url)", "  mailbox: X26ABC2", "  extract_workflow: EXTRACT_\(tag)",
                "  feedback_workflow: FEEDBACK_\(tag)", "  senders: \(senders)",
            ] + extra.map { "  " + $0 }
        try self.init(expected: lines.joined(separator: "\n"), stages: stages)
    }
}

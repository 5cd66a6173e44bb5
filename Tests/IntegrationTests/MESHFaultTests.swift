import Foundation
import RehabCore
import RehabDatabase
import RehabIngest
import RehabPipeline
import RehabTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The night's MESH stages when things go wrong at a known moment: the night killed with SIGKILL between two steps
/// that must go together, MESH stopping mid-download, and MESH refusing one request among many. A gate
/// (Tests/Tools/mesh_gate.py) in front of NHS England's sandbox stops the chosen request; everything else reaches
/// the sandbox as it is.
@Suite(
    "The night's MESH stages under faults",
    .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh")
)
struct MESHFaultTests {
    let server: String
    let sharedKey: String
    let tag = String(UUID().uuidString.prefix(8))
    let sample = "\(TestFixtures.root)/sample-data/inbox"

    init() throws {
        (server, sharedKey) = try MESHTrust.sandbox()
    }

    var environment: [String: String] {
        ["REHABCOUNT_MESH_PASSWORD": "password", "REHABCOUNT_MESH_SHARED_KEY": sharedKey]
    }

    func pipeline(_ url: String, stages: String) throws -> PipelineFolder {
        try PipelineFolder(mesh: url, tag: tag, extra: ["chunk_size: 64KiB"], stages: stages)
    }

    /// The night in this process.
    func run(_ pipeline: PipelineFolder, _ db: borrowing TestDatabase) throws -> RunJob.Outcome {
        var options = RunJob.Options(
            pipeline: pipeline.file,
            database: try db.url(),
            pseudonymKeyFile: TestFixtures.keyFile,
            layout: TestFixtures.layout
        )
        options.environment = environment
        return try RunJob.run(options, logger: TestFixtures.logger)
    }

    /// The night as the real binary, to be killed.
    func start(_ pipeline: PipelineFolder, _ db: borrowing TestDatabase) throws -> Process {
        let url = try db.url()
        let environment = ProcessInfo.processInfo.environment.merging(self.environment) { $1 }
        return try CLI.start(["run", pipeline.file, "--database", url, "--pseudonym-key-file", TestFixtures.keyFile]) {
            $0.environment = environment
        }
    }

    /// Kills the night with SIGKILL, and waits until the server has dropped its session (and with it the lock).
    func killNight(_ night: Process, _ c: borrowing Connection) throws {
        kill(night.processIdentifier, SIGKILL)
        night.waitUntilExit()
        for _ in 0..<500
        where
            (try c.query(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rehabcount' AND pid <> pg_backend_pid()"
            ).scalar) != "0"
        {
            usleep(10_000)
        }
    }

    @Test("Killed between moving a message in and acknowledging it, the next night acknowledges it and loads it once")
    func killedBeforeAcknowledging() throws {
        let gate = try MESHGate(to: server, ["--hold-before", "PUT:/status/acknowledged$"])
        let folder = try pipeline(gate.url, stages: "[collect, validate, load]")
        let sent = try MESHTrust.run([
            "send", "X26ABC1", "X26ABC2", "EXTRACT_\(tag)", "\(sample)/RY2_workforce_2025-09.csv",
        ])
        let db = try TestFixtures.database()
        let c = try db.connect()
        let night = try start(folder, db)
        let held = gate.wait(for: "held")
        #expect(held?.hasPrefix("held PUT /messageexchange/X26ABC2/inbox/\(sent[0])/") == true)
        // At that moment the file is in the inbox and recorded, and MESH has not been told.
        #expect(folder.contents(folder.inbox) == ["RY2_workforce_2025-09.csv"])
        let recorded = try c.query(
            "SELECT outcome, acknowledged_at IS NULL FROM audit.mesh_messages WHERE message_id = $1",
            [sent[0]]
        ).rows
        #expect(recorded.map { $0.compactMap { $0 } } == [["collected", "t"]])
        try killNight(night, c)
        gate.stop()

        // The next night, through a gate that stops nothing on the same port (the same pipeline file).
        let open = try MESHGate(to: server, port: gate.port)
        let next = try run(folder, db)
        #expect(next.exitCode == 0)
        #expect(next.collected?.acknowledgedAgain == 1)
        #expect(next.collected?.collected.isEmpty == true)
        #expect(next.files.map(\.file) == ["RY2_workforce_2025-09.csv"])
        #expect(next.files.map(\.status) == [.loaded])
        #expect(try c.query("SELECT count(*) FROM audit.submissions").scalar == "1")
        #expect(
            try c.query("SELECT acknowledged_at IS NOT NULL FROM audit.mesh_messages WHERE message_id = $1", [sent[0]])
                .scalar == "t"
        )
        // Gone from the mailbox: the night after finds nothing.
        let third = try run(folder, db)
        #expect(third.collected?.acknowledgedAgain == 0 && third.files.isEmpty)
        open.stop()
    }

    @Test("Killed between sending feedback and recording it, the next night finds it sent and does not send it again")
    func killedBeforeRecordingASend() throws {
        let gate = try MESHGate(to: server, ["--hold-after", "POST:/outbox$"])
        let folder = try pipeline(gate.url, stages: "[validate, load, deliver]")
        try folder.drop(["\(sample)/RY2_workforce_2025-09.csv"])
        let db = try TestFixtures.database()
        let c = try db.connect()
        let night = try start(folder, db)
        let held = gate.wait(for: "held")
        // MESH took the message (202) and the night has not heard so.
        #expect(held == "held POST /messageexchange/X26ABC2/outbox 202")
        #expect(try c.query("SELECT count(*) FROM audit.mesh_deliveries WHERE sent_at IS NULL").scalar == "1")
        try killNight(night, c)
        gate.stop()

        let open = try MESHGate(to: server, port: gate.port)
        let next = try run(folder, db)
        #expect(next.exitCode == 0)
        #expect(next.files.isEmpty)
        #expect(next.delivered?.sent == ["RY2_workforce_2025-09.csv.feedback.zip"])
        let delivery = try c.query("SELECT message_id IS NOT NULL, sent_at IS NOT NULL FROM audit.mesh_deliveries")
            .rows
        #expect(delivery.map { $0.compactMap { $0 } } == [["t", "t"]])
        // The trust has it once.
        let answers = try TestFixtures.folder()
        let names = try MESHTrust.run(["receive", "X26ABC1", answers, "--workflow", "FEEDBACK_\(tag)"])
        #expect(names == ["RY2_workforce_2025-09.csv.feedback.zip"])
        let third = try run(folder, db)
        #expect(third.delivered?.sent.isEmpty != false)
        open.stop()
    }

    @Test("MESH stopping mid-download leaves nothing; the night goes on and exits 1; the next one collects it whole")
    func meshStoppedMidDownload() throws {
        // RY2's referrals in two chunks; MESH stops 1,000 bytes into the second.
        let sent = try MESHTrust.run([
            "send", "X26ABC1", "X26ABC2", "EXTRACT_\(tag)", "\(sample)/RY2_referrals_2025-09.csv", "--chunk-size",
            "60000",
        ])
        let gate = try MESHGate(to: server, ["--cut", "GET:/inbox/\(sent[0])/2$:1000"])
        let folder = try pipeline(gate.url, stages: "[collect, validate, load]")
        try folder.drop(["\(sample)/RY2_workforce_2025-09.csv"])
        let db = try TestFixtures.database()
        let night = try run(folder, db)
        #expect(gate.wait(for: "cut", seconds: 1) != nil)
        #expect(night.collected?.failure?.contains("MESH") == true)
        #expect(night.exitCode == 1)
        // The file that came by folder is processed all the same; nothing of the message is left or recorded.
        #expect(night.files.map(\.file) == ["RY2_workforce_2025-09.csv"])
        #expect(folder.contents(folder.inbox).isEmpty)
        let c = try db.connect()
        #expect(try c.query("SELECT count(*) FROM audit.mesh_messages").scalar == "0")
        gate.stop()

        let open = try MESHGate(to: server, port: gate.port)
        let next = try run(folder, db)
        #expect(next.exitCode == 0)
        #expect(next.collected?.collected == ["RY2_referrals_2025-09.csv"])
        #expect(next.files.map(\.status) == [.loaded])
        let expected = try FileDigest.sha256(path: "\(sample)/RY2_referrals_2025-09.csv").hex
        #expect(
            try c.query("SELECT sha256 FROM audit.submissions WHERE file_name = 'RY2_referrals_2025-09.csv'").scalar
                == expected
        )
        open.stop()
    }

    @Test("A message MESH will not hand over is skipped, its age reported; an unsendable refusal is still acknowledged")
    func refusedRequests() throws {
        let gone = try MESHTrust.run([
            "send", "X26ABC1", "X26ABC2", "EXTRACT_\(tag)", "\(sample)/RY2_workforce_2025-09.csv",
        ])
        let stranger = try MESHTrust.run([
            "send", "X26ABC3", "X26ABC2", "EXTRACT_\(tag)", "\(sample)/RY2_contacts_2025-09.csv",
        ])
        try MESHTrust.run(["send", "X26ABC1", "X26ABC2", "EXTRACT_\(tag)", "\(sample)/RY2_referrals_2025-09.csv"])
        // MESH answers 410 for the first message, and refuses every answer to a refused one (417, as for a
        // mailbox not registered for the workflow).
        let gate = try MESHGate(
            to: server,
            ["--answer", "GET:/inbox/\(gone[0])$:410", "--answer", "POST:/outbox$:417"]
        )
        let folder = try pipeline(gate.url, stages: "[collect, validate, load]")
        sleep(2)  // so that the message left behind is old enough to show an age
        let db = try TestFixtures.database()
        let night = try run(folder, db)
        let collected = try #require(night.collected)
        #expect(collected.failure == nil)
        #expect(collected.collected == ["RY2_referrals_2025-09.csv"])
        #expect(collected.skipped.map(\.message) == gone)
        #expect(collected.skipped.first?.reason.contains("410") == true)
        #expect(collected.refused.map(\.message) == stranger)
        #expect(collected.unanswered == 1)
        #expect(night.exitCode == 0)
        let age = try #require(collected.oldestUnacknowledged)
        #expect(age >= 1 && age < 600)
        #expect(try folder.metric("rehabcount_mesh_oldest_unacknowledged_seconds", "") == age.rounded())
        let c = try db.connect()
        let refusal = try c.query(
            "SELECT answered_at IS NULL, acknowledged_at IS NOT NULL FROM audit.mesh_messages WHERE message_id = $1",
            [stranger[0]]
        ).rows
        #expect(refusal.map { $0.compactMap { $0 } } == [["t", "t"]])
        #expect(try c.query("SELECT count(*) FROM audit.mesh_messages WHERE message_id = $1", [gone[0]]).scalar == "0")
        gate.stop()

        // With MESH answering again, the skipped message is collected and nothing is left waiting.
        let open = try MESHGate(to: server, port: gate.port)
        let next = try run(folder, db)
        #expect(next.collected?.collected == ["RY2_workforce_2025-09.csv"])
        #expect(next.collected?.oldestUnacknowledged == 0)
        #expect(try folder.metric("rehabcount_mesh_oldest_unacknowledged_seconds", "") == 0)
        open.stop()
    }

    @Test("Feedback MESH refuses is marked refused and not tried again; the rest is sent, and the night exits 1")
    func refusedDelivery() throws {
        // RDR's mailbox in senders is one MESH has never heard of.
        let folder = try PipelineFolder(
            mesh: server,
            tag: tag,
            senders: "{X26ZZZ9: RDR, X26ABC1: RY2}",
            stages: "[validate, load, deliver]"
        )
        try folder.drop(["\(sample)/RDR_workforce_2025-09.csv", "\(sample)/RY2_workforce_2025-09.csv"])
        let db = try TestFixtures.database()
        let night = try run(folder, db)
        let delivered = try #require(night.delivered)
        #expect(delivered.sent == ["RY2_workforce_2025-09.csv.feedback.zip"])
        #expect(delivered.refused.map(\.file) == ["RDR_workforce_2025-09.csv"])
        #expect(delivered.refused.first?.reason.contains("417") == true)
        #expect(delivered.queued == 0)
        #expect(night.exitCode == 1)
        let c = try db.connect()
        #expect(
            try c.query("SELECT failure_reason FROM audit.runs").scalar?.hasPrefix(
                "MESH refused the feedback for 1 file(s); RDR_workforce_2025-09.csv"
            ) == true
        )
        #expect(
            try c.query("SELECT count(*) FROM audit.mesh_deliveries WHERE refused_at IS NOT NULL AND sent_at IS NULL")
                .scalar == "1"
        )
        // Not tried again: the next night has nothing to send and nothing refused.
        let next = try run(folder, db)
        #expect(next.delivered?.sent.isEmpty != false && next.delivered?.refused.isEmpty != false)
        #expect(next.exitCode == 0)
    }
}

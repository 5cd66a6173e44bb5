import Foundation
import RehabCore
import RehabDatabase
import RehabPipeline
import RehabSample
import RehabTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs a shell command to the end and returns its exit status and standard output.
///
/// With system(3), not `Process`: on Linux a `Process` is not seen to end while a server it started (pg_ctl's
/// postmaster) holds a descriptor it inherited, and its output goes to a file for the same reason.
@discardableResult
private func shell(_ command: String) throws -> (status: Int32, output: String) {
    let file = NSTemporaryDirectory() + "rehabcount-shell-\(UUID().uuidString)"
    defer { unlink(file) }
    let status = system("(\(command)) > '\(file)' 2>/dev/null")
    let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (code, (try? String(contentsOfFile: file, encoding: .utf8)) ?? "")
}

/// Whether this process may mount a small tmpfs (root, outside a container that forbids it).
private let canMountTmpfs: Bool = {
    guard getuid() == 0, let folder = try? TestFixtures.folder() else { return false }
    defer { _ = try? shell("umount '\(folder)'; rmdir '\(folder)'") }
    return (try? shell("mount -t tmpfs -o size=64k tmpfs '\(folder)'").status) == 0
}()

/// After a run that a fault stopped part-way: every file is either archived and gone from the inbox, or still in
/// the inbox and not archived; nothing is left in `.incoming`.
private func consistent(_ pipeline: PipelineFolder, _ outcome: RunJob.Outcome?) {
    let inbox = Set(pipeline.contents(pipeline.inbox))
    let folders = pipeline.contents(pipeline.archive).filter { !$0.hasPrefix(".") }
    let archived = Set(folders.flatMap { pipeline.contents("\(pipeline.archive)/\($0)") })
    #expect(inbox.isDisjoint(with: archived), "in the inbox and the archive: \(inbox.intersection(archived))")
    #expect(inbox.union(archived).count == 9)
    #expect(pipeline.contents("\(pipeline.archive)/.incoming").isEmpty)
    for file in outcome?.files ?? [] {
        switch file.status {
        case .loaded: #expect(archived.contains(file.file) && !inbox.contains(file.file))
        case .failed: #expect(inbox.contains(file.file) && !archived.contains(file.file))
        default: break
        }
    }
}

/// After the night that recovers: everything loaded once, the analysis up to date, no run left running.
private func recovered(_ pipeline: PipelineFolder, _ outcome: RunJob.Outcome, _ c: borrowing Connection) throws {
    #expect(outcome.exitCode == 0)
    #expect(pipeline.contents(pipeline.inbox).isEmpty)
    #expect(try c.query("SELECT count(*) FROM audit.submissions WHERE is_current").scalar == "9")
    #expect(
        try c.query(
            "SELECT bool_and(analysed_at IS NOT NULL) FROM audit.submissions"
        ).scalar == "t"
    )
    #expect(try c.query("SELECT count(*) FROM audit.runs WHERE status = 'running'").scalar == "0")
    #expect(try pipeline.metric("rehabcount_last_run_exit_code", "") == 0)
}

@Suite("Nightly pipeline under faults", .enabled(if: TestDatabase.available, "needs DATABASE_URL"), .serialized)
struct FaultTests {
    @Test(
        "A full archive disk fails the files it could not take, consistently; the next night recovers",
        .enabled(if: canMountTmpfs, "needs root and a tmpfs mount: skipped")
    )
    func fullArchiveDisk() throws {
        let db = try TestFixtures.database()
        let pipeline = try PipelineFolder()
        try FileManager.default.createDirectory(atPath: pipeline.archive, withIntermediateDirectories: true)
        // Room for a file or two of the sample month (676 kB in all).
        try #require(try shell("mount -t tmpfs -o size=160k tmpfs '\(pipeline.archive)'").status == 0)
        defer { _ = try? shell("umount -l '\(pipeline.archive)'") }
        try pipeline.drop(TestFixtures.inbox)

        let full = try pipeline.run(db)
        #expect(full.exitCode == 1)
        #expect(full.files.contains { $0.status == .failed })
        consistent(pipeline, full)
        #expect(try pipeline.metric("rehabcount_last_run_exit_code", "") == 1)

        try #require(try shell("mount -o remount,size=16m '\(pipeline.archive)'").status == 0)
        let next = try pipeline.run(db)
        let c = try db.connect()
        try recovered(pipeline, next, c)
        consistent(pipeline, next)
    }

    @Test("The database stopped mid-COPY fails the run consistently; the next night recovers and catches up")
    func databaseStoppedMidCopy() throws {
        // A cluster of this test's own, so that stopping it disturbs no other test.
        let dir = try TestFixtures.folder()
        chmod(dir, 0o755)
        let script = "\(TestFixtures.root)/scripts/pg-local.sh"
        let started = try shell("'\(script)' start --dir '\(dir)/pg'")
        try #require(started.status == 0)
        defer { _ = try? shell("'\(script)' destroy --dir '\(dir)/pg'") }
        let url = try #require(started.output.split(separator: "'").dropFirst().first.map(String.init))
        _ = try DatabaseJob.migrate(layout: TestFixtures.layout, database: url, logger: TestFixtures.logger)
        _ = try LoadJob.loadReference(
            layout: TestFixtures.layout,
            referenceDirectory: nil,
            database: url,
            logger: TestFixtures.logger
        )

        // A month big enough that its loads take seconds.
        var options = SampleOptions(
            period: Period("2025-09")!,
            trusts: 3,
            seed: 3,
            referenceDirectory: TestFixtures.layout.referenceDirectory
        )
        options.referralsPerTrust = 60_000
        let month = try TestFixtures.folder()
        _ = try SampleGenerator.write(options, to: month)
        let pipeline = try PipelineFolder()
        try pipeline.drop(
            try FileManager.default.contentsOfDirectory(atPath: month).sorted().map { "\(month)/\($0)" }
        )

        // Stop the server the moment a COPY is under way.
        let stopper = Background { () -> Bool in
            let watcher = try Connection(url)
            for _ in 0..<600 {
                let copying = try watcher.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY staging.%' AND state = 'active'"
                ).scalar
                if copying != "0" {
                    return try shell("'\(script)' stop --immediate --dir '\(dir)/pg'").status == 0
                }
                usleep(20_000)
            }
            return false
        }
        let crashed = try? pipeline.run(database: url)
        #expect(try stopper.value())
        #expect(crashed == nil || crashed!.exitCode == 1)
        #expect(try pipeline.metric("rehabcount_last_run_exit_code", "") == 1)
        consistent(pipeline, crashed)

        try #require(try shell("'\(script)' start --dir '\(dir)/pg'").status == 0)
        let next = try pipeline.run(database: url)
        let c = try Connection(url)
        try recovered(pipeline, next, c)
        consistent(pipeline, next)
        // The crashed run was marked failed, with a reason.
        #expect(try c.query("SELECT count(*) FROM audit.runs WHERE status = 'failed'").scalar != "0")
        #expect(
            try c.query("SELECT count(*) FROM audit.runs WHERE status = 'failed' AND failure_reason IS NULL").scalar
                == "0"
        )
    }
}

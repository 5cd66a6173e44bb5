import Foundation
import RehabCore
import RehabDatabase
import RehabLoad
import RehabPipeline
import RehabSample
import RehabTestSupport
import Synchronization
import Testing

/// A pipeline in a folder of its own: inbox, archive, outbox, reports and metrics, with absolute paths.
struct PipelineFolder {
    let root: String
    let file: String
    var inbox: String { "\(root)/inbox" }
    var archive: String { "\(root)/archive" }
    var outbox: String { "\(root)/outbox" }
    var metrics: String { "\(root)/metrics/rehabcount.prom" }

    init(expected: String = "", stages: String = "[validate, load, analyse, report]") throws {
        root = try TestFixtures.folder()
        file = "\(root)/nightly.yaml"
        try """
        name: test-night
        inbox: \(root)/inbox
        archive: \(root)/archive
        outbox: \(root)/outbox
        reports: \(root)/reports
        metrics: \(root)/metrics/rehabcount.prom
        stages: \(stages)
        thresholds: {quarantine_share: 0.05, trend_periods: 6, sii_repetitions: 1000}
        expected:
          - {org: R1D, from: 2025-09}
          - {org: RDR, from: 2025-09}
          - {org: RY2, from: 2025-09}
        \(expected)
        """.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
    }

    /// Copies files into the inbox.
    func drop(_ paths: [String]) throws {
        for path in paths {
            try FileManager.default.copyItem(atPath: path, toPath: "\(inbox)/\((path as NSString).lastPathComponent)")
        }
    }

    func run(
        _ db: borrowing TestDatabase,
        dryRun: Bool = false,
        keyFile: String = TestFixtures.keyFile
    ) throws
        -> RunJob.Outcome
    {
        try run(database: try db.url(), dryRun: dryRun, keyFile: keyFile)
    }

    func run(database: String, dryRun: Bool = false, keyFile: String = TestFixtures.keyFile) throws -> RunJob.Outcome {
        try RunJob.run(
            .init(
                pipeline: file,
                dryRun: dryRun,
                database: database,
                pseudonymKeyFile: keyFile,
                layout: TestFixtures.layout
            ),
            logger: TestFixtures.logger
        )
    }

    /// Writes a file into the inbox.
    func put(_ name: String, _ text: String) throws {
        try text.write(toFile: "\(inbox)/\(name)", atomically: true, encoding: .utf8)
    }

    /// The value of a metric line, e.g. `rehabcount_last_run_submissions{pipeline="test-night",status="loaded"}`.
    func metric(_ name: String, _ labels: String) throws -> Double? {
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        let prefix = "\(name){pipeline=\"test-night\"\(labels.isEmpty ? "" : "," + labels)} "
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) }
    }

    func contents(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }
}

@Suite("Nightly pipeline", .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"))
struct RunTests {
    @Test("workers: 4 takes four trusts at once, on any machine")
    func fourWorkers() throws {
        let db = try TestFixtures.database()
        let pipeline = try PipelineFolder(stages: "[validate, load]")
        try String(contentsOfFile: pipeline.file, encoding: .utf8)
            .replacingOccurrences(of: "stages:", with: "workers: 4\nstages:")
            .write(toFile: pipeline.file, atomically: true, encoding: .utf8)
        // Four trusts' referrals, each large enough to be in hand while the others start.
        var options = SampleOptions(
            period: Period("2025-09")!,
            trusts: 4,
            seed: 11,
            referenceDirectory: TestFixtures.layout.referenceDirectory
        )
        options.referralsPerTrust = 20_000
        let folder = try TestFixtures.folder()
        _ = try SampleGenerator.write(options, to: folder)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains("referrals") }
        #expect(Set(files.map { $0.prefix(3) }).count == 4)
        try pipeline.drop(files.map { "\(folder)/\($0)" })
        // The most files in hand at once, as the progress display sees them.
        let most = Mutex(0)
        let outcome = try RunJob.run(
            .init(
                pipeline: pipeline.file,
                database: try db.url(),
                pseudonymKeyFile: TestFixtures.keyFile,
                layout: TestFixtures.layout
            ),
            logger: TestFixtures.logger,
            progress: { progress in most.withLock { $0 = max($0, progress.current.count) } }
        )
        #expect(outcome.files.count == 4 && outcome.files.allSatisfy { $0.status == .loaded })
        #expect(
            most.withLock { $0 } == 4,
            "at most \(most.withLock { $0 }) at once, on \(ProcessInfo.processInfo.activeProcessorCount) cores"
        )
    }

    @Test("Each night refreshes and reports every month it touched, to the figures a full refresh gives, dated")
    func reportsOfTouchedMonths() throws {
        let db = try TestFixtures.database()
        // One of the three expected trusts sends: a third of the extracts, enough for the charts here.
        let pipeline = try PipelineFolder(expected: "analysis: {coverage_threshold: 0.3}")
        let reports = "\(pipeline.root)/reports"
        func month(_ period: String, seed: UInt64, rows: Int) throws -> [String] {
            var options = SampleOptions(
                period: Period(period)!,
                trusts: 1,
                seed: seed,
                referenceDirectory: TestFixtures.layout.referenceDirectory
            )
            options.referralsPerTrust = rows
            options.defectRate = 0
            let folder = try TestFixtures.folder()
            _ = try SampleGenerator.write(options, to: folder)
            return try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains("referrals") }
                .map { "\(folder)/\($0)" }
        }
        // Night 1: September. Night 2: August arrives late; September's report is the latest, and August gets one.
        try pipeline.drop(try month("2025-09", seed: 1, rows: 1200))
        let first = try pipeline.run(db)
        #expect(
            first.nationalReports.map { ($0 as NSString).lastPathComponent } == ["national-gap-report-2025-09.html"]
        )
        // After the analysis, the trust that sent files has its items beside its ICB's and England's.
        let quality = try String(contentsOfFile: "\(pipeline.outbox)/R1D/R1D_2025-09.quality.html", encoding: .utf8)
        #expect(quality.contains("Shropshire Community Health NHS Trust (R1D): data quality against England"))
        #expect(quality.contains("<th scope=\"row\">referral_received_date</th>"))
        #expect(quality.contains("Your ICB: 1 trust(s) including yours; England: 1 trust(s)."))
        try pipeline.drop(try month("2025-08", seed: 2, rows: 1200))
        let second = try pipeline.run(db)
        #expect(
            second.nationalReports.map { ($0 as NSString).lastPathComponent }
                == ["national-gap-report-2025-09.html", "national-gap-report-2025-08.html"]
        )
        let august = try String(contentsOfFile: "\(reports)/national-gap-report-2025-08.html", encoding: .utf8)
        #expect(august.contains("Data as at ") && august.contains(" 2026 at ") && august.contains("Generated "))
        // August's charts as they stood in August: one month, so no limits yet, though September's would give them;
        // September's report charts both months.
        func spcRows(_ month: String) throws -> [[String: String]] {
            let lines = try String(
                contentsOfFile: "\(reports)/national-gap-report-\(month)-csv/spc.csv",
                encoding: .utf8
            ).split(separator: "\r\n").map { FunnelTests.fields(String($0)) }
            return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
        }
        let augustSPC = try spcRows("2025-08")
        #expect(!augustSPC.isEmpty && augustSPC.allSatisfy { $0["points"] == "1" && $0["lpl"] == "" })
        // The trust's score over its two months, read on its ICB page.
        // The page of the ICB hosting the trust (other ICBs' residents were referred to it too, and have pages).
        let icbFolder = "\(reports)/national-gap-report-2025-09-icb"
        let trustRow = try #require(
            try FileManager.default.contentsOfDirectory(atPath: icbFolder).sorted().lazy
                .map { try? String(contentsOfFile: "\(icbFolder)/\($0)", encoding: .utf8) }
                .first { $0?.contains("(R1D)</th>") == true } ?? nil
        )
        let scoreCells =
            trustRow.components(separatedBy: "<th>Score month by month</th>").dropFirst().first?
            .components(separatedBy: "</table>").first ?? ""
        #expect(scoreCells.contains("variation</td>") || scoreCells.contains("special cause"), "\(scoreCells)")
        let septemberSPC = try spcRows("2025-09")
        #expect(
            septemberSPC.contains { $0["icb_ods"] == "E92000001" && $0["points"] == "2" && $0["lpl"] != "" }
        )
        // Night 3: August is sent again, changed: its report is written again, with the new load's time. The night
        // refreshes August alone: September's rows are not written again (their row versions stay).
        let c = try db.connect()
        func versions(_ period: String) throws -> String? {
            try c.query(
                "SELECT string_agg(xmin::text, ',' ORDER BY icb_ods, imd_quintile, service_line) FROM analysis.access "
                    + "WHERE period = '\(period)'"
            ).scalar
        }
        let september = try versions("2025-09-01")
        let augustBefore = try versions("2025-08-01")
        try pipeline.drop(try month("2025-08", seed: 3, rows: 1000))
        let third = try pipeline.run(db)
        #expect(try versions("2025-09-01") == september)
        #expect(try versions("2025-08-01") != augustBefore)
        #expect(third.files.first?.status == .superseded)
        #expect(third.nationalReports.contains { $0.hasSuffix("national-gap-report-2025-08.html") })
        let rewritten = try String(contentsOfFile: "\(reports)/national-gap-report-2025-08.html", encoding: .utf8)
        #expect(rewritten != august)  // August's figures changed (1,000 referrals instead of 1,200)

        // What the night's partial refresh left is what a refresh of every month gives, to the last digit.
        let partial = try AnalysisSnapshot.take(c)
        _ = try AnalyseJob.run(database: try db.url(), repetitions: 1000, seed: 20_191_001, logger: TestFixtures.logger)
        let whole = try AnalysisSnapshot.take(c)
        #expect(partial.count == 23 && whole.count == 23)
        for (table, digest) in whole { #expect(partial[table] == digest, "\(table)") }
        #expect(try c.query("SELECT count(*) FROM analysis.inequality WHERE sii_lower IS NOT NULL").scalar != "0")
        // Two refreshes at once both succeed, the second after the first (not a serialization failure).
        let url = try db.url()
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            do {
                _ = try AnalyseJob.run(database: url, repetitions: 1000, seed: 20_191_001, logger: TestFixtures.logger)
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        #expect(try AnalysisSnapshot.take(c) == whole)

        // A full `analyse` brings the analysis up to date; new definitions (sql/analysis) call for every period.
        let current = try AuditStore.analysisBacklog(connection: c)
        #expect(current.unanalysed == 0 && !current.wholeRefreshDue && !current.isBehind)
        try c.query("UPDATE public.rehabcount_definitions SET applied_at = now() + interval '1 minute'")
        let upgraded = try AuditStore.analysisBacklog(connection: c)
        #expect(upgraded.wholeRefreshDue && upgraded.isBehind)
        // So the next night refreshes every month, with nothing new in the inbox, and writes the reports again.
        let fourth = try pipeline.run(db)
        #expect(
            fourth.files.isEmpty && fourth.analysed
                && fourth.nationalReports.map { ($0 as NSString).lastPathComponent }
                    == ["national-gap-report-2025-09.html", "national-gap-report-2025-08.html"]
        )
        try c.query("UPDATE public.rehabcount_definitions SET applied_at = now() - interval '1 minute'")
        #expect(!(try AuditStore.analysisBacklog(connection: c).isBehind))
        let loadedAt = try #require(
            try c.query(
                """
                SELECT to_char(max(received_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                FROM audit.submissions WHERE period = '2025-08-01' AND is_current
                """
            ).scalar
        )
        // The time of the resubmission's load (to the second: two nights of a test can share one).
        // Written as a board paper writes a date: "4 December 2026 at 17:20 UTC".
        let parser = ISO8601DateFormatter()
        let words = DateFormatter()
        words.locale = Locale(identifier: "en_GB")
        words.timeZone = TimeZone(identifier: "UTC")
        words.dateFormat = "d MMMM yyyy 'at' HH:mm 'UTC'"
        let loadedWords = try #require(parser.date(from: loadedAt).map(words.string(from:)))
        #expect(rewritten.contains("Data as at \(loadedWords)"))

        // A month with no figures is refused, with the months that have them.
        let error = try #require(throws: RehabError.self) {
            try NationalReportJob.run(
                connection: c,
                source: "published",
                period: Period("2024-01")!,
                outputDirectory: reports,
                logger: TestFixtures.logger
            )
        }
        #expect(error.code == .noData && !error.code.isUsage)
        #expect(error.message.contains("no figures for 2024-01") && error.hint?.contains("2025-08, 2025-09") == true)
        #expect(!FileManager.default.fileExists(atPath: "\(reports)/national-gap-report-2024-01.html"))
    }

    @Test("Two nights: everything loads; then a resubmission supersedes, a late file loads and a duplicate is skipped")
    func twoNights() throws {
        let db = try TestFixtures.database()
        let pipeline = try PipelineFolder()

        // Night 1: the sample month.
        try pipeline.drop(TestFixtures.inbox)
        let first = try pipeline.run(db)
        #expect(first.exitCode == 0)
        #expect(first.files.count == 9 && first.files.allSatisfy { $0.status == .loaded })
        #expect(first.analysed && first.nationalReport != nil)
        #expect(pipeline.contents(pipeline.inbox).isEmpty)
        #expect(pipeline.contents(pipeline.archive).count == 9)
        #expect(pipeline.contents(pipeline.outbox) == ["R1D", "RDR", "RY2"])
        // Each file gets every report, the quarantine CSV among them; the trust, its month's quality page.
        let reports = ["findings.csv", "html", "json", "quarantine.csv", "xlsx"]
        #expect(
            pipeline.contents("\(pipeline.outbox)/R1D")
                == (["R1D_2025-09.quality.html"]
                + ["R1D_contacts_2025-09", "R1D_referrals_2025-09", "R1D_workforce_2025-09"].flatMap { stem in
                    reports.map { "\(stem).\($0)" }
                }).sorted()
        )
        let quarantined = try #require(first.files.first { $0.file == "R1D_referrals_2025-09.csv" }).rowsQuarantined
        let quarantineCSV = try String(
            contentsOfFile: "\(pipeline.outbox)/R1D/R1D_referrals_2025-09.quarantine.csv",
            encoding: .utf8
        )
        #expect(quarantined > 0 && quarantineCSV.split(separator: "\n").count == quarantined + 1)
        // The metrics say what happened.
        let read = first.files.filter { $0.kind == "contacts" }.map(\.rowsRead).reduce(0, +)
        #expect(try pipeline.metric("rehabcount_last_run_rows_read", "kind=\"contacts\"") == Double(read))
        #expect(try pipeline.metric("rehabcount_last_run_submissions", "status=\"loaded\"") == 9)
        #expect(try pipeline.metric("rehabcount_last_run_exit_code", "") == 0)
        #expect(try pipeline.metric("rehabcount_last_success_timestamp_seconds", "") ?? 0 > 1_700_000_000)

        // Night 2: R1D resends its referrals with one row fewer, RDR sends August's workforce late, and RY2's
        // contacts arrive again unchanged.
        let staging = try TestFixtures.folder()
        let r1d = try String(
            contentsOfFile: TestFixtures.inbox.first { $0.hasSuffix("R1D_referrals_2025-09.csv") }!,
            encoding: .utf8
        )
        var lines = r1d.split(separator: "\n", omittingEmptySubsequences: false)
        lines.remove(at: lines.count - 2)
        try lines.joined(separator: "\n").write(
            toFile: "\(staging)/R1D_referrals_2025-09.csv",
            atomically: true,
            encoding: .utf8
        )
        var august = SampleOptions(
            period: Period("2025-08")!,
            trusts: 3,
            seed: 11,
            referenceDirectory: TestFixtures.layout.referenceDirectory
        )
        august.referralsPerTrust = 50
        august.defectRate = 0
        let augustFolder = try TestFixtures.folder()
        _ = try SampleGenerator.write(august, to: augustFolder)
        try pipeline.drop([
            "\(staging)/R1D_referrals_2025-09.csv", "\(augustFolder)/RDR_workforce_2025-08.csv",
            TestFixtures.inbox.first { $0.hasSuffix("RY2_contacts_2025-09.csv") }!,
        ])
        let second = try pipeline.run(db)
        #expect(second.exitCode == 0)
        let status = Dictionary(uniqueKeysWithValues: second.files.map { ($0.file, $0.status) })
        #expect(status["R1D_referrals_2025-09.csv"] == .superseded)
        #expect(status["RDR_workforce_2025-08.csv"] == .loaded)
        #expect(status["RY2_contacts_2025-09.csv"] == .duplicate)
        #expect(pipeline.contents(pipeline.inbox).isEmpty)
        #expect(pipeline.contents(pipeline.archive).count == 11)

        let c = try db.connect()
        let history = try c.query(
            """
            SELECT count(*), count(*) FILTER (WHERE is_current), count(*) FILTER (WHERE superseded_by IS NOT NULL)
            FROM audit.submissions WHERE org_code = 'R1D' AND kind = 'referrals'
            """
        ).rows[0]
        #expect(history == ["2", "1", "1"])
        #expect(try c.query("SELECT count(*) FROM core.workforce WHERE period = '2025-08-01'").scalar != "0")
        // The late period is missing its other expected submissions? No: expectations start in 2025-09.
        #expect(second.missing.isEmpty)
        // The trust's report carries its score over the periods up to this one.
        let json = try String(contentsOfFile: "\(pipeline.outbox)/R1D/R1D_referrals_2025-09.json", encoding: .utf8)
        #expect(json.contains("\"score_trend\": [\n    {\"period\": \"2025-09\""))

        // Night 3: nothing new. A no-op.
        try pipeline.drop(TestFixtures.inbox)
        let third = try pipeline.run(db)
        #expect(third.files.allSatisfy { $0.status == .duplicate })
        #expect(!third.analysed)
        #expect(try c.query("SELECT count(*) FROM audit.submissions").scalar == "11")
    }

    @Test("A corrupt file is rejected while the rest load; a missing expected submission is flagged")
    func corruptAndMissing() throws {
        let db = try TestFixtures.database()
        let pipeline = try PipelineFolder(expected: "  - {org: RTH, kinds: [workforce], from: 2025-09}")
        try pipeline.drop(TestFixtures.inbox.filter { !$0.contains("RY2_workforce") })
        try Data([0x50, 0x4B, 0x03, 0x04, 0xFF, 0x00, 0x13, 0x37]).write(
            to: URL(fileURLWithPath: "\(pipeline.inbox)/RY2_workforce_2025-09.xlsx")
        )
        let outcome = try pipeline.run(db)
        #expect(outcome.exitCode == 0)
        let corrupt = try #require(outcome.files.first { $0.file == "RY2_workforce_2025-09.xlsx" })
        #expect(corrupt.status == .rejected)
        #expect(outcome.files.filter { $0.status == .loaded }.count == 8)
        #expect(outcome.missing == [.init(org: "RTH", kind: "workforce", period: "2025-09")])
        #expect(try pipeline.metric("rehabcount_missing_submissions", "") == 1)
        #expect(try pipeline.metric("rehabcount_last_run_submissions", "status=\"rejected\"") == 1)
        // Coverage in the analysis follows the pipeline's expectations.
        let c = try db.connect()
        #expect(try c.query("SELECT count(*) FROM reference.expected_submissions").scalar == "10")
    }

    @Test("A second run while one holds the lock does nothing and exits 3")
    func lockRefused() throws {
        let db = try TestFixtures.database()
        let pipeline = try PipelineFolder()
        try pipeline.drop(TestFixtures.inbox)
        let holder = try db.connect()
        try holder.query("SELECT pg_advisory_lock(1380142676, 3)")
        #expect(throws: RunJob.Locked.self) { try pipeline.run(db) }
        let cli = try CLI.start([
            "run", pipeline.file, "--database", try db.url(), "--pseudonym-key-file", TestFixtures.keyFile,
        ])
        cli.waitUntilExit()
        #expect(cli.terminationStatus == 3)
        #expect(pipeline.contents(pipeline.inbox).count == 9)
        try holder.query("SELECT pg_advisory_unlock(1380142676, 3)")
        #expect(try holder.query("SELECT count(*) FROM audit.submissions").scalar == "0")
    }

    @Test("--dry-run validates and reports but writes nothing to the database or the archive")
    func dryRun() throws {
        let db = try TestFixtures.database()
        let pipeline = try PipelineFolder()
        try pipeline.drop(TestFixtures.inbox)
        let outcome = try pipeline.run(db, dryRun: true)
        #expect(outcome.files.allSatisfy { $0.status == .validated })
        #expect(pipeline.contents(pipeline.inbox).count == 9)
        #expect(pipeline.contents(pipeline.archive).isEmpty)
        #expect(pipeline.contents("\(pipeline.outbox)/RDR").count == 15)
        let c = try db.connect()
        #expect(try c.query("SELECT count(*) FROM audit.runs").scalar == "0")
        #expect(try c.query("SELECT count(*) FROM audit.submissions").scalar == "0")
    }

    @Test("A mistake in the pipeline file names the key and the line, and the command exits 2")
    func configurationError() throws {
        let pipeline = try PipelineFolder()
        var text = try String(contentsOfFile: pipeline.file, encoding: .utf8)
        text = text.replacingOccurrences(of: "trend_periods: 6", with: "trend_period: 6")
        try text.write(toFile: pipeline.file, atomically: true, encoding: .utf8)
        let error = try #require(throws: RehabError.self) { try PipelineConfig.load(path: pipeline.file) }
        #expect("\(error)".contains("nightly.yaml:8"))
        #expect("\(error)".contains("trend_period"))
        let cli = try CLI.start(["run", pipeline.file])
        cli.waitUntilExit()
        #expect(cli.terminationStatus == 2)
    }
}

/// A digest of every analysis and published table and view of figures (not the manifest of measures), row by row,
/// to compare two refreshes.
enum AnalysisSnapshot {
    static func take(_ c: borrowing Connection) throws -> [String: String] {
        let relations = try c.query(
            """
            SELECT n.nspname || '.' || r.relname FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
            WHERE n.nspname IN ('analysis', 'published') AND r.relkind IN ('r', 'v')
              AND r.relname NOT IN ('missing_submissions', 'measures')
            ORDER BY 1
            """
        ).rows.compactMap { $0[0] }
        var digests: [String: String] = [:]
        for relation in relations {
            digests[relation] = try c.query(
                "SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM \(relation) x"
            ).scalar
        }
        return digests
    }
}

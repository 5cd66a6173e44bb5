import Foundation
import RehabCore
import RehabValidate
import Testing

@testable import RehabPipeline

@Suite("Names, folders and the catalogue named")
struct ConfigurationTests {
    /// A folder holding a copy of `pipelines/` and nothing else, as a trust with its own rules would have.
    static func pipelinesOnly(editing edit: ((String) -> String)? = nil) throws -> String {
        let home = try PipelineFixtures.folder()
        try FileManager.default.copyItem(atPath: "\(PipelineFixtures.root)/pipelines", toPath: "\(home)/pipelines")
        if let edit {
            let file = "\(home)/pipelines/rules/file.yaml"
            try edit(try String(contentsOfFile: file, encoding: .utf8)).write(
                toFile: file,
                atomically: true,
                encoding: .utf8
            )
        }
        return home
    }

    static func validate(_ files: [String], home: String) throws -> (ValidateOutcome, String) {
        let out = try PipelineFixtures.folder()
        let outcome = try ValidateJob.run(
            ValidateOptions(
                files: files,
                reportDirectory: out,
                layout: ProjectLayout(root: home),
                pseudonymKeyFile: PipelineFixtures.keyFile
            ),
            logger: PipelineFixtures.logger
        )
        return (outcome, out)
    }

    static let workforce = "\(PipelineFixtures.root)/sample-data/inbox/RY2_workforce_2025-09.csv"

    @Test("A folder with only pipelines/ validates against the built-in reference data, and names its catalogue")
    func pipelinesOnlyFolder() throws {
        let home = try Self.pipelinesOnly()
        let (outcome, out) = try Self.validate([Self.workforce], home: home)
        let result = try #require(outcome.files.first?.result)
        #expect(result.status != .rejected)
        #expect(result.catalogue.source == "\(home)/pipelines/rules")
        #expect(result.catalogue.sha256 == RuleCatalogue.builtIn.sha256)
        #expect(result.catalogue.warning == nil)
        let json = try String(contentsOfFile: "\(out)/RY2_workforce_2025-09.json", encoding: .utf8)
        #expect(json.contains("\"ruleset_source\": \"\(home)/pipelines/rules\""))
        #expect(json.contains("\"ruleset_sha256\": \"\(RuleCatalogue.builtIn.sha256)\""))
        #expect(json.contains("\"ruleset_warning\": null"))
        let html = try String(contentsOfFile: "\(out)/RY2_workforce_2025-09.html", encoding: .utf8)
        #expect(html.contains(RuleCatalogue.builtIn.sha256))
        // Named by REHABCOUNT_HOME, as a cron job would.
        let run = try rehabcount(
            ["validate", "--report-dir", try PipelineFixtures.folder(), Self.workforce],
            environment: ["REHABCOUNT_HOME": home]
        )
        #expect(run.status == 0)
        #expect(run.stdout.contains("Rule catalogue \(RuleCatalogue.builtIn.version) (\(home)/pipelines/rules)"))
    }

    @Test("A folder catalogue claiming the built-in version with other rules is a warning on every report")
    func editedCatalogueWarned() throws {
        let home = try Self.pipelinesOnly(editing: {
            $0.replacingOccurrences(
                of: "The row is longer than the largest row the validator reads",
                with: "This row is longer than the largest row the validator reads"
            )
        })
        let (outcome, out) = try Self.validate([Self.workforce], home: home)
        let result = try #require(outcome.files.first?.result)
        #expect(result.rulesetVersion == RuleCatalogue.builtIn.version)
        #expect(result.catalogue.sha256 != RuleCatalogue.builtIn.sha256)
        let warning = try #require(result.catalogue.warning)
        #expect(warning.contains("differ from the built-in ones"))
        for report in ["json", "html"] {
            let text = try String(contentsOfFile: "\(out)/RY2_workforce_2025-09.\(report)", encoding: .utf8)
            #expect(text.contains("differ from the built-in ones"), "\(report)")
        }
        // The workbook: its Summary sheet's XML holds the warning.
        let unzip = Process()
        unzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        unzip.arguments = [
            "python3", "-c",
            "import zipfile,sys; print(zipfile.ZipFile(sys.argv[1]).read('xl/worksheets/sheet1.xml').decode())",
            "\(out)/RY2_workforce_2025-09.xlsx",
        ]
        let pipe = Pipe()
        unzip.standardOutput = pipe
        try unzip.run()
        let sheet = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        unzip.waitUntilExit()
        #expect(sheet.contains("Rule catalogue warning"))
        // And the command's own summary.
        let run = try rehabcount(
            ["validate", "--config-dir", home, "--report-dir", try PipelineFixtures.folder(), Self.workforce]
        )
        #expect(run.stdout.contains("Rule catalogue \(RuleCatalogue.builtIn.version) (\(home)/pipelines/rules)"))
        #expect(run.stdout.contains("warning: The rule catalogue in"))
    }

    @Test("--report-dir or --out naming a file exits 2 with what to do, before anything is written")
    func reportDirIsAFile() throws {
        let file = "\(try PipelineFixtures.folder())/reports"
        try "not a folder".write(toFile: file, atomically: true, encoding: .utf8)
        let validate = try rehabcount(["validate", "--report-dir", file, Self.workforce])
        #expect(validate.status == 2)
        #expect(validate.stderr.contains("--report-dir \(file) is a file, not a folder"))
        let report = try rehabcount(["report", "national", "--out", file, "--database", "postgresql://nobody@/none"])
        #expect(report.status == 2)
        #expect(report.stderr.contains("--out \(file) is a file, not a folder"))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "not a folder")
    }

    @Test("A file name as long as the file system allows is rejected under FILE-NAME-01, with its reports written")
    func longestName() throws {
        let folder = try PipelineFixtures.folder()
        let name = "RY2_referrals_2025-09" + String(repeating: "x", count: 255 - 25) + ".csv"
        #expect(name.utf8.count == 255)
        try FileManager.default.copyItem(
            atPath: "\(PipelineFixtures.root)/sample-data/inbox/RY2_referrals_2025-09.csv",
            toPath: "\(folder)/\(name)"
        )
        let (outcome, out) = try Self.validate(["\(folder)/\(name)"], home: PipelineFixtures.root)
        let result = try #require(outcome.files.first?.result)
        #expect(result.status == .rejected)
        #expect(result.rules.contains { $0.rule.id == "FILE-NAME-01" && $0.failures == 1 })
        let written = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(written.count == 5)
        #expect(written.allSatisfy { $0.utf8.count <= 255 && $0.hasPrefix("RY2_referrals_2025-09xxx") })
        #expect(written.contains { $0.hasSuffix(".quarantine.csv") })
    }
}

@Suite("The worst case: a file rejected for every row")
struct RejectedFileCostTests {
    /// 3,000 referrals, every one quarantined (no service line, an unknown sex code), so the file is rejected.
    static func rejectedFile() throws -> String {
        let folder = try PipelineFixtures.folder()
        let header = try String(
            contentsOfFile: "\(PipelineFixtures.root)/sample-data/inbox/RY2_referrals_2025-09.csv",
            encoding: .utf8
        ).prefix { $0 != "\n" }
        let rows = (1...3000).map { "RY2,R\($0),,P\($0),67,Q\($0 % 7),A,E01012367,2025-08-20,gp,,routine,,,open,,," }
        let path = "\(folder)/RY2_referrals_2025-09.csv"
        try ([String(header)] + rows).joined(separator: "\n").appending("\n").write(
            toFile: path,
            atomically: true,
            encoding: .utf8
        )
        return path
    }

    @Test("Its quarantine CSV, findings CSV and workbook list the first rows and findings; the counts stay whole")
    func boundedOutbox() throws {
        let (outcome, out) = try ConfigurationTests.validate([try Self.rejectedFile()], home: PipelineFixtures.root)
        let result = try #require(outcome.files.first?.result)
        #expect(result.status == .rejected)
        #expect(result.rows.quarantined == 3000)
        let quarantine = try String(contentsOfFile: "\(out)/RY2_referrals_2025-09.quarantine.csv", encoding: .utf8)
        #expect(quarantine.split(separator: "\n").count == 1 + 1000)
        let findings = try String(contentsOfFile: "\(out)/RY2_referrals_2025-09.findings.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst()
        let perRule = Dictionary(grouping: findings, by: { $0.prefix { $0 != "," } }).mapValues(\.count)
        #expect(perRule["REF-SERVICE-REQ-01"] == 1000)
        #expect(perRule["REF-SEX-CODE-01"] == 1000)
        let json = try String(contentsOfFile: "\(out)/RY2_referrals_2025-09.json", encoding: .utf8)
        #expect(json.contains("\"findings_total\": \(result.findings.count)"))
        #expect(result.findings.count > 6000)
    }
}

@Suite("The pipeline file's analysis section")
struct AnalysisSettingsTests {
    static func load(_ analysis: String) throws -> PipelineConfig {
        try PipelineConfig.load(path: try file(analysis))
    }

    /// A pipeline file with its folders and `extra` after them, in a new folder.
    static func file(_ extra: String) throws -> String {
        let file = "\(try PipelineFixtures.folder())/pipeline.yaml"
        try """
        name: t
        inbox: i
        archive: a
        outbox: o
        reports: r
        \(extra)
        """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test("The shipped pipeline sets the coverage threshold and targets; without the section, full coverage and none")
    func shipped() throws {
        let shipped = try PipelineConfig.load(path: "\(PipelineFixtures.root)/pipelines/nightly.yaml")
        #expect(shipped.analysis.coverageThreshold == 1)
        #expect(shipped.analysis.targets["outcome_recorded_share"] == 0.85)
        let bare = try Self.load("")
        #expect(bare.analysis.coverageThreshold == 1 && bare.analysis.targets.isEmpty && bare.analysis.rebase.isEmpty)
        let set = try Self.load(
            """
            analysis:
              coverage_threshold: 0.9
              rebase:
                - {series: referral_rate, area: QYG, from: 2025-07, reason: a new referral route}
            """
        )
        #expect(set.analysis.coverageThreshold == 0.9)
        #expect(set.analysis.rebase.map(\.area) == ["QYG"] && set.analysis.rebase[0].from == Period("2025-07"))
    }

    @Test(
        "A wrong analysis section is a configuration error that says what to write",
        arguments: [
            ("analysis: {coverage_threshold: 0}", "above 0 and at most 1"),
            ("analysis: {targets: {referrals: 5}}", "`referrals` is not a series"),
            ("analysis: {rebase: [{series: referral_rate, from: 2025-07}]}", "reason"),
            ("analysis: {rebase: [{series: referral_rate, from: July, reason: x}]}", "YYYY-MM"),
            ("analysis: {rebase: [{series: referral_rate, from: 2025-07, reason: \" \"}]}", "say why"),
            ("analysis: {threshold: 1}", "threshold"),
        ]
    )
    func errors(text: String, says: String) throws {
        let error = try #require(throws: RehabError.self) { try Self.load(text) }
        #expect("\(error.message) \(error.hint ?? "")".contains(says), "\(error.message)")
    }
}

import Foundation
import Logging
import RehabCore
import RehabTestSupport
import Testing

@testable import RehabPipeline

enum PipelineFixtures {
    static let root = TestFixtures.root
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
        .path
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    /// A fixed pseudonymisation key, so that the pseudonyms in golden reports are the same in every run.
    static let keyFile: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rehabcount-golden-\(UUID()).key")
            .path
        try! String(repeating: "g", count: 48).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rehabcount-pipeline-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A JSON report without the one line that differs between runs: when it was made.
    static func timeless(_ report: String) -> String {
        report.replacing(/"validated_at": "[^"]*"/, with: "\"validated_at\": \"(when it ran)\"")
            .replacing(/"ruleset_source": "[^"]*"/, with: "\"ruleset_source\": \"(the folder or built in)\"")
    }

    static var inbox: [String] {
        let dir = "\(root)/sample-data/inbox"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().map { "\(dir)/\($0)" }
    }
}

@Suite("Validate job")
struct ValidateJobTests {
    @Test("The JSON reports for the committed sample month match the golden files")
    func goldenReports() throws {
        let out = try PipelineFixtures.folder()
        let files = PipelineFixtures.inbox
        #expect(files.count == 9)
        let outcome = try ValidateJob.run(
            ValidateOptions(
                files: files,
                reportDirectory: out,
                layout: ProjectLayout(root: PipelineFixtures.root),
                pseudonymKeyFile: PipelineFixtures.keyFile,
                today: Day(iso: "2025-11-22")!
            ),
            logger: PipelineFixtures.logger
        )
        #expect(!outcome.failed)
        let update = ProcessInfo.processInfo.environment["REHABCOUNT_UPDATE_GOLDEN"] == "1"
        for file in outcome.files {
            let stem = SubmissionBatch.reportStem(file.path)
            for report in ["json", "findings.csv"] {
                let actual = PipelineFixtures.timeless(
                    try String(contentsOfFile: "\(out)/\(stem).\(report)", encoding: .utf8)
                )
                let goldenPath = "\(PipelineFixtures.golden)/\(stem).\(report)"
                if update { try actual.write(toFile: goldenPath, atomically: true, encoding: .utf8) }
                let expected = try String(contentsOfFile: goldenPath, encoding: .utf8)
                #expect(
                    actual == expected,
                    "\(stem).\(report) differs from its golden file; rerun with REHABCOUNT_UPDATE_GOLDEN=1 if intended"
                )
            }
            #expect(file.result.rows.read == file.result.rows.accepted + file.result.rows.quarantined)
        }
    }

    @Test("Files of one trust and period are grouped, referrals first, whatever the order given")
    func grouping() {
        let groups = SubmissionBatch.grouped([
            "in/RY2_workforce_2025-09.csv", "in/RY2_contacts_2025-09.csv", "in/bad name.csv",
            "in/RY3_contacts_2025-09.csv", "in/RY2_referrals_2025-09.csv", "in/RY2_referrals_2025-10.csv",
        ])
        #expect(
            groups == [
                ["in/RY2_referrals_2025-09.csv", "in/RY2_contacts_2025-09.csv", "in/RY2_workforce_2025-09.csv"],
                ["in/RY3_contacts_2025-09.csv"], ["in/RY2_referrals_2025-10.csv"], ["in/bad name.csv"],
            ]
        )
    }

    @Test("Contacts given before their referrals are still checked against them")
    func crossFileInAnyOrder() throws {
        let out = try PipelineFixtures.folder()
        let files = PipelineFixtures.inbox.filter { $0.contains("RDR_") }.reversed()
        let outcome = try ValidateJob.run(
            ValidateOptions(
                files: Array(files),
                reportDirectory: out,
                layout: ProjectLayout(root: PipelineFixtures.root)
            ),
            logger: PipelineFixtures.logger
        )
        let contacts = try #require(outcome.files.first { $0.path.contains("contacts") })
        #expect(contacts.result.rules.first { $0.rule.id == "CON-REF-EXISTS-01" }?.evaluated == true)
    }

    @Test("Two inputs that would write the same report are refused")
    func reportCollision() throws {
        let a = try PipelineFixtures.folder()
        let b = try PipelineFixtures.folder()
        for dir in [a, b] {
            try "x\n".write(toFile: "\(dir)/RY2_referrals_2025-09.csv", atomically: true, encoding: .utf8)
        }
        let error = try #require(throws: RehabError.self) {
            _ = try ValidateJob.run(
                ValidateOptions(
                    files: ["\(a)/RY2_referrals_2025-09.csv", "\(b)/RY2_referrals_2025-09.csv"],
                    reportDirectory: try PipelineFixtures.folder(),
                    layout: ProjectLayout(root: PipelineFixtures.root)
                ),
                logger: PipelineFixtures.logger
            )
        }
        #expect(error.code == .usage)
    }
}

import Foundation
import RehabCore
import Testing

/// Runs the real `rehabcount` binary, as a trust or a cron job would.
struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

func rehabcount(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
        "rehabcount"
    )
    let binary =
        FileManager.default.isExecutableFile(atPath: beside.path)
        ? beside.path : "\(PipelineFixtures.root)/.build/debug/rehabcount"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: PipelineFixtures.root)
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(
        status: process.terminationStatus,
        stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderr, as: UTF8.self)
    )
}

@Suite("Command line")
struct CommandLineTests {
    @Test("The executable copied alone into an empty folder validates with its built-in configuration")
    func runsAlone() throws {
        let folder = try PipelineFixtures.folder()
        let built = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("rehabcount").path
        let source =
            FileManager.default.isExecutableFile(atPath: built)
            ? built : "\(PipelineFixtures.root)/.build/debug/rehabcount"
        try FileManager.default.copyItem(atPath: source, toPath: "\(folder)/rehabcount")
        let sample = try #require(PipelineFixtures.inbox.first { $0.hasSuffix("RY2_workforce_2025-09.csv") })
        try FileManager.default.copyItem(atPath: sample, toPath: "\(folder)/RY2_workforce_2025-09.csv")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(folder)/rehabcount")
        process.arguments = [
            "validate", "--report-dir", "out", "--pseudonym-key-file", PipelineFixtures.keyFile,
            "RY2_workforce_2025-09.csv",
        ]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "REHABCOUNT_HOME" }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        // The same report as from the checkout's files, but for when it ran.
        let report = try String(contentsOfFile: "\(folder)/out/RY2_workforce_2025-09.json", encoding: .utf8)
        let golden = try String(
            contentsOfFile: "\(PipelineFixtures.golden)/RY2_workforce_2025-09.json",
            encoding: .utf8
        )
        #expect(PipelineFixtures.timeless(report) == PipelineFixtures.timeless(golden))

        // libpq is loaded on the first connection, so validating needs no PostgreSQL library on the machine: the
        // executable does not name it among the libraries it needs.
        let readelf = Process()
        readelf.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        readelf.arguments = ["readelf", "-d", "\(folder)/rehabcount"]
        let pipe = Pipe()
        readelf.standardOutput = pipe
        try readelf.run()
        let dynamic = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        readelf.waitUntilExit()
        #expect(readelf.terminationStatus == 0 && dynamic.contains("(NEEDED)"))
        #expect(!dynamic.contains("libpq"), "the executable links libpq at start-up")
    }

    @Test("--version names the tool, the extract contract and the rule catalogue it validates against")
    func version() throws {
        let run = try rehabcount(["--version"])
        #expect(run.status == 0)
        let catalogue = try String(
            contentsOfFile: "\(PipelineFixtures.root)/pipelines/rules/catalogue.yaml",
            encoding: .utf8
        )
        let version = try #require(catalogue.firstMatch(of: /version: "([^"]+)"/)?.1)
        #expect(run.stdout.contains("rehabcount \(RehabCountVersion.tool)"))
        #expect(run.stdout.contains("extract contract 1"))
        #expect(run.stdout.contains("rule catalogue \(version)"))
    }

    @Test(
        "Every command's help shows an example",
        arguments: [
            ["--help"], ["validate", "--help"], ["sample", "--help"], ["load", "--help"], ["db", "--help"],
            ["db", "migrate", "--help"], ["db", "load-reference", "--help"], ["db", "dictionary", "--help"],
            ["run", "--help"], ["analyse", "--help"], ["report", "--help"], ["report", "national", "--help"],
        ]
    )
    func helpHasExample(arguments: [String]) throws {
        let run = try rehabcount(arguments)
        #expect(run.status == 0)
        #expect(run.stdout.lowercased().contains("example"))
        #expect(run.stdout.contains("rehabcount "))
    }

    @Test(
        "Usage and configuration errors exit 2 with a message saying what to do",
        arguments: [
            ["validate"], ["validate", "--encoding", "latin9", "x.csv"],
            ["validate", "--fail-on", "sometimes", "x.csv"],
            ["validate", "/nonexistent/RY2_referrals_2025-09.csv"],
            ["validate", "--config-dir", "/tmp", "sample-data/inbox/RY2_referrals_2025-09.csv"],
            ["frobnicate"],
        ]
    )
    func usageErrors(arguments: [String]) throws {
        let run = try rehabcount(arguments)
        #expect(run.status == 2)
        #expect(!run.stderr.isEmpty)
    }

    @Test("The exit code follows --fail-on")
    func failOn() throws {
        let out = try PipelineFixtures.folder()
        let file = "sample-data/inbox/RY2_referrals_2025-09.csv"
        #expect(try rehabcount(["validate", "--report-dir", out, file]).status == 0)
        #expect(try rehabcount(["validate", "--report-dir", out, "--fail-on", "warning", file]).status == 1)
        #expect(try rehabcount(["validate", "--report-dir", out, "--fail-on", "record", file]).status == 1)

        let rejected = try PipelineFixtures.folder() + "/RY2_referrals_2025-09.csv"
        try "not,a,header\n1,2,3\n".write(toFile: rejected, atomically: true, encoding: .utf8)
        let run = try rehabcount(["validate", "--report-dir", out, rejected])
        #expect(run.status == 1)
        #expect(run.stdout.contains("rejected"))
        for suffix in ["json", "html", "quarantine.csv"] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/RY2_referrals_2025-09.\(suffix)"))
        }
    }

    @Test("A short pseudonymisation key is refused with exit 2")
    func shortKey() throws {
        let run = try rehabcount(
            ["validate", "--report-dir", try PipelineFixtures.folder(), "sample-data/inbox/RY2_referrals_2025-09.csv"],
            environment: ["REHABCOUNT_PSEUDONYM_KEY": "tooshort"]
        )
        #expect(run.status == 2)
        #expect(run.stderr.contains("too short"))
        #expect(!run.stderr.contains("tooshort"))
    }
}

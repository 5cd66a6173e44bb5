import ArgumentParser
import Foundation
import Logging
import RehabCore
import RehabPipeline

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline (the nightly job): validate, load, archive, analyse and report what arrived.",
        discussion: """
            Reads the pipeline file (pipelines/nightly.yaml), takes the single-run lock, then for every regular \
            file in the inbox, a trust and period at a time: takes a private copy of it (links, folders and FIFOs \
            are skipped and left where they are; a file still being written is left for the next run), validates \
            and loads that copy (a failure stays with its file; a rejected file is the trust's to fix, not a \
            failure), archives it under its SHA-256 and name (write-once), and writes the trust's validation \
            reports into outbox/<ORG>/: X.html and X.json with its score over recent periods, the workbook \
            X.xlsx, every finding in X.findings.csv, and the rows held back in X.quarantine.csv. A file whose name and bytes are \
            already archived is skipped, so running twice over the same inbox does nothing the second time. Then \
            it flags expected submissions that did not arrive, refreshes the analysis when any submission is newer \
            than it, writes the national report and the metrics file, and prints a summary. With a mesh: section \
            (rehabcount mesh --help), the night first collects extracts from its MESH mailbox into the inbox, and \
            last sends each trust its file's reports back through MESH.

            Logs are JSON lines when standard error is not a terminal (REHABCOUNT_LOG_FORMAT=text|json to choose), \
            each with the run id, and the summary goes to standard output; logs never contain row data. On a \
            terminal a status line shows the rows read of each file in hand. See docs/operations.md for systemd \
            and cron.

            Example:
              rehabcount run pipelines/nightly.yaml
              rehabcount run pipelines/nightly.yaml --dry-run    # reports only

            Exit codes: 0 every file was processed (validation may have rejected some); 1 a file, or the run, \
            could not be processed (the database, the disk); 2 configuration error, or a pseudonymisation key \
            other than the database's; 3 another run holds the lock.
            """
    )

    @Argument(help: ArgumentHelp("The pipeline file.", valueName: "pipeline.yaml"))
    var pipeline: String

    @Flag(name: .long, help: "Validate and write reports only: nothing goes to the database or the archive.")
    var dryRun = false

    @Option(
        name: .long,
        help: ArgumentHelp("PostgreSQL URL or conninfo (default: the pipeline's, then DATABASE_URL).", valueName: "url")
    )
    var database: String?

    @Option(name: .long, help: ArgumentHelp("A file holding the pseudonymisation key (32+ bytes).", valueName: "path"))
    var pseudonymKeyFile: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Folder holding sql/ and pipelines/ (default: found from the pipeline file).",
            valueName: "dir"
        )
    )
    var configDir: String?

    func validate() throws {
        guard FileManager.default.fileExists(atPath: pipeline) else {
            throw ValidationError("No pipeline file at \(pipeline). The default one is pipelines/nightly.yaml.")
        }
    }

    func run() throws {
        let logger = Logger(label: "rehabcount.run")
        let layout = try ProjectLayout.locate(explicit: configDir ?? Self.projectFolder(of: pipeline))
        let interactive = isatty(STDERR_FILENO) != 0
        let outcome: RunJob.Outcome
        do {
            outcome = try RunJob.run(
                .init(
                    pipeline: pipeline,
                    dryRun: dryRun,
                    database: database,
                    pseudonymKeyFile: pseudonymKeyFile,
                    layout: layout
                ),
                logger: logger,
                progress: { progress in
                    // A status line for people at a terminal only; logs carry the same facts for machines.
                    guard interactive else { return }
                    StatusLine.shared.show(StatusLine.describe(progress))
                }
            )
        } catch let error as DatabaseError {
            StatusLine.shared.end()
            if interactive {
                FileHandle.standardError.write(Data("rehabcount: the run failed: \(error)\n".utf8))
            }
            // Off a terminal the run has logged the failure as a JSON line already.
            throw ExitCode(1)
        }
        StatusLine.shared.end()
        print(SummaryTable.render(outcome))
        if let page = outcome.nationalReport { print("\nNational report: \(page)") }
        if let metrics = outcome.metricsFile { print("Metrics: \(metrics)") }
        if outcome.dryRun { print("\nDry run: nothing was written to the database or the archive.") }
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }

    /// The project folder of a pipeline file in `<project>/pipelines/`, so that a cron job can run from anywhere.
    static func projectFolder(of pipeline: String) -> String? {
        let folder = URL(fileURLWithPath: pipeline).standardizedFileURL.deletingLastPathComponent()
        guard folder.lastPathComponent == "pipelines" else { return nil }
        return folder.deletingLastPathComponent().path
    }
}

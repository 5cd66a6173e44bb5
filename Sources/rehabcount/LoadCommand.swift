import ArgumentParser
import Foundation
import Logging
import RehabPipeline

struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Validate extracts and load them into PostgreSQL, replacing earlier submissions atomically.",
        discussion: """
            Each file is validated exactly as by `rehabcount validate`; accepted rows are loaded, quarantined rows \
            are kept in audit.quarantine with NHS numbers pseudonymised, and the submission, its rule results \
            (with the rows and lines of every finding) and its row counts are recorded in audit. With \
            --report-dir, each file's reports are written there as by validate: X.json, X.html, X.xlsx, \
            X.findings.csv and X.quarantine.csv.

            A resubmission for the same trust, kind and period replaces the earlier one in one transaction and \
            keeps it in the history as superseded. Loading a file identical to the current submission does nothing. \
            A load that is killed leaves the previous submission in place.

            Needs a pseudonymisation key (REHABCOUNT_PSEUDONYM_KEY, REHABCOUNT_PSEUDONYM_KEY_FILE or \
            --pseudonym-key-file), so that patient keys match across submissions.

            Example:
              rehabcount db migrate && rehabcount db load-reference
              rehabcount load --report-dir reports sample-data/inbox/*.csv

            Exit codes: 0 every file was processed (some may have been rejected by validation); 1 a file could not \
            be loaded; 2 usage or configuration error.
            """
    )

    @OptionGroup var connection: DatabaseOptions

    @Option(name: .long, help: ArgumentHelp("Also write the validation reports here.", valueName: "dir"))
    var reportDir: String?

    @Option(name: .long, help: ArgumentHelp("Encoding of CSV files: utf-8 or windows-1252.", valueName: "encoding"))
    var encoding = "utf-8"

    @Option(name: .long, help: ArgumentHelp("A file holding the pseudonymisation key (32+ bytes).", valueName: "path"))
    var pseudonymKeyFile: String?

    @Argument(help: ArgumentHelp("Extract files to load.", valueName: "file"))
    var files: [String] = []

    func validate() throws {
        guard TextEncoding(label: encoding) != nil else {
            throw ValidationError("Unknown encoding '\(encoding)'. Use utf-8 or windows-1252.")
        }
        guard !files.isEmpty else { throw ValidationError("Name at least one extract file to load.") }
    }

    func run() throws {
        let logger = Logger(label: "rehabcount.load")
        let options = ValidateOptions(
            files: files,
            reportDirectory: reportDir ?? "",
            encoding: TextEncoding(label: encoding)!,
            layout: try ProjectLayout.locate(explicit: connection.configDir),
            pseudonymKeyFile: pseudonymKeyFile
        )
        let loaded = try LoadJob.run(
            options,
            database: connection.database,
            writeReports: reportDir != nil,
            logger: logger
        )
        for file in loaded {
            let name = file.path.split(separator: "/").last.map(String.init) ?? file.path
            if let outcome = file.outcome {
                print(
                    "\(name): \(outcome.action.rawValue), submission \(outcome.submissionID), \(outcome.rowsLoaded) rows loaded, \(outcome.rowsQuarantined) quarantined"
                )
            } else {
                print("\(name): FAILED: \(file.failure ?? "unknown error")")
            }
        }
        if loaded.contains(where: { $0.failure != nil }) { throw ExitCode(ExitStatus.findings) }
    }
}

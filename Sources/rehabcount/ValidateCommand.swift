import ArgumentParser
import Foundation
import Logging
import RehabCore
import RehabPipeline

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check trust extracts against the contract and rule catalogue, with no database.",
        discussion: """
            Each FILE is named <ORG>_<kind>_<YYYY-MM>.csv (or .xlsx), kind being referrals, contacts or workforce. \
            Files of one trust and period are validated together, so contacts are checked against referrals.

            For each file X it writes, in --report-dir:
              X.json             the machine-readable report: status, row counts, score, every rule with
                                 its count, and the first --findings-per-rule findings of each rule
              X.html             a page for the trust analyst: what to fix, and how
              X.xlsx             the same as a workbook: Summary, Rules, and every finding
              X.findings.csv     every finding: rule,severity,row,line,record_id,column,value
              X.quarantine.csv   the rejected rows with their reasons, NHS numbers pseudonymised

            A finding's line is the line of the file where its record starts, the header being line 1: for a \
            file without line breaks inside fields, the row number Excel shows. Values from columns that could \
            identify a person (the NHS number, patient_id) are never shown.

            Example:
              rehabcount validate --report-dir reports RX1_referrals_2025-09.csv RX1_contacts_2025-09.csv
              rehabcount validate --encoding windows-1252 --fail-on record RX1_workforce_2025-09.csv

            NHS numbers in the quarantine file are replaced by an HMAC-SHA256 pseudonym keyed by \
            REHABCOUNT_PSEUDONYM_KEY (or --pseudonym-key-file, or REHABCOUNT_PSEUDONYM_KEY_FILE). Without a key, \
            a random one is made for the run, so pseudonyms then differ between runs.

            Exit codes: 0 nothing reached --fail-on; 1 something did; 2 usage or configuration error.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Folder for the reports (created if missing).", valueName: "dir"))
    var reportDir = "reports"

    @Option(name: .long, help: ArgumentHelp("Encoding of CSV files: utf-8 or windows-1252.", valueName: "encoding"))
    var encoding = "utf-8"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Exit 1 when a finding reaches this severity: file (a rejected submission), record, or warning.",
            valueName: "severity"
        )
    )
    var failOn = "file"

    @Option(name: .long, help: ArgumentHelp("A file holding the pseudonymisation key (32+ bytes).", valueName: "path"))
    var pseudonymKeyFile: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Folder holding pipelines/ (found automatically when run from a checkout).",
            valueName: "dir"
        )
    )
    var configDir: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Folder holding the reference CSVs (default: sample-data/reference).", valueName: "dir")
    )
    var referenceDir: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "How many findings of each rule X.json lists (all of them are in X.findings.csv and X.xlsx).",
            valueName: "n"
        )
    )
    var findingsPerRule = ValidateOptions.defaultFindingsPerRule

    @Argument(help: ArgumentHelp("Extract files to validate.", valueName: "file"))
    var files: [String] = []

    func validate() throws {
        guard TextEncoding(label: encoding) != nil else {
            throw ValidationError("Unknown encoding '\(encoding)'. Use utf-8 or windows-1252.")
        }
        guard Severity(rawValue: failOn) != nil else {
            throw ValidationError("Unknown severity '\(failOn)' for --fail-on. Use file, record or warning.")
        }
        guard findingsPerRule >= 0 else {
            throw ValidationError("--findings-per-rule must be 0 or more.")
        }
        guard !files.isEmpty else {
            throw ValidationError("Name at least one extract file, e.g. RX1_referrals_2025-09.csv.")
        }
    }

    func run() throws {
        let logger = Logger(label: "rehabcount.validate")
        let options = ValidateOptions(
            files: files,
            reportDirectory: reportDir,
            encoding: TextEncoding(label: encoding)!,
            failOn: Severity(rawValue: failOn)!,
            layout: try ProjectLayout.locate(explicit: configDir, builtIn: true),
            referenceDirectory: referenceDir,
            pseudonymKeyFile: pseudonymKeyFile,
            findingsPerRule: findingsPerRule
        )
        let outcome = try ValidateJob.run(options, logger: logger)
        print(SummaryTable.render(outcome))
        print("Reports are in \(reportDir)/.")
        if outcome.failed { throw ExitCode(ExitStatus.findings) }
    }
}

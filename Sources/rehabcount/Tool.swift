import ArgumentParser
import Foundation
import Logging
import RehabCore
import RehabPipeline

/// `rehabcount`: the command-line face of RehabCount. It parses arguments and calls the library; nothing more.
@main
struct Tool {
    static func main() {
        // Text for people at a terminal, JSON lines for machines (cron, systemd, log shippers);
        // REHABCOUNT_LOG_FORMAT=text or json overrides.
        let environment = ProcessInfo.processInfo.environment
        let level = environment["REHABCOUNT_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        let json = environment["REHABCOUNT_LOG_FORMAT"].map { $0 == "json" } ?? (isatty(STDERR_FILENO) == 0)
        LoggingSystem.bootstrap { label in
            if json { return JSONLogHandler(label: label, level: level) }
            return TerminalLogHandler(label: label, level: level)
        }
        // The server's notices go through the logger like everything else on standard error.
        let database = Logger(label: "rehabcount.database")
        handleDatabaseNotices { severity, message in
            database.log(
                level: severity == "WARNING" ? .warning : .debug,
                "database \(severity.lowercased())",
                metadata: ["server_message": "\(message)"]
            )
        }
        /// An error that ends the command: a JSON line off a terminal, a plain line on one.
        func fail(_ text: String, kind: String, exitCode: Int32) -> Never {
            if json {
                Logger(label: "rehabcount").error(
                    "\(text)",
                    metadata: ["error_kind": "\(kind)", "exit_code": .stringConvertible(exitCode)]
                )
            } else {
                FileHandle.standardError.write(Data("rehabcount: \(text)\n".utf8))
            }
            Foundation.exit(exitCode)
        }
        do {
            var command = try RehabCount.parseAsRoot()
            try command.run()
        } catch let error as RunJob.Locked {
            fail("\(error)", kind: "locked", exitCode: ExitStatus.locked)
        } catch let error as RehabError {
            fail("error: \(error)", kind: error.code.rawValue, exitCode: error.code.isUsage ? ExitStatus.usage : 1)
        } catch let error as DatabaseError {
            // The description never quotes row values or passwords; the server's own words stay out of logs.
            fail(
                "database error: \(error)",
                kind: "database",
                exitCode: error.kind == .migration ? ExitStatus.usage : 1
            )
        } catch {
            let code = RehabCount.exitCode(for: error)
            if code == .success {
                RehabCount.exit(withError: error)
            }
            let message = RehabCount.fullMessage(for: error)
            if !message.isEmpty { FileHandle.standardError.write(Data("\(message)\n".utf8)) }
            // Usage errors exit 2, as every RehabCount command documents; other codes pass through.
            Foundation.exit(code == .validationFailure ? ExitStatus.usage : code.rawValue)
        }
    }
}

/// Exit codes shared by the commands.
enum ExitStatus {
    /// Nothing reached the failure threshold.
    static let success: Int32 = 0
    /// A finding reached `--fail-on`.
    static let findings: Int32 = 1
    /// A usage or configuration error.
    static let usage: Int32 = 2
    /// `run`: another run holds the pipeline lock.
    static let locked: Int32 = 3
}

struct RehabCount: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rehabcount",
        abstract: "Make community rehabilitation data count: check trust extracts and report what to fix.",
        discussion: """
            Examples:

            Check a trust's extracts before submitting them:
              rehabcount validate --report-dir reports RX1_referrals_2025-09.csv RX1_contacts_2025-09.csv

            Make a synthetic month to try it on:
              rehabcount sample --out inbox --period 2025-09 --trusts 3 --seed 42

            Exit codes: 0 success, 1 findings reached --fail-on, 2 usage or configuration error.
            """,
        version: VersionText.describe(layout: try? ProjectLayout.locate(explicit: nil, builtIn: true)),
        subcommands: [
            RunCommand.self, ValidateCommand.self, LoadCommand.self, AnalyseCommand.self, ReportCommand.self,
            DatabaseCommand.self, MESHCommand.self, PortalCommand.self, ServeCommand.self,
            SampleCommand.self,
        ]
    )
}

import ArgumentParser
import Foundation
import RehabCore
import RehabDatabase
import RehabPortal

#if canImport(Glibc)
import Glibc
#endif

struct PortalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portal",
        abstract: "The trust portal's people and API tokens.",
        discussion: """
            A person belongs to one trust (its ODS code) or is central (every trust). Passwords are read from \
            standard input, never from the command line, and kept only as bcrypt hashes (cost 12). Every change \
            is recorded in audit.portal_events.

            Examples:
              rehabcount portal user add analyst@ry2.nhs.uk --org RY2 < password.txt
              rehabcount portal user add lead@england.nhs.uk --central
              rehabcount portal user disable analyst@ry2.nhs.uk
              rehabcount portal token add --org RY2 --label "RY2 EPR extract job"
              rehabcount portal token revoke 3f9a1c07b2e4
            """,
        subcommands: [User.self, Token.self]
    )

    /// Who ran a command, as the audit records it.
    static var actor: String {
        let name = ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"]
        return "cli:\(name ?? String(getuid()))"
    }

    /// A password from standard input: asked for without echo on a terminal, else its first line.
    static func readPassword(prompt: String) throws -> String {
        if isatty(STDIN_FILENO) == 1 {
            FileHandle.standardError.write(Data(prompt.utf8))
            var settings = termios()
            tcgetattr(STDIN_FILENO, &settings)
            var quiet = settings
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
            defer {
                tcsetattr(STDIN_FILENO, TCSANOW, &settings)
                FileHandle.standardError.write(Data("\n".utf8))
            }
            return readLine(strippingNewline: true) ?? ""
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw RehabError(.usage, "No password on standard input.", hint: "Pipe it in: … < password-file")
        }
        return line
    }

    struct User: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "user",
            abstract: "Add a person, disable one, or set a new password.",
            subcommands: [Add.self, Disable.self, ResetPassword.self]
        )

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a person who logs in with a password read from standard input.",
                discussion: """
                    The password needs 12 or more characters (at most 72 bytes) and must not contain the name \
                    before the @. Exit codes: 0 added; 2 a bad address, trust or password, or the address is taken.
                    """
            )
            @OptionGroup var connection: DatabaseOptions
            @Argument(help: "Their email address: how they log in.") var email: String
            @Option(help: ArgumentHelp("The ODS code of their trust.", valueName: "ods")) var org: String?
            @Flag(help: "They see every trust (NHS England, the Alliance), not one.") var central = false

            func validate() throws {
                guard (org != nil) != central else {
                    throw ValidationError("Give exactly one of --org ODS and --central.")
                }
            }

            func run() throws {
                let password = try PortalCommand.readPassword(prompt: "Password for \(email): ")
                let c = try Connection(Connection.conninfo(option: connection.database))
                let user = try PortalDirectory.addUser(
                    email: email,
                    scope: org.map { .trust($0.uppercased()) } ?? .central,
                    password: password,
                    by: PortalCommand.actor,
                    connection: c
                )
                print("Added \(user.email) (\(user.scope.org ?? "central")).")
            }
        }

        struct Disable: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Stop a person logging in; their open sessions end at once."
            )
            @OptionGroup var connection: DatabaseOptions
            @Argument(help: "Their email address.") var email: String

            func run() throws {
                let c = try Connection(Connection.conninfo(option: connection.database))
                try PortalDirectory.disableUser(email: email, by: PortalCommand.actor, connection: c)
                print("Disabled \(email.lowercased()); their sessions have ended.")
            }
        }

        struct ResetPassword: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "reset-password",
                abstract: "Set a new password from standard input; enables the person again and ends their sessions."
            )
            @OptionGroup var connection: DatabaseOptions
            @Argument(help: "Their email address.") var email: String

            func run() throws {
                let password = try PortalCommand.readPassword(prompt: "New password for \(email): ")
                let c = try Connection(Connection.conninfo(option: connection.database))
                try PortalDirectory.resetPassword(
                    email: email,
                    password: password,
                    by: PortalCommand.actor,
                    connection: c
                )
                print("Set a new password for \(email.lowercased()).")
            }
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "API tokens for trusts' own systems.",
            subcommands: [Add.self, Revoke.self]
        )

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Make a token for a trust and print it, <id>.<secret>, as the only line of output.",
                discussion: """
                    The secret is shown this once and kept only as a hash: hand it to the trust's system now. \
                    Revoke it with its id.
                    """
            )
            @OptionGroup var connection: DatabaseOptions
            @Option(help: ArgumentHelp("The ODS code of the trust whose systems use it.", valueName: "ods"))
            var org: String
            @Option(help: "What uses it, for the record.") var label: String?

            func run() throws {
                let c = try Connection(Connection.conninfo(option: connection.database))
                let token = try PortalDirectory.addToken(
                    org: org.uppercased(),
                    label: label,
                    by: PortalCommand.actor,
                    connection: c
                )
                print(token.text)
            }
        }

        struct Revoke: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a token: it answers 401 from now on.")
            @OptionGroup var connection: DatabaseOptions
            @Argument(help: "The token's id, the part before the dot.") var id: String

            func run() throws {
                let c = try Connection(Connection.conninfo(option: connection.database))
                try PortalDirectory.revokeToken(id: id, by: PortalCommand.actor, connection: c)
                print("Revoked token \(id).")
            }
        }
    }
}

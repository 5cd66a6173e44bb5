import ArgumentParser
import Foundation
import Logging
import RehabCore
import RehabPipeline

struct MESHCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesh",
        abstract: "RehabCount's MESH mailbox, where trusts' systems send extracts.",
        discussion: """
            The mailbox is the pipeline file's mesh: section; its password and the environment's shared key come \
            from REHABCOUNT_MESH_PASSWORD and REHABCOUNT_MESH_SHARED_KEY, or files named by \
            REHABCOUNT_MESH_PASSWORD_FILE and REHABCOUNT_MESH_SHARED_KEY_FILE. They are never printed.

            Example:
              REHABCOUNT_MESH_PASSWORD_FILE=/etc/rehabcount/mesh-password \\
              REHABCOUNT_MESH_SHARED_KEY_FILE=/etc/rehabcount/mesh-key rehabcount mesh check pipelines/nightly.yaml
            """,
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Connect to the mailbox and count the extracts waiting; nothing is downloaded or acknowledged.",
            discussion: """
                Exit codes: 0 the mailbox answered; 1 MESH could not be reached; 2 no mesh: section, a missing \
                secret, or MESH refused the credentials.

                Example:
                  rehabcount mesh check pipelines/nightly.yaml
                """
        )

        @Argument(help: "The pipeline file, with a mesh: section.")
        var pipeline: String

        func run() throws {
            // Relative certificate paths are read against the project folder, as the pipeline's folders are.
            let root =
                RunCommand.projectFolder(of: pipeline)
                ?? URL(fileURLWithPath: pipeline).standardizedFileURL.deletingLastPathComponent().path
            let check = try MESHJob.check(
                pipeline: pipeline,
                root: root,
                environment: ProcessInfo.processInfo.environment,
                logger: Logger(label: "rehabcount.mesh")
            )
            print("MESH mailbox \(check.mailbox) at \(check.url.absoluteString): the handshake was accepted.")
            print("Extracts waiting under \(check.workflow): \(check.waiting)")
            if check.senders.isEmpty {
                print("No senders are configured: every message would be refused.")
            } else {
                for (mailbox, org) in check.senders.sorted(by: { $0.key < $1.key }) {
                    print("  \(mailbox) sends for \(org)")
                }
            }
        }
    }
}

import ArgumentParser
import Foundation
import Logging
import RehabDatabase
import RehabPipeline
import RehabPortal
import Synchronization

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the trust portal: trusts' staff log in, see what they sent and how it scored.",
        discussion: """
            The pipeline file's portal: section says where to listen (listen: 127.0.0.1:8080), the address people \
            use (public_url; https makes cookies Secure), the largest upload (max_upload) and how long a session \
            lasts (session_lifetime: 8h). Put it behind nginx for TLS (docs/portal.md). People are added with \
            `rehabcount portal user add`. SIGTERM or SIGINT stops it gracefully.

            Example:
              rehabcount serve pipelines/nightly.yaml --database postgresql://rehab_portal_app@dbhost/rehabcount
            """
    )

    @OptionGroup var connection: DatabaseOptions

    @Argument(help: "The pipeline file; its portal: section configures the server.")
    var pipeline: String

    @Option(help: ArgumentHelp("Database connections (and threads) for pages at once.", valueName: "n"))
    var connections = 4

    func validate() throws {
        guard (1...64).contains(connections) else { throw ValidationError("--connections must be 1 to 64.") }
    }

    func run() throws {
        // The command line runs synchronously; the server runs on its own event loops until it is stopped.
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task { [self] in
            let result: Result<Void, any Error>
            do { result = .success(try await serve()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        try outcome.withLock { $0 }?.get()
    }

    func serve() async throws {
        let config = try PipelineConfig.load(path: pipeline)
        let settings = config.portal ?? PipelineConfig.Portal()
        let logger = Logger(label: "rehabcount.portal")
        let conninfo = Connection.conninfo(option: connection.database ?? config.database)
        // Fail now, plainly, if the database cannot be reached or lacks the portal's tables.
        let check = try Connection(conninfo, applicationName: "rehabcount-portal")
        _ = try check.query("SELECT 1 FROM portal.users LIMIT 1")
        // Checks a stopped portal left waiting cannot finish: say so on their pages.
        let interrupted = try PortalServer.endInterruptedChecks(connection: check)
        if interrupted > 0 { logger.warning("checks interrupted by a restart", metadata: ["checks": "\(interrupted)"]) }
        let layout = try ProjectLayout.locate(explicit: connection.configDir ?? RunCommand.projectFolder(of: pipeline))
        let pool = DatabasePool(conninfo: conninfo, size: connections)
        logger.info(
            "portal listening",
            metadata: [
                "address": "\(settings.host):\(settings.port)",
                "public_url": "\(settings.publicURL?.absoluteString ?? "")",
            ]
        )
        try await PortalServer.application(
            settings: settings,
            pool: pool,
            layout: layout,
            inbox: config.resolve(config.inbox, root: layout.root),
            outbox: config.resolve(config.outbox, root: layout.root),
            checks: config.resolve(config.outbox, root: layout.root) + "/.portal",
            workers: config.workers,
            logger: logger
        ).runService()
        try await pool.shutdown()
    }
}

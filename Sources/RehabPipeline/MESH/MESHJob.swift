import Foundation
import Logging
import RehabCore
import RehabMESH
import Synchronization

/// What RehabCount does with its MESH mailbox, outside the night's stages.
public enum MESHJob {
    /// What `rehabcount mesh check` found.
    public struct Check: Sendable {
        public let url: URL
        public let mailbox: String
        public let workflow: String
        /// Messages waiting under the extract workflow.
        public let waiting: Int
        public let senders: [String: String]
    }

    /// Connects to the pipeline's mailbox as the night would: reads the secrets, handshakes, and counts the
    /// extracts waiting. Nothing is downloaded or acknowledged.
    ///
    /// - Throws: `RehabError` with `.configuration` (exit 2) when the pipeline has no `mesh:` section, a secret is
    ///   missing or MESH refuses the mailbox's credentials; with `.meshUnavailable` (exit 1) when MESH cannot be
    ///   reached.
    public static func check(
        pipeline: String,
        root: String,
        environment: [String: String],
        logger: Logger
    ) throws -> Check {
        let config = try PipelineConfig.load(path: pipeline)
        guard let mesh = config.mesh else {
            throw RehabError(
                .configuration,
                "\(pipeline) has no mesh: section.",
                hint: "Add one (docs/operations.md, \"MESH\"), or send extracts by folder only."
            )
        }
        let endpoint = try mesh.endpoint(environment: environment, root: root)
        let waiting = try blocking {
            let client = try MESHClient(endpoint, logger: logger)
            do {
                try await client.handshake()
                let ids = try await client.inbox(workflow: mesh.extractWorkflow)
                try await client.shutdown()
                return ids.count
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
        return Check(
            url: mesh.url,
            mailbox: mesh.mailbox,
            workflow: mesh.extractWorkflow,
            waiting: waiting,
            senders: mesh.senders
        )
    }

    private static let executor = QueueExecutor(label: "rehabcount.mesh")

    /// Runs MESH's asynchronous work from the synchronous commands and night, and turns its errors into
    /// `RehabError`s.
    ///
    /// The work runs on an executor of its own, not Swift's shared pool: the thread that waits here may be one of
    /// that pool's few threads (a test, a worker), and work queued behind it would never run.
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: Self.executor) {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        switch outcome.withLock({ $0 })! {
        case .success(let value): return value
        case .failure(let error as MESHError): throw RehabError(mesh: error)
        case .failure(let error): throw error
        }
    }
}

extension RehabError.Code {
    /// MESH could not be reached, or kept failing: exit 1, and the night goes on with the local inbox.
    public static let meshUnavailable = RehabError.Code("mesh-unavailable")
    /// A MESH message that cannot be taken: too large, a bad checksum or compression. The night refuses it.
    public static let meshMessage = RehabError.Code("mesh-message")
}

extension RehabError {
    /// A MESH failure as a user reads it: refused credentials are a configuration to fix (exit 2).
    init(mesh error: MESHError) {
        switch error.kind {
        case .authentication:
            self.init(
                .configuration,
                error.message,
                hint: "Check the mailbox id, REHABCOUNT_MESH_PASSWORD and REHABCOUNT_MESH_SHARED_KEY (or their _FILE "
                    + "forms), and the client certificate."
            )
        case .configuration:
            self.init(.configuration, error.message)
        case .file:
            self.init(.output, error.message)
        case .tooLarge, .checksum, .compression, .invalidResponse:
            self.init(.meshMessage, error.message)
        case .unavailable, .refused:
            self.init(.meshUnavailable, error.message)
        }
    }
}

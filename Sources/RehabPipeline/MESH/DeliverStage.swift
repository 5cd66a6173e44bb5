import Foundation
import Logging
import RehabCore
import RehabDatabase
import RehabIngest
import RehabMESH
import RehabReport

extension RunJob {
    /// What the deliver stage did.
    public struct Delivered: Sendable {
        /// Archives sent, by name.
        public var sent: [String] = []
        /// Archives still waiting, because MESH could not be reached.
        public var queued = 0
        /// Archives MESH refused (a 4xx), each with its file and MESH's reason: marked refused, not tried again.
        public var refused: [(file: String, reason: String)] = []
        public var failure: String?
    }

    /// deliver: sends each file processed tonight its reports, zipped as `<file>.feedback.zip`, to the mailbox that
    /// sent it (or, for a file that came by folder, its trust's mailbox in `senders`). Each send is recorded in
    /// `audit.mesh_deliveries` before and after; what is still queued from an earlier night is sent first, once.
    ///
    /// - Parameter meshDown: why the collect stage could not reach MESH tonight, if it could not: then everything
    ///   is queued without trying again.
    static func deliver(
        _ night: Night,
        files: [FileOutcome],
        meshDown: String?,
        connection: borrowing Connection,
        runID: Int64?,
        logger: Logger
    ) throws -> Delivered? {
        guard night.config.stages.contains(.deliver), let mesh = night.config.mesh, !night.options.dryRun else {
            return nil
        }
        let endpoint = try mesh.endpoint(environment: night.options.environment, root: night.options.layout.root)
        var result = Delivered()
        let folder = "\(night.outbox)/.mesh"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for outcome in files where [.loaded, .superseded, .unchanged, .rejected, .validated].contains(outcome.status) {
            guard let org = outcome.org,
                let recipient = try recipient(
                    of: outcome.file,
                    org: org,
                    mesh: mesh,
                    connection: connection
                )
            else { continue }
            let reports = SubmissionReports.names(stem: SubmissionReports.stem(of: outcome.file))
                .map { "\(night.outbox)/\(org)/\($0)" }
                .filter { FileManager.default.fileExists(atPath: $0) }
            guard !reports.isEmpty else { continue }
            // Unique beyond this database: MESH keeps local ids per mailbox, and a database restored or made anew
            // would count its runs again.
            let nonce = UUID().uuidString.prefix(8).lowercased()
            let localID = "rehabcount-\(runID.map(String.init) ?? "0")-\(nonce)-\(outcome.file)"
            let archive = "\(folder)/\(localID).feedback.zip"
            try FeedbackArchive.write(reports, to: archive)
            try connection.query(
                """
                INSERT INTO audit.mesh_deliveries (local_id, file_name, recipient, archive, run_id)
                VALUES ($1, $2, $3, $4, $5::bigint) ON CONFLICT (local_id) DO NOTHING
                """,
                [localID, outcome.file, recipient, archive, runID.map(String.init)]
            )
        }
        let queued = try connection.query(
            """
            SELECT local_id, file_name, recipient, archive FROM audit.mesh_deliveries
            WHERE sent_at IS NULL AND refused_at IS NULL ORDER BY queued_at, local_id
            """
        ).rows
        guard !queued.isEmpty else { return result }
        if let meshDown {
            // The collect stage found MESH unreachable tonight: queue, and spare the night another round of retries.
            result.queued = queued.count
            result.failure = meshDown
            logger.warning(
                "feedback stays queued for the next night",
                metadata: ["queued": .stringConvertible(queued.count)]
            )
            return result
        }
        let client = try MESHJob.blocking { try MESHClient(endpoint, logger: logger) }
        defer { try? MESHJob.blocking { try await client.shutdown() } }
        do {
            for row in queued {
                guard let localID = row[0], let file = row[1], let recipient = row[2], let archive = row[3] else {
                    continue
                }
                // A send the last night made but did not record: MESH knows it by its local id.
                var messageID = try MESHJob.blocking { try await client.sentMessage(localID: localID) }
                if messageID == nil {
                    guard FileManager.default.fileExists(atPath: archive) else {
                        logger.warning("a queued feedback archive is gone; not sent", metadata: ["file": "\(file)"])
                        continue
                    }
                    let sent = try MESHJob.blocking { () async throws -> Result<String, MESHError> in
                        do {
                            return .success(
                                try await client.send(
                                    file: archive,
                                    to: recipient,
                                    workflow: mesh.feedbackWorkflow,
                                    fileName: "\(file).feedback.zip",
                                    localID: localID,
                                    chunkSize: mesh.chunkSize
                                )
                            )
                        } catch let error as MESHError where error.isAboutRequest {
                            return .failure(error)
                        }
                    }
                    switch sent {
                    case .success(let id): messageID = id
                    case .failure(let error):
                        // MESH will not take this one (the mailbox is not registered, or not for the workflow):
                        // trying every night would not help, and must not hold up the rest.
                        try connection.query(
                            "UPDATE audit.mesh_deliveries SET refused_at = now(), reason = $2 WHERE local_id = $1",
                            [localID, error.message]
                        )
                        result.refused.append((file, error.message))
                        logger.error(
                            "MESH refused a trust's feedback; it is not tried again",
                            metadata: ["file": "\(file)", "mailbox": "\(recipient)", "reason": "\(error.message)"]
                        )
                        continue
                    }
                }
                try connection.query(
                    "UPDATE audit.mesh_deliveries SET message_id = nullif($2, ''), sent_at = now() WHERE local_id = $1",
                    [localID, messageID]
                )
                try? FileManager.default.removeItem(atPath: archive)
                result.sent.append("\(file).feedback.zip")
                logger.info("feedback sent through MESH", metadata: ["file": "\(file)", "mailbox": "\(recipient)"])
            }
        } catch let error as RehabError where error.code == .meshUnavailable || error.code == .meshMessage {
            result.queued = queued.count - result.sent.count - result.refused.count
            result.failure = "MESH: \(error.message)"
            logger.error(
                "MESH could not be reached, or kept refusing; feedback stays queued for the next night",
                metadata: ["reason": "\(error.message)", "queued": .stringConvertible(result.queued)]
            )
        }
        return result
    }

    /// The mailbox a file's feedback goes to: the one that sent it through MESH, else its trust's in `senders`.
    static func recipient(
        of file: String,
        org: String,
        mesh: PipelineConfig.MESH,
        connection: borrowing Connection
    ) throws -> String? {
        let sender = try connection.query(
            """
            SELECT sender FROM audit.mesh_messages WHERE file_name = $1 AND outcome IN ('collected', 'duplicate')
            ORDER BY received_at DESC LIMIT 1
            """,
            [file]
        ).scalar
        if let sender { return sender }
        let trust = org.count == 5 ? String(org.prefix(3)) : org
        return mesh.senders.filter { $0.value == org || $0.value == trust }.keys.sorted().first
    }
}

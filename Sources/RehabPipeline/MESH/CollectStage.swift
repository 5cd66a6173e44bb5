import Foundation
import Logging
import RehabCore
import RehabDatabase
import RehabIngest
import RehabMESH

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RunJob {
    /// What the collect stage did.
    public struct Collected: Sendable {
        /// Files moved into the inbox, by name.
        public var collected: [String] = []
        /// Messages whose bytes were already waiting in the inbox under their name.
        public var duplicates = 0
        /// Messages refused, each with its reason (answered to the sender, acknowledged).
        public var refused: [(message: String, reason: String)] = []
        /// Messages seen before (recorded, not yet acknowledged) and now acknowledged.
        public var acknowledgedAgain = 0
        /// Messages MESH listed but would not hand over (gone since it listed them, or an answer that was not
        /// MESH's), each with the reason: left in the mailbox, not recorded, and tried again the next night.
        public var skipped: [(message: String, reason: String)] = []
        /// Refusals whose answer MESH would not take (the sender is not registered for the feedback workflow, say):
        /// recorded and acknowledged all the same, and logged.
        public var unanswered = 0
        /// How long the oldest message MESH listed and the night did not acknowledge has been waiting, in seconds,
        /// by MESH's `mex-StatusTimestamp`: 0 when none is left, nil when the night could not tell (MESH down).
        public var oldestUnacknowledged: Double?
        /// Why collecting stopped early: MESH could not be reached or kept failing. The night goes on with the
        /// local inbox, and exits 1.
        public var failure: String?
    }

    /// collect: takes each message under the extract workflow from the MESH mailbox into the inbox.
    ///
    /// A message is downloaded to a private `.part` file in the inbox (which the take stage leaves alone), checked,
    /// flushed, and linked under its `mex-FileName`; only once that is recorded in `audit.mesh_messages` is it
    /// acknowledged. A message is refused, answered under the feedback workflow with the reason, and acknowledged
    /// when its sender is not in `senders`, its file names another trust, its name breaks the naming rule, or it
    /// is too large or its checksum or compression is bad. A message already recorded is only acknowledged.
    ///
    /// - Throws: `RehabError` with `.configuration` (exit 2, before anything is loaded) when a secret is missing or
    ///   MESH refuses the mailbox's credentials. MESH unreachable is not thrown: it is `Collected.failure`.
    static func collect(
        _ night: Night,
        connection: borrowing Connection,
        runID: Int64?,
        logger: Logger
    ) throws -> Collected? {
        guard night.config.stages.contains(.collect), let mesh = night.config.mesh else { return nil }
        let endpoint = try mesh.endpoint(environment: night.options.environment, root: night.options.layout.root)
        if night.options.dryRun {
            logger.info("dry run: the MESH mailbox is not read", metadata: ["mailbox": "\(mesh.mailbox)"])
            return nil
        }
        let client = try MESHJob.blocking { try MESHClient(endpoint, logger: logger) }
        defer { try? MESHJob.blocking { try await client.shutdown() } }
        var result = Collected()
        var ids: [String]?
        var acknowledged: Set<String> = []
        do {
            try MESHJob.blocking { try await client.handshake() }
            let listed = try MESHJob.blocking { try await client.inbox(workflow: mesh.extractWorkflow) }
            ids = listed
            logger.info("MESH messages waiting", metadata: ["count": .stringConvertible(listed.count)])
            for id in listed {
                let done = try collectOne(
                    id,
                    client: client,
                    mesh: mesh,
                    night: night,
                    connection: connection,
                    runID: runID,
                    into: &result,
                    logger: logger
                )
                if done { acknowledged.insert(id) }
            }
        } catch let error as RehabError where error.code == .meshUnavailable || error.code == .meshMessage {
            // One JSON line, without secrets: the description is MESH's status and the operation.
            logger.error(
                "MESH could not be reached, or kept refusing; the local inbox is processed",
                metadata: ["reason": "\(error.message)"]
            )
            result.failure = "MESH: \(error.message)"
        }
        if let ids, result.failure == nil {
            result.oldestUnacknowledged = oldestAge(
                of: ids.filter { !acknowledged.contains($0) },
                client: client,
                logger: logger
            )
        }
        return result
    }

    /// The age in seconds of the oldest of `waiting` (messages listed and not acknowledged), by when MESH accepted
    /// each: 0 when there are none, nil when MESH says of none of them. At most 100 are asked about.
    private static func oldestAge(of waiting: [String], client: MESHClient, logger: Logger) -> Double? {
        guard !waiting.isEmpty else { return 0 }
        let now = Date()
        var oldest: Double?
        for id in waiting.prefix(100) {
            guard let accepted = try? MESHJob.blocking({ try await client.acceptedAt(id) }) else { continue }
            oldest = max(oldest ?? 0, max(0, now.timeIntervalSince(accepted)))
        }
        if let oldest {
            logger.warning(
                "MESH messages left unacknowledged",
                metadata: [
                    "count": .stringConvertible(waiting.count),
                    "oldest_hours": .stringConvertible((oldest / 3600 * 10).rounded() / 10),
                ]
            )
        }
        return oldest
    }

    private static func collectOne(
        _ id: String,
        client: MESHClient,
        mesh: PipelineConfig.MESH,
        night: Night,
        connection: borrowing Connection,
        runID: Int64?,
        into result: inout Collected,
        logger: Logger
    ) throws -> Bool {
        // Seen before: recorded, and perhaps not answered or acknowledged.
        let prior = try connection.query(
            "SELECT outcome, reason, answered_at IS NOT NULL, sender, file_name FROM audit.mesh_messages WHERE message_id = $1",
            [id]
        ).rows.first
        if let prior {
            if prior[0] == "refused", prior[2] == "f", let sender = prior[3] {
                _ = try answer(
                    id,
                    sender: sender,
                    name: prior[4] ?? id,
                    reason: prior[1] ?? "refused",
                    client: client,
                    mesh: mesh,
                    connection: connection,
                    logger: logger
                )
            }
            try acknowledge(id, client: client, connection: connection)
            result.acknowledgedAgain += 1
            return true
        }
        let staging = "\(night.inbox)/.mesh-\(id).part"
        unlink(staging)  // a download a stopped night left behind
        defer { unlink(staging) }
        var refusal: String?
        var message: ReceivedMessage?
        // Headers of a message refused as it downloaded, for the record and the answer.
        var refused: (sender: String?, fileName: String?) = (nil, nil)
        let download = try MESHJob.blocking { () async throws -> Result<ReceivedMessage, MESHError> in
            do {
                return .success(try await client.download(id, to: staging, limit: mesh.maxMessageSize))
            } catch let error as MESHError where error.isAboutMessage || error.isAboutRequest {
                // The message itself is at fault (refuse it), or MESH would not hand this one over (skip it). Any
                // other failure (MESH gone, a full disk) stops collecting; the message waits for the next night.
                return .failure(error)
            }
        }
        switch download {
        case .success(let received): message = received
        case .failure(let error) where error.isAboutRequest:
            logger.warning(
                "MESH would not hand over a message; it is left in the mailbox",
                metadata: ["message_id": "\(id)", "reason": "\(error.message)"]
            )
            result.skipped.append((id, error.message))
            return false
        case .failure(let error):
            refusal = error.message
            refused = (error.sender, error.fileName)
        }
        var outcome = "collected"
        if let message, refusal == nil {
            refusal = Self.refusal(of: message, mesh: mesh)
            if refusal == nil, let name = message.fileName {
                let target = "\(night.inbox)/\(name)"
                if link(staging, target) == 0 {
                    // One name only, before anything else can stop the night: the take stage skips a file with
                    // two, and a stopped night must leave the file to load.
                    unlink(staging)
                    syncFolder(night.inbox)
                    result.collected.append(name)
                } else if errno == EEXIST {
                    if (try? FileDigest.sha256(path: target).hex) == message.sha256 {
                        outcome = "duplicate"
                        result.duplicates += 1
                    } else {
                        refusal =
                            "A different file named \(name) is already waiting to be processed; send it again "
                            + "after tonight's run."
                    }
                } else {
                    throw RehabError(
                        .output,
                        "Cannot move a MESH message into \(night.inbox): \(String(cString: strerror(errno)))."
                    )
                }
            }
        }
        let name = message?.fileName ?? refused.fileName
        let sender = message?.sender ?? refused.sender
        try connection.query(
            """
            INSERT INTO audit.mesh_messages
                (message_id, sender, local_id, workflow, file_name, bytes, sha256, run_id, outcome, reason)
            VALUES ($1, $2, $3, $4, $5, $6::bigint, $7, $8::bigint, $9, $10)
            """,
            [
                id, sender, message?.localID, message?.workflow, name, message.map { String($0.bytes) },
                message?.sha256, runID.map(String.init), refusal == nil ? outcome : "refused", refusal,
            ]
        )
        if let refusal {
            logger.warning("MESH message refused", metadata: ["message_id": "\(id)", "reason": "\(refusal)"])
            result.refused.append((id, refusal))
            if let sender {
                let answered = try answer(
                    id,
                    sender: sender,
                    name: name ?? id,
                    reason: refusal,
                    client: client,
                    mesh: mesh,
                    connection: connection,
                    logger: logger
                )
                if !answered { result.unanswered += 1 }
            }
        } else {
            logger.info("MESH message collected", metadata: ["message_id": "\(id)", "file": "\(name ?? "")"])
        }
        try acknowledge(id, client: client, connection: connection)
        return true
    }

    /// Why a downloaded message cannot go into the inbox, or nil when it can.
    static func refusal(of message: ReceivedMessage, mesh: PipelineConfig.MESH) -> String? {
        guard let sender = message.sender, let org = mesh.senders[sender] else {
            return "Mailbox \(message.sender ?? "(none)") is not one RehabCount takes extracts from."
        }
        guard let name = message.fileName, !name.isEmpty else { return "The message has no file name (mex-FileName)." }
        guard !name.contains("/"), !name.contains("\\"), !name.hasPrefix("."), name.utf8.count <= 200,
            let parsed = SubmissionName(fileName: name)
        else {
            return "\(name) is not named <ORG>_<kind>_<YYYY-MM>.csv or .xlsx."
        }
        guard parsed.orgCode == org || (parsed.orgCode.count == 5 && parsed.orgCode.hasPrefix(org)) else {
            return "\(name) names trust \(parsed.orgCode), but mailbox \(sender) sends for \(org)."
        }
        return nil
    }

    /// Sends the reason for a refusal back to the sender, under the feedback workflow, once.
    ///
    /// - Returns: false when MESH refused the answer (a 4xx: the sender cannot be sent to under the feedback
    ///   workflow); that is logged and the refusal stands. MESH unreachable is thrown.
    private static func answer(
        _ id: String,
        sender: String,
        name: String,
        reason: String,
        client: MESHClient,
        mesh: PipelineConfig.MESH,
        connection: borrowing Connection,
        logger: Logger
    ) throws -> Bool {
        let file = NSTemporaryDirectory() + "/rehabcount-refusal-\(id).txt"
        try "RehabCount did not take \(name) (MESH message \(id)).\n\(reason)\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        defer { unlink(file) }
        let base = (name as NSString).lastPathComponent.filter {
            $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0))
        }
        let sent = try MESHJob.blocking { () async throws -> MESHError? in
            do {
                _ = try await client.send(
                    file: file,
                    to: sender,
                    workflow: mesh.feedbackWorkflow,
                    fileName: (base.isEmpty ? id : base) + ".refused.txt",
                    localID: "refused-\(id)",
                    chunkSize: mesh.chunkSize
                )
                return nil
            } catch let error as MESHError where error.isAboutRequest {
                return error
            }
        }
        if let sent {
            logger.warning(
                "MESH would not take the answer to a refused message",
                metadata: ["message_id": "\(id)", "mailbox": "\(sender)", "reason": "\(sent.message)"]
            )
            return false
        }
        try connection.query("UPDATE audit.mesh_messages SET answered_at = now() WHERE message_id = $1", [id])
        return true
    }

    private static func acknowledge(_ id: String, client: MESHClient, connection: borrowing Connection) throws {
        try MESHJob.blocking { try await client.acknowledge(id) }
        try connection.query("UPDATE audit.mesh_messages SET acknowledged_at = now() WHERE message_id = $1", [id])
    }

    /// Makes a new name in a folder durable.
    private static func syncFolder(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}

import Crypto
import Foundation
import Hummingbird
import Logging
import MultipartKit
import NIOCore
import NIOPosix
import RehabCore
import RehabDatabase
import RehabIngest
import RehabPipeline
import RehabReport

#if canImport(Glibc)
import Glibc
#endif

/// Checking a file through the portal, and submitting it: the upload streams to a private file, bounded by
/// `max_upload`, and goes through the night's own validator; a submission puts exactly those bytes into the inbox.
struct CheckDesk: Sendable {
    /// What the portal needs of the pipeline: where the inbox is, where checks are kept, how to validate.
    struct Setup: Sendable {
        let layout: ProjectLayout
        let inbox: String
        /// A private folder of the server's, one subfolder per check.
        let checks: String
        let maxUpload: Int
    }

    let setup: Setup
    /// Validation is CPU work: it runs here, `workers` at a time, never on the event loop.
    let validators: NIOThreadPool
    /// Where a check's own work runs once its upload has been answered: a queue of its own, so that it neither
    /// waits for nor holds a thread of Swift's shared pool.
    let executor = QueueExecutor(label: "rehabcount.portal.checks")

    /// One check's files.
    func folder(_ id: String) -> String { "\(setup.checks)/\(id)" }

    /// The threads that take arriving files in (parse the form, hash, write, sync to disk) and copy submitted ones
    /// into the inbox, shared by every application in the process. Not Swift's shared pool, whose few threads
    /// render every page: five 100 MB uploads parsed and synced there held pages up for a second.
    static let intakeThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    /// Runs a piece of a check's file work on the intake threads, below the pages' priority.
    func offPages<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await Self.intakeThreads.runIfActive {
            Self.belowPages()
            return try body()
        }
    }

    /// Puts the calling thread below the pages: a check's seconds of CPU and disk work must not make a page wait.
    /// On Linux the nice value is each thread's own, and `who` 0 is the calling thread; raising it needs no
    /// privilege, and it cannot be lowered again, so it is for threads that only ever do such work.
    static func belowPages() {
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
    }

    /// The reports a check's folder may hold, by their names, as the night names them: nothing else is ever
    /// served from it.
    static func reports(of file: String) -> [String] {
        SubmissionReports.names(stem: SubmissionReports.stem(of: file))
    }

    /// A file as it arrives: written to a new private file, hashed, counted against the limit.
    final class Upload: @unchecked Sendable {
        var file: NewFile
        var hash = SHA256()
        var bytes = 0
        init(path: String) throws { file = try NewFile(path: path) }
    }

    enum Refusal: Error {
        case forbidden(String)
        case tooLarge
        case bad(String)
        /// The server could not store the file (a full disk): nothing was checked; try again later.
        case storage
    }

    /// Reads a multipart form whose first part is the `csrf` token and whose `file` part is the extract, streaming
    /// the file into `folder` under its own name.
    ///
    /// - Returns: the file's name, its path, size and SHA-256.
    func receive(
        _ request: Request,
        csrf expected: String,
        scope: Identity,
        into folder: String
    ) async throws -> Received {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > setup.maxUpload + (64 << 10) {
            throw Refusal.tooLarge
        }
        guard let type = request.headers[.contentType], type.lowercased().hasPrefix("multipart/form-data"),
            let boundary = type.split(separator: ";").compactMap({ part -> String? in
                let p = part.trimmingCharacters(in: .whitespaces)
                guard p.lowercased().hasPrefix("boundary=") else { return nil }
                return String(p.dropFirst(9)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }).first
        else { throw Refusal.bad("Send the file from the form on this page.") }

        /// The form as it is read, touched by one intake job at a time (each chunk's is awaited before the next).
        final class State: @unchecked Sendable {
            let parser: MultipartParser
            init(_ parser: MultipartParser) { self.parser = parser }
            var headers: [String: String] = [:]
            var field: [UInt8] = []
            var csrfSeen = false
            var upload: Upload?
            var name: String?
            var failure: Refusal?
        }
        let state = State(MultipartParser(boundary: boundary))
        let parser = state.parser
        let limit = setup.maxUpload
        parser.onHeader = { name, value in state.headers[name.lowercased()] = value }
        parser.onBody = { buffer in
            guard state.failure == nil else { return }
            let disposition = state.headers["content-disposition"] ?? ""
            if disposition.contains("name=\"file\"") {
                guard state.csrfSeen else {
                    state.failure = .forbidden("The form had expired. Reload the page and try again.")
                    return
                }
                if state.upload == nil {
                    guard let name = Self.fileName(disposition), let parsed = SubmissionName(fileName: name) else {
                        state.failure = .bad("Name the file <ORG>_<kind>_<YYYY-MM>.csv or .xlsx, as the contract says.")
                        return
                    }
                    guard scope.maySee(org: parsed.orgCode) else {
                        state.failure = .forbidden("\(name) is named for \(parsed.orgCode), not your trust.")
                        return
                    }
                    do {
                        state.upload = try Upload(path: "\(folder)/\(name)")
                        state.name = name
                    } catch {
                        state.failure = .bad("The file could not be stored.")
                        return
                    }
                }
                guard let upload = state.upload else { return }
                upload.bytes += buffer.readableBytes
                guard upload.bytes <= limit else {
                    state.failure = .tooLarge
                    return
                }
                let written = buffer.withUnsafeReadableBytes { raw in
                    upload.hash.update(bufferPointer: raw)
                    return (try? raw.withMemoryRebound(to: UInt8.self) { try upload.file.write($0.span) }) != nil
                }
                // A full disk: the check stops here rather than validate part of the file.
                if !written { state.failure = .storage }
            } else if disposition.contains("name=\"csrf\"") {
                state.field += buffer.readableBytesView.prefix(256)
            }
        }
        parser.onPartComplete = {
            if (state.headers["content-disposition"] ?? "").contains("name=\"csrf\"") {
                state.csrfSeen = PortalDirectory.constantTimeEqual(state.field, Array(expected.utf8))
            }
            state.headers = [:]
        }
        for try await buffer in request.body {
            let failure = try await offPages { () throws(Refusal) -> Refusal? in
                do { try state.parser.execute(buffer) } catch {
                    throw Refusal.bad("The form's upload was not readable.")
                }
                return state.failure
            }
            if let failure { throw failure }
        }
        if let failure = state.failure { throw failure }
        guard let upload = state.upload, let name = state.name else {
            throw Refusal.bad(state.csrfSeen ? "Choose a file to check." : "The form had expired. Reload the page.")
        }
        return try await kept(upload, name: name, in: folder)
    }

    /// Syncs an arrived file to disk, off the pages: a sync of 100 MB can take a second.
    private func kept(_ upload: Upload, name: String, in folder: String) async throws -> Received {
        try await offPages {
            do { try upload.file.keep() } catch { throw Refusal.storage }
            let sha = upload.hash.finalize().map { String(format: "%02x", $0) }.joined()
            return (name, "\(folder)/\(name)", upload.bytes, sha)
        }
    }

    /// A file as it arrived: its name, path, size and SHA-256.
    typealias Received = (name: String, path: String, bytes: Int, sha256: String)

    /// Streams a request body that is the file itself (the API's) into `folder` under `name`.
    func receive<Body: AsyncSequence>(
        bytes body: Body,
        name: String,
        scope: Identity,
        into folder: String
    ) async throws -> Received where Body.Element == ArraySlice<UInt8> {
        guard !name.contains("/"), !name.contains("\\"), !name.hasPrefix("."), name.utf8.count <= 200,
            let parsed = SubmissionName(fileName: name)
        else { throw Refusal.bad("Name the file <ORG>_<kind>_<YYYY-MM>.csv or .xlsx, as the contract says.") }
        guard scope.maySee(org: parsed.orgCode) else {
            throw Refusal.forbidden("\(name) is named for \(parsed.orgCode), not your trust.")
        }
        let upload: Upload
        do { upload = try Upload(path: "\(folder)/\(name)") } catch {
            throw Refusal.bad("The file could not be stored.")
        }
        for try await chunk in body {
            upload.bytes += chunk.count
            guard upload.bytes <= setup.maxUpload else { throw Refusal.tooLarge }
            try await offPages {
                do {
                    try chunk.withUnsafeBufferPointer { buffer in
                        upload.hash.update(bufferPointer: UnsafeRawBufferPointer(buffer))
                        try upload.file.write(buffer.span)
                    }
                } catch { throw Refusal.storage }
            }
        }
        return try await kept(upload, name: name, in: folder)
    }

    /// Records a stored file as a check waiting for a validator (`queued`), with its audit event. Its page can say
    /// so at once, and how many checks are ahead of it.
    func enqueue(_ received: Received, id: String, identity: Identity, pool: DatabasePool) async throws {
        let org = SubmissionName(fileName: received.name)?.orgCode ?? identity.org ?? ""
        try await pool.withConnection { c in
            try c.query(
                """
                INSERT INTO portal.checks (check_id, org_code, actor, file_name, bytes, sha256, status, rows_read,
                    rows_quarantined)
                VALUES ($1, $2, $3, $4, $5::bigint, $6, 'queued', 0, 0)
                """,
                [id, org, identity.actor, received.name, String(received.bytes), received.sha256]
            )
            try PortalDirectory.record(
                actor: identity.actor,
                org: org,
                event: "check",
                detail: "\(received.name) (\(id))",
                connection: c
            )
        }
    }

    /// Validates a queued check when a validator is free, and records its outcome. A check that cannot be
    /// finished is recorded as `failed` with the reason (never a row of the file's), its files removed, and the
    /// error thrown.
    func finish(_ received: Received, id: String, pool: DatabasePool, logger: Logger) async throws -> ValidatedFile {
        let validated: ValidatedFile
        do {
            validated = try await validate(received.path, logger: logger) {
                // On the validator's thread, as it starts: the page stops counting the checks ahead.
                Task(executorPreference: executor) {
                    _ = try? await pool.withConnection { c in
                        try c.query(
                            "UPDATE portal.checks SET status = 'validating' WHERE check_id = $1 AND status = 'queued'",
                            [id]
                        )
                    }
                }
            }
        } catch {
            logger.error("check failed", metadata: ["check": "\(id)", "error": "\(error)"])
            try? FileManager.default.removeItem(atPath: folder(id))
            _ = try await pool.withConnection { c in
                try c.query(
                    "UPDATE portal.checks SET status = 'failed', reason = $2 WHERE check_id = $1",
                    [id, "The validator could not finish the check."]
                )
            }
            throw error
        }
        let result = validated.result
        _ = try await pool.withConnection { c in
            try c.query(
                """
                UPDATE portal.checks SET status = $2, rows_read = $3::bigint, rows_quarantined = $4::bigint
                WHERE check_id = $1
                """,
                [id, result.status.rawValue, String(result.rows.read), String(result.rows.quarantined)]
            )
        }
        return validated
    }

    /// Submits a check's file and records who did: false when a file of that name already waits in the inbox.
    func submitCheck(
        id: String,
        file: String,
        org: String,
        identity: Identity,
        pool: DatabasePool
    ) async throws -> Bool {
        let path = "\(folder(id))/\(file)"
        guard try await offPages({ [self] in try submit(path, name: file) }) else { return false }
        try await pool.withConnection { c in
            try c.query(
                "UPDATE portal.checks SET submitted_at = now(), submitted_by = $2 WHERE check_id = $1",
                [id, identity.actor]
            )
            try PortalDirectory.record(
                actor: identity.actor,
                org: org,
                event: "submission",
                detail: "\(file) (\(id))",
                connection: c
            )
        }
        return true
    }

    /// The `filename` of a `Content-Disposition`, reduced to its last path part (browsers on Windows have sent
    /// whole paths).
    static func fileName(_ disposition: String) -> String? {
        guard let range = disposition.range(of: "filename=\"") else { return nil }
        let raw = disposition[range.upperBound...].prefix { $0 != "\"" }
        let name = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        guard !name.isEmpty, !name.hasPrefix("."), name.utf8.count <= 200 else { return nil }
        return name
    }

    /// Validates a checked file with the night's validator, writing its reports beside it; `started` is called on
    /// the validator's thread when one takes it.
    func validate(
        _ path: String,
        logger: Logger,
        started: @escaping @Sendable () -> Void = {}
    ) async throws -> ValidatedFile {
        let layout = setup.layout
        let folder = (path as NSString).deletingLastPathComponent
        return try await validators.runIfActive {
            started()
            Self.belowPages()
            let outcome = try ValidateJob.run(
                ValidateOptions(files: [path], reportDirectory: folder, layout: layout),
                logger: logger
            )
            guard let file = outcome.files.first else { throw RehabError(.output, "The check produced no result.") }
            return file
        }
    }

    /// Puts a checked file into the night's inbox under its name, through a private name first, so that the night
    /// never sees half a file.
    ///
    /// - Returns: false when a file of that name is already waiting.
    func submit(_ path: String, name: String) throws -> Bool {
        let staging = "\(setup.inbox)/.portal-\(UUID().uuidString).part"
        switch try FileIntake.copy(path, to: staging) {
        case .copied: break
        case .refused(let reason): throw RehabError(.output, "The checked file could not be read (\(reason)).")
        case .changing: throw RehabError(.output, "The checked file changed while it was copied.")
        }
        defer { unlink(staging) }
        chmod(staging, 0o640)
        if link(staging, "\(setup.inbox)/\(name)") == 0 { return true }
        if errno == EEXIST { return false }
        throw RehabError(.output, "Cannot put \(name) into the inbox: \(String(cString: strerror(errno))).")
    }
}

extension PortalServer {
    /// Ends the checks a stopped portal left waiting or half done: their page says to check the file again.
    public static func endInterruptedChecks(connection c: borrowing Connection) throws -> Int {
        try c.query(
            """
            UPDATE portal.checks SET status = 'failed',
                reason = 'The portal was restarted before the check finished. Check the file again.'
            WHERE status IN ('queued', 'validating')
            """
        ).affectedRows
    }
}

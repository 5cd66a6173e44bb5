import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RehabCore
import RehabDatabase
import RehabPipeline
import RehabReport

extension PortalServer.Handlers {
    /// A check as the portal recorded it.
    struct CheckRecord: Sendable {
        let id: String
        let org: String
        let file: String
        let status: String
        let rowsRead: String
        let rowsQuarantined: String
        let submittedAt: String?
        /// Why a failed check failed.
        let reason: String?
        /// Checks waiting or being validated that were stored before this one.
        let ahead: Int

        /// Whether the check is still waiting for, or in, a validator.
        var pending: Bool { status == "queued" || status == "validating" }
        var finished: Bool { !pending && status != "failed" }

        /// Where the check is, in words, while it is pending or if it failed.
        var progress: String {
            switch status {
            case "queued":
                ahead == 0
                    ? "Waiting for a validator: it is next."
                    : "Waiting for a validator: \(ahead) check\(ahead == 1 ? "" : "s") ahead of it."
            case "validating": "Being checked now."
            case "failed": reason ?? "The check could not be finished. Check the file again."
            default: "Checked."
            }
        }
    }

    /// The check with this id, if the identity may see its trust; otherwise nil, exactly as for none.
    func check(_ id: String, for identity: Identity) async throws -> CheckRecord? {
        guard id.count == 32, id.allSatisfy(\.isHexDigit) else { return nil }
        let row = try await pool.withConnection { c in
            try c.query(
                """
                SELECT k.check_id, k.org_code, k.file_name, k.status, k.rows_read, k.rows_quarantined,
                    to_char(k.submitted_at, 'YYYY-MM-DD HH24:MI'), k.reason,
                    CASE WHEN k.status IN ('queued', 'validating') THEN (
                        SELECT count(*) FROM portal.checks a
                        WHERE a.status IN ('queued', 'validating') AND (a.checked_at, a.check_id) < (k.checked_at, k.check_id)
                    ) ELSE 0 END
                FROM portal.checks k WHERE k.check_id = $1
                """,
                [id]
            ).rows.first
        }
        guard let row, let org = row[1], identity.maySee(org: org) else { return nil }
        return CheckRecord(
            id: id,
            org: org,
            file: row[2] ?? "",
            status: row[3] ?? "",
            rowsRead: row[4] ?? "",
            rowsQuarantined: row[5] ?? "",
            submittedAt: row[6],
            reason: row[7],
            ahead: Int(row[8] ?? "") ?? 0
        )
    }

    func checkPage(_ request: Request, _ context: PortalContext) async throws -> Response {
        guard let open = try await session(request) else { return redirect("/login") }
        return html(.ok, Page.checkForm(session: open, maxUpload: settings.maxUpload, message: nil))
    }

    func check(_ request: Request, _ context: PortalContext) async throws -> Response {
        guard let open = try await session(request) else { return redirect("/login") }
        let id = PortalDirectory.randomText(bytes: 16, hex: true)
        let folder = desk.folder(id)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let received: CheckDesk.Received
        do {
            received = try await desk.receive(request, csrf: open.csrf, scope: open.identity, into: folder)
        } catch let refusal as CheckDesk.Refusal {
            try? FileManager.default.removeItem(atPath: folder)
            switch refusal {
            case .tooLarge:
                // Close the connection rather than read the rest of an upload that will not be kept.
                var response = html(
                    .contentTooLarge,
                    Page.checkForm(
                        session: open,
                        maxUpload: settings.maxUpload,
                        message: "The file is larger than the portal takes (\(settings.maxUpload >> 20) MiB)."
                    )
                )
                response.headers[.connection] = "close"
                return response
            case .forbidden(let text):
                return html(.forbidden, Page.checkForm(session: open, maxUpload: settings.maxUpload, message: text))
            case .bad(let text):
                return html(.badRequest, Page.checkForm(session: open, maxUpload: settings.maxUpload, message: text))
            case .storage:
                let text = "The portal could not store the file just now. Nothing was checked; try again later."
                return html(
                    .serviceUnavailable,
                    Page.checkForm(session: open, maxUpload: settings.maxUpload, message: text)
                )
            }
        }
        do {
            try await desk.enqueue(received, id: id, identity: open.identity, pool: pool)
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
        // The page answers at once and shows the check waiting its turn; the check goes on without the request.
        let (desk, pool, logger) = (desk, pool, logger)
        Task(executorPreference: desk.executor) {
            _ = try? await desk.finish(received, id: id, pool: pool, logger: logger)
        }
        return redirect("/checks/\(id)")
    }

    func checkResult(_ request: Request, _ context: PortalContext) async throws -> Response {
        guard let open = try await session(request) else { return redirect("/login") }
        guard let record = try await check(context.parameters.get("id") ?? "", for: open.identity) else {
            throw HTTPError(.notFound, message: "There is no such check.")
        }
        let present =
            record.finished
            ? CheckDesk.reports(of: record.file).filter {
                FileManager.default.fileExists(atPath: "\(desk.folder(record.id))/\($0)")
            } : []
        return html(.ok, Page.checkResult(session: open, check: record, files: present))
    }

    /// Where a check is, as JSON, for the check page's script while the check waits: `done` once it has finished
    /// (or failed), so the page reloads to show the outcome.
    func checkState(_ request: Request, _ context: PortalContext) async throws -> Response {
        guard let open = try await session(request) else { throw HTTPError(.unauthorized) }
        guard let record = try await check(context.parameters.get("id") ?? "", for: open.identity) else {
            throw HTTPError(.notFound, message: "There is no such check.")
        }
        struct State: Encodable {
            let state: String
            let text: String
            let done: Bool
        }
        let state = State(state: record.status, text: record.progress, done: !record.pending)
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(data: try JSONEncoder().encode(state)))
        )
    }

    func download(_ request: Request, _ context: PortalContext) async throws -> Response {
        guard let open = try await session(request) else { return redirect("/login") }
        let name = context.parameters.get("name") ?? ""
        guard let record = try await check(context.parameters.get("id") ?? "", for: open.identity),
            CheckDesk.reports(of: record.file).contains(name)
        else { throw HTTPError(.notFound, message: "There is no such report.") }
        return try await report(at: "\(desk.folder(record.id))/\(name)", org: record.org, for: open, context: context)
    }

    /// A report file, read to the client in chunks (a quarantine CSV of a large extract is large), its opening
    /// recorded in `audit.portal_events`. The caller has checked that the identity may see it.
    func report(at path: String, org: String, for open: Sessions.Open, context: PortalContext) async throws -> Response
    {
        let name = (path as NSString).lastPathComponent
        guard let body = PortalServer.streamed(path) else {
            throw HTTPError(.notFound, message: "There is no such report.")
        }
        let part = SubmissionReports.part(of: name)
        var response = Response(
            status: .ok,
            headers: [.contentType: part?.mediaType ?? "application/octet-stream"],
            body: body
        )
        if part?.format == "HTML" {
            // The report is a page of its own with its stylesheet inside it: styles inline, never scripts.
            response.headers[.contentSecurityPolicy] =
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
        } else {
            response.headers[.contentDisposition] = "attachment; filename=\"\(name)\""
        }
        try await pool.withConnection { c in
            try PortalDirectory.record(
                actor: open.identity.actor,
                org: org,
                event: "download",
                detail: name,
                connection: c
            )
        }
        return response
    }

    func submit(_ request: Request, _ context: PortalContext) async throws -> Response {
        guard let open = try await session(request) else { return redirect("/login") }
        guard let record = try await check(context.parameters.get("id") ?? "", for: open.identity) else {
            throw HTTPError(.notFound, message: "There is no such check.")
        }
        let form = try await URLEncodedFormDecoder().decode(CSRFForm.self, from: request, context: context)
        guard PortalDirectory.constantTimeEqual(Array(open.csrf.utf8), Array(form.csrf.utf8)) else {
            throw HTTPError(.forbidden, message: "The form had expired. Go back, reload the page and try again.")
        }
        // Nothing to submit until the check has finished, or after it failed or was submitted.
        guard record.submittedAt == nil, record.finished else { return redirect("/checks/\(record.id)") }
        guard
            try await desk.submitCheck(
                id: record.id,
                file: record.file,
                org: record.org,
                identity: open.identity,
                pool: pool
            )
        else {
            throw HTTPError(
                .conflict,
                message: "A file named \(record.file) is already waiting for tonight's run. It is loaded first; "
                    + "submit this one after it."
            )
        }
        return redirect("/checks/\(record.id)")
    }
}

extension PortalServer {
    /// A regular file's bytes as a response body, read in chunks as the client takes them, so a large report is
    /// never held whole; nil when there is no such regular file.
    static func streamed(_ path: String) -> ResponseBody? {
        guard let file = ReportFile(path) else { return nil }
        return ResponseBody(contentLength: file.size) { writer in
            while let chunk = try await file.next() { try await writer.write(ByteBuffer(bytes: chunk)) }
            try await writer.finish(nil)
        }
    }
}

/// A report file read one chunk of 256 KiB at a time on the portal's file threads, for one response.
///
/// Each read is one job on `PortalServer.fileThreads`, awaited from the request's own task: no task of its own
/// that would wait for a thread of Swift's shared pool.
final class ReportFile: @unchecked Sendable {
    let size: Int
    private let handle: FileHandle
    private var sent = 0

    init?(_ path: String) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular,
            let size = attributes[.size] as? Int,
            let handle = FileHandle(forReadingAtPath: path)
        else { return nil }
        self.size = size
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// The next chunk, or nil at the end (or once `size` bytes have been read, whatever the file does since).
    func next() async throws -> [UInt8]? {
        guard sent < size else { return nil }
        let want = min(256 << 10, size - sent)
        let chunk = try await PortalServer.fileThreads.runIfActive { [handle] in
            try handle.read(upToCount: want) ?? Data()
        }
        guard !chunk.isEmpty else { return nil }
        sent += chunk.count
        return Array(chunk)
    }
}

extension HTTPField.Name {
    static let contentDisposition = Self("Content-Disposition")!
}

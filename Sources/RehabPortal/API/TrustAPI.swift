import Foundation
import Hummingbird
import Logging
import OpenAPIRuntime
import RehabAPI
import RehabCore
import RehabDatabase
import RehabPipeline
import RehabReport

/// Who the API request's bearer token speaks for: set by `BearerTokens` for the request's task.
enum APIIdentity {
    @TaskLocal static var current: Identity?
}

/// The API's door: a valid `Authorization: Bearer <id>.<secret>` or 401, before any operation runs.
struct BearerTokens: RouterMiddleware {
    typealias Context = PortalContext
    let pool: DatabasePool
    let maxUpload: Int

    func handle(
        _ request: Request,
        context: PortalContext,
        next: (Request, PortalContext) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/api/v1/") else { return try await next(request, context) }
        if let allowed = Self.methods(path), !allowed.contains(request.method.rawValue) {
            return Response(
                status: .methodNotAllowed,
                headers: [.contentType: "application/json", .allow: allowed.joined(separator: ", ")],
                body: .init(
                    byteBuffer: ByteBuffer(string: #"{"message":"That method is not one this address takes."}"#)
                )
            )
        }
        var identity: Identity?
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            identity = try await pool.withConnection { try PortalDirectory.identity(token: token, connection: $0) }
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxUpload {
            var response = Response(
                status: .contentTooLarge,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"message":"The file is larger than the portal takes."}"#))
            )
            response.headers[.connection] = "close"
            return response
        }
        guard let identity else {
            return Response(
                status: .unauthorized,
                headers: [.contentType: "application/json", .wwwAuthenticate: "Bearer"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"message":"A valid bearer token is needed."}"#))
            )
        }
        do {
            return try await APIIdentity.$current.withValue(identity) { try await next(request, context) }
        } catch let error as ServerError where error.operationInput == nil {
            // The request never became an operation's input: a parameter missing or malformed, the wrong content
            // type. That is the caller's to fix (400), not a server error.
            let problem = Components.Schemas.Problem(
                message: "The request does not match the API: \(error.causeDescription)."
            )
            return Response(
                status: .badRequest,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(data: try JSONEncoder().encode(problem)))
            )
        }
    }
}

extension BearerTokens {
    /// The methods the API document gives an address, or nil for an address it does not have.
    static func methods(_ path: String) -> [String]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 4 where parts[3] == "checks": return ["POST"]
        case 4 where parts[3] == "submissions": return ["GET", "POST"]
        case 7 where parts[3] == "submissions" && parts[5] == "reports": return ["GET"]
        default: return nil
        }
    }
}

/// The trust API (Sources/RehabAPI/openapi.yaml), on the same check desk as the pages.
struct TrustAPI: APIProtocol {
    let desk: CheckDesk
    let pool: DatabasePool
    let logger: Logger

    private var identity: Identity {
        get throws {
            guard let identity = APIIdentity.current else { throw HTTPError(.unauthorized) }
            return identity
        }
    }

    private static func problem(_ text: String) -> Components.Schemas.Problem { .init(message: text) }

    /// Receives, validates and records a check; the outcome, or the refusal.
    private enum Checked {
        case done(Components.Schemas.Check)
        case refused(CheckDesk.Refusal)
    }

    private func check(name: String, body: HTTPBody) async throws -> Checked {
        let identity = try identity
        let id = PortalDirectory.randomText(bytes: 16, hex: true)
        let folder = desk.folder(id)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let received: CheckDesk.Received
        do {
            received = try await desk.receive(bytes: body, name: name, scope: identity, into: folder)
        } catch let refusal as CheckDesk.Refusal {
            try? FileManager.default.removeItem(atPath: folder)
            return .refused(refusal)
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
        // The same queue as the pages' checks; the API's caller waits for the outcome.
        do {
            try await desk.enqueue(received, id: id, identity: identity, pool: pool)
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
        let validated = try await desk.finish(received, id: id, pool: pool, logger: logger)
        let result = validated.result
        let reports = CheckDesk.reports(of: received.name).filter {
            FileManager.default.fileExists(atPath: "\(folder)/\($0)")
        }
        let stem = SubmissionReports.stem(of: received.name)
        let json = FileManager.default.contents(atPath: "\(folder)/\(stem).json") ?? Data("{}".utf8)
        let report = try JSONDecoder().decode(Components.Schemas.Check.ReportPayload.self, from: json)
        return .done(
            .init(
                id: id,
                file: received.name,
                status: .init(rawValue: result.status.rawValue) ?? .rejected,
                rowsRead: Int64(result.rows.read),
                rowsQuarantined: Int64(result.rows.quarantined),
                reports: reports,
                report: report
            )
        )
    }

    func createCheck(_ input: Operations.CreateCheck.Input) async throws -> Operations.CreateCheck.Output {
        guard case .binary(let body) = input.body else {
            return .badRequest(.init(body: .json(Self.problem("Send the file's bytes."))))
        }
        switch try await check(name: input.query.name, body: body) {
        case .done(let check): return .ok(.init(body: .json(check)))
        case .refused(let refusal):
            return Self.answer(
                refusal,
                tooLarge: { .contentTooLarge(.init(body: .json($0))) },
                forbidden: { .forbidden(.init(body: .json($0))) },
                bad: { .badRequest(.init(body: .json($0))) },
                unavailable: { .serviceUnavailable(.init(body: .json($0))) }
            )
        }
    }

    /// A refused upload's answer, the same for every operation that takes a file: each builds its own output of
    /// the status the refusal calls for.
    private static func answer<Output>(
        _ refusal: CheckDesk.Refusal,
        tooLarge: (Components.Schemas.Problem) -> Output,
        forbidden: (Components.Schemas.Problem) -> Output,
        bad: (Components.Schemas.Problem) -> Output,
        unavailable: (Components.Schemas.Problem) -> Output
    ) -> Output {
        switch refusal {
        case .tooLarge: tooLarge(problem("The file is larger than the portal takes."))
        case .forbidden(let text): forbidden(problem(text))
        case .bad(let text): bad(problem(text))
        case .storage: unavailable(problem("The file could not be stored; try again later."))
        }
    }

    func createSubmission(
        _ input: Operations.CreateSubmission.Input
    ) async throws -> Operations.CreateSubmission.Output {
        guard case .binary(let body) = input.body else {
            return .badRequest(.init(body: .json(Self.problem("Send the file's bytes."))))
        }
        switch try await check(name: input.query.name, body: body) {
        case .done(let check):
            let identity = try identity
            let org = SubmissionName(fileName: check.file)?.orgCode ?? identity.org ?? ""
            guard try await desk.submitCheck(id: check.id, file: check.file, org: org, identity: identity, pool: pool)
            else {
                return .conflict(
                    .init(body: .json(Self.problem("A file named \(check.file) is already waiting for tonight's run.")))
                )
            }
            return .created(.init(body: .json(check)))
        case .refused(let refusal):
            return Self.answer(
                refusal,
                tooLarge: { .contentTooLarge(.init(body: .json($0))) },
                forbidden: { .forbidden(.init(body: .json($0))) },
                bad: { .badRequest(.init(body: .json($0))) },
                unavailable: { .serviceUnavailable(.init(body: .json($0))) }
            )
        }
    }

    func listSubmissions(_ input: Operations.ListSubmissions.Input) async throws -> Operations.ListSubmissions.Output {
        let identity = try identity
        guard let period = Period(input.query.period) else {
            return .badRequest(.init(body: .json(Self.problem("period must be YYYY-MM."))))
        }
        let org = identity.org
        let rows = try await pool.withConnection { c in
            try c.query(
                """
                SELECT k.check_id, k.file_name, k.status, k.rows_read, k.rows_quarantined,
                    to_char(k.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                    EXISTS (SELECT 1 FROM audit.submissions s WHERE s.sha256 = k.sha256 AND s.file_name = k.file_name)
                FROM portal.checks k
                WHERE k.submitted_at IS NOT NULL AND k.file_name LIKE '%\\_' || $2 || '.%'
                    AND ($1::text IS NULL OR k.org_code = $1 OR (length(k.org_code) = 5 AND left(k.org_code, 3) = $1))
                ORDER BY k.submitted_at DESC
                """,
                [org, period.description]
            ).rows
        }
        let formatter = ISO8601DateFormatter()
        return .ok(
            .init(
                body: .json(
                    rows.map {
                        .init(
                            id: $0[0] ?? "",
                            file: $0[1] ?? "",
                            status: $0[2] ?? "",
                            rowsRead: Int64($0[3] ?? "") ?? 0,
                            rowsQuarantined: Int64($0[4] ?? "") ?? 0,
                            submittedAt: formatter.date(from: $0[5] ?? "") ?? Date(timeIntervalSince1970: 0),
                            loaded: $0[6] == "t"
                        )
                    }
                )
            )
        )
    }

    func getReport(_ input: Operations.GetReport.Input) async throws -> Operations.GetReport.Output {
        let identity = try identity
        let (id, name) = (input.path.id, input.path.name)
        let notFound = Operations.GetReport.Output.notFound(
            .init(body: .json(Self.problem("There is no such report.")))
        )
        guard id.count == 32, id.allSatisfy(\.isHexDigit) else { return notFound }
        let row = try await pool.withConnection { c in
            try c.query(
                "SELECT org_code, file_name FROM portal.checks WHERE check_id = $1 AND submitted_at IS NOT NULL",
                [id]
            ).rows.first
        }
        guard let row, let org = row[0], let file = row[1], identity.maySee(org: org),
            CheckDesk.reports(of: file).contains(name),
            let report = ReportFile("\(desk.folder(id))/\(name)")
        else { return notFound }
        try await pool.withConnection { c in
            try PortalDirectory.record(actor: identity.actor, org: org, event: "download", detail: name, connection: c)
        }
        // Read to the caller in chunks as it takes them, never whole.
        let chunks = AsyncThrowingStream<ArraySlice<UInt8>, any Error>(unfolding: { try await report.next()?[...] })
        return .ok(
            .init(body: .binary(HTTPBody(chunks, length: .known(Int64(report.size)), iterationBehavior: .single)))
        )
    }
}

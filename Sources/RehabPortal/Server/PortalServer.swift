import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import OpenAPIHummingbird
import RehabAPI
import RehabCore
import RehabDatabase
import RehabPipeline

#if canImport(Glibc)
import Glibc
#endif

/// The request context of the portal: Hummingbird's, with the client's address for the login throttle and audit.
public struct PortalContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Forms are small; uploads will stream past this limit on routes of their own.
    public var maxUploadSize: Int { 64 << 10 }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's address as text, for the throttle and the audit. Behind a proxy on this machine (nginx on
    /// loopback), the address it forwards in `X-Forwarded-For`; from anywhere else, that header is ignored.
    func address(of request: Request) -> String? {
        let peer = remoteAddress?.ipAddress
        if let peer, peer == "127.0.0.1" || peer == "::1",
            let forwarded = request.headers[.xForwardedFor]?.split(separator: ",").last
        {
            return forwarded.trimmingCharacters(in: .whitespaces)
        }
        return peer
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let referrerPolicy = Self("Referrer-Policy")!
}

/// Every response's security headers: a CSP without inline script or style that no page may frame, and no MIME
/// sniffing or referrer leaks.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = PortalContext

    static let policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    func handle(
        _ request: Request,
        context: PortalContext,
        next: (Request, PortalContext) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            response = Response(
                status: error.status,
                headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(
                    byteBuffer: ByteBuffer(
                        string: Page.message(error.status.reasonPhrase, error.body ?? "", session: nil)
                    )
                )
            )
        }
        // A route may send a stricter policy of its own (a report page: no script at all, its styles inline).
        response.headers[.contentSecurityPolicy] = response.headers[.contentSecurityPolicy] ?? Self.policy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.cacheControl] = response.headers[.cacheControl] ?? "no-store"
        return response
    }
}

/// `rehabcount serve`: the trust portal, a Hummingbird server whose database work runs on a bounded pool off the
/// event loop (`DatabasePool`).
public enum PortalServer {
    static let sessionCookie = "rehab_session"

    /// The threads that read report files for downloads, shared by every application in the process.
    static let fileThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()
    static let loginCookie = "rehab_login"

    /// The portal as a Hummingbird application, listening where `settings` says.
    ///
    /// - Parameters:
    ///   - layout: the contracts and rules checks are validated with, as the night's.
    ///   - inbox: the night's inbox, where submissions go.
    ///   - outbox: the night's outbox, whose folder of each trust holds its reports.
    ///   - checks: a private folder for checked files and their reports.
    ///   - workers: how many checks may validate at once.
    public static func application(
        settings: PipelineConfig.Portal,
        pool: DatabasePool,
        layout: ProjectLayout,
        inbox: String,
        outbox: String,
        checks: String,
        workers: Int,
        logger: Logger
    ) throws -> some ApplicationProtocol {
        for folder in [inbox, checks] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        chmod(checks, 0o700)
        let router = Router(context: PortalContext.self)
        router.add(middleware: SecurityHeaders())
        let validators = NIOThreadPool(numberOfThreads: max(1, workers))
        validators.start()
        let desk = CheckDesk(
            setup: .init(layout: layout, inbox: inbox, checks: checks, maxUpload: settings.maxUpload),
            validators: validators
        )
        let handlers = Handlers(settings: settings, pool: pool, logger: logger, desk: desk, outbox: outbox)
        // The API for trusts' systems: bearer tokens, and the operations generated from its OpenAPI document.
        router.add(middleware: BearerTokens(pool: pool, maxUpload: settings.maxUpload))
        try TrustAPI(desk: desk, pool: pool, logger: logger).registerHandlers(
            on: router,
            serverURL: URL(string: "/api")!
        )
        router.get("/api/openapi.yaml") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/yaml"],
                body: .init(byteBuffer: ByteBuffer(string: TrustAPIDocument.text))
            )
        }
        router.get("/portal.js") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: Page.script))
            )
        }
        router.get("/portal.css") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: Page.stylesheet))
            )
        }
        router.get("/login") { request, context in try await handlers.loginPage(request, context) }
        router.post("/login") { request, context in try await handlers.login(request, context) }
        router.post("/logout") { request, context in try await handlers.logout(request, context) }
        router.get("/") { request, context in try await handlers.home(request, context) }
        router.get("/trusts/:org") { request, context in try await handlers.trust(request, context) }
        router.get("/trusts/:org/reports/:name") { request, context in try await handlers.nightReport(request, context)
        }
        router.get("/check") { request, context in try await handlers.checkPage(request, context) }
        router.post("/check") { request, context in try await handlers.check(request, context) }
        router.get("/checks/:id") { request, context in try await handlers.checkResult(request, context) }
        router.get("/checks/:id/state") { request, context in try await handlers.checkState(request, context) }
        router.get("/checks/:id/files/:name") { request, context in try await handlers.download(request, context) }
        router.post("/checks/:id/submit") { request, context in try await handlers.submit(request, context) }
        return Application(
            router: router,
            server: .http1(
                configuration: .init(idleTimeout: .seconds(Int64(settings.clientTimeout.components.seconds)))
            ),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            logger: logger
        )
    }

    struct Handlers: Sendable {
        let settings: PipelineConfig.Portal
        let pool: DatabasePool
        let logger: Logger
        let desk: CheckDesk
        let outbox: String
        /// Trusts' published figures, read once a refresh of the analysis.
        let published = Standing.PublishedCache()

        func html(_ status: HTTPResponse.Status, _ text: String, cookies: [Cookie] = []) -> Response {
            var response = Response(
                status: status,
                headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text))
            )
            for cookie in cookies { response.setCookie(cookie) }
            return response
        }

        func redirect(_ location: String, cookies: [Cookie] = []) -> Response {
            var response = Response(status: .seeOther, headers: [.location: location])
            for cookie in cookies { response.setCookie(cookie) }
            return response
        }

        func cookie(_ name: String, _ value: String, maxAge: Int?) -> Cookie {
            Cookie(
                name: name,
                value: value,
                maxAge: maxAge,
                path: "/",
                secure: settings.secureCookies,
                httpOnly: true,
                sameSite: .strict
            )
        }

        /// The session the request's cookie opens, if any.
        func session(_ request: Request) async throws -> Sessions.Open? {
            guard let id = request.cookies[PortalServer.sessionCookie]?.value, !id.isEmpty else { return nil }
            return try await pool.withConnection { try Sessions.find(id, connection: $0) }
        }

        struct LoginForm: Decodable {
            let email: String
            let password: String
            let csrf: String
        }

        struct CSRFForm: Decodable { let csrf: String }

        func loginPage(_ request: Request, _ context: PortalContext) async throws -> Response {
            if try await session(request) != nil { return redirect("/") }
            // Before a session, the form's token is checked against a cookie of its own (double submit).
            let token = PortalDirectory.randomText(bytes: 24, hex: false)
            return html(
                .ok,
                Page.login(message: nil, csrf: token),
                cookies: [cookie(PortalServer.loginCookie, token, maxAge: 3600)]
            )
        }

        func login(_ request: Request, _ context: PortalContext) async throws -> Response {
            let form = try await URLEncodedFormDecoder().decode(LoginForm.self, from: request, context: context)
            guard let expected = request.cookies[PortalServer.loginCookie]?.value, !expected.isEmpty,
                PortalDirectory.constantTimeEqual(Array(expected.utf8), Array(form.csrf.utf8))
            else {
                throw HTTPError(.forbidden, message: "The form had expired. Go back, reload the page and log in again.")
            }
            let address = context.address(of: request)
            let lifetime = settings.sessionLifetime
            let outcome = try await pool.withConnection { c -> (id: String?, throttled: Bool) in
                if try Sessions.throttled(email: form.email, address: address, connection: c) {
                    try PortalDirectory.record(
                        actor: "user:\(form.email.lowercased())",
                        org: nil,
                        event: "login-throttled",
                        detail: address,
                        connection: c
                    )
                    return (nil, true)
                }
                guard
                    let identity = try PortalDirectory.login(
                        email: form.email,
                        password: form.password,
                        address: address,
                        connection: c
                    )
                else { return (nil, false) }
                return (try Sessions.open(identity, address: address, lifetime: lifetime, connection: c), false)
            }
            guard let id = outcome.id else {
                let token = PortalDirectory.randomText(bytes: 24, hex: false)
                let message =
                    outcome.throttled
                    ? "Too many failed attempts. Wait 15 minutes, then try again."
                    : "That email address and password do not match an account that may log in."
                return html(
                    outcome.throttled ? .tooManyRequests : .unauthorized,
                    Page.login(message: message, csrf: token, email: form.email),
                    cookies: [cookie(PortalServer.loginCookie, token, maxAge: 3600)]
                )
            }
            return redirect(
                "/",
                cookies: [
                    cookie(PortalServer.sessionCookie, id, maxAge: Int(lifetime.components.seconds)),
                    cookie(PortalServer.loginCookie, "", maxAge: 0),
                ]
            )
        }

        func logout(_ request: Request, _ context: PortalContext) async throws -> Response {
            guard let open = try await session(request), let id = request.cookies[PortalServer.sessionCookie]?.value
            else { return redirect("/login") }
            let form = try await URLEncodedFormDecoder().decode(CSRFForm.self, from: request, context: context)
            guard PortalDirectory.constantTimeEqual(Array(open.csrf.utf8), Array(form.csrf.utf8)) else {
                throw HTTPError(.forbidden, message: "The form had expired. Go back, reload the page and try again.")
            }
            try await pool.withConnection { c in
                try Sessions.end(id, connection: c)
                try PortalDirectory.record(
                    actor: open.identity.actor,
                    org: open.identity.org,
                    event: "logout",
                    detail: nil,
                    connection: c
                )
            }
            return redirect("/login", cookies: [cookie(PortalServer.sessionCookie, "", maxAge: 0)])
        }
    }
}

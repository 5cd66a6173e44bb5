import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import RehabCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// RehabCount's side of MESH API v2: the handshake, its inbox, downloads, acknowledgements and sends, over HTTPS
/// with an optional client certificate.
///
/// Every request carries a fresh `NHSMESH` authorisation header. A request that fails for a reason that may pass
/// (429, a 5xx, a dropped connection) is tried again with backoff (`RetryPolicy`); a 4xx never is. The first POST
/// of a send is tried again only on 429, when MESH says it did nothing: after any other failure it may have made
/// the message, and sending it again would deliver it twice. The caller records what it sends, by `mex-LocalID`.
public final class MESHClient: Sendable {
    public let endpoint: MESHEndpoint
    private let authorization: MESHAuthorization
    private let http: HTTPClient
    private let logger: Logger

    /// - Throws: `MESHError.Kind.configuration` when a certificate, key or CA bundle cannot be read.
    public init(_ endpoint: MESHEndpoint, logger: Logger) throws {
        self.endpoint = endpoint
        self.logger = logger
        authorization = MESHAuthorization(
            mailbox: endpoint.mailbox,
            password: endpoint.password,
            sharedKey: endpoint.sharedKey
        )
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = endpoint.caCertificates {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
            }
            if let certificate = endpoint.clientCertificate {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
                guard let key = endpoint.clientKey else {
                    throw MESHError(.configuration, "mesh: client_certificate needs client_key.")
                }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
        } catch let error as MESHError {
            throw error
        } catch {
            throw MESHError(.configuration, "Cannot read MESH's TLS files: \(error).")
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(
            connect: .milliseconds(
                Int64(endpoint.connectTimeout.components.seconds * 1000)
                    + endpoint.connectTimeout.components.attoseconds / 1_000_000_000_000_000
            ),
            read: .seconds(Int64(endpoint.timeout.components.seconds))
        )
        configuration.decompression = .disabled
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the client's connections. Call once, when done.
    public func shutdown() async throws { try await http.shutdown() }

    // MARK: - Requests

    var mailboxPath: String { "/messageexchange/\(endpoint.mailbox)" }

    private func url(_ path: String) -> String {
        var base = endpoint.url.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }

    func request(_ method: HTTPMethod, _ path: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url(path))
        request.method = method
        request.headers.add(name: "Authorization", value: authorization.header())
        request.headers.add(name: "Accept", value: "application/vnd.mesh.v2+json")
        request.headers.add(name: "mex-ClientVersion", value: "RehabCount==\(RehabCountVersion.tool)")
        request.headers.add(name: "mex-OSName", value: "Linux")
        request.headers.add(name: "mex-OSVersion", value: "RehabCount")
        return request
    }

    /// When a failed request may be tried again.
    enum Retry {
        /// Idempotent requests, and chunks after the first of a send.
        case transient
        /// The first POST of a send: only on 429.
        case onlyTooManyRequests
    }

    /// Sends a request, trying again as `retry` allows, and returns the response once its status is 2xx.
    ///
    /// - Parameter make: builds the request afresh for each try (a new authorisation header each time).
    func perform(
        _ operation: String,
        retry: Retry = .transient,
        _ make: () throws -> HTTPClientRequest
    ) async throws -> HTTPClientResponse {
        var attempt = 0
        while true {
            attempt += 1
            var failure: MESHError
            do {
                let response = try await http.execute(
                    try make(),
                    timeout: .seconds(endpoint.timeout.components.seconds)
                )
                let status = Int(response.status.code)
                if (200..<300).contains(status) { return response }
                // The body of a refusal says why; it is MESH's own text, never the message's bytes.
                let detail = String(buffer: try await response.body.collect(upTo: 1 << 14))
                let retryable = status == 429 || (retry == .transient && status >= 500)
                if status == 403 {
                    throw MESHError(.authentication, "MESH refused mailbox \(endpoint.mailbox) (\(operation): 403).")
                }
                failure = MESHError(
                    retryable || status >= 500 ? .unavailable : .refused(status: status),
                    "MESH answered \(status) to \(operation)\(detail.isEmpty ? "" : ": \(Self.brief(detail))")."
                )
                guard retryable else { throw failure }
            } catch let error as MESHError {
                throw error
            } catch {
                failure = MESHError(
                    .unavailable,
                    "MESH could not be reached (\(operation)): \(Self.brief("\(error)"))."
                )
                guard retry == .transient else { throw failure }
            }
            guard attempt < endpoint.retry.attempts else { throw failure }
            let delay = endpoint.retry.delay(after: attempt)
            logger.warning(
                "MESH request failed; trying again",
                metadata: ["operation": "\(operation)", "attempt": "\(attempt)", "reason": "\(failure.message)"]
            )
            try await Task.sleep(for: delay)
        }
    }

    /// The start of a server's text, on one line.
    static func brief(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }

    // MARK: - Handshake, inbox, acknowledge

    /// Says who is connecting, as MESH asks of a client before it works a mailbox. A 403 here means the mailbox,
    /// password or shared key is wrong.
    public func handshake() async throws {
        _ = try await perform("handshake") { request(.POST, mailboxPath) }
    }

    /// Every message waiting in the inbox, every page of it; with `workflow`, only that workflow's.
    ///
    /// - Parameter pageSize: how many ids to ask for a page (MESH allows 10 to 5,000).
    public func inbox(workflow: String? = nil, pageSize: Int = 500) async throws -> [String] {
        var ids: [String] = []
        var next: String? = "\(mailboxPath)/inbox?max_results=\(pageSize)"
        if let workflow, let filter = workflow.addingPercentEncoding(withAllowedCharacters: .alphanumerics) {
            next! += "&workflow_filter=\(filter)"
        }
        while let path = next {
            let response = try await perform("inbox") { request(.GET, path) }
            let body = try await response.body.collect(upTo: 1 << 24)
            guard let page = try? JSONDecoder().decode(InboxPage.self, from: Data(body.readableBytesView)) else {
                throw MESHError(.invalidResponse, "MESH's inbox list was not the JSON MESH sends.")
            }
            ids += page.messages
            next = page.links?.next.flatMap { $0.isEmpty ? nil : $0 }
            if let link = next, link.hasPrefix("http") {
                // An absolute link: keep its path and query, on the configured server.
                next = URL(string: link).map { $0.path + ($0.query.map { "?" + $0 } ?? "") }
            }
        }
        return ids
    }

    private struct InboxPage: Decodable {
        struct Links: Decodable { let next: String? }
        let messages: [String]
        let links: Links?
    }

    /// When MESH accepted a message waiting in the inbox (its `mex-StatusTimestamp`, UTC), from its headers alone;
    /// nil when MESH does not say. Nothing is downloaded.
    public func acceptedAt(_ messageID: String) async throws -> Date? {
        guard Self.isMessageID(messageID) else { return nil }
        let response = try await perform("message status") { request(.HEAD, "\(mailboxPath)/inbox/\(messageID)") }
        return response.headers.first(name: "mex-StatusTimestamp").flatMap(Self.statusTimestamp)
    }

    /// A `mex-StatusTimestamp`, `YYYYMMDDHHMMSS` in UTC.
    static func statusTimestamp(_ text: String) -> Date? {
        guard text.utf8.count == 14, text.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        let digits = Array(text.utf8).map { Int($0) - 48 }
        func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + $1 } }
        var parts = DateComponents()
        parts.year = number(0..<4)
        parts.month = number(4..<6)
        parts.day = number(6..<8)
        parts.hour = number(8..<10)
        parts.minute = number(10..<12)
        parts.second = number(12..<14)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard parts.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: parts)
    }

    /// Acknowledges a message: MESH deletes it from the inbox. Call only once its file is safe.
    public func acknowledge(_ messageID: String) async throws {
        _ = try await perform("acknowledge") { request(.PUT, "\(mailboxPath)/inbox/\(messageID)/status/acknowledged") }
    }
}

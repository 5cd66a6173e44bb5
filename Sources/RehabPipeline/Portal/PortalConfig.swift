import Foundation

extension PipelineConfig {
    /// The pipeline file's `portal:` section: where `rehabcount serve` listens and how long its sessions last.
    ///
    /// ```yaml
    /// portal:
    ///   listen: 127.0.0.1:8080
    ///   public_url: https://rehab.example.nhs.uk
    ///   max_upload: 512MiB
    ///   session_lifetime: 8h
    /// ```
    public struct Portal: Decodable, Sendable {
        /// The address and port to listen on; behind nginx, a loopback one.
        public var host: String
        public var port: Int
        /// The address people use: its scheme decides whether cookies are `Secure`.
        public var publicURL: URL?
        public var maxUpload: Int
        /// How long a session lasts from its login, however busy.
        public var sessionLifetime: Duration
        /// How long a connection may send and receive nothing before it is closed: slow clients time out.
        public var clientTimeout: Duration = .seconds(30)

        enum CodingKeys: String, CodingKey, CaseIterable {
            case listen
            case publicURL = "public_url"
            case maxUpload = "max_upload"
            case sessionLifetime = "session_lifetime"
            case clientTimeout = "client_timeout"
        }

        public init(host: String = "127.0.0.1", port: Int = 8080) {
            self.host = host
            self.port = port
            maxUpload = 512 << 20
            sessionLifetime = .seconds(8 * 3600)
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let listen = try c.decodeIfPresent(String.self, forKey: .listen) ?? "127.0.0.1:8080"
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
                (1...65535).contains(port), colon > listen.startIndex
            else {
                throw DecodingError.dataCorruptedError(
                    forKey: .listen,
                    in: c,
                    debugDescription: "`\(listen)` must be host:port, such as 127.0.0.1:8080"
                )
            }
            host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            self.port = port
            if let text = try c.decodeIfPresent(String.self, forKey: .publicURL) {
                guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil
                else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .publicURL,
                        in: c,
                        debugDescription: "`\(text)` must be an http or https address"
                    )
                }
                publicURL = url
            }
            maxUpload = try MESH.bytes(
                c,
                .maxUpload,
                default: 512 << 20,
                in: (1 << 20)...(8 << 30)
            )
            sessionLifetime = .seconds(8 * 3600)
            if let text = try c.decodeIfPresent(String.self, forKey: .sessionLifetime) {
                let units: [(String, Int)] = [("h", 3600), ("m", 60)]
                var seconds: Int?
                for (unit, scale) in units where text.hasSuffix(unit) {
                    seconds = Int(text.dropLast(unit.count)).map { $0 * scale }
                    break
                }
                guard let seconds, (300...(7 * 86400)).contains(seconds) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .sessionLifetime,
                        in: c,
                        debugDescription: "`\(text)` must be minutes or hours from 5m to 168h, such as 8h"
                    )
                }
                sessionLifetime = .seconds(seconds)
            }
            clientTimeout = try Self.seconds(c, .clientTimeout, in: 5...600) ?? .seconds(30)
        }

        /// A duration written as seconds or minutes (`30s`, `2m`), within `range` seconds.
        static func seconds(
            _ c: KeyedDecodingContainer<CodingKeys>,
            _ key: CodingKeys,
            in range: ClosedRange<Int>
        ) throws -> Duration? {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
            let scale = text.hasSuffix("m") ? 60 : text.hasSuffix("s") ? 1 : 0
            guard scale > 0, let n = Int(text.dropLast()), range.contains(n * scale) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key,
                    in: c,
                    debugDescription: "`\(text)` must be seconds or minutes from \(range.lowerBound)s to "
                        + "\(range.upperBound)s, such as 30s"
                )
            }
            return .seconds(n * scale)
        }

        /// Whether cookies carry `Secure`: when people reach the portal over HTTPS.
        public var secureCookies: Bool { publicURL?.scheme == "https" }
    }
}

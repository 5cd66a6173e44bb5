import Foundation
import RehabCore
import RehabMESH
import RehabValidate

extension PipelineConfig {
    /// The `mesh:` section: RehabCount's MESH mailbox, how to reach it, and which trust each sending mailbox speaks
    /// for. The password and the shared key are never in the file: they come from the environment
    /// (`endpoint(environment:)`).
    public struct MESH: Sendable, Decodable {
        public var url: URL
        public var mailbox: String
        public var clientCertificate: String?
        public var clientKey: String?
        public var caCertificates: String?
        /// The workflow id trusts send extracts under, and the one RehabCount answers under.
        public var extractWorkflow: String
        public var feedbackWorkflow: String
        /// The largest chunk RehabCount sends, and the largest message it accepts (after decompression).
        public var chunkSize: Int
        public var maxMessageSize: Int
        /// Sending mailbox → the ODS code of the trust it speaks for.
        public var senders: [String: String]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case url, mailbox, senders
            case clientCertificate = "client_certificate"
            case clientKey = "client_key"
            case caCertificates = "ca_certificates"
            case extractWorkflow = "extract_workflow"
            case feedbackWorkflow = "feedback_workflow"
            case chunkSize = "chunk_size"
            case maxMessageSize = "max_message_size"
        }

        /// Environment variables that hold the secrets, or (`…_FILE`) name files that do.
        public static let passwordVariable = "REHABCOUNT_MESH_PASSWORD"
        public static let sharedKeyVariable = "REHABCOUNT_MESH_SHARED_KEY"

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let text = try c.decode(String.self, forKey: .url)
            guard let url = URL(string: text), url.scheme == "https" || url.scheme == "http", url.host != nil else {
                throw DecodingError.dataCorruptedError(
                    forKey: .url,
                    in: c,
                    debugDescription: "must be an https:// address, such as https://mesh-sync.spineservices.nhs.uk"
                )
            }
            self.url = url
            mailbox = try c.decode(String.self, forKey: .mailbox)
            guard Self.isMailbox(mailbox) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .mailbox,
                    in: c,
                    debugDescription: "`\(mailbox)` is not a MESH mailbox id (letters and digits, such as X26ABC2)"
                )
            }
            clientCertificate = try c.decodeIfPresent(String.self, forKey: .clientCertificate)
            clientKey = try c.decodeIfPresent(String.self, forKey: .clientKey)
            caCertificates = try c.decodeIfPresent(String.self, forKey: .caCertificates)
            if (clientCertificate == nil) != (clientKey == nil) {
                throw DecodingError.dataCorruptedError(
                    forKey: clientCertificate == nil ? .clientKey : .clientCertificate,
                    in: c,
                    debugDescription: "client_certificate and client_key go together"
                )
            }
            extractWorkflow = try c.decodeIfPresent(String.self, forKey: .extractWorkflow) ?? "REHABCOUNT_EXTRACT"
            feedbackWorkflow = try c.decodeIfPresent(String.self, forKey: .feedbackWorkflow) ?? "REHABCOUNT_FEEDBACK"
            for (key, workflow) in [
                (CodingKeys.extractWorkflow, extractWorkflow), (.feedbackWorkflow, feedbackWorkflow),
            ]
            where workflow.isEmpty || !workflow.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            {
                throw DecodingError.dataCorruptedError(
                    forKey: key,
                    in: c,
                    debugDescription: "`\(workflow)` is not a workflow id (letters, digits and _)"
                )
            }
            chunkSize = try Self.bytes(c, .chunkSize, default: 20 << 20, in: (1 << 10)...(100 << 20))
            maxMessageSize = try Self.bytes(c, .maxMessageSize, default: 2 << 30, in: (1 << 10)...(100 << 30))
            senders = try c.decodeIfPresent([String: String].self, forKey: .senders) ?? [:]
            for (sender, org) in senders.sorted(by: { $0.key < $1.key }) {
                guard Self.isMailbox(sender), SubmissionName.isODSCode(org.utf8) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .senders,
                        in: c,
                        debugDescription: "`\(sender): \(org)` must be a mailbox id and a trust's ODS code, such as "
                            + "X26ABC1: RY2"
                    )
                }
            }
        }

        static func isMailbox(_ text: String) -> Bool {
            !text.isEmpty && text.count <= 20 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }

        /// A size: bytes, or a number with KiB, MiB or GiB.
        static func bytes<Key: CodingKey>(
            _ c: KeyedDecodingContainer<Key>,
            _ key: Key,
            default value: Int,
            in range: ClosedRange<Int>
        ) throws -> Int {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return value }
            let units = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("", 1)]
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            for (unit, scale) in units where trimmed.hasSuffix(unit) {
                let number = trimmed.dropLast(unit.count).trimmingCharacters(in: .whitespaces)
                if let n = Int(number), n >= 0, n <= Int.max / scale, range.contains(n * scale) { return n * scale }
                break
            }
            throw DecodingError.dataCorruptedError(
                forKey: key,
                in: c,
                debugDescription:
                    "`\(text)` must be a size from \(range.lowerBound) bytes to \(range.upperBound >> 20) "
                    + "MiB, such as 20MiB"
            )
        }

        /// The endpoint, with the password and shared key from the environment.
        ///
        /// - Parameter root: the project folder, against which relative certificate paths are read.
        /// - Throws: `RehabError.Code.configuration` naming the variables to set when a secret is missing.
        public func endpoint(environment: [String: String], root: String) throws -> MESHEndpoint {
            func secret(_ variable: String) throws -> Secret {
                if let value = environment[variable], !value.isEmpty { return Secret(value) }
                if let path = environment[variable + "_FILE"], !path.isEmpty {
                    guard let data = FileManager.default.contents(atPath: path) else {
                        throw RehabError(.configuration, "Cannot read \(variable)_FILE (\(path)).")
                    }
                    let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    guard !text.isEmpty else {
                        throw RehabError(.configuration, "\(variable)_FILE (\(path)) is empty.")
                    }
                    return Secret(text)
                }
                throw RehabError(
                    .configuration,
                    "MESH needs \(variable) or \(variable)_FILE: the pipeline file never holds secrets."
                )
            }
            func path(_ file: String?) -> String? { file.map { $0.hasPrefix("/") ? $0 : "\(root)/\($0)" } }
            var endpoint = MESHEndpoint(
                url: url,
                mailbox: mailbox,
                password: try secret(Self.passwordVariable),
                sharedKey: try secret(Self.sharedKeyVariable)
            )
            endpoint.clientCertificate = path(clientCertificate)
            endpoint.clientKey = path(clientKey)
            endpoint.caCertificates = path(caCertificates)
            return endpoint
        }
    }
}

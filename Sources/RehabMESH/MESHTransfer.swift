import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import RehabCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A message downloaded whole: what MESH said of it, and what arrived.
public struct ReceivedMessage: Sendable, Hashable {
    public let id: String
    /// The sending mailbox (`mex-From`).
    public let sender: String?
    public let workflow: String?
    /// The name the sender gave the file (`mex-FileName`), not yet checked: the caller decides whether it may be
    /// used.
    public let fileName: String?
    public let localID: String?
    /// The file's size and SHA-256 as written, after any decompression.
    public let bytes: Int
    public let sha256: String
    public let chunks: Int
    /// Whether any chunk came gzip-compressed.
    public let compressed: Bool
    /// Whether the message carried a `mex-Content-Checksum`, which then matched.
    public let checksumVerified: Bool
}

/// A checksum as senders write it in `mex-Content-Checksum`: `md5:…`, `sha1:…` or `sha256:…` (any case, with `:`,
/// `=` or a space), or bare hex whose length says which.
enum ContentChecksum {
    case md5(String)
    case sha1(String)
    case sha256(String)

    init?(_ header: String) {
        let text = header.trimmingCharacters(in: .whitespaces).lowercased()
        var algorithm = ""
        var hex = text
        if let separator = text.firstIndex(where: { $0 == ":" || $0 == "=" || $0 == " " }) {
            algorithm = text[..<separator].replacingOccurrences(of: "-", with: "")
            hex = String(text[text.index(after: separator)...]).trimmingCharacters(in: .whitespaces)
        }
        guard !hex.isEmpty, hex.allSatisfy(\.isHexDigit) else { return nil }
        switch (algorithm, hex.count) {
        case ("md5", 32), ("", 32): self = .md5(hex)
        case ("sha1", 40), ("", 40): self = .sha1(hex)
        case ("sha256", 64), ("", 64): self = .sha256(hex)
        default: return nil
        }
    }
}

/// Digests of a message's bytes as they are written: SHA-256 always, and MD5 or SHA-1 only when the message's
/// checksum names it.
struct MessageDigests {
    var sha256 = SHA256()
    var md5: Insecure.MD5?
    var sha1: Insecure.SHA1?

    init(for checksum: ContentChecksum? = nil) {
        switch checksum {
        case .md5: md5 = Insecure.MD5()
        case .sha1: sha1 = Insecure.SHA1()
        case .sha256, nil: break
        }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        sha256.update(bufferPointer: bytes)
        md5?.update(bufferPointer: bytes)
        sha1?.update(bufferPointer: bytes)
    }

    func matches(_ checksum: ContentChecksum) -> Bool {
        func hex(_ digest: some Digest) -> String { digest.map { String(format: "%02x", $0) }.joined() }
        switch checksum {
        case .md5(let expected): return md5.map { hex($0.finalize()) == expected } ?? false
        case .sha1(let expected): return sha1.map { hex($0.finalize()) == expected } ?? false
        case .sha256(let expected): return hex(sha256.finalize()) == expected
        }
    }
}

extension MESHClient {
    /// Whether a message id from the server may go into a URL path as it is.
    static func isMessageID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 100
            && id.utf8.allSatisfy { byte in
                (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }

    /// Downloads every chunk of a message into a new private file at `path` (`O_EXCL`, mode 600), decompressing
    /// gzip chunks, and checks `mex-Content-Checksum` when the message has one. The file is flushed to disk before
    /// this returns; on any error it is removed.
    ///
    /// - Parameter limit: the most bytes the file may hold, after decompression.
    /// - Throws: `MESHError` with `.tooLarge`, `.checksum` or `.compression` for a message to refuse, or the kinds
    ///   of a failed request.
    public func download(_ messageID: String, to path: String, limit: Int) async throws -> ReceivedMessage {
        var first: HTTPHeaders?
        do {
            return try await download(messageID, to: path, limit: limit, headers: &first)
        } catch var error as MESHError where error.isAboutMessage {
            error.sender = first?.first(name: "mex-From")
            error.fileName = first?.first(name: "mex-FileName")
            throw error
        }
    }

    private func download(
        _ messageID: String,
        to path: String,
        limit: Int,
        headers first: inout HTTPHeaders?
    ) async throws -> ReceivedMessage {
        guard Self.isMessageID(messageID) else {
            throw MESHError(.invalidResponse, "MESH listed a message id that is not one.")
        }
        var file: NewFile
        do { file = try NewFile(path: path) } catch { throw MESHError(.file, "\(error)") }
        var written = 0
        var digests = MessageDigests()
        var compressed = false
        var total = 1
        var chunk = 1
        while chunk <= total {
            let chunkPath = "/messageexchange/\(endpoint.mailbox)/inbox/\(messageID)" + (chunk > 1 ? "/\(chunk)" : "")
            let chunkStart = written
            var attempt = 0
            while true {
                attempt += 1
                do {
                    let response = try await perform("download") {
                        var r = request(.GET, chunkPath)
                        r.headers.add(name: "Accept-Encoding", value: "gzip")
                        return r
                    }
                    if chunk == 1 {
                        first = response.headers
                        total = try Self.chunkCount(response.headers)
                        if let header = response.headers.first(name: "mex-Content-Checksum"), !header.isEmpty {
                            guard let checksum = ContentChecksum(header) else {
                                throw MESHError(
                                    .checksum,
                                    "Message \(messageID) has a checksum in a form RehabCount cannot check."
                                )
                            }
                            digests = MessageDigests(for: checksum)
                        }
                    }
                    let gzip = response.headers.first(name: "Content-Encoding")?.lowercased() == "gzip"
                    compressed = compressed || gzip
                    let inflater = gzip ? try GzipInflater(limit: limit - written) : nil
                    var chunkDigests = digests
                    var chunkWritten = written
                    func keep(_ bytes: Span<UInt8>) throws {
                        chunkWritten += bytes.count
                        guard chunkWritten <= limit else {
                            throw MESHError(.tooLarge, "Message \(messageID) is larger than \(limit) bytes.")
                        }
                        bytes.withUnsafeBytes { chunkDigests.update($0) }
                        do { try file.write(bytes) } catch { throw MESHError(.file, "\(error)") }
                    }
                    for try await buffer in response.body {
                        // The response's bytes, through their address for this loop only.
                        try buffer.withUnsafeReadableBytes { raw in
                            if let inflater {
                                try inflater.inflate(raw, keep)
                            } else {
                                try raw.withMemoryRebound(to: UInt8.self) { try keep($0.span) }
                            }
                        }
                    }
                    try inflater?.finish()
                    digests = chunkDigests
                    written = chunkWritten
                    break
                } catch let error as MESHError {
                    throw error
                } catch {
                    // The connection dropped mid-chunk: start the chunk again, as long as retries allow.
                    guard attempt < endpoint.retry.attempts else {
                        throw MESHError(
                            .unavailable,
                            "MESH stopped sending message \(messageID): \(Self.brief("\(error)"))."
                        )
                    }
                    do { try file.truncate(to: chunkStart) } catch { throw MESHError(.file, "\(error)") }
                    try await Task.sleep(for: endpoint.retry.delay(after: attempt))
                }
            }
            chunk += 1
        }
        var checksumVerified = false
        if let header = first?.first(name: "mex-Content-Checksum"), !header.isEmpty {
            guard let checksum = ContentChecksum(header) else {
                throw MESHError(.checksum, "Message \(messageID) has a checksum in a form RehabCount cannot check.")
            }
            guard digests.matches(checksum) else {
                throw MESHError(.checksum, "Message \(messageID) does not match its checksum.")
            }
            checksumVerified = true
        }
        do { try file.keep() } catch { throw MESHError(.file, "\(error)") }
        func header(_ name: String) -> String? { first?.first(name: name).flatMap { $0.isEmpty ? nil : $0 } }
        return ReceivedMessage(
            id: messageID,
            sender: header("mex-From"),
            workflow: header("mex-WorkflowID"),
            fileName: header("mex-FileName"),
            localID: header("mex-LocalID"),
            bytes: written,
            sha256: digests.sha256.finalize().map { String(format: "%02x", $0) }.joined(),
            chunks: total,
            compressed: compressed,
            checksumVerified: checksumVerified
        )
    }

    /// The id of the message this mailbox sent with `mex-LocalID` `localID`, or nil when it sent none: how a
    /// send whose outcome was not recorded (the process stopped) is found, so that it is not sent twice. An empty
    /// id means MESH holds more than one message with that local id.
    public func sentMessage(localID: String) async throws -> String? {
        guard let encoded = localID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) else { return nil }
        do {
            let response = try await perform("tracking") {
                var r = request(.GET, "/messageexchange/\(endpoint.mailbox)/outbox/tracking/\(encoded)")
                r.headers.replaceOrAdd(name: "Accept", value: "application/json")
                return r
            }
            let body = try await response.body.collect(upTo: 1 << 16)
            // Tracking by local id answers in API v1's form (`messageId`); v2's is `message_id`.
            struct Tracking: Decodable {
                let messageId: String?
                let message_id: String?
            }
            let tracking = try? JSONDecoder().decode(Tracking.self, from: Data(body.readableBytesView))
            guard let id = tracking?.messageId ?? tracking?.message_id, Self.isMessageID(id) else {
                throw MESHError(.invalidResponse, "MESH's tracking answer for a sent message had no message id.")
            }
            return id
        } catch let error as MESHError where error.kind == .refused(status: 404) {
            return nil
        } catch let error as MESHError where error.kind == .refused(status: 300) {
            // More than one message has this local id: it was sent, more than once already.
            return ""
        }
    }

    /// N of `mex-Chunk-Range: 1:N`; 1 without the header.
    static func chunkCount(_ headers: HTTPHeaders) throws -> Int {
        guard let range = headers.first(name: "mex-Chunk-Range"), !range.isEmpty else { return 1 }
        let parts = range.split(separator: ":")
        guard parts.count == 2, let total = Int(parts[1]), total >= 1, total <= 100_000 else {
            throw MESHError(.invalidResponse, "MESH sent a chunk range that is not one.")
        }
        return total
    }

    /// Sends a file to a mailbox under a workflow, in chunks of at most `chunkSize` bytes, each gzip-compressed.
    ///
    /// - Returns: the message id MESH gave it.
    public func send(
        file path: String,
        to recipient: String,
        workflow: String,
        fileName: String,
        localID: String,
        chunkSize: Int
    ) async throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MESHError(.file, "Cannot read \(path) to send it.")
        }
        defer { try? handle.close() }
        let size = Int((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        let chunkSize = max(chunkSize, 1)
        let total = max(1, (size + chunkSize - 1) / chunkSize)
        var messageID = ""
        for chunk in 1...total {
            let data: Data
            do { data = try handle.read(upToCount: chunkSize) ?? Data() } catch {
                throw MESHError(.file, "Cannot read \(path) to send it: \(error).")
            }
            let body = try Gzip.compress(Array(data))
            let path =
                chunk == 1
                ? "/messageexchange/\(endpoint.mailbox)/outbox"
                : "/messageexchange/\(endpoint.mailbox)/outbox/\(messageID)/\(chunk)"
            let response = try await perform("send", retry: chunk == 1 ? .onlyTooManyRequests : .transient) {
                var r = request(.POST, path)
                r.headers.add(name: "Content-Type", value: "application/octet-stream")
                r.headers.add(name: "Content-Encoding", value: "gzip")
                r.headers.add(name: "mex-Chunk-Range", value: "\(chunk):\(total)")
                if chunk == 1 {
                    r.headers.add(name: "mex-To", value: recipient)
                    r.headers.add(name: "mex-WorkflowID", value: workflow)
                    r.headers.add(name: "mex-FileName", value: fileName)
                    r.headers.add(name: "mex-LocalID", value: localID)
                    r.headers.add(name: "mex-Content-Compressed", value: "Y")
                }
                r.body = .bytes(ByteBuffer(bytes: body))
                return r
            }
            if chunk == 1 {
                let reply = try await response.body.collect(upTo: 1 << 16)
                struct Sent: Decodable { let message_id: String }
                guard let sent = try? JSONDecoder().decode(Sent.self, from: Data(reply.readableBytesView)),
                    Self.isMessageID(sent.message_id)
                else { throw MESHError(.invalidResponse, "MESH's answer to a send had no message id.") }
                messageID = sent.message_id
            }
        }
        return messageID
    }
}

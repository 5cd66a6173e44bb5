import Crypto
import Foundation

/// The `Authorization` header MESH requires on every request:
/// `NHSMESH <mailbox>:<nonce>:<nonce count>:<timestamp>:<HMAC>`, where the HMAC is SHA-256, keyed with the
/// environment's shared key, of `<mailbox>:<nonce>:<nonce count>:<password>:<timestamp>`, and the timestamp is the
/// UTC minute, `yyyyMMddHHmm` (MESH API, "Authentication").
public struct MESHAuthorization: Sendable {
    let mailbox: String
    let password: Secret
    let sharedKey: Secret

    public init(mailbox: String, password: Secret, sharedKey: Secret) {
        self.mailbox = mailbox
        self.password = password
        self.sharedKey = sharedKey
    }

    /// The header's value for one request. A fresh nonce each time, so no two requests share one.
    public func header(nonce: String = UUID().uuidString, count: Int = 0, at date: Date = Date()) -> String {
        let timestamp = Self.timestamp(date)
        let signed = "\(mailbox):\(nonce):\(count):\(password.value):\(timestamp)"
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data(signed.utf8),
            using: SymmetricKey(data: Data(sharedKey.value.utf8))
        )
        let hex = mac.map { String(format: "%02x", $0) }.joined()
        return "NHSMESH \(mailbox):\(nonce):\(count):\(timestamp):\(hex)"
    }

    /// `yyyyMMddHHmm` in UTC.
    static func timestamp(_ date: Date) -> String {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        func two(_ n: Int?) -> String { String(format: "%02d", n ?? 0) }
        return String(format: "%04d", c.year ?? 0) + two(c.month) + two(c.day) + two(c.hour) + two(c.minute)
    }
}

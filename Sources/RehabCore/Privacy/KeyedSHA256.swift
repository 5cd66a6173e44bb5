import CRehabSHA256
import Crypto

/// HMAC-SHA256 (RFC 2104 over FIPS 180-4 SHA-256) with the key's inner and outer hash states computed once.
///
/// A pseudonym is the HMAC of a short value (an NHS number is 10 bytes), so each one costs exactly two SHA-256
/// block compressions here, with no allocation. swift-crypto's `HMAC` re-derives its state and allocates per
/// value, which made pseudonymisation a quarter of the load's client time. A compression uses the CPU's SHA
/// instructions (x86-64 SHA-NI, through `CRehabSHA256`) when it has them, else the portable Swift rounds below.
/// The results are identical; the tests compare both paths with each other and with swift-crypto on values of
/// every length up to several blocks.
struct KeyedSHA256: Sendable {
    /// Whether this CPU has the SHA extensions (with SSE4.1 and SSSE3), checked once with CPUID. Always false off
    /// x86-64, for example on Apple silicon.
    static let hardware: Bool = rehab_sha256_hardware() != 0

    /// The state after absorbing `key ⊕ ipad` and `key ⊕ opad`: one 64-byte block each.
    private let inner: State
    private let outer: State

    /// - Parameter hardware: compress with the SHA instructions; only true when `KeyedSHA256.hardware` is. Tests
    ///   pass false to check the portable path on a CPU that has them.
    init(key: [UInt8], hardware: Bool = KeyedSHA256.hardware) {
        var block = key.count > 64 ? Array(SHA256.hash(data: key)) : key
        block += repeatElement(0, count: 64 - block.count)
        var inner = State(hardware: hardware)
        var outer = State(hardware: hardware)
        block.map { $0 ^ 0x36 }.withUnsafeBufferPointer { inner.compress($0.baseAddress!) }
        block.map { $0 ^ 0x5c }.withUnsafeBufferPointer { outer.compress($0.baseAddress!) }
        self.inner = inner
        self.outer = outer
    }

    /// The 32-byte MAC of a message, passed to `body`.
    @inline(__always)
    func authenticate<R>(_ message: Span<UInt8>, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        // SHA-256 compresses whole 64-byte blocks in place (with the CPU's SHA instructions where it has them), so
        // it reads the message through its address, for this call only.
        message.withUnsafeBufferPointer { authenticate($0, body) }
    }

    @inline(__always)
    func authenticate<R>(_ message: UnsafeBufferPointer<UInt8>, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var state = inner
        let digest = state.finish(message, after: 64)
        return withUnsafeBytes(of: digest) { innerDigest in
            var state = outer
            let mac = state.finish(innerDigest.assumingMemoryBound(to: UInt8.self), after: 64)
            return withUnsafeBytes(of: mac) { body($0) }
        }
    }

    /// Eight 32-bit words of SHA-256 state, and which compression advances it.
    struct State {
        /// a, b, …, h in host order: eight contiguous `UInt32`s, as `rehab_sha256_compress` takes them.
        var h: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
        )
        /// Compress with the SHA instructions rather than `compressPortable`. Fixed when the state is made (a copy
        /// keeps it), so the hot path tests a stored flag, not the CPU.
        let hardware: Bool

        /// SHA-256's initial state.
        ///
        /// - Parameter hardware: use the SHA instructions; it is a programming error to ask for them when
        ///   `KeyedSHA256.hardware` is false.
        init(hardware: Bool = KeyedSHA256.hardware) {
            precondition(!hardware || KeyedSHA256.hardware, "This CPU has no SHA instructions")
            self.hardware = hardware
        }

        /// Absorbs the rest of a message after `processed` bytes already compressed (a multiple of 64), pads it,
        /// and returns the digest as 32 big-endian bytes (a tuple, so it stays on the stack).
        @inline(__always)
        mutating func finish(_ message: UnsafeBufferPointer<UInt8>, after processed: Int) -> Digest {
            let offset = message.count / 64 * 64
            if offset > 0 { compress(message.baseAddress!, count: offset / 64) }
            var tail: Tail = (KeyedSHA256.zero64, KeyedSHA256.zero64)
            let remaining = message.count - offset
            let bits = UInt64(processed + message.count) &* 8
            withUnsafeMutableBytes(of: &tail) { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                for i in 0..<remaining { bytes[i] = message[offset + i] }
                bytes[remaining] = 0x80
                // The length goes in the last 8 bytes of the first block if it fits, else of the second.
                let end = remaining + 1 + 8 <= 64 ? 64 : 128
                for i in 0..<8 { bytes[end - 1 - i] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i))) }
                compress(bytes.baseAddress!, count: end / 64)
            }
            return Digest(
                h.0.bigEndian,
                h.1.bigEndian,
                h.2.bigEndian,
                h.3.bigEndian,
                h.4.bigEndian,
                h.5.bigEndian,
                h.6.bigEndian,
                h.7.bigEndian
            )
        }

        /// FIPS 180-4 §6.2.2: `count` consecutive 64-byte blocks, with the SHA instructions when `hardware`.
        @inline(__always)
        mutating func compress(_ blocks: UnsafePointer<UInt8>, count: Int = 1) {
            if hardware {
                compressHardware(blocks, count: count)
            } else {
                for i in 0..<count { compressPortable(blocks + 64 * i) }
            }
        }

        /// `count` blocks with the x86-64 SHA instructions: only when `KeyedSHA256.hardware` is true.
        @inline(__always)
        mutating func compressHardware(_ blocks: UnsafePointer<UInt8>, count: Int) {
            withUnsafeMutableBytes(of: &h) { raw in
                rehab_sha256_compress(raw.baseAddress!.assumingMemoryBound(to: UInt32.self), blocks, count)
            }
        }

        /// One block in portable Swift: the fallback on CPUs without the SHA instructions.
        @inline(__always)
        mutating func compressPortable(_ block: UnsafePointer<UInt8>) {
            var w: Schedule = (KeyedSHA256.zero64, KeyedSHA256.zero64, KeyedSHA256.zero64, KeyedSHA256.zero64)
            withUnsafeMutableBytes(of: &w) { raw in
                let w = raw.bindMemory(to: UInt32.self)
                for t in 0..<16 {
                    let p = block + 4 * t
                    w[t] = UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
                }
                for t in 16..<64 {
                    let a = w[t - 15]
                    let b = w[t - 2]
                    let s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >> 3)
                    let s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >> 10)
                    w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
                }
                var (a, b, c, d, e, f, g, hh) = h
                Self.k.withUnsafeBufferPointer { k in
                    for t in 0..<64 {
                        let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                        let ch = (e & f) ^ (~e & g)
                        let t1 = hh &+ s1 &+ ch &+ k[t] &+ w[t]
                        let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                        let maj = (a & b) ^ (a & c) ^ (b & c)
                        let t2 = s0 &+ maj
                        hh = g
                        g = f
                        f = e
                        e = d &+ t1
                        d = c
                        c = b
                        b = a
                        a = t1 &+ t2
                    }
                }
                h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e, h.5 &+ f, h.6 &+ g, h.7 &+ hh)
            }
        }

        @inline(__always)
        private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

        private static let k: [UInt32] = [
            0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
            0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
            0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
            0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
            0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
            0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
            0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
            0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
        ]
    }

    typealias Digest = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
    /// Two blocks: the message tail, padding and length never need more.
    private typealias Tail = (Schedule16, Schedule16)
    private typealias Schedule16 = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    private static let zero64: Schedule16 = (0, 0, 0, 0, 0, 0, 0, 0)
    /// 64 words of message schedule.
    private typealias Schedule = (Schedule16, Schedule16, Schedule16, Schedule16)
}

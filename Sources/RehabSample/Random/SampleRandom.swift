/// xoshiro256** seeded through SplitMix64: small, fast and the same on every platform, so that a seed always
/// gives the same files. `SystemRandomNumberGenerator` would not.
struct SampleRandom: RandomNumberGenerator {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    init(seed: UInt64) {
        var x = seed
        s0 = SampleRandom.splitMix(&x)
        s1 = SampleRandom.splitMix(&x)
        s2 = SampleRandom.splitMix(&x)
        s3 = SampleRandom.splitMix(&x)
    }

    /// A generator whose stream depends on a seed and any number of stable keys (trust, period, purpose).
    init(seed: UInt64, _ keys: UInt64...) {
        var mixed = seed
        for key in keys {
            var x = mixed ^ (key &* 0x9E37_79B9_7F4A_7C15)
            mixed = SampleRandom.splitMix(&x)
        }
        self.init(seed: mixed)
    }

    static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a of a string's UTF-8: a stable key for a trust code (Swift's `Hasher` is seeded per process).
    static func key(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A uniform integer in `0..<bound` (multiply-shift; the bias is below 2^-32 for the bounds used here).
    @inline(__always)
    mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: ((next() >> 32) &* UInt64(UInt32(truncatingIfNeeded: bound))) >> 32)
    }

    /// A uniform integer in a closed range.
    @inline(__always)
    mutating func between(_ low: Int, _ high: Int) -> Int { low + below(high - low + 1) }

    /// A uniform double in `[0, 1)`.
    @inline(__always)
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// True with probability `p`.
    @inline(__always)
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// An approximately standard normal deviate: the sum of twelve uniforms less six (Irwin–Hall).
    ///
    /// Only additions, so the stream is the same whatever the platform's maths library; `log` and `cos` may differ
    /// in the last bit between glibc and Darwin, which could move a rounded wait by a day. The tails stop at ±6.
    mutating func normal() -> Double {
        var sum = 0.0
        for _ in 0..<12 { sum += unit() }
        return sum - 6
    }

    /// A log-normal deviate with the given median; `sigma` is the spread of its logarithm.
    mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * SampleRandom.exponential(sigma * normal())
    }

    /// e^x from basic arithmetic only (range reduction by ln 2 and a Taylor series), for platform-independent
    /// output. Accurate to a few ulp for the small arguments used here.
    static func exponential(_ x: Double) -> Double {
        let ln2 = 0.693_147_180_559_945_3
        let n = (x / ln2).rounded()
        let r = x - n * ln2
        var term = 1.0
        var sum = 1.0
        for k in 1...16 {
            term *= r / Double(k)
            sum += term
        }
        return sum * Double(sign: .plus, exponent: Int(n), significand: 1)
    }
}

@inline(__always)
private func rotateLeft(_ value: UInt64, _ amount: UInt64) -> UInt64 {
    (value << amount) | (value >> (64 - amount))
}

/// A fixed set of choices with integer weights, drawn by a linear scan (the tables here have at most 23 entries).
struct WeightedChoice<Value>: Sendable where Value: Sendable {
    let values: [Value]
    private let cumulative: [UInt32]
    private let total: UInt32

    init(_ pairs: [(Value, UInt32)]) {
        var running: UInt32 = 0
        var cumulative: [UInt32] = []
        for (_, weight) in pairs {
            running += weight
            cumulative.append(running)
        }
        precondition(running > 0, "a weighted choice needs a positive total")
        self.values = pairs.map(\.0)
        self.cumulative = cumulative
        self.total = running
    }

    @inline(__always)
    func draw(_ rng: inout SampleRandom) -> Value {
        let r = UInt32(truncatingIfNeeded: rng.below(Int(total)))
        var i = 0
        while cumulative[i] <= r { i += 1 }
        return values[i]
    }
}

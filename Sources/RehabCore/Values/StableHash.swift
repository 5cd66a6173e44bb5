/// FNV-1a, 64-bit: a hash of bytes that is the same in every run and on every platform (unlike `Hasher`), for keys
/// that must not change between runs (advisory lock keys, simulation seeds, short names).
public struct StableHash: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    /// Mixes in bytes.
    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    }

    /// The hash of one string's UTF-8.
    public static func of(_ text: String) -> UInt64 {
        var hash = StableHash()
        hash.combine(text.utf8)
        return hash.value
    }
}

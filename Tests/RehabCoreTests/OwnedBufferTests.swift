import RehabCore
import Testing

@Suite("Owned memory")
struct OwnedBufferTests {
    @Test("Growing keeps the bytes written so far, and the new room can be written")
    func growKeepsPrefix() {
        var buffer = OwnedBuffer<UInt8>(capacity: 4)
        let text: [UInt8] = Array("abcd".utf8)
        text.withUnsafeBufferPointer { buffer.copy(from: $0.baseAddress!, count: 4, to: 0) }
        buffer.grow(to: 1000, keeping: 3)
        #expect(buffer.capacity == 1000)
        buffer[999] = UInt8(ascii: "z")
        #expect(buffer.withPrefix(3) { Array($0) } == Array("abc".utf8))
        #expect(buffer[999] == UInt8(ascii: "z"))
    }

    @Test("Stored integers land at the byte asked, in the byte order given")
    func storeBytes() {
        let buffer = OwnedBuffer<UInt8>(capacity: 8)
        for i in 0..<8 { buffer[i] = 0 }
        buffer.storeBytes(of: UInt32(0x0102_0304).bigEndian, at: 1)
        buffer.storeBytes(of: UInt16(0x0506).bigEndian, at: 5)
        #expect(buffer.withPrefix(8) { Array($0) } == [0, 1, 2, 3, 4, 5, 6, 0])
    }
}

import RehabCore
import Testing

@Suite("Owned memory")
struct OwnedBufferTests {
    @Test("Growing keeps the bytes written so far, and the new room can be written")
    func growKeepsPrefix() {
        var buffer = OwnedBuffer<UInt8>(capacity: 4)
        let text: [UInt8] = Array("abcd".utf8)
        buffer.copy(from: text.span, to: 0)
        buffer.grow(to: 1000, keeping: 3)
        #expect(buffer.capacity == 1000)
        buffer[999] = UInt8(ascii: "z")
        #expect(Self.bytes(buffer.span(count: 3)) == Array("abc".utf8))
        #expect(buffer[999] == UInt8(ascii: "z"))
    }

    @Test("Stored integers land at the byte asked, in the byte order given")
    func storeBytes() {
        let buffer = OwnedBuffer<UInt8>(capacity: 8)
        for i in 0..<8 { buffer[i] = 0 }
        buffer.storeBytes(of: UInt32(0x0102_0304).bigEndian, at: 1)
        buffer.storeBytes(of: UInt16(0x0506).bigEndian, at: 5)
        #expect(Self.bytes(buffer.span(count: 8)) == [0, 1, 2, 3, 4, 5, 6, 0])
    }

    @Test("A fixed table holds what it was given, and compares a range of it with other bytes")
    func fixedArray() {
        let table = FixedArray(Array("RY2RDR".utf8))
        #expect(table.count == 6)
        let last = table.elements(3..<6, equal: Array("RDR".utf8).span)
        let first = table.elements(0..<3, equal: Array("RDR".utf8).span)
        let shorter = table.elements(0..<3, equal: Array("RY".utf8).span)
        #expect(last && !first && !shorter)
        table[0] = UInt8(ascii: "X")
        #expect(Self.bytes(table.span) == Array("XY2RDR".utf8))
        let empty = FixedArray<Int>([]).isEmpty
        #expect(empty)
    }

    static func bytes(_ span: Span<UInt8>) -> [UInt8] {
        var copy: [UInt8] = []
        copy.append(copying: span)
        return copy
    }
}

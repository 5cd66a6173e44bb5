import Foundation
import RehabCore
import Testing

@Suite("Buffered output")
struct BufferedOutputTests {
    /// Keeps what it is handed, call by call.
    final class Recorder: ByteSink {
        var takes: [(offset: Int, bytes: [UInt8])] = []

        func take(_ bytes: Span<UInt8>, at offset: Int) throws {
            var copy: [UInt8] = []
            copy.append(copying: bytes)
            takes.append((offset, copy))
        }
    }

    @Test("Bytes reach the sink whole and in order, a block at a time, and a large write to an empty buffer in one")
    func blocks() throws {
        let recorder = Recorder()
        var output = BufferedOutput(recorder, blockSize: 8)
        let pieces: [[UInt8]] = [Array(0..<3), Array(3..<13), [13], Array(14..<16), Array(16..<36), Array(36..<38)]
        for piece in pieces { try output.write(piece) }
        try output.write(byte: 38)
        #expect(output.count == 39)
        #expect(output.pending == 3)
        try output.flush()
        #expect(output.pending == 0)

        #expect(recorder.takes.flatMap(\.bytes) == Array(0..<39))
        // Each take starts where the ones before it ended.
        var offset = 0
        for take in recorder.takes {
            #expect(take.offset == offset)
            offset += take.bytes.count
        }
        // 0–7 and 8–15 fill blocks; 16–35 arrives with the buffer empty and goes as it is; the rest on flush.
        #expect(recorder.takes.map(\.bytes.count) == [8, 8, 20, 3])
    }

    @Test("Writing to a published file is an error, not a lost write")
    func afterCommit() throws {
        let folder = NSTemporaryDirectory() + "/rehabcount-output-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let output = try FileOutput(path: folder + "/report.txt")
        try output.write("done\n")
        try output.commit()
        #expect(output.count == 5)
        #expect(throws: RehabError.self) { try output.write("more") }
        #expect(try String(contentsOfFile: folder + "/report.txt", encoding: .utf8) == "done\n")
    }
}

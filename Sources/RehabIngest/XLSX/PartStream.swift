import Dispatch
import Foundation
import Synchronization

/// The inflated bytes of one workbook part, handed to `XMLParser` as they come out of the ZIP entry.
///
/// A thread of its own inflates the entry a few chunks ahead of the parser and waits while the parser catches up,
/// so the part is never held whole, in memory or on disk. `XMLParser(stream:)` opens the stream, reads it until it
/// returns 0, and closes it; closing stops the inflating thread and waits for it.
final class PartStream: InputStream {
    private let channel = ChunkChannel(capacity: 4)
    private let inflater: Thread
    private var chunk = Data()
    private var offset = 0
    /// Whether the parse has been stopped by its handler: the rest of the part is then not inflated at all.
    private let stopped: () -> Bool
    private var status = Stream.Status.notOpen

    /// - Parameters:
    ///   - inflate: inflates the part, passing each chunk to `deliver`; `deliver` throws once the stream is closed.
    ///   - stopped: whether the reader no longer wants bytes.
    init(
        inflate: @escaping @Sendable (_ deliver: (Data) throws -> Void) throws -> Void,
        stopped: @escaping () -> Bool
    ) {
        let channel = self.channel
        inflater = Thread {
            do {
                try inflate { try channel.put($0) }
                channel.finish(nil)
            } catch {
                channel.finish(error)
            }
        }
        self.stopped = stopped
        super.init(data: Data())
    }

    /// What stopped the inflating thread, if it did not reach the end of the part: a budget, damage, a closed
    /// stream.
    var failure: (any Error)? { channel.failure }

    override func open() {
        status = .open
        inflater.start()
    }

    override func close() {
        guard status == .open || status == .atEnd else { return }
        status = .closed
        channel.close()
    }

    override var streamStatus: Stream.Status { status }

    override var hasBytesAvailable: Bool { status == .open }

    override func read(_ buffer: UnsafeMutablePointer<UInt8>, maxLength length: Int) -> Int {
        guard status == .open, !stopped() else { return 0 }
        if offset == chunk.count {
            guard let next = channel.take() else {
                status = .atEnd
                return 0
            }
            chunk = next
            offset = 0
        }
        let count = min(length, chunk.count - offset)
        chunk.withUnsafeBytes { raw in
            buffer.update(from: raw.bindMemory(to: UInt8.self).baseAddress! + offset, count: count)
        }
        offset += count
        return count
    }

    override func getBuffer(
        _ buffer: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>,
        length len: UnsafeMutablePointer<Int>
    ) -> Bool { false }
}

/// A bounded queue of chunks from one producing thread to one consuming thread.
final class ChunkChannel: Sendable {
    private struct State {
        var chunks: [Data] = []
        var finished = false
        var closed = false
        var failure: (any Error)?
    }

    /// Raised in the producer once the consumer has closed the channel.
    struct Closed: Error {}

    private let state = Mutex(State())
    /// Chunks waiting to be taken.
    private let ready = DispatchSemaphore(value: 0)
    /// Room for more chunks.
    private let room: DispatchSemaphore
    /// Signalled when the producer has finished, whatever the reason.
    private let done = DispatchSemaphore(value: 0)

    init(capacity: Int) {
        // Made at 0 and raised: libdispatch traps when a semaphore goes away below the value it was made with, as
        // `room` does when the consumer stops early.
        room = DispatchSemaphore(value: 0)
        for _ in 0..<capacity { room.signal() }
    }

    var failure: (any Error)? { state.withLock { $0.failure } }

    /// Producer: adds a chunk, waiting while the queue is full.
    ///
    /// - Throws: `Closed` once the consumer has closed the channel.
    func put(_ chunk: Data) throws {
        room.wait()
        try state.withLock { state in
            guard !state.closed else { throw Closed() }
            state.chunks.append(chunk)
        }
        ready.signal()
    }

    /// Producer: there will be no more chunks; `error` says why when the part was not read to its end.
    func finish(_ error: (any Error)?) {
        state.withLock { state in
            state.finished = true
            if !(error is Closed) { state.failure = error }
        }
        ready.signal()
        done.signal()
    }

    /// Consumer: the next chunk, waiting for it; nil at the end.
    func take() -> Data? {
        ready.wait()
        let chunk: Data? = state.withLock { state in
            guard !state.chunks.isEmpty else { return nil }
            return state.chunks.removeFirst()
        }
        if chunk != nil { room.signal() } else { ready.signal() }  // every later take sees the end too
        return chunk
    }

    /// Consumer: no more chunks are wanted. Stops the producer and waits until it has finished.
    func close() {
        let finished = state.withLock { state in
            state.closed = true
            state.chunks.removeAll()
            return state.finished
        }
        room.signal()  // a producer waiting for room wakes, and finds the channel closed
        if !finished { done.wait() }
    }
}

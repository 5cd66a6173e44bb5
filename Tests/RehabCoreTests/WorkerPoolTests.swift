import Foundation
import RehabCore
import Synchronization
import Testing

@Suite("Worker pool")
struct WorkerPoolTests {
    @Test(
        "Every worker runs at once, more than the machine has cores",
        arguments: [1, 4, max(4, ProcessInfo.processInfo.activeProcessorCount * 2)]
    )
    func allAtOnce(workers: Int) {
        // Each worker arrives, then waits (up to 10 s) until all have: a pool that ran fewer at once would never
        // fill the room, and each of its workers would give up.
        let arrived = Atomic<Int>(0)
        let together = Atomic<Int>(0)
        let seen = Mutex<Set<Int>>([])
        WorkerPool.run(workers: workers) { worker in
            seen.withLock { _ = $0.insert(worker) }
            arrived.add(1, ordering: .sequentiallyConsistent)
            let deadline = Date().addingTimeInterval(10)
            while arrived.load(ordering: .sequentiallyConsistent) < workers, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.001)
            }
            if arrived.load(ordering: .sequentiallyConsistent) == workers {
                together.add(1, ordering: .sequentiallyConsistent)
            }
        }
        #expect(together.load(ordering: .sequentiallyConsistent) == workers)
        #expect(seen.withLock { $0 } == Set(0..<workers))
    }
}

import Foundation

/// A fixed number of workers, each on a thread of its own, all running at once.
///
/// For work that mostly waits on something other than the CPU, such as a database: `DispatchQueue.concurrentPerform`
/// runs no more iterations at once than the machine has cores, so on a 2-core machine `workers: 4` would be 2. Here
/// `workers` threads run whatever the machine.
public enum WorkerPool {
    /// The stack of each worker: the main thread's size, since a worker parses, validates and loads as the main
    /// thread of `rehabcount validate` does.
    public static let stackSize = 8 << 20

    /// Runs `body(worker)` for each worker, 0 to `workers - 1`, each on its own thread, and returns when all have.
    ///
    /// - Parameter workers: how many run at once; at least 1.
    public static func run(workers: Int, _ body: @escaping @Sendable (_ worker: Int) -> Void) {
        precondition(workers >= 1, "a pool needs a worker")
        let finished = DispatchSemaphore(value: 0)
        for worker in 0..<workers {
            let thread = Thread {
                body(worker)
                finished.signal()
            }
            thread.name = "rehabcount-worker-\(worker)"
            thread.stackSize = stackSize
            thread.start()
        }
        for _ in 0..<workers { finished.wait() }
    }
}

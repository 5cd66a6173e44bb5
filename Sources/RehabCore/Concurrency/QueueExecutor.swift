import Dispatch

/// Runs tasks' jobs on a serial dispatch queue of its own, outside Swift's shared pool.
///
/// That pool has one thread a core. Code that waits synchronously on one of them (a synchronous command waiting
/// for MESH, a test waiting for a child process) holds it, and work queued behind it does not run until it lets
/// go. Work given this executor as its preference (`Task(executorPreference:)`, `withTaskExecutorPreference`)
/// keeps a thread of its own, as do the child tasks it starts in task groups.
public final class QueueExecutor: TaskExecutor {
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

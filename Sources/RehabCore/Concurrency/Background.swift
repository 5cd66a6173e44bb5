import Foundation
import Synchronization

/// Work started on a thread of its own, whose result the caller collects when it needs it.
///
/// For set-up steps that do not depend on each other, such as reading the configuration while a database
/// connection opens: the caller does one itself and collects the other.
public final class Background<Value: Sendable>: Sendable {
    private let result = Mutex<Result<Value, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    /// Starts `work` at once on a new thread.
    public init(_ work: @escaping @Sendable () throws -> Value) {
        Thread.detachNewThread { [self] in
            let outcome = Result { try work() }
            result.withLock { $0 = outcome }
            done.signal()
        }
    }

    /// Waits for the work to finish and returns its value, or throws its error. May be called more than once.
    public func value() throws -> Value {
        if let ready = result.withLock({ $0 }) { return try ready.get() }
        done.wait()
        done.signal()  // for a later call
        return try result.withLock { $0! }.get()
    }
}

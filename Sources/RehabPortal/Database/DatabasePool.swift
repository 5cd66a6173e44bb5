import NIOPosix
import RehabDatabase
import Synchronization

/// A bounded pool of RehabDatabase connections, used off the event loop: each piece of work runs on a thread of the
/// pool's own, with a connection of its own, so a slow query never holds up a page being sent.
///
/// At most `size` connections are ever open, one per thread; they are opened when first needed and a broken one
/// is replaced on the next use.
public final class DatabasePool: Sendable {
    /// An open connection the pool holds between uses.
    private final class Slot: @unchecked Sendable {
        let connection: Connection
        init(_ conninfo: String?) throws {
            connection = try Connection(conninfo, applicationName: "rehabcount-portal")
        }
    }

    private let conninfo: String?
    private let threads: NIOThreadPool
    private let idle = Mutex<[Slot]>([])

    /// - Parameter size: the most connections (and threads) at once.
    public init(conninfo: String?, size: Int) {
        self.conninfo = conninfo
        threads = NIOThreadPool(numberOfThreads: max(1, size))
        threads.start()
    }

    /// Runs `body` with a connection, on one of the pool's threads.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (borrowing Connection) throws -> T
    ) async throws -> T {
        try await threads.runIfActive { [self] in
            // Each thread holds at most one connection, so there are never more than threads.
            let slot = try idle.withLock { $0.popLast() } ?? Slot(conninfo)
            do {
                let value = try body(slot.connection)
                idle.withLock { $0.append(slot) }
                return value
            } catch let error as DatabaseError where error.kind == .connection {
                throw error  // the slot is dropped: a new connection next time
            } catch {
                idle.withLock { $0.append(slot) }
                throw error
            }
        }
    }

    /// Stops the threads and closes the connections.
    public func shutdown() async throws {
        try await threads.shutdownGracefully()
        idle.withLock { $0.removeAll() }
    }
}

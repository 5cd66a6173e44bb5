import RehabLoad
import Synchronization

extension RunJob {
    /// Where a run is, for a progress display: files done, and the rows read so far of each file in hand.
    public struct Progress: Sendable, Equatable {
        public var filesDone: Int
        public var filesTotal: Int
        /// The files being worked on now, in the order they were started, with the rows read so far.
        public var current: [Current]

        public struct Current: Sendable, Equatable {
            public var file: String
            public var rows: Int
        }
    }

    /// Hands out trust groups to the run's workers, gathers their outcomes in group order, and reports progress.
    final class WorkBoard: Sendable {
        private struct State {
            var nextGroup = 0
            var results: [[FileOutcome]]
            var progress: Progress
        }

        private let state: Mutex<State>
        private let report: @Sendable (Progress) -> Void

        init(groups: Int, files: Int, progress: @escaping @Sendable (Progress) -> Void) {
            state = Mutex(
                State(
                    results: Array(repeating: [], count: groups),
                    progress: Progress(filesDone: 0, filesTotal: files, current: [])
                )
            )
            report = progress
        }

        /// The next group to process, or nil when all are taken.
        func next() -> Int? {
            state.withLock { state in
                guard state.nextGroup < state.results.count else { return nil }
                defer { state.nextGroup += 1 }
                return state.nextGroup
            }
        }

        /// A worker starts a file.
        func started(_ file: String) {
            update { $0.current.append(.init(file: file, rows: 0)) }
        }

        /// A file in hand has read this many rows.
        func rows(_ file: String, _ rows: Int) {
            update { progress in
                if let i = progress.current.firstIndex(where: { $0.file == file }) { progress.current[i].rows = rows }
            }
        }

        /// A worker is done with a file.
        func finished(_ file: String) {
            update { progress in
                progress.current.removeAll { $0.file == file }
                progress.filesDone += 1
            }
        }

        private func update(_ change: (inout Progress) -> Void) {
            let snapshot = state.withLock { state in
                change(&state.progress)
                return state.progress
            }
            report(snapshot)
        }

        func finish(_ group: Int, _ outcomes: [FileOutcome]) { state.withLock { $0.results[group] = outcomes } }

        var outcomes: [FileOutcome] { state.withLock { $0.results.flatMap { $0 } } }
    }
}

extension RunJob {
    /// Tells the run's workers to take no more files, and why: the run lost its lock.
    final class StopSignal: Sendable {
        private let state = Mutex<RunLock.Lost?>(nil)

        /// The first loss reported, if any.
        var lost: RunLock.Lost? { state.withLock { $0 } }

        func lose(_ lost: RunLock.Lost) {
            state.withLock { if $0 == nil { $0 = lost } }
        }
    }
}

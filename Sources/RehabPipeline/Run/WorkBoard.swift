import Synchronization

extension RunJob {
    /// Hands out trust groups to the run's workers and gathers their outcomes in group order.
    final class WorkBoard: Sendable {
        private struct State {
            var nextGroup = 0
            var started = 0
            var results: [[FileOutcome]]
        }

        private let state: Mutex<State>
        private let files: Int
        private let progress: @Sendable (Int, Int, String) -> Void

        init(groups: Int, files: Int, progress: @escaping @Sendable (Int, Int, String) -> Void) {
            state = Mutex(State(results: Array(repeating: [], count: groups)))
            self.files = files
            self.progress = progress
        }

        /// The next group to process, or nil when all are taken.
        func next() -> Int? {
            state.withLock { state in
                guard state.nextGroup < state.results.count else { return nil }
                defer { state.nextGroup += 1 }
                return state.nextGroup
            }
        }

        /// A worker starts a file: the progress count moves on.
        func started(_ file: String) {
            let count = state.withLock { state in
                state.started += 1
                return state.started
            }
            progress(count, files, file)
        }

        func finish(_ group: Int, _ outcomes: [FileOutcome]) { state.withLock { $0.results[group] = outcomes } }

        var outcomes: [FileOutcome] { state.withLock { $0.results.flatMap { $0 } } }
    }
}

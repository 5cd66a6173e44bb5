import Foundation
import Logging
import RehabPipeline
import Synchronization

/// The line at the bottom of a terminal that shows a long command's progress. Log lines are written above it and
/// it is drawn again under them, so neither breaks the other. Only used when standard error is a terminal.
final class StatusLine: Sendable {
    static let shared = StatusLine()
    /// The text shown now, if any. The lock also orders every write to standard error.
    private let shown = Mutex<String?>(nil)

    /// Shows `text` as the status, cut to the terminal's width so that it never wraps.
    func show(_ text: String) {
        let fitted = String(text.prefix(max(10, Self.columns() - 1)))
        shown.withLock { shown in
            shown = fitted
            Self.write("\r\(fitted)\u{1B}[K")
        }
    }

    /// Leaves the status as it is and moves below it.
    func end() {
        shown.withLock { shown in
            if shown != nil { Self.write("\n") }
            shown = nil
        }
    }

    /// Writes a whole line above the status.
    func write(line: String) {
        shown.withLock { shown in
            Self.write(shown == nil ? line + "\n" : "\r\u{1B}[K" + line + "\n" + shown!)
        }
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    private static func columns() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// A run's progress as one line: files done of all, then each file in hand with its rows so far.
    static func describe(_ progress: RunJob.Progress) -> String {
        let width = 20
        let filled = progress.filesTotal > 0 ? width * progress.filesDone / progress.filesTotal : width
        var text = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
        text += " \(progress.filesDone)/\(progress.filesTotal) files"
        for file in progress.current {
            text += "  \(file.file) \(file.rows.formatted(.number.grouping(.automatic))) rows"
        }
        return text
    }
}

/// Log lines for people at a terminal, written above the status line:
/// `2026-11-29T02:00:01+0000 info rehabcount.run: file processed file=… status=loaded`.
struct TerminalLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level
    let label: String

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let fields = merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
        let time = Date().formatted(.iso8601)
        StatusLine.shared.write(
            line: "\(time) \(event.level) \(label): \(event.message)" + (fields.isEmpty ? "" : " " + fields)
        )
    }
}

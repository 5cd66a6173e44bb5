/// How serious a finding is, in the order of NHS England's submission validation.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable, BitwiseCopyable {
    /// The row is loaded; the finding is reported and counted.
    case warning
    /// The row is quarantined with its reasons; every other row is loaded.
    case record
    /// The whole submission is refused and nothing of it is loaded.
    case file

    var rank: Int {
        switch self {
        case .warning: 0
        case .record: 1
        case .file: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

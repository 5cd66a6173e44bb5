/// The kinds of extract a trust submits.
public enum ExtractKind: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case referrals
    case contacts
    case workforce

    /// The order in which a trust's files are validated together: referrals first, so that contacts can be
    /// checked against them.
    public var validationOrder: Int {
        switch self {
        case .referrals: 0
        case .contacts: 1
        case .workforce: 2
        }
    }

    public static func < (lhs: ExtractKind, rhs: ExtractKind) -> Bool { lhs.validationOrder < rhs.validationOrder }
}

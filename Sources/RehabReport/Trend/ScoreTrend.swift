/// A trust's data-quality score for one extract kind over recent periods, from the database, for its report.
public struct ScorePoint: Sendable, Equatable {
    /// YYYY-MM.
    public var period: String
    public var kind: String
    /// nil for a submission that was rejected before it could be scored.
    public var score: Double?
    /// The submission's status: accepted, accepted_with_warnings or rejected.
    public var status: String

    public init(period: String, kind: String, score: Double?, status: String) {
        self.period = period
        self.kind = kind
        self.score = score
        self.status = status
    }
}

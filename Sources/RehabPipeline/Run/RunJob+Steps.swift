import Foundation
import RehabCore
import RehabDatabase
import RehabLoad
import RehabReport
import RehabValidate

/// The steps of a run that read the inbox and the audit trail.
extension RunJob {
    /// The names in the inbox that may be extracts, in name order: hidden names and partial uploads (`.part`,
    /// `.tmp`) are left for later. Whether each is a regular file is decided when it is opened (`FileIntake`).
    static func inboxFiles(_ inbox: String) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: inbox)
        } catch {
            throw RehabError(.configuration, "Cannot read the inbox \(inbox): \(error.localizedDescription)")
        }
        return names.sorted().filter { name in
            !name.hasPrefix(".") && !name.hasSuffix(".part") && !name.hasSuffix(".tmp")
        }.map { "\(inbox)/\($0)" }
    }

    /// Expected (trust, kind) pairs with no submission, in the periods this run saw and the latest period with an
    /// accepted submission.
    static func missingSubmissions(
        _ config: PipelineConfig,
        outcomes: [FileOutcome],
        connection: borrowing Connection
    ) throws -> [Missing] {
        guard !config.expected.isEmpty else { return [] }
        // Only files this run processed name a period: not one it skipped, nor one it could not process.
        let processed = outcomes.filter { o in
            switch o.status {
            case .loaded, .superseded, .unchanged, .rejected, .validated: true
            case .duplicate, .failed, .skipped, .changing: false
            }
        }
        var periods = Set(processed.filter { $0.status != .rejected }.compactMap { $0.period.flatMap(Period.init) })
        if let latest = try AuditStore.latestAcceptedPeriod(connection: connection) { periods.insert(latest) }
        var received = try AuditStore.received(connection: connection)
        for o in processed {
            if let org = o.org, let kind = o.kind, let period = o.period { received.insert("\(org)|\(kind)|\(period)") }
        }
        return periods.sorted().flatMap { period in
            config.expectedSubmissions(in: period).compactMap { e -> Missing? in
                received.contains("\(e.org)|\(e.kind.rawValue)|\(period)")
                    ? nil : Missing(org: e.org, kind: e.kind.rawValue, period: period.description)
            }
        }
    }

    /// The trust's score for this kind over the last periods up to this one: the latest submission of each period.
    /// In a dry run the file's own score, which is not in the database, stands for its period.
    static func scoreTrend(
        org: String?,
        kind: ExtractKind?,
        period: Period?,
        current: ValidationResult?,
        periods: Int,
        connection: borrowing Connection
    ) throws -> [ScorePoint] {
        guard let org, let kind, let period else { return [] }
        var points = try AuditStore.scoreTrend(
            org: org,
            kind: kind,
            through: period,
            periods: periods,
            connection: connection
        ).map { ScorePoint(period: $0.period, kind: kind.rawValue, score: $0.score, status: $0.status) }
        if let current {
            points.removeAll { $0.period == period.description }
            points.append(
                ScorePoint(
                    period: period.description,
                    kind: kind.rawValue,
                    score: current.score.overall,
                    status: current.status.rawValue
                )
            )
        }
        return Array(points.sorted { $0.period < $1.period }.suffix(periods))
    }
}

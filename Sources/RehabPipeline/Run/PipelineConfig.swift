import Foundation
import RehabCore
import RehabValidate

/// A pipeline definition (`pipelines/nightly.yaml`): where files come from and go, which database, which stages,
/// the thresholds, and which submissions are expected. Unknown keys are errors that name the key and the line.
public struct PipelineConfig: Sendable, Decodable {
    public enum Stage: String, Sendable, Decodable, CaseIterable {
        /// Collects extracts from the `mesh:` mailbox into the inbox; first when present.
        case collect
        case validate, load, analyse, report
        /// Sends each file processed its reports through MESH; last when present.
        case deliver
    }

    public struct Thresholds: Sendable, Decodable {
        /// A submission quarantining more than this share of its rows is flagged in the summary and the log.
        public var quarantineShare: Double
        /// How many periods of score history a trust's report shows.
        public var trendPeriods: Int
        /// Simulation draws for the SII and RII limits.
        public var siiRepetitions: Int

        enum CodingKeys: String, CodingKey {
            case quarantineShare = "quarantine_share"
            case trendPeriods = "trend_periods"
            case siiRepetitions = "sii_repetitions"
        }

        public static let defaults = Thresholds(quarantineShare: 0.05, trendPeriods: 6, siiRepetitions: 100_000)

        init(quarantineShare: Double, trendPeriods: Int, siiRepetitions: Int) {
            self.quarantineShare = quarantineShare
            self.trendPeriods = trendPeriods
            self.siiRepetitions = siiRepetitions
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(["quarantine_share", "trend_periods", "sii_repetitions"])
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Self.defaults
            quarantineShare = try c.decodeIfPresent(Double.self, forKey: .quarantineShare) ?? d.quarantineShare
            trendPeriods = try c.decodeIfPresent(Int.self, forKey: .trendPeriods) ?? d.trendPeriods
            siiRepetitions = try c.decodeIfPresent(Int.self, forKey: .siiRepetitions) ?? d.siiRepetitions
            guard (0...1).contains(quarantineShare) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .quarantineShare,
                    in: c,
                    debugDescription: "must be a share between 0 and 1"
                )
            }
            guard (1...60).contains(trendPeriods) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .trendPeriods,
                    in: c,
                    debugDescription: "must be between 1 and 60"
                )
            }
            guard siiRepetitions >= 100 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .siiRepetitions,
                    in: c,
                    debugDescription: "must be at least 100"
                )
            }
        }
    }

    /// A trust expected to send some kinds of extract every period from `from` (to `to`, inclusive).
    public struct Expectation: Sendable, Decodable {
        public var org: String
        public var kinds: [ExtractKind]
        public var from: Period
        public var to: Period?

        enum CodingKeys: String, CodingKey { case org, kinds, from, to }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(["org", "kinds", "from", "to"])
            let c = try decoder.container(keyedBy: CodingKeys.self)
            org = try c.decode(String.self, forKey: .org)
            guard org.range(of: "^[A-Z0-9]{3}([A-Z0-9]{2})?$", options: .regularExpression) != nil else {
                throw DecodingError.dataCorruptedError(
                    forKey: .org,
                    in: c,
                    debugDescription: "`\(org)` is not an ODS code (3 or 5 capitals or digits)"
                )
            }
            kinds = try c.decodeIfPresent([ExtractKind].self, forKey: .kinds) ?? ExtractKind.allCases
            from = try Self.period(c, .from)
            to = try c.contains(.to) ? Self.period(c, .to) : nil
        }

        static func period(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Period {
            let text = try c.decode(String.self, forKey: key)
            guard let period = Period(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "expected YYYY-MM")
            }
            return period
        }

        /// Whether this expectation covers a period.
        public func covers(_ period: Period) -> Bool { from <= period && (to.map { period <= $0 } ?? true) }
    }

    /// How the analysis reads the months (`analysis:`): when an area's month is complete enough to chart, the
    /// targets of the SPC series, and the months from which a series is charted afresh.
    public struct Analysis: Sendable, Decodable {
        /// The SPC series a target or a rebase may name.
        public static let series = [
            "referral_rate", "median_wait_days", "waiting_over_18w_share", "outcome_recorded_share",
            "data_quality_score",
        ]

        /// A series charted afresh from a month, for a reason a board can read.
        public struct Rebase: Sendable, Decodable {
            public var series: String
            /// An ICB, England (E92000001) or a trust; empty for every area.
            public var area: String
            public var from: Period
            public var reason: String

            enum CodingKeys: String, CodingKey { case series, area, from, reason }

            public init(from decoder: any Decoder) throws {
                try decoder.rejectUnknownKeys(["series", "area", "from", "reason"])
                let c = try decoder.container(keyedBy: CodingKeys.self)
                series = try c.decode(String.self, forKey: .series)
                guard Analysis.series.contains(series) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .series,
                        in: c,
                        debugDescription:
                            "`\(series)` is not a series: use one of \(Analysis.series.joined(separator: ", "))"
                    )
                }
                area = try c.decodeIfPresent(String.self, forKey: .area) ?? ""
                let month = try c.decode(String.self, forKey: .from)
                guard let period = Period(month) else {
                    throw DecodingError.dataCorruptedError(forKey: .from, in: c, debugDescription: "expected YYYY-MM")
                }
                from = period
                reason = try c.decode(String.self, forKey: .reason)
                guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .reason,
                        in: c,
                        debugDescription: "say why the series is rebased: the report shows it"
                    )
                }
            }
        }

        /// The share of expected referrals extracts an area needs in a month for it to count in SPC limits.
        public var coverageThreshold: Double
        /// Target per series, in the series' units (shares 0–1, days, scores).
        public var targets: [String: Double]
        public var rebase: [Rebase]

        enum CodingKeys: String, CodingKey {
            case coverageThreshold = "coverage_threshold"
            case targets, rebase
        }

        public static let defaults = Analysis(coverageThreshold: 1, targets: [:], rebase: [])

        init(coverageThreshold: Double, targets: [String: Double], rebase: [Rebase]) {
            self.coverageThreshold = coverageThreshold
            self.targets = targets
            self.rebase = rebase
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(["coverage_threshold", "targets", "rebase"])
            let c = try decoder.container(keyedBy: CodingKeys.self)
            coverageThreshold = try c.decodeIfPresent(Double.self, forKey: .coverageThreshold) ?? 1
            guard coverageThreshold > 0, coverageThreshold <= 1 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .coverageThreshold,
                    in: c,
                    debugDescription: "must be a share above 0 and at most 1"
                )
            }
            targets = try c.decodeIfPresent([String: Double].self, forKey: .targets) ?? [:]
            if let unknown = targets.keys.sorted().first(where: { !Self.series.contains($0) }) {
                throw DecodingError.dataCorruptedError(
                    forKey: .targets,
                    in: c,
                    debugDescription: "`\(unknown)` is not a series: use one of \(Self.series.joined(separator: ", "))"
                )
            }
            rebase = try c.decodeIfPresent([Rebase].self, forKey: .rebase) ?? []
        }
    }

    public var name: String
    /// Folders; relative paths are relative to the project folder (the one holding `pipelines/`).
    public var inbox: String
    public var archive: String
    public var outbox: String
    /// Where the national report goes.
    public var reports: String
    /// The Prometheus textfile for node_exporter; nil for none.
    public var metrics: String?
    /// A PostgreSQL URL or conninfo; nil for `--database`, `DATABASE_URL`, then libpq's defaults.
    public var database: String?
    public var stages: [Stage]
    public var thresholds: Thresholds
    public var expected: [Expectation]
    public var analysis: Analysis
    /// Trusts processed at a time, each on a database connection of its own.
    public var workers: Int
    /// RehabCount's MESH mailbox; nil when trusts send by folder only.
    public var mesh: MESH?
    /// Where `rehabcount serve` listens; nil for its defaults.
    public var portal: Portal?

    enum CodingKeys: String, CodingKey {
        case name, inbox, archive, outbox, reports, metrics, database, stages, thresholds, expected, analysis, workers
        case mesh, portal
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allKeys))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        inbox = try c.decode(String.self, forKey: .inbox)
        archive = try c.decode(String.self, forKey: .archive)
        outbox = try c.decode(String.self, forKey: .outbox)
        reports = try c.decode(String.self, forKey: .reports)
        metrics = try c.decodeIfPresent(String.self, forKey: .metrics)
        database = try c.decodeIfPresent(String.self, forKey: .database)
        mesh = try c.decodeIfPresent(MESH.self, forKey: .mesh)
        portal = try c.decodeIfPresent(Portal.self, forKey: .portal)
        stages =
            try c.decodeIfPresent([Stage].self, forKey: .stages)
            ?? (mesh == nil ? [] : [.collect]) + [.validate, .load, .analyse, .report] + (mesh == nil ? [] : [.deliver])
        thresholds = try c.decodeIfPresent(Thresholds.self, forKey: .thresholds) ?? .defaults
        expected = try c.decodeIfPresent([Expectation].self, forKey: .expected) ?? []
        analysis = try c.decodeIfPresent(Analysis.self, forKey: .analysis) ?? .defaults
        workers = try c.decodeIfPresent(Int.self, forKey: .workers) ?? 2
        guard (1...16).contains(workers) else {
            throw DecodingError.dataCorruptedError(
                forKey: .workers,
                in: c,
                debugDescription: "must be between 1 and 16"
            )
        }
        // `[collect]` alone takes the mailbox into the inbox between nights; every other stage needs validate.
        guard stages.contains(.validate) || stages == [.collect] else {
            throw DecodingError.dataCorruptedError(
                forKey: .stages,
                in: c,
                debugDescription: "`validate` is needed: every other stage but a lone `collect` depends on it"
            )
        }
        if stages.contains(.collect) && (mesh == nil || stages.first != .collect) {
            throw DecodingError.dataCorruptedError(
                forKey: .stages,
                in: c,
                debugDescription: mesh == nil
                    ? "`collect` needs a mesh: section (docs/operations.md, \"MESH\")" : "`collect` comes first"
            )
        }
        if stages.contains(.deliver) && (mesh == nil || stages.last != .deliver) {
            throw DecodingError.dataCorruptedError(
                forKey: .stages,
                in: c,
                debugDescription: mesh == nil
                    ? "`deliver` needs a mesh: section (docs/operations.md, \"MESH\")" : "`deliver` comes last"
            )
        }
        if stages.contains(.analyse) && !stages.contains(.load) {
            throw DecodingError.dataCorruptedError(
                forKey: .stages,
                in: c,
                debugDescription: "`analyse` needs `load`"
            )
        }
        for folder in [CodingKeys.inbox, .archive, .outbox, .reports] {
            if try c.decode(String.self, forKey: folder).isEmpty {
                throw DecodingError.dataCorruptedError(forKey: folder, in: c, debugDescription: "must not be empty")
            }
        }
    }

    /// Reads a pipeline file.
    ///
    /// - Throws: `RehabError.Code.configuration` naming the file, line and key.
    public static func load(path: String) throws -> PipelineConfig {
        try YAMLFile.decode(PipelineConfig.self, path: path)
    }

    /// A folder of the pipeline as an absolute path.
    public func resolve(_ folder: String, root: String) -> String {
        folder.hasPrefix("/") ? folder : "\(root)/\(folder)"
    }

    /// The expected (trust, kind) pairs of a period.
    public func expectedSubmissions(in period: Period) -> [(org: String, kind: ExtractKind)] {
        expected.filter { $0.covers(period) }.flatMap { e in e.kinds.map { (e.org, $0) } }
    }
}

extension PipelineConfig.CodingKeys: CaseIterable {
    static var allKeys: [String] { allCases.map(\.rawValue) }
}

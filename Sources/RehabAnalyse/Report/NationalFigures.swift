import RehabCore
import RehabDatabase

/// The figures of one period for the national gap report, as read from the `published` (or `analysis`) schema by
/// `NationalFiguresReader`: every table whole, so that the report can offer all of it as CSV, and the report's own
/// series (charts, funnels, the trusts' data items) as typed rows, decoded once here.
///
/// The measures' tables (`access`, `core20`, …) stay rows of named columns: which measures there are, and their
/// columns, are declared once, in `published.measures`, not again in Swift.
public struct NationalFigures: Sendable {
    /// One table as read: its columns and rows as PostgreSQL's text, NULL as nil.
    public struct Table: Sendable {
        public var name: String
        public var columns: [String]
        public var rows: [[String?]]

        public init(name: String, columns: [String], rows: [[String?]]) {
            self.name = name
            self.columns = columns
            self.rows = rows
        }

        /// The rows as dictionaries keyed by column name, NULLs left out.
        public var records: [[String: String]] {
            rows.map { row in
                var record: [String: String] = [:]
                for (column, value) in zip(columns, row) { record[column] = value }
                return record
            }
        }
    }

    /// `published` or `analysis`.
    public var source: String
    /// The reporting period, YYYY-MM-DD (first of the month).
    public var period: String
    /// The measures of `published.measures` that the report offers, in their order.
    public var measures: [Measure]
    /// Every table, measures first: the report's CSV downloads.
    public var tables: [Table] { didSet { decode() } }
    /// ICB ODS code → name, where known.
    public var icbNames: [String: String]
    /// Trust ODS code → name, where known.
    public var trustNames: [String: String]
    /// When the latest submission the figures include was loaded, ISO 8601; nil when it cannot be read.
    public var dataAsAt: String?
    /// When the report was written, ISO 8601.
    public var generatedAt: String

    /// Each table's rows as column → value, made once: every section and ICB page reads them.
    private var records: [String: [[String: String]]] = [:]
    /// Each ICB's age-standardised rates by quintile, every month up to this one (`access_history`).
    public private(set) var rateHistory: [QuintileRate] = []
    /// The Making Data Count charts of England and of each ICB (`spc`).
    public private(set) var spc: [SPCMonth] = []
    /// The rebase points of the charts, with their reasons (`spc_rebase`).
    public private(set) var rebases: [SPCRebase] = []
    /// Each trust's data items beside its peers and England (`item_quality`).
    public private(set) var itemQuality: [ItemQuality] = []
    /// The rules each trust's submissions failed (`rule_failures`).
    public private(set) var ruleFailures: [RuleFailures] = []
    /// The variation of each trust's data-quality score (`score_variation`).
    public private(set) var scoreVariation: [ScoreVariation] = []
    /// The limits of the funnel of trusts' outcome recording (`funnel_outcome_recorded`).
    public private(set) var outcomeFunnel: [ProportionFunnelLimit] = []
    /// The limits of the funnel of ICBs' referral rates (`funnel_icb_referral_rate`).
    public private(set) var rateFunnel: [RateFunnelLimit] = []

    public init(
        source: String,
        period: String,
        measures: [Measure] = [],
        tables: [Table],
        icbNames: [String: String],
        trustNames: [String: String] = [:],
        dataAsAt: String? = nil,
        generatedAt: String
    ) {
        self.source = source
        self.period = period
        self.measures = measures
        self.tables = tables
        self.icbNames = icbNames
        self.trustNames = trustNames
        self.dataAsAt = dataAsAt
        self.generatedAt = generatedAt
        decode()
    }

    /// The rows of a table as column → value; none when the table was not read.
    public func table(_ name: String) -> [[String: String]] { records[name] ?? [] }

    private mutating func decode() {
        records = Dictionary(tables.map { ($0.name, $0.records) }, uniquingKeysWith: { first, _ in first })
        func rows<Row: FigureRow>(_ name: String) -> [Row] { table(name).map { Row(FigureRecord($0)) } }
        rateHistory = rows("access_history")
        spc = rows("spc")
        rebases = rows("spc_rebase")
        itemQuality = rows("item_quality")
        ruleFailures = rows("rule_failures")
        scoreVariation = rows("score_variation")
        outcomeFunnel = rows("funnel_outcome_recorded")
        rateFunnel = rows("funnel_icb_referral_rate")
    }
}

/// A measure of the manifest, `published.measures`.
public struct Measure: Sendable, Equatable {
    /// Its table's name in `analysis` and `published`.
    public var name: String
    /// `icb`, `trust` or `series`.
    public var grain: String
    /// What it is, in a sentence.
    public var title: String
    /// `table`, `view`, or nil for analysts only.
    public var publishedAs: String?
    /// Whether the national report offers it.
    public var inReport: Bool

    public init(name: String, grain: String, title: String, publishedAs: String?, inReport: Bool) {
        self.name = name
        self.grain = grain
        self.title = title
        self.publishedAs = publishedAs
        self.inReport = inReport
    }
}

/// A row of the report's own series, decoded from its column → value record.
public protocol FigureRow: Sendable {
    init(_ record: FigureRecord)
}

extension FigureRow {
    /// Every row of a query's result.
    public static func rows(of result: QueryResult) -> [Self] {
        NationalFigures.Table(name: "", columns: result.columns, rows: result.rows).records.map {
            Self(FigureRecord($0))
        }
    }
}

/// One row as read, with typed access to its columns: a NULL, or a value that does not parse, is nil.
public struct FigureRecord: Sendable {
    let values: [String: String]

    public init(_ values: [String: String]) { self.values = values }

    public func text(_ column: String) -> String? { values[column] }
    public func double(_ column: String) -> Double? { values[column].flatMap(Double.init) }
    public func int(_ column: String) -> Int? { values[column].flatMap { Int($0) } }
    /// PostgreSQL's `t` and `f`, or `true` and `false`.
    public func bool(_ column: String) -> Bool? {
        switch values[column] {
        case "t", "true": true
        case "f", "false": false
        default: nil
        }
    }
}

/// One ICB quintile's age-standardised rate of new referrals in one month.
public struct QuintileRate: FigureRow {
    /// `YYYY-MM-DD`, the first of the month.
    public var period: String
    public var icb: String
    public var quintile: Int?
    public var dsr: Double?
    public var lower: Double?
    public var upper: Double?

    public init(_ r: FigureRecord) {
        period = r.text("period") ?? ""
        icb = r.text("icb_ods") ?? ""
        quintile = r.int("imd_quintile")
        dsr = r.double("dsr")
        lower = r.double("dsr_lower")
        upper = r.double("dsr_upper")
    }
}

/// One month of a Making Data Count chart (`analysis.spc`, `published.spc`).
public struct SPCMonth: FigureRow {
    /// England (E92000001) or the ICB.
    public var icb: String
    public var series: String
    /// `YYYY-MM-DD`, the first of the month.
    public var period: String
    public var value: Double?
    public var mean: Double?
    public var lower: Double?
    public var upper: Double?
    /// `stats.spc`'s point type, or `incomplete`.
    public var pointType: String
    /// `increase`, `decrease` or `neutral`.
    public var improvement: String?
    public var points: Int?
    public var latestVariation: String?
    public var coverage: Double?
    public var incomplete: Bool
    public var phase: Int
    public var target: Double?
    public var assurance: String?

    public init(_ r: FigureRecord) {
        icb = r.text("icb_ods") ?? ""
        series = r.text("series") ?? ""
        period = r.text("period") ?? ""
        value = r.double("value")
        mean = r.double("mean")
        lower = r.double("lpl")
        upper = r.double("upl")
        pointType = r.text("point_type") ?? "common_cause"
        improvement = r.text("improvement")
        points = r.int("points")
        latestVariation = r.text("latest_variation").flatMap { $0.isEmpty ? nil : $0 }
        coverage = r.double("coverage")
        incomplete = r.bool("incomplete") == true || pointType == "incomplete"
        phase = r.int("phase") ?? 1
        target = r.double("target")
        assurance = r.text("assurance").flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// A recorded rebase of a series (`reference.spc_rebase`).
public struct SPCRebase: FigureRow {
    public var series: String
    /// Empty for every area, or the ICB.
    public var area: String
    public var period: String
    public var reason: String

    public init(_ r: FigureRecord) {
        series = r.text("series") ?? ""
        area = r.text("area") ?? ""
        period = r.text("period") ?? ""
        reason = r.text("reason") ?? ""
    }
}

/// One data item of one trust's extract, beside the trusts of its ICB and England (`analysis.item_quality`).
public struct ItemQuality: FigureRow {
    public var org: String
    public var icb: String
    public var kind: String
    public var column: String
    /// Whether the contract requires it: `required`, `conditional` or `optional`.
    public var status: String
    public var completeness: Double?
    public var validity: Double?
    public var peerCompleteness: Double?
    public var peerValidity: Double?
    public var nationalCompleteness: Double?
    public var nationalValidity: Double?
    /// The trusts the peer figures are of (the ICB's, this one included), and England's.
    public var peerTrusts: Int
    public var nationalTrusts: Int

    public init(_ r: FigureRecord) {
        org = r.text("org_code") ?? ""
        icb = r.text("icb_ods") ?? ""
        kind = r.text("kind") ?? ""
        column = r.text("column_name") ?? ""
        status = r.text("status") ?? ""
        completeness = r.double("completeness")
        validity = r.double("validity")
        peerCompleteness = r.double("peer_completeness")
        peerValidity = r.double("peer_validity")
        nationalCompleteness = r.double("national_completeness")
        nationalValidity = r.double("national_validity")
        peerTrusts = r.int("peer_trusts") ?? 0
        nationalTrusts = r.int("national_trusts") ?? 0
    }

    /// Below England by 2 percentage points or more, in completeness or validity.
    public var belowEngland: Bool {
        func below(_ own: Double?, _ nation: Double?) -> Bool {
            guard let own, let nation else { return false }
            return own < nation - 0.02
        }
        return below(completeness, nationalCompleteness) || below(validity, nationalValidity)
    }
}

/// How often one rule failed in one trust's submissions of the period (`analysis.rule_failures`).
public struct RuleFailures: FigureRow {
    public var org: String
    public var icb: String
    public var kind: String
    public var rule: String
    public var severity: String
    public var failures: Int
    /// The rows of the trust's extracts of that kind read in the period.
    public var rowsRead: Int
    public var failuresPerRow: Double?

    public init(_ r: FigureRecord) {
        org = r.text("org_code") ?? ""
        icb = r.text("icb_ods") ?? ""
        kind = r.text("kind") ?? ""
        rule = r.text("rule_id") ?? ""
        severity = r.text("severity") ?? ""
        failures = r.int("failures") ?? 0
        rowsRead = r.int("rows_read") ?? 0
        failuresPerRow = r.double("failures_per_row")
    }
}

/// The Making Data Count variation of a trust's latest data-quality score.
public struct ScoreVariation: FigureRow {
    public var org: String
    public var variation: String?
    /// The months of its series so far.
    public var points: Int

    public init(_ r: FigureRecord) {
        org = r.text("org_code") ?? ""
        variation = r.text("variation")
        points = r.int("points") ?? 0
    }
}

/// A point of a proportion funnel's limits, at one denominator.
public struct ProportionFunnelLimit: FigureRow {
    public var denominator: Double?
    public var lower2: Double?
    public var upper2: Double?
    public var lower3: Double?
    public var upper3: Double?
    public var baseline: Double?
    public var phi: Double?
    public var tau2: Double?
    /// `none` (PHE's limits), `additive` or `multiplicative`.
    public var method: String

    public init(_ r: FigureRecord) {
        denominator = r.double("discharges")
        lower2 = r.double("lower_2s")
        upper2 = r.double("upper_2s")
        lower3 = r.double("lower_3s")
        upper3 = r.double("upper_3s")
        baseline = r.double("baseline")
        phi = r.double("phi")
        tau2 = r.double("tau2")
        method = r.text("method") ?? "none"
    }
}

/// A point of a rate funnel's limits: each limit has the population at which it holds.
public struct RateFunnelLimit: FigureRow {
    public var lower2: (population: Double?, rate: Double?)
    public var upper2: (population: Double?, rate: Double?)
    public var lower3: (population: Double?, rate: Double?)
    public var upper3: (population: Double?, rate: Double?)
    public var baseline: Double?
    public var phi: Double?
    public var tau2: Double?
    /// `none` (PHE's limits), `additive` or `multiplicative`.
    public var method: String

    public init(_ r: FigureRecord) {
        lower2 = (r.double("lower_2s_population"), r.double("lower_2s"))
        upper2 = (r.double("upper_2s_population"), r.double("upper_2s"))
        lower3 = (r.double("lower_3s_population"), r.double("lower_3s"))
        upper3 = (r.double("upper_3s_population"), r.double("upper_3s"))
        baseline = r.double("baseline")
        phi = r.double("phi")
        tau2 = r.double("tau2")
        method = r.text("method") ?? "none"
    }
}

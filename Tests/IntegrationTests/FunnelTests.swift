import Foundation
import RehabDatabase
import RehabTestSupport
import Testing

/// `stats.funnel_proportion` and `stats.funnel_rate` (sql/analysis/20_stats_funnel.sql) against PHEindicatormethods'
/// own funnel test data (KnownAnswers/PHEindicatormethods, with its README), test by test as the package's
/// tests/testthat/testFunnels.R runs `calculate_funnel_limits`. The files give 6 to 10 significant digits.
@Suite("Funnel plot limits", .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"))
struct FunnelTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("KnownAnswers/PHEindicatormethods").path

    /// A CSV file's rows as dictionaries. Area names are quoted and may hold commas; no field holds a quote.
    static func table(_ name: String) throws -> [[String: String]] {
        let text = try String(contentsOfFile: "\(folder)/\(name).csv", encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = fields(lines.removeFirst())
        return lines.map { Dictionary(uniqueKeysWithValues: zip(header, fields($0))) }
    }

    static func fields(_ line: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        for character in line {
            switch character {
            case "\"": quoted.toggle()
            case "," where !quoted:
                fields.append(field)
                field = ""
            default: field.append(character)
            }
        }
        return fields + [field]
    }

    /// Compares the numeric columns of `rows` (from SQL, in `columns` order) with the expected file's columns.
    static func compare(
        _ rows: [[String?]],
        _ expected: [[String: String]],
        columns: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(rows.count == expected.count, sourceLocation: sourceLocation)
        var worst = 0.0
        for (row, want) in zip(rows, expected) {
            for (i, column) in columns.enumerated() {
                guard let a = row[i].flatMap(Double.init), let b = want[column].flatMap(Double.init) else {
                    Issue.record(
                        "\(column): \(String(describing: row[i])) against \(want[column] ?? "-")",
                        sourceLocation: sourceLocation
                    )
                    continue
                }
                worst = max(worst, b == 0 ? abs(a) : abs(a - b) / abs(b))
            }
        }
        // The files are rounded to 6 decimal places (proportions) or 10 significant digits (rates).
        #expect(worst < 2e-6, "worst relative difference \(worst)", sourceLocation: sourceLocation)
    }

    static func numbers(_ values: [String]) -> String { "ARRAY[\(values.joined(separator: ","))]::numeric[]" }

    @Test("Proportions: PHE's limits at each of 100 denominators, with the axis starting at 0 or rounded")
    func proportions() throws {
        let db = try TestFixtures.database()
        let c = try db.connect()
        let inputs = try Self.table("testdata_funnel_prop_inputs")
        let columns = [
            "Population", "Lower2s0025limit", "Upper2s0025limit", "Lower3s0001limit", "Upper3s0001limit",
            "Baseline",
        ]
        let all = try c.query(
            "SELECT * FROM stats.funnel_proportion(\(Self.numbers(inputs.map { $0["numerator"]! })), "
                + "\(Self.numbers(inputs.map { $0["denominator"]! })), 100)"
        ).rows
        Self.compare(all, try Self.table("testdata_funnel_prop_outputs"), columns: columns)
        // Denominators under 31,000: the largest is then under twice the smallest, so the axis starts at a
        // rounded minimum, not at 0.
        let small = inputs.filter { Double($0["denominator"]!)! < 31_000 }
        let varied = try c.query(
            "SELECT * FROM stats.funnel_proportion(\(Self.numbers(small.map { $0["numerator"]! })), "
                + "\(Self.numbers(small.map { $0["denominator"]! })), 100)"
        ).rows
        let expected = try Self.table("testdata_funnel_prop_outputs_with_axis_variation")
        Self.compare(varied, expected, columns: columns)
        #expect(varied.first?[0] != "1")
    }

    @Test("Rates: PHE's limits for a DSR, a crude rate with fewer than 10 events, and 0 events with a denominator")
    func rates() throws {
        let db = try TestFixtures.database()
        let c = try db.connect()
        let inputs = try Self.table("testdata_funnel_rate_input_funnels")
        let columns = [
            "Events", "lower_2s_population_1_year", "lower_2s_limit", "upper_2s_population_1_year", "upper_2s_limit",
            "lower_3s_population_1_year", "lower_3s_limit", "upper_3s_population_1_year", "upper_3s_limit", "baseline",
        ]
        let events = inputs.map { $0["ev"]! }
        let rates = inputs.map { $0["rate"]! }
        let dsr = try c.query(
            "SELECT * FROM stats.funnel_rate(\(Self.numbers(events)), \(Self.numbers(rates)), 100000, 3, 'dsr')"
        ).rows
        Self.compare(dsr, try Self.table("testdata_funnel_rate_outputs"), columns: columns)

        // The largest count made 5 (testFunnels.R: "with less than 10 events").
        let largest = events.map { Int($0)! }.max()!
        let fewer = events.map { Int($0)! == largest ? "5" : $0 }
        let crude = try c.query(
            "SELECT * FROM stats.funnel_rate(\(Self.numbers(fewer)), \(Self.numbers(rates)), 100000, 3, 'crude')"
        ).rows
        Self.compare(crude, try Self.table("testdata_funnel_rate_outputs_2"), columns: columns)

        // The largest count and its rate made 0, with denominators 100,000 x events / rate from the original
        // figures, keeping units whose denominator is over half the largest.
        let units = zip(events.map { Double($0)! }, rates.map { Double($0)! }).map { e, r in
            (events: e == Double(largest) ? 0 : e, rate: e == Double(largest) ? 0 : r, population: 100_000 * e / r)
        }
        let biggest = units.map(\.population).max()!
        let kept = units.filter { $0.population > biggest / 2 }
        let zero = try c.query(
            "SELECT * FROM stats.funnel_rate(\(Self.numbers(kept.map { "\($0.events)" })), "
                + "\(Self.numbers(kept.map { "\($0.rate)" })), 100000, 3, 'crude', "
                + "\(Self.numbers(kept.map { "\($0.population)" })))"
        ).rows
        Self.compare(zero, try Self.table("testdata_funnel_rate_outputs_3"), columns: columns)
    }

    /// Spiegelhalter's overdispersion, computed here from the formulas (as FunnelPlotR's od_adjustment.R), for
    /// the SQL to agree with: R's quantile type 7 for the winsorising, phi the mean squared winsorised z, tau2 of
    /// the additive random-effects model.
    static func dispersion(_ x: [Double], _ n: [Double], kind: String) -> (phi: Double, tau2: Double, target: Double) {
        let target = x.reduce(0, +) / n.reduce(0, +)
        var z: [Double] = []
        var s: [Double] = []
        for (xi, ni) in zip(x, n) {
            if kind == "proportion" {
                s.append(1 / (2 * ni.squareRoot()))
                z.append((asin((xi / ni).squareRoot()) - asin(target.squareRoot())) / s.last!)
            } else if xi > 0 {
                let expected = target * ni
                s.append(1 / expected.squareRoot())
                z.append(expected.squareRoot() * log(xi / expected))
            }
        }
        func quantile(_ p: Double) -> Double {
            let sorted = z.sorted()
            let h = Double(sorted.count - 1) * p
            let lo = Int(h.rounded(.down))
            let hi = Int(h.rounded(.up))
            return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
        }
        let (lz, uz) = (quantile(0.1), quantile(0.9))
        let count = Double(z.count)
        let phi = z.map { pow(min(max($0, lz), uz), 2) }.reduce(0, +) / count
        let w = s.map { 1 / ($0 * $0) }
        let denominator = w.reduce(0, +) - w.map { $0 * $0 }.reduce(0, +) / w.reduce(0, +)
        let tau2 = count * phi < count - 1 ? 0 : max(0, (count * phi - (count - 1)) / denominator)
        return (phi, tau2, target)
    }

    @Test("Overdispersion: phi and tau2 from winsorised z-scores, and the limits widened only when phi > 1")
    func overdispersion() throws {
        let db = try TestFixtures.database()
        let c = try db.connect()
        // Twelve trusts whose shares of recorded outcomes differ far more than binomial chance allows.
        let recorded: [Double] = [40, 80, 20, 55, 70, 10, 90, 33, 61, 47, 25, 75]
        let discharges: [Double] = [100, 120, 90, 100, 110, 95, 130, 80, 100, 105, 98, 112]
        let array = { (v: [Double]) in Self.numbers(v.map { String(Int($0)) }) }
        for kind in ["proportion", "rate"] {
            let expected = Self.dispersion(recorded, discharges, kind: kind)
            let row = try c.query(
                "SELECT phi, tau2, target, overdispersed FROM stats.funnel_dispersion(\(array(recorded)), \(array(discharges)), '\(kind)')"
            ).rows[0]
            let got = row[0...2].compactMap { $0.flatMap(Double.init) }
            #expect(abs(got[0] - expected.phi) < 1e-9 * expected.phi, "\(kind) phi \(got[0]) \(expected.phi)")
            #expect(abs(got[1] - expected.tau2) < 1e-9 * max(expected.tau2, 1e-12), "\(kind) tau2")
            #expect(abs(got[2] - expected.target) < 1e-12 && row[3] == "t" && expected.phi > 1)
        }
        // The additive limit at 100 discharges: sin(asin(sqrt(p)) + 3.090232 sqrt(1 / 400 + tau2))^2; the
        // multiplicative: sqrt(phi) times the binomial spread; both wider than without adjustment.
        let d = Self.dispersion(recorded, discharges, kind: "proportion")
        let limits = try c.query(
            """
            SELECT stats.funnel_od_limit('proportion', \(d.target), 100, 3.090232, 'additive', \(d.phi), \(d.tau2)),
                   stats.funnel_od_limit('proportion', \(d.target), 100, 3.090232, 'multiplicative', \(d.phi), \(d.tau2)),
                   stats.funnel_od_limit('proportion', \(d.target), 100, 3.090232, 'none', \(d.phi), \(d.tau2))
            """
        ).rows[0].compactMap { $0.flatMap(Double.init) }
        let additive = pow(
            sin(min(Double.pi / 2, asin(d.target.squareRoot()) + 3.090232 * (0.0025 + d.tau2).squareRoot())),
            2
        )
        let multiplicative = pow(
            sin(min(Double.pi / 2, asin(d.target.squareRoot()) + 3.090232 * d.phi.squareRoot() / 20)),
            2
        )
        #expect(abs(limits[0] - additive) < 1e-12 && abs(limits[1] - multiplicative) < 1e-12)
        #expect(limits[2] < limits[0] && limits[2] < limits[1])
        // The curve of these trusts is drawn with the additive adjustment, at 100 denominators.
        let curve = try c.query(
            """
            SELECT count(*), min(method_used), max(method_used)
            FROM stats.funnel_overdispersed(\(array(recorded)), \(array(discharges)), 'proportion')
            """
        ).rows[0]
        #expect(curve == ["100", "additive", "additive"])
        // Units spread as chance would spread them are not adjusted: the method used is none.
        let even: [Double] = [50, 52, 48, 51, 49, 50, 53, 47, 50, 51]
        let hundreds = Array(repeating: 100.0, count: 10)
        #expect(
            try c.query(
                """
                SELECT DISTINCT method_used, phi <= 1
                FROM stats.funnel_overdispersed(\(array(even)), \(array(hundreds)), 'proportion', 'multiplicative')
                """
            ).rows == [["none", "t"]]
        )
        let error = try #require(throws: DatabaseError.self) {
            try c.query("SELECT * FROM stats.funnel_dispersion(ARRAY[1]::numeric[], ARRAY[2]::numeric[], 'share')")
        }
        #expect(error.sqlState == "22023")
    }
}

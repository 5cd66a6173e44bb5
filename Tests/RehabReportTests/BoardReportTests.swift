import Foundation
import RehabAnalyse
import Testing

@testable import RehabReport

/// What the national report's charts and tables say, as a board reads them.
@Suite("Board report")
struct BoardReportTests {
    static func point(_ period: String, _ value: Double, _ type: String = "common_cause", phase: Int = 1) -> SPCPoint {
        SPCPoint(period: period, value: value, type: type, mean: 0.5, lower: 0.4, upper: 0.6, phase: phase)
    }

    @Test("An SPC chart's axis is months: a month with no figure is a gap in the line, not squeezed out")
    func timeAxis() {
        let points = [
            Self.point("2025-09-01", 0.50), Self.point("2025-10-01", 0.52),
            // November missing.
            Self.point("2025-12-01", 0.49),
        ]
        let svg = SVGChart.spc(points, unit: .share, target: nil, title: "t")
        let path = try! #require(svg.components(separatedBy: "<path d=\"").dropFirst().first)
        let moves = path.prefix { $0 != "\"" }.split(separator: " ")
        // Two runs: September-October joined, December alone.
        #expect(moves.map(\.first) == ["M", "L", "M"])
        // Every month of the axis has a tick and its initial, November included; the year under the first.
        #expect(svg.components(separatedBy: "stroke=\"#768692\"/>").count - 1 == 4)
        for initial in ["S", "O", "N", "D"] { #expect(svg.contains(">\(initial)</text>")) }
        #expect(svg.contains(">2025</text>"))
        // December is drawn 3 months after September: the gap is the width of a month.
        let xs = moves.map { Int($0.dropFirst().split(separator: ",")[0])! }
        #expect(xs[2] - xs[1] == 2 * (xs[1] - xs[0]))
        // Shares are percentages, in the tooltip and on the axis.
        #expect(svg.contains("October 2025: 52.0%, common-cause variation"))
        #expect(svg.contains(">%</text>"))
    }

    @Test("A month of incomplete coverage is hollow over a hatched band; a rebase and a target are drawn")
    func incompleteRebaseTarget() {
        let points = [
            Self.point("2025-09-01", 0.50), Self.point("2025-10-01", 0.52, "incomplete"),
            Self.point("2025-11-01", 0.70, phase: 2),
        ]
        let svg = SVGChart.spc(points, unit: .share, target: 0.8, title: "t")
        #expect(svg.components(separatedBy: "fill=\"url(#incomplete)\"").count - 1 == 1)
        #expect(
            svg.contains(
                "fill=\"#ffffff\" stroke=\"#425563\" stroke-width=\"1.2\"><title>October 2025: 52.0%, incomplete"
            )
        )
        #expect(svg.contains("<title>Rebased</title>"))
        #expect(svg.contains("<title>Target: 80.0%</title>"))
    }

    @Test("Variation and assurance icons carry a letter and words, not colour alone")
    func icons() {
        let improvementDown = SPCIcon.variation("special_cause_improvement", improvement: "decrease")
        #expect(improvementDown.contains(">L</text>") && improvementDown.contains("#00B0F0"))
        #expect(improvementDown.contains("<title>Variation: special cause, improvement (lower)</title>"))
        let concernDown = SPCIcon.variation("special_cause_concern", improvement: "increase")
        #expect(concernDown.contains(">L</text>") && concernDown.contains("#E46C0A"))
        #expect(SPCIcon.variation("special_cause_neutral_high", improvement: "neutral").contains(">H</text>"))
        #expect(SPCIcon.assurance("consistent_pass").contains(">P</text>"))
        #expect(SPCIcon.assurance("consistent_fail").contains(">F</text>"))
        #expect(SPCIcon.assurance("inconsistent").contains(">?</text>"))
        #expect(SPCIcon.assurance(nil).contains("Assurance: no target"))
    }

    @Test("Comparisons with England use Fingertips' colours, a shape each, and say “similar to”")
    func fingertips() {
        #expect(Comparison.colour("higher") == "#BED2FF" && Comparison.colour("lower") == "#5555E6")
        #expect(Comparison.colour("similar") == "#FFC000" && Comparison.colour(nil) == "#C9C9C9")
        #expect(Comparison.words("similar") == "similar to England")
        #expect(Comparison.marker("higher", x: 10, y: 10, title: "t").hasPrefix("<path d=\"M10 4"))
        #expect(Comparison.marker("lower", x: 10, y: 10, title: "t").hasPrefix("<path d=\"M10 16"))
        let legend = Comparison.legend()
        for text in ["Higher than England", "Similar to England", "Lower than England"] {
            #expect(legend.contains(text))
        }
        let whiskers = SVGChart.whiskers(
            [Whisker(label: "Q1", value: 10, lower: 8, upper: 12, comparison: "similar")],
            maximum: 20,
            title: "t"
        )
        #expect(whiskers.contains("Q1: 10.0, similar to England") && !whiskers.contains("than England"))
    }

    @Test("A month published alone between gaps is a dot, not invisible")
    func isolatedMonth() {
        let svg = SVGChart.lines(
            [(label: "Q1", values: [10, 12, nil, 11, nil]), (label: "Q2", values: [nil, 9, 8, nil, nil])],
            labels: ["Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025", "May 2025"],
            title: "t"
        )
        // Q1's April stands alone; its January and February, and Q2's February and March, are joined by lines.
        #expect(svg.components(separatedBy: "<circle").count - 1 == 1)
        #expect(svg.contains("<title>Q1, Apr 2025: 11.0</title>"))
    }

    @Test("Figures have thousands separators from 1,000")
    func separators() {
        #expect(SVGChart.format(3300) == "3,300" && SVGChart.format(130_915) == "130,915")
        #expect(SVGChart.format(250) == "250" && SVGChart.format(36.94) == "36.9")
        #expect(NationalReport.grouped(1_234_567) == "1,234,567")
    }

    @Test("Dates and months are written as a board paper writes them")
    func longDates() {
        #expect(HTML.longMonth("2025-12-01") == "December 2025" && HTML.longMonth("2025-01") == "January 2025")
        #expect(HTML.longDate("2026-12-04") == "4 December 2026")
        #expect(HTML.longDate("2026-12-04T17:20:59Z") == "4 December 2026 at 17:20 UTC")
        #expect(HTML.longMonth("not a date") == "not a date")
    }
}

@Suite("Board report funnels")
struct BoardFunnelTests {
    /// Trusts' outcome recording with limits of 40% to 60% at any number of discharges, read as overdispersed.
    static func figures(method: String) -> NationalFigures {
        let limits = (1...3).map { i -> [String?] in
            [String(i * 100), "42", "58", "40", "60", "50", "4.2", "0.01", method]
        }
        let trusts: [(String, String?, String?)] = [
            ("RAA", "100", "70"), ("RBB", "100", "20"), ("RCC", "100", "50"), ("RDD", nil, nil), ("REE", "0", "0"),
        ]
        return NationalFigures(
            source: "published",
            period: "2025-12-01",
            tables: [
                .init(
                    name: "funnel_outcome_recorded",
                    columns: [
                        "discharges", "lower_2s", "upper_2s", "lower_3s", "upper_3s", "baseline", "phi", "tau2",
                        "method",
                    ],
                    rows: limits
                ),
                .init(
                    name: "completeness_trust",
                    columns: ["org_code", "discharges", "outcome_recorded", "submissions_received"],
                    rows: trusts.map { [$0.0, $0.1, $0.2, $0.0 == "RDD" ? "0" : "3"] }
                ),
            ],
            icbNames: [:],
            trustNames: ["RAA": "ALPHA COMMUNITY HEALTHCARE NHS TRUST", "RBB": "BETA NHS FOUNDATION TRUST"],
            generatedAt: "2026-12-04T00:00:00Z"
        )
    }

    @Test("Outliers are coloured by direction, named in a table with their limits, and every trust is accounted for")
    func outliersNamed() {
        var page = HTML()
        NationalReport.funnelSection(Self.figures(method: "additive"), into: &page)
        let html = page.text
        // Better above (green, up), worse below (red, down), within amber circles.
        #expect(html.contains("fill=\"#92D050\"") && html.contains("fill=\"#C00000\"") && html.contains("#FFC000"))
        #expect(html.contains("Outside the 99.8% limits: 2 of 3"))
        #expect(html.contains("<th scope=\"row\">Alpha Community Healthcare NHS Trust (RAA)</th><td>70.0%</td>"))
        #expect(html.contains("better than the rest (above the 99.8% limit)"))
        #expect(html.contains("<th scope=\"row\">Beta NHS Foundation Trust (RBB)</th><td>20.0%</td>"))
        #expect(html.contains("worse than the rest (below the 99.8% limit)"))
        #expect(html.contains("Not shown: RDD (nothing sent); REE (no discharges)."))
        // The method is named, with phi.
        #expect(html.contains("overdispersed (phi = 4.20") && html.contains("additive random-effects adjustment"))
        var plain = HTML()
        NationalReport.funnelSection(Self.figures(method: "none"), into: &plain)
        #expect(plain.text.contains("not overdispersed (phi = 4.20, at most 1), so the limits are PHE&#39;s"))
    }

    @Test("Trust names in capitals are written in their proper case")
    func properCase() {
        #expect(
            NationalReport.properCase("BRIDGEWATER COMMUNITY HEALTHCARE NHS FOUNDATION TRUST")
                == "Bridgewater Community Healthcare NHS Foundation Trust"
        )
        #expect(
            NationalReport.properCase("UNIVERSITY HOSPITALS OF NORTH MIDLANDS NHS TRUST")
                == "University Hospitals of North Midlands NHS Trust"
        )
        #expect(NationalReport.properCase("STOKE-ON-TRENT CARE") == "Stoke-on-Trent Care")
        #expect(NationalReport.properCase("Already Mixed Case") == "Already Mixed Case")
    }
}

@Suite("Board report: against England")
struct AgainstEnglandTests {
    @Test("Wilson's and Byar's intervals, and Fingertips' reading of England's value against them")
    func intervals() throws {
        // Wilson's 95% interval of 3 of 4, as stats.wilson_ci(3, 4) gives it.
        let w = try #require(NationalReport.wilson(3, 4))
        #expect(abs(w.0 - 0.3006418) < 1e-6 && abs(w.1 - 0.9544127) < 1e-6)
        // Byar's interval of 100 events brackets 100; none for fewer than 10.
        let b = try #require(NationalReport.byar(100))
        #expect(b.0 < 100 && 100 < b.1 && abs(b.0 - 81.36) < 0.01 && abs(b.1 - 121.63) < 0.01)
        #expect(NationalReport.byar(9) == nil)
        let measure = { (england: Double) in
            AreaMeasure(
                title: "t",
                unit: "%",
                value: 0.5,
                lower: 0.4,
                upper: 0.6,
                england: england,
                spread: [0.3, 0.5, 0.7],
                format: { "\($0)" }
            )
        }
        #expect(measure(0.45).comparison == "similar")
        #expect(measure(0.3).comparison == "higher")
        #expect(measure(0.7).comparison == "lower")
        // The spine: the ICB's marker in its comparison's shape, England's line, the range behind.
        let spine = NationalReport.spine(measure(0.3))
        #expect(spine.contains("fill=\"#BED2FF\"") && spine.contains("stroke=\"#000000\""))
        #expect(spine.contains("<title>t: this ICB 0.5, England 0.3, ICBs from 0.3 to 0.7</title>"))
    }
}

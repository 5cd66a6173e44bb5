import Testing

@testable import RehabAnalyse

@Suite("Inequality indices")
struct InequalityIndexTests {
    @Test(
        "The normal quantile matches scipy.stats.norm.ppf",
        arguments: [
            (0.975, 1.959963984540054), (0.9, 1.2815515655446004), (1e-10, -6.361340902404056),
            (0.3, -0.5244005127080409), (0.5, 0.0), (0.999, 3.090232306167813),
        ]
    )
    func normalQuantile(p: Double, expected: Double) {
        #expect(abs(NormalDistribution.quantile(p) - expected) <= 1e-14 * max(1, abs(expected)))
    }

    @Test("SII and RII of a straight fall over equal quintiles, worked by hand")
    func handWorked() throws {
        // Equal shares: mid-points 0.1, 0.3, ..., 0.9. The values fall 2 per 0.2 of rank: slope -10. The fitted
        // value at rank 0 is 10 + 0.1 × 10 = 11, at rank 1 it is 1: RII = 1 / 11.
        let estimate = try #require(
            InequalityIndex.estimate(values: [10, 8, 6, 4, 2], populations: [100, 100, 100, 100, 100])
        )
        #expect(abs(estimate.sii - -10) < 1e-12)
        #expect(abs(try #require(estimate.rii) - 1.0 / 11) < 1e-12)
    }

    @Test("No SII with a missing or empty quintile, as stats.sii gives NULL")
    func missing() {
        #expect(InequalityIndex.estimate(values: [1, 2, 3, 4], populations: [1, 1, 1, 1]) == nil)
        #expect(InequalityIndex.estimate(values: [1, 2, 3, 4, 5], populations: [1, 1, 0, 1, 1]) == nil)
    }

    @Test("Simulated limits agree with the analytic variance of a linear estimator")
    func simulatedLimits() throws {
        // SII is linear in the values: SII = Σ c_i y_i with c_i = a_i (b_i − b̄) / Σ a_j (b_j − b̄)², so its
        // standard error is sqrt(Σ c_i² se_i²), and with normal draws its 95% limits are SII ± 1.96 × that.
        let values = [120.0, 100, 95, 80, 70]
        let errors = [6.0, 5, 5, 4, 4]
        let populations = [90.0, 110, 100, 95, 105]
        let quantiles = zip(zip(values, errors), populations).map {
            InequalityIndex.Quantile(value: $0.0, standardError: $0.1, population: $1)
        }
        let ranks = InequalityIndex.relativeRanks(populations)
        let meanRank = zip(ranks.shares, ranks.midpoints).map(*).reduce(0, +)
        let sxx = zip(ranks.shares, ranks.midpoints).map { $0 * ($1 - meanRank) * ($1 - meanRank) }.reduce(0, +)
        let coefficients = zip(ranks.shares, ranks.midpoints).map { $0 * ($1 - meanRank) / sxx }
        let standardError = zip(coefficients, errors).map { $0 * $0 * $1 * $1 }.reduce(0, +).squareRoot()
        let sii = try #require(InequalityIndex.estimate(values: values, populations: populations)).sii

        let limits = try #require(InequalityIndex.confidenceLimits(quantiles, repetitions: 100_000, seed: 42))
        #expect(abs(limits.sii.lowerBound - (sii - 1.959963984540054 * standardError)) < 0.02 * standardError)
        #expect(abs(limits.sii.upperBound - (sii + 1.959963984540054 * standardError)) < 0.02 * standardError)
        let rii = try #require(limits.rii)
        #expect(rii.lowerBound < rii.upperBound)
        // The same seed gives the same limits.
        let again = try #require(InequalityIndex.confidenceLimits(quantiles, repetitions: 100_000, seed: 42))
        #expect(again.sii == limits.sii)
    }

    @Test("With no uncertainty the limits are the estimate")
    func exact() throws {
        let quantiles = [10.0, 8, 6, 4, 2].map {
            InequalityIndex.Quantile(value: $0, standardError: 0, population: 100)
        }
        let limits = try #require(InequalityIndex.confidenceLimits(quantiles, repetitions: 1000))
        #expect(abs(limits.sii.lowerBound - -10) < 1e-9 && abs(limits.sii.upperBound - -10) < 1e-9)
    }

    @Test("Percentiles by selection equal R's type 7 on the sorted values, ties and small sizes included")
    func percentiles() {
        var generator = SystemRandomNumberGenerator()
        for count in [1, 2, 3, 10, 999, 1000] {
            for _ in 0..<20 {
                let values = (0..<count).map { _ in Double(Int.random(in: 0..<50, using: &generator)) }
                let sorted = values.sorted()
                for p in [0.0, 0.025, 0.5, 0.975, 1.0] {
                    let position = p * Double(count - 1)
                    let below = Int(position.rounded(.down))
                    let above = min(below + 1, count - 1)
                    let expected = sorted[below] + (position - Double(below)) * (sorted[above] - sorted[below])
                    var scratch = values
                    #expect(InequalityIndex.percentile(&scratch, p) == expected, "n \(count), p \(p)")
                }
            }
        }
    }

    @Test("A standard error read off a 95% interval")
    func errorFromInterval() {
        let quantile = InequalityIndex.Quantile(value: 10, lower: 8.04, upper: 11.96, population: 1)
        #expect(abs(quantile.standardError - 1.96 / 1.959963984540054) < 1e-12)
    }
}

/// The slope and relative indices of inequality (SII, RII) across deprivation quantiles, with confidence limits
/// by simulation, as PHEindicatormethods `phe_sii` computes them.
///
/// The point estimates match `stats.sii` in the database (the same weighted least squares on the mid-points of
/// cumulative population share, quantiles ordered from most deprived to least). The limits of every row of
/// `analysis.inequality` are computed here, where thousands of rows of draws take seconds; `stats.sii_limits` does
/// the same for one set of quantiles in SQL. Each quantile's value is drawn from a normal distribution with its
/// standard error, the indices are recomputed for every draw, and the limits are the draws' percentiles.
public enum InequalityIndex {
    /// The indices of one set of quantiles; nil members when they do not exist (see `estimate`).
    public struct Estimate: Sendable, Equatable {
        public var sii: Double
        public var rii: Double?
    }

    /// One quantile: its value, the value's standard error, and its population.
    public struct Quantile: Sendable, Equatable {
        public var value: Double
        public var standardError: Double
        public var population: Double

        public init(value: Double, standardError: Double, population: Double) {
            self.value = value
            self.standardError = standardError
            self.population = population
        }

        /// A quantile whose standard error is read off a symmetric confidence interval:
        /// (upper − lower) / (2 z), as `phe_sii` does when it is given limits instead of standard errors.
        public init(value: Double, lower: Double, upper: Double, population: Double, confidence: Double = 0.95) {
            self.init(
                value: value,
                standardError: (upper - lower) / (2 * NormalDistribution.quantile(0.5 + confidence / 2)),
                population: population
            )
        }
    }

    /// SII and RII of values ordered from the most deprived quantile to the least.
    ///
    /// - Returns: nil with fewer than 5 quantiles or a population that is not positive, as `stats.sii` gives NULL.
    ///   `rii` is nil when the fitted value at the most deprived end is 0.
    public static func estimate(values: [Double], populations: [Double]) -> Estimate? {
        guard values.count == populations.count, values.count >= 5, populations.allSatisfy({ $0 > 0 }) else {
            return nil
        }
        let ranks = relativeRanks(populations)
        return fit(values: values, shares: ranks.shares, midpoints: ranks.midpoints)
    }

    /// Confidence limits of SII and RII by simulation.
    ///
    /// - Parameters:
    ///   - repetitions: draws; `phe_sii` uses 100,000 by default.
    ///   - seed: the draws are reproducible for a seed.
    /// - Returns: the limits, or nil when `estimate` is nil. `rii` limits are nil when some draw has no RII.
    public static func confidenceLimits(
        _ quantiles: [Quantile],
        confidence: Double = 0.95,
        repetitions: Int = 100_000,
        seed: UInt64 = 1
    ) -> (sii: ClosedRange<Double>, rii: ClosedRange<Double>?)? {
        guard quantiles.count >= 5, repetitions >= 2, quantiles.allSatisfy({ $0.population > 0 }),
            quantiles.allSatisfy({ $0.standardError.isFinite && $0.standardError >= 0 })
        else { return nil }
        // The ranks depend on the populations only, so the least-squares weights are fixed across draws:
        // SII = Σ c_i y_i and the intercept = Σ a_i y_i − SII × mean rank, a few multiplications per draw.
        let ranks = relativeRanks(quantiles.map(\.population))
        let meanRank = zip(ranks.shares, ranks.midpoints).map(*).reduce(0, +)
        let sxx = zip(ranks.shares, ranks.midpoints).map { $0 * ($1 - meanRank) * ($1 - meanRank) }.reduce(0, +)
        guard sxx > 0 else { return nil }
        let weights = zip(ranks.shares, ranks.midpoints).map { $0 * ($1 - meanRank) / sxx }
        var random = NormalDistribution.Generator(seed: seed)
        var siis: [Double] = []
        var riis: [Double] = []
        siis.reserveCapacity(repetitions)
        riis.reserveCapacity(repetitions)
        for _ in 0..<repetitions {
            var sii = 0.0
            var mean = 0.0
            for i in quantiles.indices {
                let value = quantiles[i].value + quantiles[i].standardError * random.next()
                sii += weights[i] * value
                mean += ranks.shares[i] * value
            }
            let intercept = mean - sii * meanRank
            siis.append(sii)
            if intercept != 0 { riis.append((intercept + sii) / intercept) }
        }
        let tail = (1 - confidence) / 2
        guard !siis.isEmpty else { return nil }
        let sii = percentile(&siis, tail)...percentile(&siis, 1 - tail)
        let rii = riis.count == siis.count ? percentile(&riis, tail)...percentile(&riis, 1 - tail) : nil
        return (sii, rii)
    }

    /// Each quantile's share of the population and the mid-point of its range of cumulative share.
    static func relativeRanks(_ populations: [Double]) -> (shares: [Double], midpoints: [Double]) {
        let total = populations.reduce(0, +)
        var cumulative = 0.0
        var shares: [Double] = []
        var midpoints: [Double] = []
        for population in populations {
            let share = population / total
            shares.append(share)
            midpoints.append(cumulative + share / 2)
            cumulative += share
        }
        return (shares, midpoints)
    }

    /// Weighted least squares of the values on the mid-points, weights the shares.
    static func fit(values: [Double], shares: [Double], midpoints: [Double]) -> Estimate? {
        var meanX = 0.0
        var meanY = 0.0
        for i in values.indices {
            meanX += shares[i] * midpoints[i]
            meanY += shares[i] * values[i]
        }
        var sxx = 0.0
        var sxy = 0.0
        for i in values.indices {
            sxx += shares[i] * (midpoints[i] - meanX) * (midpoints[i] - meanX)
            sxy += shares[i] * (midpoints[i] - meanX) * (values[i] - meanY)
        }
        guard sxx > 0 else { return nil }
        let slope = sxy / sxx
        let intercept = meanY - slope * meanX
        return Estimate(sii: slope, rii: intercept != 0 ? (intercept + slope) / intercept : nil)
    }

    /// The p-th quantile of the values (R's default, type 7: linear between order statistics). Reorders the
    /// values: it selects the two order statistics it needs (quickselect, linear time) instead of sorting.
    static func percentile(_ values: inout [Double], _ p: Double) -> Double {
        let position = p * Double(values.count - 1)
        let below = Int(position.rounded(.down))
        let low = select(&values, below)
        guard below + 1 < values.count, position > Double(below) else { return low }
        // After selection, everything right of `below` is at least `low`: the next order statistic is their minimum.
        let high = values[(below + 1)...].min()!
        return low + (position - Double(below)) * (high - low)
    }

    /// Moves the k-th smallest value to index k, smaller ones before it and larger ones after (Hoare's selection
    /// with a median-of-three pivot), and returns it.
    static func select(_ values: inout [Double], _ k: Int) -> Double {
        var lower = 0
        var upper = values.count - 1
        while lower < upper {
            let middle = lower + (upper - lower) / 2
            // Median of three as the pivot, so sorted or repeated draws do not make it quadratic.
            if values[middle] < values[lower] { values.swapAt(middle, lower) }
            if values[upper] < values[lower] { values.swapAt(upper, lower) }
            if values[upper] < values[middle] { values.swapAt(upper, middle) }
            let pivot = values[middle]
            var i = lower
            var j = upper
            while i <= j {
                while values[i] < pivot { i += 1 }
                while pivot < values[j] { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j {
                upper = j
            } else if k >= i {
                lower = i
            } else {
                break
            }
        }
        return values[k]
    }
}

/// Draws where a trust's patients live and how old they are, with the deprivation skew built in.
///
/// A patient is drawn from the LSOAs of the trust's ICB, weighted by population, and then kept with a probability
/// that falls with deprivation (rejection sampling): people in the most deprived quintile are referred less often
/// per head than people in the least deprived one. This is the gap that the analysis stage must find.
struct AreaSampler {
    /// A drawn patient's area and age.
    struct Person {
        /// The numeric part of the LSOA code.
        var lsoa: Int32
        /// IMD quintile, 1 (most deprived) to 5.
        var quintile: Int
        var age: Int
    }

    /// Probability of keeping a draw, by IMD quintile (index 1–5). Quintile 1 is referred at 0.65× the rate of
    /// quintile 5 per head of population.
    static let acceptance: [Double] = [0, 0.65, 0.74, 0.83, 0.92, 1.0]
    /// Share of patients whose LSOA is recorded with a 2021 code; the rest carry 2011 codes.
    static let share2021 = 0.15

    /// Relative referral rate per head by age band: rehabilitation is mostly for older adults, and children's
    /// services are usually commissioned apart from adult community rehabilitation.
    static let ageWeight: [Double] = (0..<ReferenceData.bandCount).map { band in
        let mid = band == 18 ? 92.5 : Double(band * 5) + 2.5
        let weight = 1 + (mid / 30) * (mid / 30)
        switch band {
        case 0..<3: return weight * 0.1
        case 3: return weight * 0.4
        default: return weight
        }
    }

    private let reference: ReferenceData
    private let lsoa11: [Int32]
    private let cumulative11: [UInt32]
    private let lsoa21: [Int32]
    /// Age-band weights of the whole ICB, for 2021 codes (there is no LSOA 2021 population file).
    private let icbBandCumulative: [Double]

    init(reference: ReferenceData, icb: Int) {
        self.reference = reference
        self.lsoa11 = reference.lsoa11.lsoasByICB[icb]
        self.lsoa21 = reference.lsoa21.lsoasByICB[icb]
        var running: UInt32 = 0
        var cumulative: [UInt32] = []
        cumulative.reserveCapacity(lsoa11.count)
        var bandTotals = [Double](repeating: 0, count: ReferenceData.bandCount)
        for number in lsoa11 {
            running += UInt32(reference.population(lsoa11: Int(number)))
            cumulative.append(running)
            for band in 0..<ReferenceData.bandCount {
                bandTotals[band] += Double(reference.bands[Int(number) * ReferenceData.bandCount + band])
            }
        }
        self.cumulative11 = cumulative
        var total = 0.0
        self.icbBandCumulative = bandTotals.enumerated().map { band, persons in
            total += persons * AreaSampler.ageWeight[band]
            return total
        }
    }

    /// Draws a patient who is referred.
    func draw(_ rng: inout SampleRandom) -> Person {
        while true {
            if rng.chance(Self.share2021) {
                let number = lsoa21[rng.below(lsoa21.count)]
                let quintile = (Int(reference.lsoa21.decileByNumber[Int(number)]) + 1) / 2
                guard rng.unit() < Self.acceptance[quintile] else { continue }
                let band = Self.pick(icbBandCumulative, rng.unit() * icbBandCumulative[icbBandCumulative.count - 1])
                return Person(lsoa: number, quintile: quintile, age: Self.age(in: band, &rng))
            }
            let target = UInt32(rng.below(Int(cumulative11[cumulative11.count - 1])))
            // First LSOA whose cumulative population exceeds the target.
            var low = 0
            var high = cumulative11.count - 1
            while low < high {
                let mid = (low + high) / 2
                if cumulative11[mid] > target { high = mid } else { low = mid + 1 }
            }
            let number = lsoa11[low]
            let quintile = (Int(reference.lsoa11.decileByNumber[Int(number)]) + 1) / 2
            guard rng.unit() < Self.acceptance[quintile] else { continue }
            return Person(lsoa: number, quintile: quintile, age: age(lsoa11: Int(number), &rng))
        }
    }

    private func age(lsoa11 number: Int, _ rng: inout SampleRandom) -> Int {
        let base = number * ReferenceData.bandCount
        var total = 0.0
        for band in 0..<ReferenceData.bandCount { total += Double(reference.bands[base + band]) * Self.ageWeight[band] }
        var target = rng.unit() * total
        for band in 0..<ReferenceData.bandCount {
            target -= Double(reference.bands[base + band]) * Self.ageWeight[band]
            if target < 0 { return Self.age(in: band, &rng) }
        }
        return Self.age(in: ReferenceData.bandCount - 1, &rng)
    }

    private static func pick(_ cumulative: [Double], _ target: Double) -> Int {
        for (index, value) in cumulative.enumerated() where target < value { return index }
        return cumulative.count - 1
    }

    private static func age(in band: Int, _ rng: inout SampleRandom) -> Int {
        band == 18 ? 90 + rng.below(6) + rng.below(6) : band * 5 + rng.below(5)
    }
}

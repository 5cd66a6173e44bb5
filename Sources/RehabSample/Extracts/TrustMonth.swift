import RehabCore

/// One trust's month: the referrals and contacts files, written together in one pass, and the workforce file.
///
/// Referrals are generated one at a time and each one's contacts are written straight after it, so nothing
/// grows with the number of rows.
struct TrustMonth {
    let trust: ReferenceData.Trust
    let period: Period
    let referrals: Int
    let contactsPerReferral: Double
    let defectRate: Double
    let sampler: AreaSampler
    let seed: UInt64

    /// Trust-level character, stable for a seed and trust across periods.
    struct Character {
        /// Multiplies every wait: some trusts have longer queues.
        var waitFactor: Double
        /// Added to the chance that ethnic_category is Z or 99.
        var ethnicityGap: Double
        /// Added to the chance that a discharge has no outcome measure.
        var outcomeGap: Double
        /// Share of posts that are vacant.
        var vacancy: Double
    }

    let character: Character

    // MARK: - Shapes of the skew (documented in docs/sample-data.md)

    /// Median wait from referral to first contact in days, by IMD quintile (index 1–5).
    static let medianWait: [Double] = [0, 35, 31.5, 28, 24.5, 21]
    /// Spread of the log-normal wait.
    static let waitSigma = 0.55
    /// Chance that ethnic_category is Z or 99, by quintile, before the trust's own gap.
    static let ethnicityNotRecorded: [Double] = [0, 0.13, 0.105, 0.08, 0.06, 0.04]
    /// Chance that a discharge records outcome_tool none, by quintile, before the trust's own gap.
    static let outcomeNotRecorded: [Double] = [0, 0.24, 0.2, 0.16, 0.12, 0.08]
    /// Chance that a follow-up contact is a did-not-attend, by quintile.
    static let didNotAttend: [Double] = [0, 0.08, 0.07, 0.06, 0.05, 0.04]
    /// Referrals are received up to this many days before the period end.
    static let receivedSpan = 120
    /// Chance that a referral is on the long-wait path, by quintile (index 1–5): received up to
    /// `longReceivedSpan` days before the period end and waiting over 18 weeks (127–296 days) for its first
    /// contact, so that the 18-week measures have something to count, more often in deprived areas.
    static let longWait: [Double] = [0, 0.07, 0.06, 0.05, 0.04, 0.03]
    static let longReceivedSpan = 300

    // MARK: - Timeline

    /// The dates of one referral and how it ended, before any defect is planted.
    struct Timeline {
        var received: Day
        /// Nil while still waiting at the period end.
        var firstContact: Day?
        var discharge: Day?
        var outcome: ReferralOutcome
        /// Days in the period in which the patient is being seen (0 when none).
        var windowStart: Day
        var windowEnd: Day
        var windowDays: Int { max(0, Int(windowEnd.ordinal - windowStart.ordinal) + 1) }
        var firstContactInPeriod: Bool
    }

    func timeline(quintile: Int, urgent: Bool, _ rng: inout SampleRandom) -> Timeline {
        let start = period.start
        let end = period.end
        let long = !urgent && rng.chance(Self.longWait[quintile])
        let received = end.adding(days: -rng.below(long ? Self.longReceivedSpan : Self.receivedSpan))
        var median = Self.medianWait[quintile] * character.waitFactor
        if urgent { median *= 0.35 }
        let wait =
            long
            ? 127 + rng.below(170)
            : min(240, max(0, Int(rng.logNormal(median: median, sigma: Self.waitSigma).rounded())))
        let first = received.adding(days: wait)
        let notBefore = { (day: Day) in day < start ? start : day }
        guard first <= end else {
            // Still waiting; a few are closed without being seen.
            if rng.chance(0.06) {
                let roll = rng.unit()
                let outcome: ReferralOutcome = roll < 0.5 ? .rejected : roll < 0.8 ? .withdrawn : .didNotAttend
                let from = notBefore(received)
                let discharge = from.adding(days: rng.below(Int(end.ordinal - from.ordinal) + 1))
                return Timeline(
                    received: received,
                    firstContact: nil,
                    discharge: discharge,
                    outcome: outcome,
                    windowStart: end.adding(days: 1),
                    windowEnd: end,
                    firstContactInPeriod: false
                )
            }
            return Timeline(
                received: received,
                firstContact: nil,
                discharge: nil,
                outcome: .open,
                windowStart: end.adding(days: 1),
                windowEnd: end,
                firstContactInPeriod: false
            )
        }
        let windowStart = notBefore(first)
        var discharge: Day?
        var outcome = ReferralOutcome.open
        let roll = rng.unit()
        if roll < 0.44 {
            discharge = windowStart.adding(days: rng.below(Int(end.ordinal - windowStart.ordinal) + 1))
            outcome = roll < 0.40 ? .discharged : roll < 0.43 ? .withdrawn : .didNotAttend
        }
        return Timeline(
            received: received,
            firstContact: first,
            discharge: discharge,
            outcome: outcome,
            windowStart: windowStart,
            windowEnd: discharge ?? end,
            firstContactInPeriod: first >= start
        )
    }

    /// The rate of follow-up contacts per day of a referral's window, and the chance of writing a first contact,
    /// chosen so that the file has about `contactsPerReferral` contacts per referral. Estimated on a simulated
    /// sample, because the share of referrals being seen in the period depends on the trust's waits.
    func contactRate() -> (perDay: Double, firstShare: Double) {
        var rng = SampleRandom(seed: seed, SampleRandom.key(trust.ods), UInt64(period.year * 12 + period.month), 7)
        let trials = 2_000
        var firsts = 0.0
        var followUpDays = 0.0
        for _ in 0..<trials {
            let person = sampler.draw(&rng)
            let line = (person.age < 65 ? ServiceLine.younger : ServiceLine.older).draw(&rng)
            let t = timeline(quintile: person.quintile, urgent: urgent(line, &rng), &rng)
            guard t.windowDays > 0 else { continue }
            if t.firstContactInPeriod {
                firsts += 1
                followUpDays += Double(t.windowDays - 1)
            } else {
                followUpDays += Double(t.windowDays)
            }
        }
        let target = contactsPerReferral * Double(trials)
        guard firsts < target else { return (0, firsts > 0 ? target / firsts : 0) }
        return (followUpDays > 0 ? (target - firsts) / followUpDays : 0, 1)
    }

    func urgent(_ line: ServiceLine, _ rng: inout SampleRandom) -> Bool {
        switch line {
        case .stroke, .intermediateCare: rng.chance(0.3)
        case .fallsFrailty, .cancer: rng.chance(0.15)
        default: rng.chance(0.06)
        }
    }
}

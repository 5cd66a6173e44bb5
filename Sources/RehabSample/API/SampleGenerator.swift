import RehabCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a synthetic month of trust extracts that follow the contract, with a known deprivation skew and a known
/// set of planted defects, for tests, demonstrations and benchmarks.
public enum SampleGenerator {
    /// The largest number of referrals per trust: identifiers keep their width up to here.
    static let maximumReferralsPerTrust = 50_000_000

    /// Writes `<ORG>_referrals_<YYYY-MM>.csv`, `<ORG>_contacts_<YYYY-MM>.csv` and `<ORG>_workforce_<YYYY-MM>.csv`
    /// for each trust into `directory`, creating it when needed. Existing files of the same names are replaced.
    ///
    /// - Parameters:
    ///   - options: what to generate.
    ///   - directory: the output folder.
    /// - Returns: the files, their row counts and the defects planted.
    /// - Throws: `RehabError` — `.usage` for impossible options, `.configuration` when a reference file is missing
    ///   or malformed, `.output` when a file cannot be written.
    public static func write(_ options: SampleOptions, to directory: String) throws -> SampleSummary {
        try validate(options)
        let reference = try ReferenceData.load(directory: options.referenceDirectory)
        guard options.trusts <= reference.trusts.count else {
            throw RehabError(
                .usage,
                "Asked for \(options.trusts) trusts, but the reference data has \(reference.trusts.count) open English trusts.",
                hint: "Use --trusts \(reference.trusts.count) or fewer."
            )
        }
        try makeDirectory(directory)

        var files: [String] = []
        var rows: [String: Int] = [:]
        var defects = [Int](repeating: 0, count: DefectKind.allCases.count)
        for trust in reference.trusts.prefix(options.trusts) {
            let month = plan(trust, options, reference)
            let written = try month.write(to: directory)
            for file in written.files {
                files.append(file.name)
                rows[file.name] = file.rows
            }
            for (kind, count) in written.defects.enumerated() { defects[kind] += count }
        }
        var named: [String: Int] = [:]
        for kind in DefectKind.allCases { named[kind.name] = defects[kind.rawValue] }
        return SampleSummary(files: files, rows: rows, defects: named)
    }

    /// One trust's month: its size and character are drawn from the seed and the trust only, so that a trust
    /// looks alike from month to month; the period adds a few percent of variation.
    static func plan(_ trust: ReferenceData.Trust, _ options: SampleOptions, _ reference: ReferenceData) -> TrustMonth {
        var stable = SampleRandom(seed: options.seed, SampleRandom.key(trust.ods), 0xC4A2)
        let character = TrustMonth.Character(
            waitFactor: 0.8 + 0.5 * stable.unit(),
            ethnicityGap: 0.04 * stable.unit(),
            outcomeGap: 0.06 * stable.unit(),
            vacancy: 0.06 + 0.08 * stable.unit()
        )
        let sizeFactor = 0.8 + 0.45 * stable.unit()
        var monthly = SampleRandom(
            seed: options.seed,
            SampleRandom.key(trust.ods),
            UInt64(options.period.year * 12 + options.period.month)
        )
        let referrals: Int
        if let fixed = options.referralsPerTrust {
            referrals = fixed
        } else {
            let millions = Double(reference.population(icb: trust.icb)) / 1_000_000
            let typical = (250 + 250 * millions * sizeFactor) * (0.95 + 0.1 * monthly.unit())
            referrals = min(1_500, max(300, Int(typical.rounded())))
        }
        return TrustMonth(
            trust: trust,
            period: options.period,
            referrals: referrals,
            contactsPerReferral: options.contactsPerReferral,
            defectRate: options.defectRate,
            sampler: AreaSampler(reference: reference, icb: trust.icb),
            seed: options.seed,
            character: character
        )
    }

    private static func validate(_ options: SampleOptions) throws {
        guard options.trusts >= 1 else {
            throw RehabError(.usage, "The number of trusts must be at least 1.", hint: "Use --trusts 1 or more.")
        }
        if let referrals = options.referralsPerTrust, !(1...maximumReferralsPerTrust).contains(referrals) {
            throw RehabError(
                .usage,
                "Referrals per trust must be between 1 and \(maximumReferralsPerTrust).",
                hint: "Leave --referrals-per-trust out for a realistic size."
            )
        }
        guard options.contactsPerReferral.isFinite, (0...50).contains(options.contactsPerReferral) else {
            throw RehabError(.usage, "Contacts per referral must be between 0 and 50.", hint: "The default is 2.5.")
        }
        guard options.defectRate.isFinite, (0...1).contains(options.defectRate) else {
            throw RehabError(.usage, "The defect rate must be between 0 and 1.", hint: "The default is 0.02.")
        }
    }

    /// `mkdir -p`.
    private static func makeDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part + "/"
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw RehabError(
                    .output,
                    "Cannot create the folder \(prefix): \(String(cString: strerror(errno))).",
                    hint: "Choose an output folder you can write to."
                )
            }
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw RehabError(.output, "\(path) is not a folder.", hint: "Choose an output folder.")
        }
    }
}

import ArgumentParser
import RehabCore
import RehabPipeline
import RehabSample

/// `rehabcount sample`: writes a synthetic month of trust extracts.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write a synthetic month of trust extracts (referrals, contacts, workforce).",
        discussion: """
            Writes <ORG>_referrals_<YYYY-MM>.csv, <ORG>_contacts_<YYYY-MM>.csv and <ORG>_workforce_<YYYY-MM>.csv \
            for real open English NHS trusts. Patients live in the LSOAs of the trust's ICB, and the data carries a \
            deliberate deprivation gap (fewer referrals per head, longer waits and poorer recording in the most \
            deprived areas) and a known number of planted defects, so that validation and analysis can be checked \
            against a known answer. The same seed always gives the same files. See docs/sample-data.md.

            Example, the committed small month:

              rehabcount sample --out sample-data/inbox --period 2025-09 --trusts 3 --seed 42

            Example, a benchmark file of a million referrals:

              rehabcount sample --out /tmp/big --period 2025-09 --trusts 1 --referrals-per-trust 1000000
            """
    )

    @Option(name: .customLong("out"), help: ArgumentHelp("The folder to write the files into.", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("The reporting period.", valueName: "YYYY-MM"))
    var period: String

    @Option(help: ArgumentHelp("The number of trusts (1–250).", valueName: "n"))
    var trusts: Int = 3

    @Option(help: ArgumentHelp("The random seed; the same seed gives the same files.", valueName: "s"))
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Referrals per trust (default: a realistic size, 300–1,500).", valueName: "n"))
    var referralsPerTrust: Int?

    @Option(help: ArgumentHelp("Contacts in the period per referral, on average.", valueName: "x"))
    var contactsPerReferral: Double = 2.5

    @Option(help: ArgumentHelp("The probability that a row carries one planted defect (0–1).", valueName: "r"))
    var defectRate: Double = 0.02

    @Option(
        help: ArgumentHelp(
            "The folder that holds the reference CSVs (default: sample-data/reference of the project).",
            valueName: "dir"
        )
    )
    var referenceDir: String?

    func validate() throws {
        guard Period(period) != nil else {
            throw ValidationError("--period must be a month written YYYY-MM, for example 2025-09.")
        }
        guard (1...250).contains(trusts) else {
            throw ValidationError("--trusts must be between 1 and 250.")
        }
        if let referralsPerTrust, referralsPerTrust < 1 {
            throw ValidationError("--referrals-per-trust must be at least 1.")
        }
        guard contactsPerReferral.isFinite, (0...50).contains(contactsPerReferral) else {
            throw ValidationError("--contacts-per-referral must be between 0 and 50.")
        }
        guard defectRate.isFinite, (0...1).contains(defectRate) else {
            throw ValidationError("--defect-rate must be between 0 and 1.")
        }
    }

    func run() throws {
        var options = SampleOptions(
            period: Period(period)!,
            trusts: trusts,
            seed: seed,
            referenceDirectory: try referenceDir ?? ProjectLayout.locate(explicit: nil).referenceDirectory
        )
        options.referralsPerTrust = referralsPerTrust
        options.contactsPerReferral = contactsPerReferral
        options.defectRate = defectRate
        let started = Clock.monotonicSeconds()
        let summary = try SampleGenerator.write(options, to: out)
        let seconds = Clock.monotonicSeconds() - started

        let totalRows = summary.rows.values.reduce(0, +)
        let planted = summary.defects.values.reduce(0, +)
        print("Wrote \(summary.files.count) files, \(totalRows) data rows, to \(out) in \(format(seconds)) s:")
        for file in summary.files {
            print("  \(file)  \(summary.rows[file] ?? 0) rows")
        }
        print("Planted \(planted) defects\(planted == 0 ? "." : ":")")
        for (kind, count) in summary.defects.sorted(by: { $0.key < $1.key }) where count > 0 {
            print("  \(kind)  \(count)")
        }
    }

    private func format(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

public import RehabCore

/// What to generate: which month, how many trusts, how big, and how dirty.
public struct SampleOptions: Sendable {
    /// The reporting period (one calendar month).
    public var period: Period
    /// The number of trusts, each with three files. Trusts are real open English trusts, community trusts first.
    public var trusts: Int
    /// The seed: the same options and seed always give byte-identical files.
    public var seed: UInt64
    /// Referrals per trust, or nil for a realistic size that grows with the trust's ICB population
    /// (300 to 1,500, stable across periods for a seed).
    public var referralsPerTrust: Int?
    /// Contacts in the period per referral, on average.
    public var contactsPerReferral: Double
    /// The probability that a row carries one planted defect.
    public var defectRate: Double
    /// The folder that holds the reference CSVs (`sample-data/reference`).
    public var referenceDirectory: String

    /// Options with the defaults: realistic sizes, 2.5 contacts per referral and a 2% defect rate.
    public init(period: Period, trusts: Int, seed: UInt64, referenceDirectory: String) {
        self.period = period
        self.trusts = trusts
        self.seed = seed
        self.referralsPerTrust = nil
        self.contactsPerReferral = 2.5
        self.defectRate = 0.02
        self.referenceDirectory = referenceDirectory
    }
}

/// What `SampleGenerator.write` produced.
public struct SampleSummary: Sendable {
    /// The file names written (not paths), in the order written: per trust referrals, contacts, workforce.
    public var files: [String]
    /// Data rows (header excluded) by file name.
    public var rows: [String: Int]
    /// Planted defects by kind, named `<extract>.<kind>` (for example `referrals.invalid_nhs_check_digit`).
    /// Every kind is listed, with 0 when none was planted.
    public var defects: [String: Int]

    public init(files: [String], rows: [String: Int], defects: [String: Int]) {
        self.files = files
        self.rows = rows
        self.defects = defects
    }
}

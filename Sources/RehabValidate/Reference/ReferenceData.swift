import RehabCore
import RehabIngest

/// The reference data the validator looks codes up in: LSOAs of both vintages and NHS trusts.
public struct ReferenceData: Sendable {
    /// LSOA codes are `E01` + six digits, so a million-bit set answers "does it exist?" in one load.
    struct LSOASet: Sendable {
        var bits = [UInt64](repeating: 0, count: 1_000_000 / 64 + 1)
        var count = 0

        mutating func insert(_ number: Int) {
            let (word, bit) = number.quotientAndRemainder(dividingBy: 64)
            if bits[word] & (1 << UInt64(bit)) == 0 { count += 1 }
            bits[word] |= 1 << UInt64(bit)
        }

        @inline(__always)
        func contains(_ number: Int) -> Bool {
            let (word, bit) = number.quotientAndRemainder(dividingBy: 64)
            return bits[word] & (1 << UInt64(bit)) != 0
        }
    }

    var lsoa2011 = LSOASet()
    var lsoa2021 = LSOASet()
    /// ODS codes of English NHS trusts.
    public private(set) var trusts: Set<String> = []

    /// Loads the reference files from a folder such as `sample-data/reference/`.
    ///
    /// - Throws: `RehabError.Code.configuration` when a file is missing or malformed.
    public init(directory: String) throws {
        for (file, column, keyPath) in [
            ("lsoa11_sicbl22_icb22.csv", "lsoa11_code", \ReferenceData.lsoa2011),
            ("lsoa21_sicbl24_icb24.csv", "lsoa21_code", \ReferenceData.lsoa2021),
        ] as [(String, String, WritableKeyPath<ReferenceData, LSOASet>)] {
            // Streamed, not held as a table: only one column of 33,000 rows is needed.
            let path = "\(directory)/\(file)"
            var index: Int?
            var malformed: Int?
            var set = LSOASet()
            _ = try CSVReader(path: path).read(
                onBlankLine: { _ in },
                onRow: { row in
                    guard let field = index else {
                        index = row.strings.firstIndex(of: column)
                        if index == nil { malformed = 1 }
                        return
                    }
                    guard field < row.count, let number = ReferenceData.lsoaNumber(row[field]) else {
                        if malformed == nil { malformed = row.line }
                        return
                    }
                    set.insert(number)
                }
            )
            if let line = malformed {
                throw RehabError(
                    .configuration,
                    "\(path) line \(line): no \(column) column, or a malformed LSOA code.",
                    hint: "Restore the reference file from the repository."
                )
            }
            self[keyPath: keyPath] = set
        }
        let trusts = try CSVTable(path: "\(directory)/nhs_trusts_etr_2025.csv")
        let ods = try trusts.index(of: "trust_ods")
        let icb = try trusts.index(of: "icb_ods")
        // Welsh and other non-English bodies carry W00 or Q99 in place of an English ICB.
        self.trusts = Set(trusts.rows.filter { !["W00", "Q99"].contains($0[icb]) }.map { $0[ods] })
    }

    /// The reference data built into the executable (the EmbedDefaults build-tool plugin): the same LSOAs and trusts as
    /// `sample-data/reference/` at build time.
    public static let builtIn: ReferenceData = {
        var data = ReferenceData(trusts: Set(EmbeddedDefaults.trusts))
        for (runs, keyPath) in [
            (EmbeddedDefaults.lsoa2011Runs, \ReferenceData.lsoa2011),
            (EmbeddedDefaults.lsoa2021Runs, \ReferenceData.lsoa2021),
        ] as [([Int32], WritableKeyPath<ReferenceData, LSOASet>)] {
            var set = LSOASet()
            for i in stride(from: 0, to: runs.count, by: 2) {
                for n in runs[i]..<(runs[i] + runs[i + 1]) { set.insert(Int(n)) }
            }
            data[keyPath: keyPath] = set
        }
        return data
    }()

    /// Whether two sets of reference data hold the same LSOAs and trusts (for the test that keeps the built-in copy
    /// equal to the files).
    func sameCodes(as other: ReferenceData) -> Bool {
        trusts == other.trusts && lsoa2011.bits == other.lsoa2011.bits && lsoa2021.bits == other.lsoa2021.bits
    }

    /// An empty reference set, for tests that do not look codes up.
    public init(trusts: Set<String>, lsoa2011: [String] = [], lsoa2021: [String] = []) {
        self.trusts = trusts
        for code in lsoa2011 { if let n = Self.lsoaNumber(Array(code.utf8).span) { self.lsoa2011.insert(n) } }
        for code in lsoa2021 { if let n = Self.lsoaNumber(Array(code.utf8).span) { self.lsoa2021.insert(n) } }
    }

    /// How many LSOA codes of each vintage are loaded.
    public var lsoaCounts: (lsoa2011: Int, lsoa2021: Int) { (lsoa2011.count, lsoa2021.count) }

    /// Whether an LSOA number (the six digits after `E01`) exists in either vintage.
    @inline(__always)
    func lsoaExists(_ number: Int) -> Bool { lsoa2011.contains(number) || lsoa2021.contains(number) }

    /// Whether an ODS code is a known trust; a 5-character site code is checked by its trust's 3 characters.
    public func isKnownTrust(_ code: String) -> Bool {
        trusts.contains(code) || (code.utf8.count == 5 && trusts.contains(String(code.prefix(3))))
    }

    /// The six-digit number of an `E01nnnnnn` code, or nil when the bytes are not one.
    @inline(__always)
    static func lsoaNumber(_ b: Span<UInt8>) -> Int? {
        guard b.count == 9, b[0] == UInt8(ascii: "E"), b[1] == UInt8(ascii: "0"), b[2] == UInt8(ascii: "1") else {
            return nil
        }
        var n = 0
        for i in 3..<9 {
            let d = b[i] &- 48
            guard d < 10 else { return nil }
            n = n * 10 + Int(d)
        }
        return n
    }
}

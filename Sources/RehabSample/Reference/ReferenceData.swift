import RehabCore
internal import RehabIngest
import Synchronization

/// The parts of the shipped reference CSVs that the generator needs, packed into arrays indexed by the numeric
/// part of the LSOA code (`E01012345` → 12345).
struct ReferenceData: Sendable {
    /// An open English NHS trust.
    struct Trust: Sendable {
        let ods: String
        let name: String
        let icb: Int
    }

    /// One LSOA vintage: LSOA 2011 (with IMD 2019) or LSOA 2021 (with IMD 2025).
    struct Vintage: Sendable {
        /// LSOA numbers (code without `E01`) per ICB index.
        var lsoasByICB: [[Int32]]
        /// IMD decile (1–10) by LSOA number; 0 where the number is not an LSOA of this vintage.
        var decileByNumber: [UInt8]

        func contains(_ number: Int) -> Bool {
            number >= 0 && number < decileByNumber.count && decileByNumber[number] != 0
        }
    }

    /// The 19 population age bands (0-4 … 85-89, 90+) of the mid-2020 estimates.
    static let bandCount = 19

    /// ICB ODS codes; an ICB's index is its position here.
    let icbCodes: [String]
    /// Open English trusts, in the order the generator picks them.
    let trusts: [Trust]
    let lsoa11: Vintage
    let lsoa21: Vintage
    /// Mid-2020 persons by LSOA 2011 number and age band: `bands[number * 19 + band]`.
    let bands: [UInt16]

    /// The ICB's total mid-2020 population.
    func population(icb: Int) -> Int {
        var total = 0
        for number in lsoa11.lsoasByICB[icb] { total += population(lsoa11: Int(number)) }
        return total
    }

    /// An LSOA 2011's mid-2020 population.
    func population(lsoa11 number: Int) -> Int {
        var total = 0
        let base = number * Self.bandCount
        for band in 0..<Self.bandCount { total += Int(bands[base + band]) }
        return total
    }

    // MARK: - Loading

    private static let cache = Mutex<[String: ReferenceData]>([:])

    /// Loads the reference folder once per process: tests and a pipeline may generate many times.
    ///
    /// - Throws: `RehabError` when a file is missing, unreadable or lacks a column.
    static func load(directory: String) throws -> ReferenceData {
        if let cached = cache.withLock({ $0[directory] }) { return cached }
        let loaded = try ReferenceData(directory: directory)
        cache.withLock { $0[directory] = loaded }
        return loaded
    }

    private init(directory: String) throws {
        func table(_ name: String) throws -> CSVTable {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            do {
                return try CSVTable(path: path)
            } catch let error as RehabError {
                throw RehabError(
                    error.code,
                    "Reference file \(name) could not be loaded: \(error.message)",
                    hint: "Pass --reference-dir with the folder that holds the reference CSVs "
                        + "(sample-data/reference in the repository)."
                )
            }
        }

        var icbIndex: [String: Int] = [:]
        var icbCodes: [String] = []
        func icb(_ code: String) -> Int {
            if let index = icbIndex[code] { return index }
            icbIndex[code] = icbCodes.count
            icbCodes.append(code)
            return icbCodes.count - 1
        }

        func vintage(lookup: CSVTable, codeColumn: String, icbColumn: String, imd: CSVTable) throws -> Vintage {
            let imdCode = try imd.index(of: codeColumn)
            let imdDecile = try imd.index(of: "imd_decile")
            var deciles = [UInt8](repeating: 0, count: 100_000)
            for row in imd.rows {
                guard let number = Self.lsoaNumber(row[imdCode]), let decile = UInt8(row[imdDecile]),
                    (1...10).contains(decile)
                else { continue }
                deciles[number] = decile
            }
            let code = try lookup.index(of: codeColumn)
            let icbCode = try lookup.index(of: icbColumn)
            var byICB: [[Int32]] = []
            var known = [UInt8](repeating: 0, count: 100_000)
            for row in lookup.rows {
                guard let number = Self.lsoaNumber(row[code]), deciles[number] != 0 else { continue }
                let index = icb(row[icbCode])
                while byICB.count <= index { byICB.append([]) }
                byICB[index].append(Int32(number))
                known[number] = deciles[number]
            }
            return Vintage(lsoasByICB: byICB, decileByNumber: known)
        }

        var lsoa11 = try vintage(
            lookup: table("lsoa11_sicbl22_icb22.csv"),
            codeColumn: "lsoa11_code",
            icbColumn: "icb22_ods",
            imd: table("imd2019_lsoa11.csv")
        )
        var lsoa21 = try vintage(
            lookup: table("lsoa21_sicbl24_icb24.csv"),
            codeColumn: "lsoa21_code",
            icbColumn: "icb24_ods",
            imd: table("imd2025_lsoa21.csv")
        )
        while lsoa11.lsoasByICB.count < icbCodes.count { lsoa11.lsoasByICB.append([]) }
        while lsoa21.lsoasByICB.count < icbCodes.count { lsoa21.lsoasByICB.append([]) }

        let population = try table("population_mid2020_lsoa11_esp_bands.csv")
        let populationCode = try population.index(of: "lsoa11_code")
        guard population.header.count == populationCode + 1 + Self.bandCount else {
            throw RehabError(
                .configuration,
                "population_mid2020_lsoa11_esp_bands.csv should have lsoa11_code and 19 age bands.",
                hint: "Restore the reference file from the repository."
            )
        }
        var bands = [UInt16](repeating: 0, count: 100_000 * Self.bandCount)
        for row in population.rows {
            guard let number = Self.lsoaNumber(row[populationCode]) else { continue }
            for band in 0..<Self.bandCount {
                bands[number * Self.bandCount + band] = UInt16(row[populationCode + 1 + band]) ?? 0
            }
        }
        // An LSOA 2011 without population cannot be drawn by population weight.
        for icb in lsoa11.lsoasByICB.indices {
            lsoa11.lsoasByICB[icb].removeAll { number in
                (0..<Self.bandCount).allSatisfy { bands[Int(number) * Self.bandCount + $0] == 0 }
            }
        }

        let etr = try table("nhs_trusts_etr_2025.csv")
        let ods = try etr.index(of: "trust_ods")
        let name = try etr.index(of: "trust_name")
        let region = try etr.index(of: "nhs_region_ods")
        let trustICB = try etr.index(of: "icb_ods")
        let closed = try etr.index(of: "close_date")
        var trusts: [(rank: Int, trust: Trust)] = []
        for row in etr.rows {
            let code = row[ods]
            guard row[closed].isEmpty, row[region] != "W00", row[trustICB] != "Q99", row[trustICB] != "W00",
                SubmissionName.isODSCode(code.utf8),
                let index = icbIndex[row[trustICB]],
                !lsoa11.lsoasByICB[index].isEmpty, !lsoa21.lsoasByICB[index].isEmpty
            else { continue }
            // Community and "healthcare" trusts run most community rehabilitation, so they come first.
            let upper = row[name].uppercased()
            let rank = upper.contains("COMMUNITY") ? 0 : upper.contains("HEALTHCARE") ? 1 : 2
            trusts.append((rank, Trust(ods: code, name: row[name], icb: index)))
        }
        trusts.sort { ($0.rank, $0.trust.ods) < ($1.rank, $1.trust.ods) }

        self.icbCodes = icbCodes
        self.trusts = trusts.map(\.trust)
        self.lsoa11 = lsoa11
        self.lsoa21 = lsoa21
        self.bands = bands
    }

    /// The number in `E01` + 6 digits, or nil.
    static func lsoaNumber(_ code: String) -> Int? {
        let bytes = Array(code.utf8)
        guard bytes.count == 9, bytes[0] == UInt8(ascii: "E"), bytes[1] == UInt8(ascii: "0"),
            bytes[2] == UInt8(ascii: "1")
        else { return nil }
        var value = 0
        for byte in bytes[3...] {
            let digit = byte &- 48
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value < 100_000 ? value : nil
    }
}

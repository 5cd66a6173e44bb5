import Foundation
import RehabCore
import RehabIngest
import RehabSample
import RehabTestSupport
import Testing

// MARK: - Fixtures

/// The package root, so that tests read the committed reference and contract files.
private let packageRoot = TestFixtures.root
private let referenceDirectory = packageRoot + "/sample-data/reference"
private let september = Period(year: 2025, month: 9)!

/// A fresh temporary folder, removed when the test ends.
private func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = NSTemporaryDirectory() + "rehabsample-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

private func options(trusts: Int, seed: UInt64, referrals: Int?, defectRate: Double) -> SampleOptions {
    var options = SampleOptions(period: september, trusts: trusts, seed: seed, referenceDirectory: referenceDirectory)
    options.referralsPerTrust = referrals
    options.defectRate = defectRate
    return options
}

/// The rows of a generated file as dictionaries keyed by column name.
private func records(_ directory: String, _ file: String) throws -> [[String: String]] {
    let table = try CSVTable(path: directory + "/" + file)
    return table.rows.map { Dictionary(uniqueKeysWithValues: zip(table.header, $0)) }
}

private func files(_ summary: SampleSummary, _ kind: ExtractKind) -> [String] {
    summary.files.filter { $0.contains("_\(kind.rawValue)_") }
}

// MARK: - Tests

@Test func sameSeedGivesByteIdenticalFiles() throws {
    try withTemporaryDirectory { first in
        try withTemporaryDirectory { second in
            let a = try SampleGenerator.write(options(trusts: 2, seed: 7, referrals: 400, defectRate: 0.05), to: first)
            let b = try SampleGenerator.write(options(trusts: 2, seed: 7, referrals: 400, defectRate: 0.05), to: second)
            #expect(a.files == b.files)
            #expect(a.files.count == 6)
            #expect(a.defects == b.defects)
            for file in a.files {
                let left = try Data(contentsOf: URL(fileURLWithPath: first + "/" + file))
                let right = try Data(contentsOf: URL(fileURLWithPath: second + "/" + file))
                #expect(left == right, "\(file) differs between two runs with the same seed")
            }
            let c = try SampleGenerator.write(options(trusts: 2, seed: 8, referrals: 400, defectRate: 0.05), to: second)
            let changed = try Data(contentsOf: URL(fileURLWithPath: second + "/" + c.files[0]))
            let original = try Data(contentsOf: URL(fileURLWithPath: first + "/" + a.files[0]))
            #expect(changed != original, "a different seed should give different referrals")
        }
    }
}

@Test(arguments: ExtractKind.allCases)
func headersAreTheContractColumnsInOrder(kind: ExtractKind) throws {
    // The contract as data: `- {name: <column>, ...}` lines in pipelines/contracts/<kind>.yaml.
    let yaml = try String(contentsOfFile: packageRoot + "/pipelines/contracts/\(kind.rawValue).yaml", encoding: .utf8)
    // The file's columns are listed before `derived:` (columns the loader computes, not in the file).
    let contract = yaml.split(separator: "\n").prefix { !$0.hasPrefix("derived:") }.compactMap { line -> String? in
        guard let range = line.range(of: "- {name: ") else { return nil }
        return String(line[range.upperBound...].prefix { $0 != "," && $0 != "}" })
    }
    #expect(contract.count >= 9)
    try withTemporaryDirectory { directory in
        let summary = try SampleGenerator.write(
            options(trusts: 1, seed: 1, referrals: 50, defectRate: 0),
            to: directory
        )
        for file in files(summary, kind) {
            #expect(try CSVTable(path: directory + "/" + file).header == contract)
        }
    }
}

@Test func cleanMonthHasNoDefectsAndConsistentFiles() throws {
    try withTemporaryDirectory { directory in
        let summary = try SampleGenerator.write(
            options(trusts: 3, seed: 42, referrals: 600, defectRate: 0),
            to: directory
        )
        #expect(summary.defects.values.allSatisfy { $0 == 0 })
        #expect(summary.files.count == 9)

        for file in files(summary, .referrals) {
            let org = String(file.prefix { $0 != "_" })
            let referrals = try records(directory, file)
            #expect(referrals.count == 600)
            #expect(summary.rows[file] == 600)
            var received: [String: Day] = [:]
            for row in referrals {
                let nhs = row["nhs_number"]!
                #expect(nhs.isEmpty || NHSNumber.isValid(nhs))
                #expect(!nhs.isEmpty || !row["patient_id"]!.isEmpty)
                #expect(row["org_code"] == org)
                received[row["referral_id"]!] = Day(iso: row["referral_received_date"]!)
            }
            #expect(received.count == referrals.count, "referral ids are unique")

            let contactFile = file.replacingOccurrences(of: "_referrals_", with: "_contacts_")
            let contacts = try records(directory, contactFile)
            #expect(contacts.count > 600, "about 2.5 contacts per referral")
            #expect(Set(contacts.map { $0["contact_id"]! }).count == contacts.count)
            for contact in contacts {
                let referral = received[contact["referral_id"]!]
                #expect(referral != nil, "every contact's referral is in the referrals file")
                let date = try #require(Day(iso: contact["contact_date"]!))
                #expect(date >= september.start && date <= september.end)
                if let referral { #expect(date >= referral) }
            }
        }
    }
}

@Test func plantedDefectsAreCountedAsWritten() throws {
    try withTemporaryDirectory { directory in
        let summary = try SampleGenerator.write(
            options(trusts: 1, seed: 3, referrals: 3_000, defectRate: 0.1),
            to: directory
        )
        let referrals = try records(directory, files(summary, .referrals)[0])
        let contacts = try records(directory, files(summary, .contacts)[0])

        let badCheckDigits = referrals.filter { !$0["nhs_number"]!.isEmpty && !NHSNumber.isValid($0["nhs_number"]!) }
        #expect(badCheckDigits.count == summary.defects["referrals.invalid_nhs_check_digit"])
        let ids = referrals.map { $0["referral_id"]! }
        #expect(ids.count - Set(ids).count == summary.defects["referrals.duplicate_referral_id"])
        let missingService = referrals.filter { $0["service_line"]!.isEmpty }
        #expect(missingService.count == summary.defects["referrals.missing_service_line"])
        let known = Set(ids)
        let orphans = contacts.filter { !known.contains($0["referral_id"]!) }
        #expect(orphans.count == summary.defects["contacts.orphan_referral_id"])

        let planted = summary.defects.filter { $0.key.hasPrefix("referrals.") }.values.reduce(0, +)
        #expect(planted > 150 && planted < 450, "about 10% of 3,000 referrals carry a defect")
        #expect(summary.defects.count == 23)
    }
}

@Test func mostDeprivedQuintileIsReferredLessPerHead() throws {
    // Reference: LSOA 2011 → ICB, IMD 2019 decile and mid-2020 population.
    let lookup = try CSVTable(path: referenceDirectory + "/lsoa11_sicbl22_icb22.csv")
    let imd = try CSVTable(path: referenceDirectory + "/imd2019_lsoa11.csv")
    let population = try CSVTable(path: referenceDirectory + "/population_mid2020_lsoa11_esp_bands.csv")
    let trusts = try CSVTable(path: referenceDirectory + "/nhs_trusts_etr_2025.csv")
    var quintile: [String: Int] = [:]
    let decileColumn = try imd.index(of: "imd_decile")
    for row in imd.rows { quintile[row[0]] = (Int(row[decileColumn])! + 1) / 2 }
    var persons: [String: Int] = [:]
    for row in population.rows { persons[row[0]] = row.dropFirst().reduce(0) { $0 + Int($1)! } }
    let icbColumn = try lookup.index(of: "icb22_ods")
    let trustICBColumn = try trusts.index(of: "icb_ods")
    let trustICB = Dictionary(uniqueKeysWithValues: trusts.rows.map { ($0[0], $0[trustICBColumn]) })

    try withTemporaryDirectory { directory in
        let summary = try SampleGenerator.write(
            options(trusts: 2, seed: 11, referrals: 2_500, defectRate: 0),
            to: directory
        )
        // Observed referrals against those expected if every person were equally likely to be referred.
        var observed = [Double](repeating: 0, count: 6)
        var expected = [Double](repeating: 0, count: 6)
        for file in files(summary, .referrals) {
            let icb = try #require(trustICB[String(file.prefix { $0 != "_" })])
            var icbPersons = [Double](repeating: 0, count: 6)
            for row in lookup.rows where row[icbColumn] == icb {
                icbPersons[quintile[row[0]]!] += Double(persons[row[0]]!)
            }
            var counted = 0.0
            for row in try records(directory, file) {
                guard let q = quintile[row["lsoa_code"]!], row["lsoa_code"]!.hasPrefix("E01") else { continue }
                observed[q] += 1
                counted += 1
            }
            let total = icbPersons.reduce(0, +)
            for q in 1...5 { expected[q] += counted * icbPersons[q] / total }
        }
        let rate1 = observed[1] / expected[1]
        let rate5 = observed[5] / expected[5]
        #expect(expected[1] > 100 && expected[5] > 100, "both quintiles are well represented")
        #expect(rate1 < rate5 * 0.85, "quintile 1 should be referred less per head than quintile 5")
    }
}

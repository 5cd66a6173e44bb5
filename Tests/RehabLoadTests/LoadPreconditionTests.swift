import Foundation
import RehabCore
import RehabTestSupport
import RehabValidate
import Testing

@testable import RehabLoad

/// What the loader checks before it touches a database.
@Suite("Load preconditions")
struct LoadPreconditionTests {
    @Test("The loader refuses a rule catalogue that would let a repeated key into core")
    func catalogueMustKeepKeysUnique() throws {
        let contracts = try ContractSet(directory: TestFixtures.layout.contractsDirectory)
        let context = { (rules: String) throws -> ValidationContext in
            ValidationContext(
                contracts: contracts,
                catalogue: try RuleCatalogue(directory: rules, contracts: contracts),
                reference: ReferenceData(trusts: [], lsoa2011: [], lsoa2021: []),
                pseudonymiser: .ephemeral(),
                today: Day(iso: "2025-11-22")!
            )
        }
        // The repository's catalogue keeps every key unique.
        _ = try SubmissionLoader(validator: SubmissionValidator(context: context(TestFixtures.layout.rulesDirectory)))
        // The same catalogue with one of those rules made a warning, or limited by a condition, is refused.
        let variants: [(file: String, rule: String, from: String, to: String, key: String)] = [
            ("referrals.yaml", "REF-ID-UNIQUE-01", "severity: record", "severity: warning", "referral_id"),
            (
                "workforce.yaml", "WF-STAFF-UNIQUE-01", "severity: record",
                "severity: record\n    when: {column: post_status, in: [filled]}", "staff_id"
            ),
        ]
        for variant in variants {
            let folder = try TestFixtures.folder()
            for file in try FileManager.default.contentsOfDirectory(atPath: TestFixtures.layout.rulesDirectory) {
                var text = try String(contentsOfFile: "\(TestFixtures.layout.rulesDirectory)/\(file)", encoding: .utf8)
                if file == variant.file {
                    let start = try #require(text.range(of: "id: \(variant.rule)"))
                    let severity = try #require(text.range(of: variant.from, range: start.upperBound..<text.endIndex))
                    text.replaceSubrange(severity, with: variant.to)
                }
                try text.write(toFile: "\(folder)/\(file)", atomically: true, encoding: .utf8)
            }
            let error = try #require(throws: RehabError.self) {
                _ = try SubmissionLoader(validator: SubmissionValidator(context: context(folder)))
            }
            #expect(error.code == .configuration)
            #expect(error.message.contains(variant.key), "\(error.message)")
        }
    }
}

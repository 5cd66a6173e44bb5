import Foundation
import RehabCore
import Testing

@testable import RehabValidate

@Suite("Uniqueness in bounded memory")
struct IdentifierSetTests {
    /// Keys drawn from a small range, so that about a third of them repeat, some long after they were first seen.
    static func keys(_ count: Int, seed: UInt64) -> [UInt64] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let id = (state >> 33) % UInt64(count * 2 / 3)
            let bytes = Array("R\(id)".utf8)
            return IdentifierTable.hash(bytes.span)
        }
    }

    @Test("With a budget of 100 ids, the set spills and still answers exactly as an in-memory set does")
    func spillsExactly() {
        var set = IdentifierSet(budget: 1000)
        var truth = Set<UInt64>()
        var repeats = 0
        for key in Self.keys(20_000, seed: 7) {
            let fresh = set.insert(key)
            let expected = truth.insert(key == 0 ? 1 : key).inserted
            #expect(fresh == expected)
            if !fresh { repeats += 1 }
        }
        #expect(set.hasSpilled)
        #expect(set.count == truth.count)
        #expect(repeats > 5_000)
    }

    @Test("Key 0 and key 1 are one id, in memory and on disk alike")
    func zeroKey() {
        var set = IdentifierSet(budget: 1000)
        let first = set.insert(0)
        #expect(first)
        var fresh = 0
        for key in 2..<500 as Range<UInt64> where set.insert(key &* 0x9e37_79b9_7f4a_7c15) { fresh += 1 }
        #expect(fresh == 498)
        #expect(set.hasSpilled)
        let one = set.insert(1)
        let zero = set.insert(0)
        #expect(!one && !zero)
    }

    @Test("A file whose ids spill to disk gets the same findings and quarantine as one checked in memory")
    func validateSpilling() throws {
        let rows = (0..<3_000).map { i in
            // Every 7th referral repeats one from far earlier in the file.
            Fixtures.referral.merging(["referral_id": i % 7 == 6 ? "R\(i / 3)" : "R\(i)"]) { $1 }
        }
        let path = try Fixtures.write(Fixtures.csv(.referrals, rows), name: "RY2_referrals_2025-09.csv")
        func run(budget: Int) throws -> (findings: [Finding], quarantined: [Int]) {
            let context = ValidationContext(
                contracts: Fixtures.contracts,
                catalogue: Fixtures.catalogue,
                reference: Fixtures.reference,
                pseudonymiser: Fixtures.context.pseudonymiser,
                today: Fixtures.context.today,
                identifierBudget: budget
            )
            var sink = Fixtures.RecordingSink()
            let (result, _) = try SubmissionValidator(context: context).validate(path: path, sink: &sink)
            return (try result.findings.all(), sink.quarantined.map(\.row))
        }
        let inMemory = try run(budget: ValidationContext.defaultIdentifierBudget)
        let spilled = try run(budget: 1000)
        let duplicates = inMemory.findings.filter { $0.rule == "REF-ID-UNIQUE-01" }
        #expect(duplicates.count > 250)
        #expect(spilled.findings == inMemory.findings)
        #expect(spilled.quarantined == inMemory.quarantined)
    }
}

import Foundation
import RehabCore
import Testing

@testable import RehabValidate

@Suite("Kinds of check")
struct RuleKindTests {
    @Test("A row's findings come in catalogue order, as reports list them")
    func findingsInCatalogueOrder() throws {
        let row = Fixtures.referral.merging([
            "org_code": "ZZ9",  // equals_file_org and known_trust
            "sex": "",  // required
            "age_at_referral": "67.5",  // format
            "lsoa_code": "E01999999",  // lsoa_known
            "referral_received_date": "2025-10-03",  // date_not_after, after the period
        ]) { $1 }
        let (result, _, _) = try Fixtures.validate(.referrals, [row])
        let rules = Fixtures.catalogue.rules(for: .referrals)
        let index = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($0.element.id, $0.offset) })
        let found = try result.findings.all().filter { $0.row == 1 }.map { try #require(index[$0.rule]) }
        #expect(found.count >= 5)
        #expect(found == found.sorted(), "findings out of catalogue order: \(found.map { rules[$0].id })")
    }

    @Test("Every kind is registered once and documented in docs/rule-catalogue.md")
    func registeredAndDocumented() throws {
        let names = CheckKind.allCases.map(\.rawValue)
        #expect(Set(names).count == names.count)
        #expect(names.count == 33)
        let guide = try String(contentsOfFile: "\(Fixtures.root)/docs/rule-catalogue.md", encoding: .utf8)
        for name in names {
            #expect(guide.contains("| `\(name)` |"), "\(name) has no row in docs/rule-catalogue.md")
        }
    }

    @Test("A failure withholds the value for exactly the format, code list and range kinds")
    func withholdingKinds() throws {
        let contract = Fixtures.contracts[.referrals]
        let name = SubmissionName(fileName: "RY2_referrals_2025-09.csv")
        let compiled = try CompiledRules(
            catalogue: Fixtures.catalogue,
            contract: contract,
            name: name,
            today: Day(iso: "2026-01-01")!,
            hasReferrals: false
        )
        let withholding = Set(
            compiled.rules.indices.filter { compiled.plan.withholdsValue[$0] }.map { compiled.rules[$0].check }
        )
        #expect(withholding == [.format, .code_list, .range, .score_range])
    }

    /// The error reading the repository's catalogue with one edit to referrals.yaml.
    static func catalogueError(replacing old: String, with new: String) throws -> RehabError {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rehabcount-kinds-\(UUID())").path
        try FileManager.default.copyItem(atPath: "\(Fixtures.root)/pipelines/rules", toPath: folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/referrals.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let edited = text.replacingOccurrences(of: old, with: new)
        #expect(edited != text, "referrals.yaml has no \(old)")
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        return try #require(throws: RehabError.self) {
            try RuleCatalogue(directory: folder, contracts: Fixtures.contracts)
        }
    }

    @Test("A catalogue naming an unknown kind is refused with the file, line and the kinds there are")
    func unknownKind() throws {
        let error = try Self.catalogueError(replacing: "check: lsoa_known", with: "check: lsoa_exists")
        #expect(error.message.contains("referrals.yaml:"))
        #expect(error.message.contains("lsoa_exists is not a kind of check"))
        #expect(error.message.contains("lsoa_known"))
    }

    @Test("A kind's own parameter check still applies when the catalogue is read")
    func kindParameterCheck() throws {
        let error = try Self.catalogueError(replacing: "limit: period_end", with: "limit: yesterday")
        #expect(error.message.contains("`limit` must be period_end or today"))
    }
}

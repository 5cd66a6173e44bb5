import Foundation
import RehabCore
import RehabIngest
import RehabTestSupport

@testable import RehabValidate

/// The repository's own configuration, so tests check the real contracts and catalogue.
enum Fixtures {
    static let root = TestFixtures.root

    static let contracts = try! ContractSet(directory: "\(root)/pipelines/contracts")
    static let catalogue = try! RuleCatalogue(directory: "\(root)/pipelines/rules", contracts: contracts)
    static let reference = ReferenceData(
        trusts: ["RY2", "RY3"],
        lsoa2011: ["E01012367", "E01000001"],
        lsoa2021: ["E01012392"]
    )
    static let context = ValidationContext(
        contracts: contracts,
        catalogue: catalogue,
        reference: reference,
        pseudonymiser: try! Pseudonymiser(key: Array(repeating: UInt8(ascii: "k"), count: 32), source: .environment),
        today: Day(iso: "2025-11-22")!
    )

    /// A referral that passes every rule, period 2025-09, trust RY2.
    static let referral: [String: String] = [
        "org_code": "RY2", "referral_id": "R1", "nhs_number": "9434765919", "patient_id": "P1",
        "age_at_referral": "67", "sex": "2", "ethnic_category": "A", "lsoa_code": "E01012367",
        "referral_received_date": "2025-08-20", "referral_source": "gp", "service_line": "stroke",
        "priority": "routine", "first_contact_date": "2025-09-02", "discharge_date": "2025-09-25",
        "referral_outcome": "discharged", "outcome_tool": "barthel", "outcome_score_start": "9",
        "outcome_score_end": "15",
    ]

    static let contact: [String: String] = [
        "org_code": "RY2", "contact_id": "C1", "referral_id": "R1", "contact_date": "2025-09-02",
        "attendance": "attended", "duration_minutes": "45", "profession": "physiotherapist", "mode": "face_to_face",
        "setting": "home",
    ]

    static let post: [String: String] = [
        "org_code": "RY2", "snapshot_date": "2025-09-30", "staff_id": "S1", "post_status": "filled",
        "profession": "physiotherapist", "registered": "Y", "afc_band": "6", "fte": "1.0",
        "service_line": "msk", "setting": "clinic",
    ]

    static func base(_ kind: ExtractKind) -> [String: String] {
        switch kind {
        case .referrals: referral
        case .contacts: contact
        case .workforce: post
        }
    }

    /// CSV text for rows given as column → value, in the contract's column order.
    static func csv(_ kind: ExtractKind, _ rows: [[String: String]]) -> String {
        let columns = contracts[kind].columns.map(\.name)
        func quoted(_ v: String) -> String {
            v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : v
        }
        return
            ([columns.joined(separator: ",")]
            + rows.map { row in columns.map { quoted(row[$0] ?? "") }.joined(separator: ",") })
            .joined(separator: "\n") + "\n"
    }

    /// Writes a file into a fresh folder and returns its path.
    static func write(_ text: String, name: String) throws -> String {
        try write(Array(text.utf8), name: name)
    }

    static func write(_ bytes: [UInt8], name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rehabcount-test-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A sink that remembers what happened to each row.
    struct RecordingSink: RowSink {
        var layout: RowLayout?
        var accepted: [Int] = []
        var quarantined: [(row: Int, reasons: [String])] = []
        /// The accepted rows with values kept out of statistics, by record number.
        var withheld: [Int: WithheldColumns] = [:]
        mutating func begin(_ layout: RowLayout) throws { self.layout = layout }
        mutating func accepted(_ row: TableRow, withheld: WithheldColumns) throws {
            accepted.append(row.recordNumber)
            if withheld != .none { self.withheld[row.recordNumber] = withheld }
        }
        mutating func quarantined(_ row: TableRow, reasons: [Rule]) throws {
            quarantined.append((row.recordNumber, reasons.map(\.id)))
        }
    }

    /// Validates rows of one kind and returns the result with the rule ids that failed.
    static func validate(
        _ kind: ExtractKind,
        _ rows: [[String: String]],
        name: String? = nil,
        referrals: ReferralIndex? = nil
    ) throws -> (result: ValidationResult, failed: Set<String>, sink: RecordingSink) {
        let path = try write(csv(kind, rows), name: name ?? "RY2_\(kind.rawValue)_2025-09.csv")
        var sink = RecordingSink()
        let (result, _) = try SubmissionValidator(context: context).validate(
            path: path,
            referrals: referrals,
            sink: &sink
        )
        return (result, Set(result.rules.filter { $0.failures > 0 }.map(\.rule.id)), sink)
    }
}

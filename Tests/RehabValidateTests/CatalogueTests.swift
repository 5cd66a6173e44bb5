import Crypto
import Foundation
import RehabTestSupport
import Testing

@testable import RehabCore
@testable import RehabValidate

@Suite("Contracts and catalogue")
struct CatalogueTests {
    @Test("Every contract column is covered by a presence, format or code-list rule", arguments: ExtractKind.allCases)
    func everyColumnCovered(kind: ExtractKind) {
        let rules = Fixtures.catalogue.rules(for: kind)
        for column in Fixtures.contracts[kind].columns {
            let covering = rules.filter {
                $0.column == column.name && [.required, .format, .code_list].contains($0.check)
            }
            #expect(!covering.isEmpty, "\(kind).\(column.name) has no rule")
        }
    }

    @Test("Mandatory columns are record rejections when missing", arguments: ExtractKind.allCases)
    func mandatoryColumnsReject(kind: ExtractKind) {
        let rules = Fixtures.catalogue.rules(for: kind)
        for column in Fixtures.contracts[kind].columns where column.status == .M {
            let required = rules.first { $0.column == column.name && $0.check == .required }
            #expect(required?.severity == .record, "\(kind).\(column.name)")
        }
    }

    @Test("Every check kind the engine knows is used by some rule")
    func everyCheckKindUsed() {
        let used = Set(Fixtures.catalogue.rules.map(\.check))
        let unused = CheckKind.allCases.filter { !used.contains($0) }
        #expect(unused.isEmpty, "unused: \(unused)")
    }

    @Test("Every rule has guidance and a basis, and no message carries a digit that could be data")
    func rulesAreDocumented() {
        for rule in Fixtures.catalogue.rules {
            #expect(!rule.guidance.isEmpty, "\(rule.id)")
            #expect(!rule.basis.ref.isEmpty, "\(rule.id)")
            #expect(!rule.message.contains { $0.isNumber }, "\(rule.id)")
        }
    }

    @Test("A misspelt key in a rule is refused, naming the file, line and key")
    func unknownKeyIsRefused() throws {
        let rules = """
            rules:
              - id: X-01
                applies_to: referrals
                check: required
                colum: sex
                severity: warning
                message: m
                guidance: g
                basis: {kind: contract, ref: r}
            """
        let folder = try catalogueFolder(file: "referrals.yaml", rules: rules)
        let error = try #require(throws: RehabError.self) {
            _ = try RuleCatalogue(directory: folder, contracts: Fixtures.contracts)
        }
        #expect(error.code == .configuration)
        #expect(error.message.contains("referrals.yaml:5"))
        #expect(error.message.contains("colum"))
    }

    @Test("A rule naming a column the contract lacks is refused")
    func unknownColumnIsRefused() throws {
        let rules = """
            rules:
              - {id: X-01, applies_to: contacts, check: required, column: sex, severity: warning, message: m, guidance: g, basis: {kind: contract, ref: r}}
            """
        let folder = try catalogueFolder(file: "contacts.yaml", rules: rules)
        let error = try #require(throws: RehabError.self) {
            _ = try RuleCatalogue(directory: folder, contracts: Fixtures.contracts)
        }
        #expect(error.message.contains("X-01"))
        #expect(error.message.contains("sex"))
    }
}

/// A catalogue folder with a header and one rules file.
func catalogueFolder(file: String, rules: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("catalogue-\(UUID())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try "catalogue: t\nversion: \"1\"\ncontract_version: \"1\"\n"
        .write(toFile: "\(folder)/catalogue.yaml", atomically: true, encoding: .utf8)
    try rules.write(toFile: "\(folder)/\(file)", atomically: true, encoding: .utf8)
    return folder
}

@Suite("Values")
struct ValueTests {
    @Test(
        "NHS numbers: Modulus 11 known answers",
        arguments: [
            ("9434765919", true), ("9434765918", false), ("4010232137", true), ("4010232138", false),
            // Weighted sum 2 gives check digit 9; weighted sum 12 gives 10, which is never valid.
            ("0000000019", true), ("0000000060", false), ("0000000061", false), ("943476591", false),
            ("94347659a9", false),
            // Placeholders: one digit ten times passes the arithmetic, but no such number is issued.
            ("0000000000", false), ("1111111111", false), ("5555555555", false), ("9999999999", false),
        ]
    )
    func modulus11(number: String, valid: Bool) {
        #expect(NHSNumber.isValid(number) == valid)
    }

    @Test(
        "An NHS number is recognised however it is typed: ten digits, or 3-3-4 with spaces or hyphens",
        arguments: [
            ("9434765919", true), ("943 476 5919", true), ("943-476-5919", true), ("943-476-5918", false),
            ("943_476_5919", false), ("2025-09-01", false), ("E010000011", false), ("000 000 0000", false),
        ]
    )
    func nhsNumberInAnyForm(field: String, valid: Bool) {
        let bytes = Array(field.utf8)
        #expect(NHSNumber.isValidInAnyForm(bytes.span) == valid)
    }

    @Test("Pseudonyms are HMAC-SHA256 of the number, keyed")
    func pseudonym() throws {
        let p = try Pseudonymiser(key: Array(repeating: UInt8(ascii: "k"), count: 32), source: .environment)
        // python3 -c "import hmac,hashlib; print(hmac.new(b'k'*32, b'9434765919', hashlib.sha256).hexdigest())"
        #expect(p.pseudonym(of: "9434765919") == "121ee75534cd8e8dc2bb07aa515bf10aeb0b61f725c784ff2a4499d5c5f6f3b0")
        #expect(throws: RehabError.self) { try Pseudonymiser(key: Array("short".utf8), source: .environment) }
    }

    /// The pseudonymiser uses SHA-NI where the CPU has it (`hardwareDetection` checks that it does on this
    /// machine), so this compares that path with swift-crypto, and the portable path alongside it.
    @Test("Pseudonyms equal swift-crypto's HMAC-SHA256 for every message length and key length, on both paths")
    func pseudonymMatchesReferenceHMAC() throws {
        var generator = SystemRandomNumberGenerator()
        for keyLength in [32, 63, 64, 65, 131] {
            let key = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let p = try Pseudonymiser(key: key, source: .environment)
            let portable = KeyedSHA256(key: key, hardware: false)
            for length in 0...200 {
                let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let expected = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
                    .map { String(format: "%02x", $0) }.joined()
                let actual = p.pseudonym(of: message.span)
                #expect(actual == expected, "key \(keyLength) bytes, message \(length) bytes")
                let actualPortable = portable.authenticate(message.span, hex)
                #expect(actualPortable == expected, "portable, key \(keyLength) bytes, message \(length) bytes")
            }
        }
        // RFC 4231 test case 6: a 131-byte key, hashed first.
        let rfc = try Pseudonymiser(key: Array(repeating: 0xaa, count: 131), source: .environment)
        #expect(
            rfc.pseudonym(of: "Test Using Larger Than Block-Size Key - Hash Key First")
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        )
    }

    #if os(Linux) && arch(x86_64)
    @Test("SHA-NI is used exactly when the kernel lists sha_ni, sse4_1 and ssse3 for this CPU")
    func hardwareDetection() throws {
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = try #require(cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") })
        let words = Set(flags.split(separator: " ").map(String.init))
        #expect(KeyedSHA256.hardware == ["sha_ni", "sse4_1", "ssse3"].allSatisfy(words.contains))
    }
    #endif

    @Test(
        "SHA-NI and portable compressions give the same state for random states and runs of 1 to 8 blocks",
        .enabled(if: KeyedSHA256.hardware, "this CPU has no SHA extensions, so only the portable compression runs")
    )
    func hardwareMatchesPortable() {
        var generator = SystemRandomNumberGenerator()
        for run in 0..<4000 {
            let count = run % 8 + 1
            let blocks = (0..<64 * count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var hardware = KeyedSHA256.State(hardware: true)
            var portable = KeyedSHA256.State(hardware: false)
            // Half the runs start from SHA-256's initial state, half from an arbitrary one.
            if run.isMultiple(of: 2) {
                withUnsafeMutableBytes(of: &hardware.h) { h in
                    for i in h.indices { h[i] = UInt8.random(in: 0...255, using: &generator) }
                }
                portable.h = hardware.h
            }
            let initial = hardware.words
            blocks.withUnsafeBufferPointer { blocks in
                hardware.compress(blocks.baseAddress!, count: count)  // one call into C for the run
                portable.compress(blocks.baseAddress!, count: count)  // block by block in Swift
            }
            #expect(hardware.words == portable.words, "run \(run): \(count) blocks from \(initial)")
            #expect(hardware.words != initial)
        }
    }

    @Test(
        "SHA-256 of the FIPS 180-4 examples on the SHA-NI path",
        .enabled(if: KeyedSHA256.hardware, "this CPU has no SHA extensions, so only the portable compression runs")
    )
    func hardwareKnownAnswers() {
        for (name, message, digest) in Self.sha256Examples {
            #expect(Self.sha256(message, hardware: true) == digest, "\(name)")
        }
    }

    @Test("SHA-256 of the FIPS 180-4 examples on the portable path")
    func portableKnownAnswers() {
        for (name, message, digest) in Self.sha256Examples {
            #expect(Self.sha256(message, hardware: false) == digest, "\(name)")
        }
    }

    /// FIPS 180-4 examples (one block, two blocks, and a million bytes), with the empty message.
    private static let sha256Examples: [(String, [UInt8], String)] = [
        ("abc", Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "448 bits", Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        ("empty", [], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (
            "a million a", Array(repeating: UInt8(ascii: "a"), count: 1_000_000),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        ),
    ]

    private static func sha256(_ message: [UInt8], hardware: Bool) -> String {
        var state = KeyedSHA256.State(hardware: hardware)
        let digest = message.withUnsafeBufferPointer { state.finish($0, after: 0) }
        return withUnsafeBytes(of: digest) { hex($0) }
    }

    @Test("The key comes from the environment or a key file")
    func keyConfiguration() throws {
        let env = try Pseudonymiser.configured(
            keyFile: nil,
            environment: ["REHABCOUNT_PSEUDONYM_KEY": String(repeating: "k", count: 32)]
        )
        #expect(env?.keySource == .environment)
        #expect(env?.pseudonym(of: "9434765919") == "121ee75534cd8e8dc2bb07aa515bf10aeb0b61f725c784ff2a4499d5c5f6f3b0")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID())").path
        try (String(repeating: "k", count: 32) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let file = try Pseudonymiser.configured(keyFile: path, environment: [:])
        #expect(file?.keySource == .file)
        #expect(file?.pseudonym(of: "9434765919") == env?.pseudonym(of: "9434765919"))
        #expect(try Pseudonymiser.configured(keyFile: nil, environment: [:]) == nil)
    }

    @Test(
        "Dates: ISO and DD/MM/YYYY, real calendar days only",
        arguments: [
            ("2024-02-29", "2024-02-29"), ("29/02/2024", "2024-02-29"), ("2023-02-29", nil), ("2025-13-01", nil),
            ("1970-01-01", "1970-01-01"), ("2025-9-01", nil), ("01/09/2025", "2025-09-01"),
        ] as [(String, String?)]
    )
    func dates(text: String, iso: String?) {
        let bytes = Array(text.utf8)
        let parsed = Day.parse(bytes.span)
        #expect(parsed?.day.description == iso)
    }

    @Test("Periods parse YYYY-MM and know their first and last days")
    func periods() throws {
        let p = try #require(Period("2024-02"))
        #expect(p.start.description == "2024-02-01")
        #expect(p.end.description == "2024-02-29")
        #expect(Period("2024-13") == nil)
        #expect(SubmissionName(fileName: "RX1_referrals_2025-09.csv")?.period == Period("2025-09"))
        #expect(SubmissionName(fileName: "RX1AB_workforce_2025-09.xlsx")?.format == .xlsx)
        #expect(SubmissionName(fileName: "rx1_referrals_2025-09.csv") == nil)
        #expect(SubmissionName(fileName: "RX1_referral_2025-09.csv") == nil)
    }

    @Test(
        "A file name that does not follow the contract gets the name the trust most likely meant",
        arguments: [
            ("RY2_referral_2025-09.csv", "RY2_referrals_2025-09.csv"),
            ("ry2_referrals_2025-09.csv", "RY2_referrals_2025-09.csv"),
            ("RY2-contacts-2025-09.CSV", "RY2_contacts_2025-09.csv"),
            ("RY2 workforce 202509.xlsx", "RY2_workforce_2025-09.xlsx"),
            ("RY2_Referrals_09-2025.csv", "RY2_referrals_2025-09.csv"),
            ("RY2_referrals_Sep_2025.csv", "RY2_referrals_2025-09.csv"),
            ("RY2_staff_2025_9.csv", "RY2_workforce_2025-09.csv"),
        ]
    )
    func suggestedName(given: String, meant: String) {
        #expect(SubmissionName.suggestion(for: given) == meant)
    }

    @Test(
        "No suggestion for a name that follows the contract, or that cannot be read as one",
        arguments: [
            "RY2_referrals_2025-09.csv", "export.csv", "RY2_beds_2025-09.csv", "RY2_referrals_2025-13.csv",
            "referrals.xls", "R_referrals_2025-09.csv",
        ]
    )
    func noSuggestion(given: String) {
        #expect(SubmissionName.suggestion(for: given) == nil)
    }
}

@Suite("Data-quality score")
struct ScoreTests {
    @Test("Item scores and the overall score follow the documented formula")
    func knownAnswer() throws {
        // Four referrals: ethnic_category A, Z, empty, and an invalid code.
        let rows = ["A", "Z", "", "Q"].enumerated().map { i, code in
            Fixtures.referral.merging(["referral_id": "R\(i)", "ethnic_category": code]) { $1 }
        }
        let (result, _, _) = try Fixtures.validate(.referrals, rows)
        let ethnic = try #require(result.score.items.first { $0.column == "ethnic_category" })
        #expect(ethnic.applicable == 4)
        #expect(ethnic.complete == 3)
        #expect(ethnic.valid == 2)
        #expect(ethnic.defaulted == 1)
        #expect(ethnic.score == 25)  // 100 × (2 − 1) / 4
        #expect(ethnic.completeness == 0.75)

        // outcome_tool applies only to discharged referrals.
        let tool = try #require(result.score.items.first { $0.column == "outcome_tool" })
        #expect(tool.applicable == 4)
        // Every other scored item is perfect, so the overall score is the mean with one item at 25.
        let scored = result.score.items.filter(\.isScored)
        #expect(scored.filter { $0.score != 100 }.map(\.column) == ["ethnic_category"])
        let expected = (Double(scored.count - 1) * 100 + 25) / Double(scored.count)
        #expect(abs(result.score.overall! - expected) < 1e-9)
    }

    @Test(
        "A submission that quarantines X% of its rows scores at most 100 − X, and needs attention past 5%",
        arguments: [0, 1, 6, 12, 24]
    )
    func quarantineCapsTheScore(quarantinedPercent: Int) throws {
        // 100 contacts; the first N have an attendance code that is not in the code list (a record rule).
        let rows = (0..<100).map { i in
            Fixtures.contact.merging(
                ["contact_id": "C\(i)", "attendance": i < quarantinedPercent ? "maybe" : "attended"]
            ) { $1 }
        }
        let (result, failed, sink) = try Fixtures.validate(.contacts, rows)
        #expect(result.rows.quarantined == quarantinedPercent)
        #expect(sink.quarantined.count == quarantinedPercent)
        let score = try #require(result.score.overall)
        #expect(score <= Double(100 - quarantinedPercent) + 1e-9)
        // The quarantined rows' values count as invalid in every item, not only the one that failed.
        let mode = try #require(result.score.items.first { $0.column == "mode" })
        #expect(mode.valid == 100 - quarantinedPercent)
        switch quarantinedPercent {
        case 0: #expect(result.status == .accepted && score == 100 && failed.isEmpty)
        case 1: #expect(result.status == .accepted_with_warnings)
        default: #expect(result.status == .accepted_needs_attention)
        }
    }

    @Test("A clean resubmission scores higher than the dirty original")
    func cleanResubmissionScoresHigher() throws {
        let dirty = (0..<50).map { i in
            Fixtures.contact.merging(["contact_id": "C\(i)", "attendance": i % 4 == 0 ? "maybe" : "attended"]) { $1 }
        }
        let clean = (0..<50).map { i in Fixtures.contact.merging(["contact_id": "C\(i)"]) { $1 } }
        let (before, _, _) = try Fixtures.validate(.contacts, dirty)
        let (after, _, _) = try Fixtures.validate(.contacts, clean)
        #expect(try #require(before.score.overall) <= 76)
        #expect(try #require(after.score.overall) == 100)
    }

    @Test("The threshold for needing attention is the pipeline's")
    func attentionThreshold() throws {
        let rows = (0..<100).map { i in
            Fixtures.contact.merging(["contact_id": "C\(i)", "attendance": i < 8 ? "maybe" : "attended"]) { $1 }
        }
        let lenient = ValidationContext(
            contracts: Fixtures.contracts,
            catalogue: Fixtures.catalogue,
            reference: Fixtures.reference,
            pseudonymiser: Fixtures.context.pseudonymiser,
            today: Fixtures.context.today,
            quarantineShare: 0.10
        )
        let path = try Fixtures.write(Fixtures.csv(.contacts, rows), name: "RY2_contacts_2025-09.csv")
        var sink = Fixtures.RecordingSink()
        let (result, _) = try SubmissionValidator(context: lenient).validate(path: path, sink: &sink)
        #expect(result.status == .accepted_with_warnings)
    }
}

extension KeyedSHA256.State {
    /// a, b, …, h.
    fileprivate var words: [UInt32] { withUnsafeBytes(of: h) { Array($0.bindMemory(to: UInt32.self)) } }
}

/// Lower-case hex of some bytes.
private func hex(_ bytes: UnsafeRawBufferPointer) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

@Suite("Rule bases")
struct RuleBasisTests {
    @Test("Every rule's basis names its source by title, never a file of this repository")
    func basesNameSources() {
        for kind in ExtractKind.allCases {
            for rule in Fixtures.catalogue.rules(for: kind) {
                let ref = rule.basis.ref
                #expect(ref.firstMatch(of: /\.(txt|md|yaml|csv|swift|sql)\b/) == nil, "\(rule.id): \(ref)")
                #expect(!ref.contains("/") && !ref.isEmpty, "\(rule.id): \(ref)")
            }
        }
    }
}

@Suite("Built-in configuration")
struct BuiltInConfigurationTests {
    static let root = TestFixtures.root

    @Test("The contracts and rules embedded at build time are exactly pipelines/")
    func filesMatch() throws {
        var expected: [String: String] = [:]
        for folder in ["contracts", "rules"] {
            let directory = "\(Self.root)/pipelines/\(folder)"
            for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".yaml") {
                expected["\(folder)/\(name)"] = try String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8)
            }
        }
        #expect(expected.count > 5)
        #expect(Set(EmbeddedDefaults.files.keys) == Set(expected.keys))
        for (name, text) in expected {
            #expect(
                EmbeddedDefaults.files[name] == text,
                "\(name) differs from the one embedded by the EmbedDefaults plugin"
            )
        }
    }

    @Test("The built-in reference data hold the same LSOAs and trusts as sample-data/reference")
    func referenceMatches() throws {
        let files = try ReferenceData(directory: "\(Self.root)/sample-data/reference")
        #expect(ReferenceData.builtIn.sameCodes(as: files))
        #expect(ReferenceData.builtIn.lsoaCounts == files.lsoaCounts)
        #expect(files.lsoaCounts.lsoa2011 > 30_000 && files.trusts.count > 100)
    }

    @Test("The built-in contracts and catalogue load, with the same rules as the files")
    func loads() throws {
        let contracts = try ContractSet(source: .builtIn("contracts"))
        let catalogue = try RuleCatalogue(source: .builtIn("rules"), contracts: contracts)
        let fromFiles = try RuleCatalogue(
            directory: "\(Self.root)/pipelines/rules",
            contracts: ContractSet(directory: "\(Self.root)/pipelines/contracts")
        )
        #expect(catalogue.version == fromFiles.version)
        for kind in ExtractKind.allCases {
            #expect(catalogue.rules(for: kind) == fromFiles.rules(for: kind))
        }
    }
}

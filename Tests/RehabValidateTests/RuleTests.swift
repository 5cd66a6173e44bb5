import Foundation
import RehabCore
import Testing

@testable import RehabValidate

/// One rule, a change to a valid row that must break it, and optionally a change that must not.
struct RuleCase: CustomTestStringConvertible, Sendable {
    var rule: String
    var kind: ExtractKind
    var failing: [String: String]
    var passing: [String: String] = [:]
    var testDescription: String { rule }
}

let ruleCases: [RuleCase] = [
    // required (M → record, R → warning), with the contract's conditions
    .init(rule: "REF-ID-REQ-01", kind: .referrals, failing: ["referral_id": ""]),
    .init(rule: "REF-SEX-REQ-01", kind: .referrals, failing: ["sex": ""]),
    .init(
        rule: "REF-PATIENT-REQ-01",
        kind: .referrals,
        failing: ["nhs_number": "", "patient_id": ""],
        passing: ["nhs_number": "9434765919", "patient_id": ""]
    ),
    .init(
        rule: "REF-TOOL-REQ-01",
        kind: .referrals,
        failing: ["outcome_tool": "", "outcome_score_start": "", "outcome_score_end": ""],
        passing: [
            "referral_outcome": "open", "discharge_date": "", "outcome_tool": "", "outcome_score_start": "",
            "outcome_score_end": "",
        ]
    ),
    .init(
        rule: "REF-DISCHARGE-REQ-01",
        kind: .referrals,
        failing: ["discharge_date": ""],
        passing: ["discharge_date": "", "referral_outcome": "open"]
    ),
    .init(
        rule: "CON-DURATION-REQ-01",
        kind: .contacts,
        failing: ["duration_minutes": ""],
        passing: ["duration_minutes": "", "attendance": "did_not_attend"]
    ),
    // format and type
    .init(
        rule: "REF-AGE-FORMAT-01",
        kind: .referrals,
        failing: ["age_at_referral": "67.5"],
        passing: ["age_at_referral": "0"]
    ),
    .init(
        rule: "REF-RECEIVED-FORMAT-01",
        kind: .referrals,
        failing: ["referral_received_date": "2025-02-30"],
        passing: ["referral_received_date": "20/08/2025"]
    ),
    .init(rule: "REF-ORG-FORMAT-01", kind: .referrals, failing: ["org_code": "ry2"]),
    .init(
        rule: "REF-ID-FORMAT-01",
        kind: .referrals,
        failing: ["referral_id": String(repeating: "x", count: 65)],
        passing: ["referral_id": String(repeating: "é", count: 64)]
    ),
    .init(rule: "REF-NHS-FORMAT-01", kind: .referrals, failing: ["nhs_number": "943 476 5919"]),
    .init(rule: "WF-FTE-FORMAT-01", kind: .workforce, failing: ["fte": "1,0"], passing: ["fte": "0.5"]),
    // legacy dates: accepted with a warning
    .init(rule: "REF-DATE-LEGACY-01", kind: .referrals, failing: ["first_contact_date": "02/09/2025"]),
    // code lists
    .init(rule: "REF-SEX-CODE-01", kind: .referrals, failing: ["sex": "M"], passing: ["sex": "X"]),
    .init(rule: "REF-SERVICE-CODE-01", kind: .referrals, failing: ["service_line": "Stroke"]),
    .init(rule: "CON-ATTEND-CODE-01", kind: .contacts, failing: ["attendance": "yes"]),
    .init(rule: "WF-PROF-CODE-01", kind: .workforce, failing: ["profession": "physio"]),
    // ranges
    .init(
        rule: "REF-AGE-RANGE-01",
        kind: .referrals,
        failing: ["age_at_referral": "121"],
        passing: ["age_at_referral": "120"]
    ),
    .init(
        rule: "CON-DURATION-RANGE-01",
        kind: .contacts,
        failing: ["duration_minutes": "0"],
        passing: ["duration_minutes": "600"]
    ),
    .init(rule: "WF-FTE-RANGE-01", kind: .workforce, failing: ["fte": "0"], passing: ["fte": "1.5"]),
    // NHS number Modulus 11
    .init(
        rule: "REF-NHS-MOD11-01",
        kind: .referrals,
        failing: ["nhs_number": "9434765918"],
        passing: ["nhs_number": "4010232137"]
    ),
    // ORG consistency and reference lookups
    .init(rule: "REF-ORG-MATCH-01", kind: .referrals, failing: ["org_code": "RY3"]),
    .init(rule: "REF-ORG-KNOWN-01", kind: .referrals, failing: ["org_code": "ZZ9"]),
    .init(
        rule: "REF-LSOA-KNOWN-01",
        kind: .referrals,
        failing: ["lsoa_code": "E01999999"],
        passing: ["lsoa_code": "E01012392"]
    ),
    .init(rule: "REF-LSOA-FORMAT-01", kind: .referrals, failing: ["lsoa_code": "W01000001"]),
    // date windows
    .init(rule: "REF-RECEIVED-PERIOD-01", kind: .referrals, failing: ["referral_received_date": "2025-10-01"]),
    .init(
        rule: "REF-RECEIVED-FUTURE-01",
        kind: .referrals,
        failing: ["referral_received_date": "2025-11-23"],
        passing: ["referral_received_date": "2025-09-30"]
    ),
    .init(rule: "REF-RECEIVED-MIN-01", kind: .referrals, failing: ["referral_received_date": "1989-12-31"]),
    .init(rule: "CON-DATE-PERIOD-01", kind: .contacts, failing: ["contact_date": "2025-08-31"]),
    .init(rule: "WF-SNAPSHOT-PERIOD-01", kind: .workforce, failing: ["snapshot_date": "2025-10-01"]),
    // cross-field
    .init(
        rule: "REF-DATE-ORDER-01",
        kind: .referrals,
        failing: ["first_contact_date": "2025-08-19"],
        passing: ["first_contact_date": "2025-08-20"]
    ),
    .init(rule: "REF-DATE-ORDER-02", kind: .referrals, failing: ["discharge_date": "2025-09-01"]),
    .init(
        rule: "REF-SCORE-START-RANGE-01",
        kind: .referrals,
        failing: ["outcome_score_start": "21"],
        passing: ["outcome_tool": "psfs", "outcome_score_start": "10"]
    ),
    .init(
        rule: "WF-REG-AHP-01",
        kind: .workforce,
        failing: ["registered": "N"],
        passing: ["registered": "N", "profession": "rehab_support_worker"]
    ),
]

@Suite("Rules")
struct RuleTests {
    @Test("The valid base rows raise no finding at all", arguments: ExtractKind.allCases)
    func baseRowsAreClean(kind: ExtractKind) throws {
        let (result, failed, _) = try Fixtures.validate(kind, [Fixtures.base(kind)])
        #expect(failed.isEmpty)
        #expect(result.status == .accepted)
    }

    @Test("Each rule fails on a bad row and passes on a good one", arguments: ruleCases)
    func ruleFailsAndPasses(_ c: RuleCase) throws {
        let rule = try #require(Fixtures.catalogue.rule(id: c.rule), "rule \(c.rule) is not in the catalogue")
        let failing = Fixtures.base(c.kind).merging(c.failing) { $1 }
        let (result, failed, sink) = try Fixtures.validate(c.kind, [failing])
        #expect(failed.contains(c.rule))
        #expect(result.rows.read == 1)
        if rule.severity == .record {
            #expect(sink.quarantined.map(\.row) == [1])
            #expect(sink.quarantined.first?.reasons.contains(c.rule) == true)
        } else if rule.severity == .warning {
            #expect(sink.accepted == [1] || failed.contains { Fixtures.catalogue.rule(id: $0)!.severity != .warning })
        }
        let finding = try #require(try result.findings.all().first { $0.rule == c.rule })
        #expect(finding.row == 1)
        #expect(finding.line == 2)
        #expect(finding.column == rule.column || rule.column == nil)

        let passing = Fixtures.base(c.kind).merging(c.passing) { $1 }
        #expect(!(try Fixtures.validate(c.kind, [passing]).failed.contains(c.rule)))
    }

    @Test("Uniqueness flags the second and later rows only")
    func uniqueness() throws {
        let rows = [Fixtures.referral, Fixtures.referral.merging(["referral_id": "R2"]) { $1 }, Fixtures.referral]
        let (result, _, sink) = try Fixtures.validate(.referrals, rows)
        let findings = try result.findings.all().filter { $0.rule == "REF-ID-UNIQUE-01" }
        #expect(findings.map(\.row) == [3])
        #expect(sink.quarantined.map(\.row) == [3])
    }

    @Test("Duplicates are still found after the id table is sized from the first rows")
    func uniquenessAcrossTableSizing() throws {
        var rows = (0..<3000).map { Fixtures.referral.merging(["referral_id": "R\($0)"]) { $1 } }
        rows[2500]["referral_id"] = "R10"
        rows[2999]["referral_id"] = "R2000"
        let (result, _, sink) = try Fixtures.validate(.referrals, rows)
        #expect(try result.findings.all().filter { $0.rule == "REF-ID-UNIQUE-01" }.map(\.row) == [2501, 3000])
        #expect(sink.quarantined.map(\.row) == [2501, 3000])
    }

    @Test("The id table keeps every key through growth and sizing")
    func identifierTable() {
        var table = IdentifierTable(capacity: 4, storesValues: true)
        for i in 0..<5000 {
            if i == 1000 { table.reserve(20_000) }
            #expect(table.insert(UInt64(i) &* 0x9E37_79B9_7F4A_7C15, value: Int32(i)) == nil)
        }
        #expect(table.count == 5000)
        #expect(table.value(for: 4321 &* 0x9E37_79B9_7F4A_7C15) == 4321)
        #expect(table.insert(77 &* 0x9E37_79B9_7F4A_7C15, value: 0) == 77)
        #expect(table.value(for: 123_456_789) == nil)
    }

    @Test("A share threshold warns when too few rows are recorded")
    func shareRecorded() throws {
        let stated = (0..<9).map { Fixtures.referral.merging(["referral_id": "R\($0)"]) { $1 } }
        let notStated = (0..<2).map {
            Fixtures.referral.merging(["referral_id": "N\($0)", "ethnic_category": "Z"]) { $1 }
        }
        // 9 of 11 recorded is under 90%; 9 of 10 is not.
        #expect(try Fixtures.validate(.referrals, stated + notStated).failed.contains("REF-ETHNIC-SHARE-01"))
        #expect(
            !(try Fixtures.validate(.referrals, stated + notStated.prefix(1)).failed.contains("REF-ETHNIC-SHARE-01"))
        )
    }

    @Test("More than half the rows rejected rejects the file")
    func rejectedShare() throws {
        let bad = (0..<2).map { Fixtures.referral.merging(["referral_id": "B\($0)", "service_line": ""]) { $1 } }
        let good = (0..<1).map { Fixtures.referral.merging(["referral_id": "G\($0)"]) { $1 } }
        let (result, failed, _) = try Fixtures.validate(.referrals, bad + good)
        #expect(failed.contains("SUB-REJECTED-SHARE-01"))
        #expect(result.status == .rejected)
        #expect(result.rows.accepted == 0)
        #expect(result.rows.quarantined == 3)
        #expect(result.rows.passedRowChecks == 1)
        // Half is not more than half: loaded, but half its rows missing needs attention.
        let (half, _, _) = try Fixtures.validate(.referrals, bad.prefix(1) + good)
        #expect(half.status == .accepted_needs_attention)
    }

    @Test("Row accounting: read = accepted + quarantined", arguments: [0, 1, 5, 40])
    func rowAccounting(badRows: Int) throws {
        var rows = (0..<50).map { Fixtures.referral.merging(["referral_id": "R\($0)"]) { $1 } }
        for i in 0..<badRows { rows[i * (50 / max(badRows, 1))]["sex"] = i % 2 == 0 ? "Q" : "" }
        for i in 0..<badRows / 2 { rows[i]["service_line"] = "" }
        let (result, _, sink) = try Fixtures.validate(.referrals, rows)
        #expect(result.rows.read == 50)
        #expect(result.rows.read == result.rows.accepted + result.rows.quarantined)
        #expect(result.rows.quarantined == sink.quarantined.count)
        #expect(result.rows.accepted == sink.accepted.count)
        #expect(result.rows.quarantined == badRows / 2)
    }
}

@Suite("File-level rules")
struct FileRuleTests {
    @Test("A file name that breaks the pattern rejects the file, and the header still picks the contract")
    func badFileName() throws {
        let (result, failed, _) = try Fixtures.validate(.contacts, [Fixtures.contact], name: "contacts-september.csv")
        #expect(failed.contains("FILE-NAME-01"))
        #expect(result.status == .rejected)
        #expect(result.submission.kind == .contacts)
        #expect(result.rules.first { $0.rule.id == "CON-ORG-MATCH-01" }?.evaluated == false)
    }

    @Test(
        "A valid NHS number in any other column quarantines the row, however it is typed",
        arguments: [
            ("patient_id", "9434765919"), ("referral_id", "943 476 5919"), ("lsoa_code", "943-476-5919"),
            ("patient_id", "4010232137"),
        ]
    )
    func nhsNumberElsewhere(column: String, value: String) throws {
        let row = Fixtures.referral.merging([column: value]) { $1 }
        let (result, failed, sink) = try Fixtures.validate(.referrals, [row])
        #expect(failed.contains("ROW-NHS-ELSEWHERE-01"))
        #expect(result.rows.quarantined == 1 && sink.accepted.isEmpty)
        let finding = try #require(try result.findings.all().first { $0.rule == "ROW-NHS-ELSEWHERE-01" })
        #expect(finding.column == column)
    }

    @Test("Ten digits that are not a valid NHS number are not taken for one")
    func notAnNHSNumberElsewhere() throws {
        let row = Fixtures.referral.merging(["patient_id": "9434765918"]) { $1 }
        let (_, failed, _) = try Fixtures.validate(.referrals, [row])
        #expect(!failed.contains("ROW-NHS-ELSEWHERE-01"))
    }

    @Test("A badly named file is rejected with the name the trust meant")
    func fileNameSuggestion() throws {
        let (result, failed, _) = try Fixtures.validate(
            .referrals,
            [Fixtures.referral],
            name: "RY2_referral_2025-09.csv"
        )
        #expect(failed.contains("FILE-NAME-01"))
        #expect(result.submission.suggestedName == "RY2_referrals_2025-09.csv")
    }

    @Test("A rule's most frequent wrong values are counted; identifying values are withheld, NHS numbers pseudonymised")
    func offendingValues() throws {
        var rows: [[String: String]] = []
        for (i, sex) in ["Male", "Male", "F", "Male", "2"].enumerated() {
            rows.append(Fixtures.referral.merging(["referral_id": "R\(i)", "sex": sex]) { $1 })
        }
        // A patient id too long, and an NHS number with a wrong check digit.
        rows.append(
            Fixtures.referral.merging(["referral_id": "R9", "patient_id": String(repeating: "p", count: 80)]) { $1 }
        )
        rows.append(Fixtures.referral.merging(["referral_id": "R10", "nhs_number": "9434765918"]) { $1 })
        let (result, _, _) = try Fixtures.validate(.referrals, rows)
        let sex = try #require(result.rules.first { $0.rule.check == .code_list && $0.rule.column == "sex" })
        #expect(sex.topValues == [ValueCount(value: "Male", count: 3), ValueCount(value: "F", count: 1)])
        #expect(!sex.valuesWithheld)
        let patient = try #require(result.rules.first { $0.rule.column == "patient_id" && $0.failures > 0 })
        #expect(patient.topValues.isEmpty && patient.valuesWithheld)
        let nhs = try #require(result.rules.first { $0.rule.check == .nhs_number_check })
        #expect(nhs.failures == 1)
        #expect(nhs.topValues.count == 1 && nhs.topValues[0].value.hasPrefix("pseudonym "))
        #expect(!nhs.topValues[0].value.contains("9434765918"))
    }

    @Test("A value that failed a format, code list or range warning is loaded but kept out of every statistic")
    func outOfRangeValuesAreWithheld() throws {
        let rows = [
            Fixtures.referral,
            // A Barthel score of 25 (the tool runs 0-20): a warning, the row loads, the score must not be averaged.
            Fixtures.referral.merging(["referral_id": "R2", "outcome_score_end": "25"]) { $1 },
            // An age of 130 and an unknown sex code: both kept out, the rest of the row kept.
            Fixtures.referral.merging(["referral_id": "R3", "age_at_referral": "130", "sex": "7"]) { $1 },
        ]
        let (result, failed, sink) = try Fixtures.validate(.referrals, rows)
        #expect(failed.isSuperset(of: ["REF-SCORE-END-RANGE-01", "REF-AGE-RANGE-01", "REF-SEX-CODE-01"]))
        #expect(result.rows.quarantined == 0 && sink.accepted == [1, 2, 3])
        let columns = Fixtures.contracts[.referrals].columns.map(\.name)
        func withheld(_ record: Int) -> Set<String> {
            let mask = sink.withheld[record] ?? .none
            return Set(columns.indices.filter { mask.contains($0) }.map { columns[$0] })
        }
        #expect(withheld(1).isEmpty)
        #expect(withheld(2) == ["outcome_score_end"])
        #expect(withheld(3) == ["age_at_referral", "sex"])
    }

    @Test("A period that has not started is rejected")
    func futurePeriod() throws {
        let row = Fixtures.referral.merging(["referral_received_date": "2025-08-20"]) { $1 }
        let (result, failed, _) = try Fixtures.validate(.referrals, [row], name: "RY2_referrals_2026-01.csv")
        #expect(failed.contains("FILE-PERIOD-01"))
        #expect(result.status == .rejected)
    }

    @Test("A header with a missing, an unknown and a repeated column is rejected, naming each")
    func header() throws {
        let text =
            "org_code,contact_id,contact_id,referral_id,contact_date,attendance,duration_minutes,profession,mode,colour\n"
            + "RY2,C1,C1,R1,2025-09-02,attended,45,physiotherapist,face_to_face,red\n"
        let path = try Fixtures.write(text, name: "RY2_contacts_2025-09.csv")
        var sink = Fixtures.RecordingSink()
        let (result, _) = try SubmissionValidator(context: Fixtures.context).validate(path: path, sink: &sink)
        #expect(result.status == .rejected)
        let columns = try result.findings.all().filter { $0.rule == "FILE-HEADER-01" }.compactMap(\.column)
        #expect(
            Set(columns) == ["setting", "contact_id (repeated)", "column 10 of the header (not a known column)"]
        )
        #expect(result.rows.read == 1)
        #expect(result.rows.quarantined == 1)
        // Decided before the rows: none of them reaches a sink (the load's COPY).
        #expect(sink.accepted.isEmpty && sink.quarantined.isEmpty)
    }

    @Test(
        "A header that is not the contract's is rejected before any row reaches the sink, and its text is never shown",
        arguments: [
            // No header at all: the first row is patient data.
            "R1,9434765919,,2025-09-01,E01000001,42,F,A,self,msk,,,,,,",
            // Semicolons instead of commas.
            "referral_id;nhs_number;patient_id;referral_received_date",
            // Upper case.
            "REFERRAL_ID,NHS_NUMBER,PATIENT_ID,REFERRAL_RECEIVED_DATE",
        ]
    )
    func headerNeverLeaks(header: String) throws {
        let text = header + "\nR2,9434765870,P2,2025-09-02\n"
        let path = try Fixtures.write(text, name: "RY2_referrals_2025-09.csv")
        var sink = Fixtures.RecordingSink()
        let (result, _) = try SubmissionValidator(context: Fixtures.context).validate(path: path, sink: &sink)
        #expect(result.status == .rejected)
        #expect(result.rows.read == 1 && result.rows.quarantined == 1 && result.rows.accepted == 0)
        #expect(sink.accepted.isEmpty && sink.quarantined.isEmpty)
        let shown = (sink.layout?.header ?? []) + (try result.findings.all().compactMap(\.column))
        for value in ["9434765919", "E01000001", "REFERRAL_ID", "referral_id;nhs_number"] {
            #expect(!shown.contains { $0.contains(value) }, "\(value) is shown")
        }
        #expect(shown.contains("column 1 of the header (not a known column)"))
    }

    @Test("An empty file is rejected for its missing header")
    func emptyFile() throws {
        let path = try Fixtures.write("", name: "RY2_workforce_2025-09.csv")
        var sink = Fixtures.RecordingSink()
        let (result, _) = try SubmissionValidator(context: Fixtures.context).validate(path: path, sink: &sink)
        #expect(result.status == .rejected)
        #expect(Set(result.rules.filter { $0.failures > 0 }.map(\.rule.id)) == ["FILE-HEADER-01", "FILE-EMPTY-01"])
    }

    @Test("Structural row problems: ragged, NUL, stray quote, blank line, unterminated quote, bad encoding")
    func structure() throws {
        let header = Fixtures.csv(.workforce, []).trimmingCharacters(in: .newlines)
        let good = "RY2,2025-09-30,S1,filled,physiotherapist,Y,6,1.0,msk,clinic"
        var bytes = Array(
            "\(header)\n\(good)\nRY2,2025-09-30,S2,filled\n\nRY2,2025-09-30,S\"3,filled,physiotherapist,Y,6,1.0,msk,clinic\n"
                .utf8
        )
        bytes += Array("RY2,2025-09-30,S4,filled,physiotherapist,Y,6,1.0,msk,".utf8) + [0] + [0x0A]
        bytes += Array("RY2,2025-09-30,S5,filled,physiotherapist,Y,6,1.0,msk,clinic\n".utf8)
        bytes += Array("RY2,2025-09-30,S6,filled,physiotherapist,Y,6,1.0,msk,caf".utf8) + [0xE9, 0x0A]
        bytes += Array("RY2,2025-09-30,\"S7".utf8)
        let path = try Fixtures.write(bytes, name: "RY2_workforce_2025-09.csv")
        var sink = Fixtures.RecordingSink()
        let (result, _) = try SubmissionValidator(context: Fixtures.context).validate(path: path, sink: &sink)
        let byRule = Dictionary(grouping: try result.findings.all(), by: \.rule)
        #expect(byRule["ROW-RAGGED-01"]?.map(\.row) == [2])
        #expect(byRule["ROW-BLANK-01"]?.map(\.line) == [4])
        #expect(byRule["ROW-QUOTE-01"]?.map(\.row) == [3])
        #expect(byRule["ROW-NUL-01"]?.map(\.row) == [4])
        #expect(byRule["FILE-ENCODING-01"]?.map(\.line) == [8])
        #expect(byRule["FILE-QUOTE-01"]?.map(\.line) == [9])
        #expect(result.status == .rejected)
        #expect(result.rows.read == 6)
        #expect(sink.accepted == [1, 5])
    }
}

@Suite("Unreadable and oversized input")
struct DamagedInputTests {
    @Test("A damaged workbook is a rejected submission with a finding, not a failed run")
    func damagedWorkbook() throws {
        let path = try Fixtures.write(Array("this is not a zip archive".utf8), name: "RY2_referrals_2025-09.xlsx")
        var sink = Fixtures.RecordingSink()
        let (result, _) = try SubmissionValidator(context: Fixtures.context).validate(path: path, sink: &sink)
        #expect(result.status == .rejected)
        #expect(result.rules.filter { $0.failures > 0 }.map(\.rule.id) == ["FILE-UNREADABLE-01"])
        #expect(result.submission.sha256.count == 64)
        #expect(result.submission.bytes == 25)
    }

    @Test("A row past the size limit is quarantined, never loaded cut short")
    func oversizedRow() throws {
        var row = Fixtures.referral
        row["referral_id"] = String(repeating: "x", count: 1_100_000)
        let (result, failed, sink) = try Fixtures.validate(.referrals, [Fixtures.referral, row])
        #expect(failed.contains("ROW-OVERSIZED-01"))
        #expect(sink.quarantined.map(\.row) == [2])
        #expect(result.rows.accepted == 1)
    }
}

@Suite("Cross-file rules")
struct CrossFileTests {
    @Test("Contacts are checked against the referrals validated with them")
    func contactsAgainstReferrals() throws {
        let referralsPath = try Fixtures.write(
            Fixtures.csv(.referrals, [Fixtures.referral]),
            name: "RY2_referrals_2025-09.csv"
        )
        var sink = DiscardingRowSink()
        let validator = SubmissionValidator(context: Fixtures.context)
        let (_, index) = try validator.validate(path: referralsPath, collectReferrals: true, sink: &sink)
        let referrals = try #require(index)
        #expect(referrals.count == 1)

        let contacts = [
            Fixtures.contact,
            Fixtures.contact.merging(["contact_id": "C2", "referral_id": "NOPE"]) { $1 },
            Fixtures.contact.merging(["contact_id": "C3", "contact_date": "2025-09-01"]) { $1 },
        ]
        let (withIndex, failed, sink2) = try Fixtures.validate(.contacts, contacts, referrals: referrals)
        #expect(failed == ["CON-REF-EXISTS-01"])
        #expect(sink2.quarantined.map(\.row) == [2])
        #expect(withIndex.rules.first { $0.rule.id == "CON-REF-ORDER-01" }?.evaluated == true)

        let early = Fixtures.referral.merging([
            "referral_received_date": "2025-09-10", "first_contact_date": "2025-09-10",
        ]) { $1 }
        let path2 = try Fixtures.write(Fixtures.csv(.referrals, [early]), name: "RY2_referrals_2025-09.csv")
        let (_, index2) = try validator.validate(path: path2, collectReferrals: true, sink: &sink)
        let (_, failed2, sink3) = try Fixtures.validate(.contacts, [Fixtures.contact], referrals: index2)
        #expect(failed2.contains("CON-REF-ORDER-01"))
        #expect(!failed2.contains("CON-REF-EXISTS-01"))
        #expect(sink3.quarantined.first?.reasons == ["CON-REF-ORDER-01"])
    }

    @Test("Without the referrals file the cross-file rules are reported as not evaluated")
    func notEvaluatedAlone() throws {
        let (result, failed, _) = try Fixtures.validate(
            .contacts,
            [Fixtures.contact.merging(["referral_id": "NOPE"]) { $1 }]
        )
        #expect(failed.isEmpty)
        #expect(
            result.rules.filter { !$0.evaluated }.map(\.rule.id).sorted() == ["CON-REF-EXISTS-01", "CON-REF-ORDER-01"]
        )
    }
}

@Suite("NHS numbers inside text")
struct EmbeddedNHSNumberTests {
    /// What `NHSNumber.forEachWritten` finds in a value: each number's ten digits, and whether its check digit is
    /// valid. 9434765919 and 4010232137 are valid; 9434765918 is not.
    @Test(
        "Numbers written like NHS numbers are found wherever they stand, in any decimal digits",
        arguments: [
            ("NHS:9434765919", ["9434765919"], true),
            ("pt 943 476 5919", ["9434765919"], true),
            ("(9434765919)", ["9434765919"], true),
            ("943-476-5919 and 4010232137", ["9434765919", "4010232137"], true),
            ("\u{FF19}\u{FF14}\u{FF13}\u{FF14}\u{FF17}\u{FF16}\u{FF15}\u{FF19}\u{FF11}\u{FF19}", ["9434765919"], true),
            ("\u{0669}\u{0664}\u{0663}\u{0664}\u{0667}\u{0666}\u{0665}\u{0669}\u{0661}\u{0669}", ["9434765919"], true),
            ("943\u{00A0}476\u{2013}5919", ["9434765919"], true),
            ("ref 9434765918", ["9434765918"], false),
            ("19434765919", [], false),
            ("943  476 5919", [], false),
            ("1943 476 5919", [], false),
            ("2025-09-01 10:30:00", [], false),
            ("94347659", [], false),
        ] as [(String, [String], Bool)]
    )
    func found(_ text: String, _ expected: [String], _ valid: Bool) {
        let utf8 = Array(text.utf8)
        var found: [String] = []
        NHSNumber.forEachWritten(in: utf8.span) { _, digits in
            found.append(String(decoding: digits))
        }
        #expect(NHSNumber.containsValid(utf8.span) == valid)
        #expect(found == expected)
    }

    @Test("Masking replaces only the number, keeping the text around it")
    func masked() {
        let text = Array("pt 943 476 5919, seen".utf8)
        var out: [UInt8] = []
        NHSNumber.appendMasked(text.span, to: &out) { digits, out in
            out += Array("<".utf8)
            out.append(copying: digits)
            out += Array(">".utf8)
        }
        #expect(String(decoding: out, as: UTF8.self) == "pt <9434765919>, seen")
    }
}

import Foundation
import RehabCore
import RehabDatabase
import RehabIngest
import RehabPipeline
import RehabTestSupport
import RehabValidate
import Testing

@testable import RehabLoad

/// The binary COPY encoders, by known answers and against the server's own reading of the same values as text.
@Suite("CopyBinary")
struct CopyBinaryTests {
    /// A numeric's binary form: ndigits, weight, sign, dscale, then base-10000 digits.
    static func numeric(_ text: String) -> [Int]? {
        var buffer = CopyBuffer()
        let bytes = Array(text.utf8)
        guard CopyBinary.appendNumeric(bytes.span, to: &buffer) else { return nil }
        #expect(buffer.count > 0)
        let out = buffer.bytes
        let words = stride(from: 4, to: out.count, by: 2).map {
            Int(Int16(bitPattern: UInt16(out[$0]) << 8 | UInt16(out[$0 + 1])))
        }
        #expect(out.prefix(4) == [0, 0, 0, UInt8(out.count - 4)], "length word of \(text)")
        return words
    }

    @Test("numeric: known answers")
    func numericKnownAnswers() {
        let negative = 0x4000
        #expect(Self.numeric("0") == [0, 0, 0, 0])
        #expect(Self.numeric("5.7") == [2, 0, 0, 1, 5, 7000])
        #expect(Self.numeric("-12.340") == [2, 0, negative, 3, 12, 3400])
        #expect(Self.numeric("10000") == [1, 1, 0, 0, 1])
        #expect(Self.numeric("0.0001") == [1, -1, 0, 4, 1])
        #expect(Self.numeric("0.00001") == [1, -2, 0, 5, 1000])
        #expect(Self.numeric("123456789.123456789") == [6, 2, 0, 9, 1, 2345, 6789, 1234, 5678, 9000])
        #expect(Self.numeric("-0.000") == [0, 0, 0, 3])
        #expect(Self.numeric("+007") == [1, 0, 0, 0, 7])
        #expect(Self.numeric("5.") == [1, 0, 0, 0, 5])
        #expect(Self.numeric(".5") == [1, -1, 0, 1, 5000])
        #expect(Self.numeric("100000000.0001") == [4, 2, 0, 4, 1, 0, 0, 1])
        for bad in ["", "-", "+", ".", "-.", "1.2.3", "1e5", "1,5", " 1", "1 ", "0x10", "NaN", "Infinity"] {
            #expect(Self.numeric(bad) == nil, "\(bad)")
        }
    }

    @Test("date, integers and text: known answers")
    func scalarKnownAnswers() {
        func date(_ iso: String) -> [UInt8] {
            var out = CopyBuffer()
            CopyBinary.appendDate(Day(iso: iso)!, to: &out)
            return out.bytes
        }
        #expect(date("2000-01-01") == [0, 0, 0, 4, 0, 0, 0, 0])
        #expect(date("1999-12-31") == [0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(date("2025-09-01") == [0, 0, 0, 4, 0, 0, 0x24, 0x9F])  // 9375 days
        func integer(_ value: Int, _ encoding: CopyBinary.Encoding) -> [UInt8]? {
            var out = CopyBuffer()
            return CopyBinary.appendInteger(value, as: encoding, to: &out) ? out.bytes : nil
        }
        #expect(integer(-2, .int2) == [0, 0, 0, 2, 0xFF, 0xFE])
        #expect(integer(32_767, .int2) == [0, 0, 0, 2, 0x7F, 0xFF])
        #expect(integer(32_768, .int2) == nil)
        #expect(integer(-32_769, .int2) == nil)
        #expect(integer(2_147_483_648, .int4) == nil)
        #expect(integer(258, .int4) == [0, 0, 0, 4, 0, 0, 1, 2])
        #expect(integer(-1, .int8) == [0, 0, 0, 8] + Array(repeating: 0xFF, count: 8))
        var text = CopyBuffer()
        let withNUL: [UInt8] = [UInt8(ascii: "a"), 0, UInt8(ascii: "\t")]
        CopyBinary.appendText(withNUL.span, to: &text)
        #expect(text.bytes == [0, 0, 0, 2, UInt8(ascii: "a"), UInt8(ascii: "\t")])
        // The buffer grows past its first capacity and keeps what it had.
        var long = CopyBuffer(capacity: 16)
        for i in 0..<1000 { long.append32(UInt32(i)) }
        #expect(long.count == 4000)
        #expect(long.bytes.suffix(4) == [0, 0, 0x03, 0xE7])
        #expect(long.bytes.prefix(8) == [0, 0, 0, 0, 0, 0, 0, 1])
        #expect(CopyBinary.header.count == 19)
        // PostgreSQL has no year 0: such a date loads as NULL, where COPY text would have failed the load.
        let beforeFirst = Array("0000-01-01".utf8)
        let first = Array("0001-01-01".utf8)
        #expect(LoadValue.day(beforeFirst.span) == nil)
        #expect(LoadValue.day(first.span) == LoadValue.firstDay)
    }

    static let numerics = [
        "0", "5.7", "-12.340", "10000", "0.0001", "123456789.123456789", "-0", "-0.000", "5.", ".5", "+.5", "+007",
        "00012.3400", "99999999999999999", "0.00001", "1000000", "100000000", "-99999.99990", "1.0000000001", "0.10",
        "9999", "10000.0001", "12345678901234567890.123", "-0.00000000000000000001", "7", "-7.25",
    ]
    static let dates = [
        "2000-01-01", "1999-12-31", "2025-09-01", "0001-01-01", "9999-12-31", "1900-02-28", "2024-02-29",
    ]
    static let integers = [0, 1, -1, 120, 32_767, -32_768, 2_147_483_647, -2_147_483_648, 9_007_199_254_740_993]
    static let texts = [
        "plain", "tab\there", "new\nline", "back\\slash", "\\N", "carriage\rreturn", "café ✓", "'\"", " ",
    ]

    @Test(
        "Values sent in binary read back as the server reads the same values in text",
        .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh")
    )
    func roundTrip() throws {
        let db = try TestDatabase()
        let c = try db.connect()
        try c.query(
            "CREATE TABLE rt (id integer, n numeric, d date, s smallint, i integer, b bigint, t text, v varchar(20))"
        )
        var rows: [[UInt8]] = []
        /// One row: the id, then one value in the column at `position` (1 = n … 7 = v), NULL elsewhere.
        func row(_ position: Int, _ value: (inout CopyBuffer) -> Void) {
            var out = CopyBuffer()
            CopyBinary.appendFieldCount(8, to: &out)
            #expect(CopyBinary.appendInteger(rows.count, as: .int4, to: &out))
            for p in 1...7 {
                if p == position { value(&out) } else { CopyBinary.appendNull(to: &out) }
            }
            rows.append(out.bytes)
        }
        for n in Self.numerics {
            row(1) { out in
                let bytes = Array(n.utf8)
                #expect(CopyBinary.appendNumeric(bytes.span, to: &out))
            }
        }
        for d in Self.dates { row(2) { CopyBinary.appendDate(Day(iso: d)!, to: &$0) } }
        for (position, encoding) in [(3, CopyBinary.Encoding.int2), (4, .int4), (5, .int8)] {
            for i in Self.integers {
                row(position) { CopyBinary.appendInteger(orNull: i, as: encoding, to: &$0) }
            }
        }
        for t in Self.texts + ["nul\0byte"] {
            for position in [6, 7] {
                row(position) { out in
                    let bytes = Array(t.utf8)
                    CopyBinary.appendText(bytes.span, to: &out)
                }
            }
        }
        let copied = try c.copy("COPY rt FROM STDIN WITH (FORMAT binary)") { stream in
            try stream.write(CopyBinary.header)
            for row in rows { try stream.write(row) }
            try stream.write(CopyBinary.trailer)
        }
        #expect(copied == rows.count)

        var id = 0
        func same(_ column: String, _ type: String, _ text: String?) throws {
            let check = try c.query(
                "SELECT \(column)::text IS NOT DISTINCT FROM $2::\(type)::text, \(column)::text FROM rt WHERE id = $1",
                [String(id), text]
            )
            #expect(
                check.rows.first?[0] == "t",
                "\(column) \(text ?? "NULL") read back as \(check.rows.first?[1] ?? "?")"
            )
            id += 1
        }
        for n in Self.numerics { try same("n", "numeric", n) }
        for d in Self.dates { try same("d", "date", d) }
        for (column, type, range) in [
            ("s", "smallint", -32_768...32_767), ("i", "integer", -2_147_483_648...2_147_483_647),
        ] {
            // Out of range loads as NULL.
            for i in Self.integers { try same(column, type, range.contains(i) ? String(i) : nil) }
        }
        for i in Self.integers { try same("b", "bigint", String(i)) }
        for t in Self.texts + ["nulbyte"] {
            try same("t", "text", t)
            try same("v", "varchar(20)", t)
        }
    }

    @Test(
        "A load table column of a type the loader cannot write is refused, by name, and nothing loads",
        .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh")
    )
    func unknownColumnType() throws {
        let contracts = try ContractSet(directory: TestFixtures.layout.contractsDirectory)
        let catalogue = try RuleCatalogue(directory: TestFixtures.layout.rulesDirectory, contracts: contracts)
        // The warnings whose failing value is loaded as NULL, kept out of statistics, by column.
        let withholding = Dictionary(
            grouping: catalogue.rules.filter {
                $0.severity == .warning && [.format, .code_list, .range, .score_range].contains($0.check)
            },
            by: { $0.column ?? "" }
        )
        let db = try TestFixtures.database()
        let c = try db.connect()
        let table = try #require(
            try c.query("SELECT core.create_load_table('referrals', '2025-09-01', 'R1D', 998)").scalar
        )
        let columns = try LoadColumns.resolve(contracts[.referrals], table: table, connection: c)
        #expect(columns.names.count == columns.encodings.count)
        #expect(columns.encodings.prefix(2) == [.date, .int8])
        #expect(columns.encodings[columns.names.firstIndex(of: "lsoa_vintage")!] == .int2)
        #expect(columns.encodings[columns.names.firstIndex(of: "outcome_score_start")!] == .numeric)
        // patient_key as text is the shape before migration 0010: only its 32 bytes, in bytea, are written.
        let changes = [
            ("wait_days", "real"), ("referral_received_date", "timestamp"), ("sex", "integer"), ("patient_key", "text"),
        ]
        for (column, type) in changes {
            try c.query("ALTER TABLE \(table) ALTER COLUMN \(column) TYPE \(type) USING NULL")
            let error = try #require(throws: DatabaseError.self, "\(column)") {
                try LoadColumns.resolve(contracts[.referrals], table: table, connection: c)
            }
            #expect(error.object == column)
            #expect(error.hint?.contains("rehabcount db migrate") == true)
            try c.query("DROP TABLE \(table)")
            try c.query("SELECT core.create_load_table('referrals', '2025-09-01', 'R1D', 998)")
        }

        // Through the whole load: the file is not loaded, and the error names the column.
        try c.query("ALTER TABLE core.referrals ALTER COLUMN wait_days TYPE real")
        let loaded = try TestFixtures.load(TestFixtures.inbox.filter { $0.contains("R1D_referrals") }, into: db)
        #expect(loaded[0].failure?.contains("wait_days") == true, "\(loaded[0].failure ?? "loaded")")
        #expect(try c.query("SELECT count(*) FROM core.referrals").scalar == "0")
        #expect(try c.query("SELECT count(*) FROM audit.submissions").scalar == "0")
    }

    /// A PostgreSQL array literal of any text values.
    static func array(_ values: [String?]) -> String {
        "{"
            + values.map { value in
                guard let value else { return "NULL" }
                return "\""
                    + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    + "\""
            }.joined(separator: ",") + "}"
    }

    @Test(
        "Every loaded value is what COPY text made of the same row: the LoadValue text, read by the server",
        .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh")
    )
    func loadedValuesMatchText() throws {
        let db = try TestFixtures.database()
        let loaded = try TestFixtures.load(TestFixtures.inbox, into: db)
        #expect(loaded.allSatisfy { $0.outcome?.action == .loaded })
        let contracts = try ContractSet(directory: TestFixtures.layout.contractsDirectory)
        let catalogue = try RuleCatalogue(directory: TestFixtures.layout.rulesDirectory, contracts: contracts)
        // The warnings whose failing value is loaded as NULL, kept out of statistics, by column.
        let withholding = Dictionary(
            grouping: catalogue.rules.filter {
                $0.severity == .warning && [.format, .code_list, .range, .score_range].contains($0.check)
            },
            by: { $0.column ?? "" }
        )
        let pseudonymiser = try #require(try Pseudonymiser.configured(keyFile: TestFixtures.keyFile))
        let c = try db.connect()
        var compared = 0
        for path in TestFixtures.inbox {
            let name = try #require(SubmissionName(fileName: URL(fileURLWithPath: path).lastPathComponent))
            let contract = contracts[name.kind]
            // The fields as the validator saw them, of the rows that could have loaded.
            var header: [String] = []
            var all: [(record: Int, fields: [[UInt8]])] = []
            _ = try CSVReader(path: path).read(
                onBlankLine: { _ in },
                onRow: { row in
                    if row.recordNumber == 0 {
                        header = row.strings
                    } else if row.issues.isEmpty, row.count == header.count {
                        var fields: [[UInt8]] = []
                        for i in 0..<row.count {
                            var field: [UInt8] = []
                            field.append(copying: row[i])
                            fields.append(field)
                        }
                        all.append((row.recordNumber, fields))
                    }
                }
            )
            let key = try #require(header.firstIndex(of: contract.key))
            // Rows whose key repeats are left out: one of them is quarantined, and the join could not tell which.
            var seen: [[UInt8]: Int] = [:]
            for row in all { seen[row.fields[key], default: 0] += 1 }
            let kept = all.filter { seen[$0.fields[key]] == 1 }
            let rows = kept.map(\.fields)
            let ids = Self.array(rows.map { String(decoding: $0[key], as: UTF8.self) })
            let matched = try c.query(
                "SELECT count(*) FROM core.\(name.kind.rawValue) WHERE org_code = $1 AND \(contract.key) = ANY($2::text[])",
                [name.orgCode, ids]
            ).scalar
            #expect(matched != "0", "\(path)")
            for column in contract.columns {
                let field = try #require(header.firstIndex(of: column.name))
                // The rows whose value in this column failed a withholding warning: NULL in core.
                let rules = (withholding[column.name] ?? []).map(\.id)
                let withheld = Set(
                    try c.query(
                        """
                        SELECT unnest(r.row_numbers) FROM audit.rule_results r
                        JOIN audit.submissions s USING (submission_id)
                        WHERE s.file_name = $1 AND s.is_current AND r.rule_id = ANY($2::text[])
                        """,
                        [URL(fileURLWithPath: path).lastPathComponent, Self.array(rules)]
                    ).rows.compactMap { $0[0].flatMap { Int($0) } }
                )
                let expected: [String?] = zip(kept, rows).map { original, row in
                    if withheld.contains(original.record) { return nil }
                    let value = row[field]
                    if column.type == .nhs_number {
                        return value.allSatisfy({ $0 == 32 || $0 == 9 }) ? nil : pseudonymiser.pseudonym(of: value.span)
                    }
                    switch LoadValue.of(value.span, type: column.type) {
                    case .null: return nil
                    case .asIs: return String(decoding: value.filter { $0 != 0 }, as: UTF8.self)
                    case .replaced(let new): return String(decoding: new, as: UTF8.self)
                    }
                }
                let target = column.type == .nhs_number ? "patient_key" : column.name
                let type = try #require(
                    try c.query(
                        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2",
                        ["core.\(name.kind.rawValue)", target]
                    ).scalar
                )
                // The patient key is stored as the MAC's bytes; its hex is the pseudonym's text.
                let actual = column.type == .nhs_number ? "encode(r.\(target), 'hex')" : "r.\(target)::text"
                let wanted = column.type == .nhs_number ? "f.v" : "f.v::\(type)::text"
                let result = try c.query(
                    """
                    SELECT count(*), count(*) FILTER (WHERE \(actual) IS DISTINCT FROM \(wanted))
                    FROM unnest($2::text[], $3::text[]) AS f(id, v)
                    JOIN core.\(name.kind.rawValue) r ON r.\(contract.key) = f.id AND r.org_code = $1
                    """,
                    [name.orgCode, ids, Self.array(expected)]
                ).rows[0]
                #expect(result[0] == matched, "\(path) \(target)")
                #expect(result[1] == "0", "\(path) \(target): \(result[1] ?? "?") values differ from COPY text's")
                compared += Int(result[0] ?? "0") ?? 0
            }
        }
        #expect(compared > 10_000)
    }
}

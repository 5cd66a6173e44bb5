import RehabDatabase

/// LSOA → vintage, ICB of residence and IMD decile, read once per run from `reference.lsoa_lookup`, so that the
/// derived columns of every referral come from the reference data in the database, by the same vintage rule.
public struct ResidenceLookup: Sendable {
    struct Residence: Sendable {
        let vintage: [UInt8]
        let icb: [UInt8]
        let decile: [UInt8]
    }

    /// Keyed by the six digits after `E01`.
    private let byNumber: [Int: Residence]

    /// How many LSOAs it knows.
    public var count: Int { byNumber.count }

    /// Reads the lookup.
    ///
    /// - Throws: `DatabaseError`, for example when the schema is not migrated.
    public init(connection: borrowing Connection) throws {
        var map: [Int: Residence] = [:]
        let rows = try connection.query(
            "SELECT lsoa_code, lsoa_vintage, icb_ods, imd_decile FROM reference.lsoa_lookup"
        )
        .rows
        map.reserveCapacity(rows.count)
        for row in rows {
            guard let code = row[0], code.hasPrefix("E01"), let number = Int(code.dropFirst(3)) else { continue }
            map[number] = Residence(
                vintage: Array((row[1] ?? "").utf8),
                icb: Array((row[2] ?? "").utf8),
                decile: Array((row[3] ?? "").utf8)
            )
        }
        byNumber = map
    }

    /// The residence of an LSOA code, or nil when the code is malformed or unknown.
    func residence(of code: UnsafeBufferPointer<UInt8>) -> Residence? {
        guard code.count == 9, code[0] == UInt8(ascii: "E"), code[1] == UInt8(ascii: "0"), code[2] == UInt8(ascii: "1")
        else { return nil }
        var number = 0
        for i in 3..<9 {
            let d = code[i] &- 48
            guard d < 10 else { return nil }
            number = number * 10 + Int(d)
        }
        return byNumber[number]
    }
}

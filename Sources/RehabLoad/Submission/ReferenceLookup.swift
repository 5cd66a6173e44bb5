import RehabDatabase

/// The reference data the loader derives columns from, read once per run from the database, so that every row's
/// derived values come from the same reference tables the analysts see:
/// - LSOA → vintage, ICB of residence, IMD decile and quintile, from `reference.lsoa_lookup`;
/// - the European Standard Population 2013 age bands, from `reference.esp2013`.
public struct ReferenceLookup: Sendable {
    struct Residence: Sendable {
        let vintage: [UInt8]
        let icb: [UInt8]
        let decile: [UInt8]
        let quintile: [UInt8]
    }

    /// Every LSOA's residence.
    let residences: [Residence]
    /// For each LSOA number, the six digits after `E01`, its index in `residences`; -1 when unknown. A flat table
    /// (4 MB) rather than a dictionary: the load looks up every row's LSOA.
    private let residenceIndex: [Int32]
    /// Band labels from youngest (0-4) to oldest (90+): band i holds ages 5i to 5i+4, the last one the rest.
    let ageBands: [[UInt8]]

    /// How many LSOAs it knows.
    public var count: Int { residences.count }

    /// Reads the lookups.
    ///
    /// - Throws: `DatabaseError`, for example when the schema is not migrated or the reference data not loaded.
    public init(connection: borrowing Connection) throws {
        var residences: [Residence] = []
        var index = [Int32](repeating: -1, count: 1_000_000)
        let rows = try connection.query(
            "SELECT lsoa_code, lsoa_vintage, icb_ods, imd_decile, imd_quintile FROM reference.lsoa_lookup"
        )
        .rows
        residences.reserveCapacity(rows.count)
        for row in rows {
            guard let code = row[0], code.utf8.count == 9, code.hasPrefix("E01"), let number = Int(code.dropFirst(3)),
                number >= 0
            else { continue }
            index[number] = Int32(residences.count)
            residences.append(
                Residence(
                    vintage: Array((row[1] ?? "").utf8),
                    icb: Array((row[2] ?? "").utf8),
                    decile: Array((row[3] ?? "").utf8),
                    quintile: Array((row[4] ?? "").utf8)
                )
            )
        }
        self.residences = residences
        residenceIndex = index
        ageBands = try connection.query("SELECT age_band FROM reference.esp2013 ORDER BY band_order").rows.map {
            Array(($0[0] ?? "").utf8)
        }
        guard ageBands.count == 19 else {
            throw DatabaseError(
                kind: .server,
                summary: "reference.esp2013 has \(ageBands.count) age bands; expected the 19 of ESP 2013",
                hint: "Load the reference data first: rehabcount db load-reference."
            )
        }
    }

    /// The index in `residences` of an LSOA code's residence, or nil when the code is malformed or unknown.
    @inline(__always)
    func residenceIndex(of code: Span<UInt8>) -> Int? {
        guard code.count == 9, code[0] == UInt8(ascii: "E"), code[1] == UInt8(ascii: "0"), code[2] == UInt8(ascii: "1")
        else { return nil }
        var number = 0
        for i in 3..<9 {
            let d = code[i] &- 48
            guard d < 10 else { return nil }
            number = number * 10 + Int(d)
        }
        let index = residenceIndex[number]
        return index < 0 ? nil : Int(index)
    }

    /// The residence of an LSOA code, or nil when the code is malformed or unknown.
    func residence(of code: Span<UInt8>) -> Residence? {
        residenceIndex(of: code).map { residences[$0] }
    }

    /// The index in `ageBands` of an age's ESP 2013 band, or nil outside 0-120 (as `reference.esp_band()` in
    /// core's rule).
    @inline(__always)
    func ageBandIndex(of age: Int) -> Int? {
        (0...120).contains(age) ? min(age / 5, 18) : nil
    }

    /// The ESP 2013 band label of an age, or nil outside 0-120.
    func ageBand(of age: Int) -> [UInt8]? {
        ageBandIndex(of: age).map { ageBands[$0] }
    }
}

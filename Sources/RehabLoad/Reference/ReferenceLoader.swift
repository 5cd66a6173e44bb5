import Logging
import RehabCore
import RehabDatabase
import RehabIngest

/// Loads the reference data (`sample-data/reference/`) into the `reference` schema.
///
/// Idempotent: each run replaces every reference table's contents in one transaction, so the tables always
/// match the files, and a run that fails leaves the previous contents in place.
public enum ReferenceLoader {
    /// The advisory lock that serialises reference loads.
    public static let lockKey: Int64 = 0x5245_4841_4252_4546  // "REHABREF"

    /// One table and how to fill it from a CSV file.
    struct Table {
        let table: String
        let file: String
        let columns: [String]
        /// Turns one CSV row (as strings, by header name) into zero or more table rows.
        let rows: (_ value: (String) -> String) -> [[String?]]
    }

    static let ageBands = [
        "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59",
        "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
    ]

    static func tables() -> [Table] {
        func date(_ yyyymmdd: String) -> String? {
            guard yyyymmdd.count == 8 else { return nil }
            let s = Array(yyyymmdd)
            return "\(String(s[0..<4]))-\(String(s[4..<6]))-\(String(s[6..<8]))"
        }
        func nonEmpty(_ s: String) -> String? { s.isEmpty ? nil : s }
        return [
            Table(table: "reference.esp2013", file: "esp2013.csv", columns: ["age_band", "standard_population"]) { v in
                [[v("age_band"), v("standard_population")]]
            },
            Table(table: "reference.icb", file: "icb2024.csv", columns: ["icb_ods", "icb_code", "icb_name", "vintage"])
            { v in
                [[v("icb_ods"), v("icb_code"), v("icb_name"), "2024"]]
            },
            Table(
                table: "reference.lsoa11",
                file: "lsoa11_sicbl22_icb22.csv",
                columns: [
                    "lsoa11_code", "lsoa11_name", "sicbl22_code", "sicbl22_ods", "icb22_code", "icb22_ods",
                    "ltla22_code", "ltla22_name",
                ]
            ) { v in
                [
                    [
                        "lsoa11_code", "lsoa11_name", "sicbl22_code", "sicbl22_ods", "icb22_code", "icb22_ods",
                        "ltla22_code", "ltla22_name",
                    ].map { nonEmpty(v($0)) }
                ]
            },
            Table(
                table: "reference.lsoa21",
                file: "lsoa21_sicbl24_icb24.csv",
                columns: ["lsoa21_code", "lsoa21_name", "sicbl24_code", "sicbl24_ods", "icb24_code", "icb24_ods"]
            ) { v in
                [
                    ["lsoa21_code", "lsoa21_name", "sicbl24_code", "sicbl24_ods", "icb24_code", "icb24_ods"].map {
                        nonEmpty(v($0))
                    }
                ]
            },
            Table(
                table: "reference.imd2019_lsoa11",
                file: "imd2019_lsoa11.csv",
                columns: ["lsoa11_code", "imd_rank", "imd_decile"]
            ) { v in
                [[v("lsoa11_code"), v("imd_rank"), v("imd_decile")]]
            },
            Table(
                table: "reference.imd2025_lsoa21",
                file: "imd2025_lsoa21.csv",
                columns: ["lsoa21_code", "imd_rank", "imd_decile", "imd_score"]
            ) { v in
                [[v("lsoa21_code"), v("imd_rank"), v("imd_decile"), v("imd_score")]]
            },
            Table(
                table: "reference.population_lsoa11",
                file: "population_mid2020_lsoa11_esp_bands.csv",
                columns: ["lsoa11_code", "age_band", "population"]
            ) { v in
                // The file is wide, one column per band (age_0_4 … age_90_plus); the table is long.
                ageBands.map { band in
                    let column =
                        "age_"
                        + band.replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: "+", with: "_plus")
                    return [v("lsoa11_code"), band, v(column)]
                }
            },
            Table(
                table: "reference.trust",
                file: "nhs_trusts_etr_2025.csv",
                columns: [
                    "trust_ods", "trust_name", "nhs_region_ods", "icb_ods", "postcode", "open_date", "close_date",
                ]
            ) { v in
                // Welsh and other non-English bodies carry W00 or Q99 in place of an English ICB.
                guard !["W00", "Q99"].contains(v("icb_ods")), v("nhs_region_ods") != "W00" else { return [] }
                return [
                    [
                        v("trust_ods"), v("trust_name"), v("nhs_region_ods"), v("icb_ods"), nonEmpty(v("postcode")),
                        date(v("open_date")), date(v("close_date")),
                    ]
                ]
            },
        ]
    }

    /// Replaces the reference tables' contents with the files in `directory`.
    ///
    /// - Returns: rows loaded per table.
    /// - Throws: `RehabError` for a missing or malformed file (nothing is changed), `DatabaseError` from the server.
    public static func load(
        directory: String,
        into connection: borrowing Connection,
        logger: Logger
    ) throws -> [(table: String, rows: Int)] {
        try connection.lock(lockKey)
        defer { _ = try? connection.unlock(lockKey) }
        let tables = tables()
        return try connection.transaction { tx in
            try tx.query("TRUNCATE " + tables.map(\.table).joined(separator: ", "))
            var counts: [(String, Int)] = []
            for table in tables {
                let csv = try CSVTable(path: "\(directory)/\(table.file)")
                var index: [String: Int] = [:]
                for (i, name) in csv.header.enumerated() { index[name] = i }
                var missing: String?
                let copied = try tx.copy("COPY \(table.table) (\(table.columns.joined(separator: ", "))) FROM STDIN") {
                    stream in
                    var line: [UInt8] = []
                    for row in csv.rows {
                        let values = table.rows { name in
                            guard let i = index[name] else {
                                missing = missing ?? name
                                return ""
                            }
                            return row[i]
                        }
                        // Checked on the first row, before anything of a malformed file is sent.
                        if let missing {
                            throw RehabError(.configuration, "\(directory)/\(table.file) lacks the column \(missing).")
                        }
                        for values in values {
                            line.removeAll(keepingCapacity: true)
                            for (i, value) in values.enumerated() {
                                if i > 0 { line.append(0x09) }
                                CopyText.append(value, to: &line)
                            }
                            line.append(0x0A)
                            try stream.write(line)
                        }
                    }
                }
                logger.info(
                    "reference table loaded",
                    metadata: ["table": "\(table.table)", "rows": .stringConvertible(copied)]
                )
                counts.append((table.table, copied))
            }
            return counts
        }
    }
}

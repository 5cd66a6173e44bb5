import RehabCore
import RehabDatabase
import RehabValidate

/// The columns a load COPYs into, in order, each with the binary encoding of its type in the database.
///
/// The order: period, submission_id, the contract's columns (the NHS number column as patient_key), the contract's
/// derived columns, then, for a contract with an LSOA column, the residence columns (`residence`). The encodings
/// come from the load table itself (`resolve`), read once per load, so that a column whose type changes in a
/// migration is written in its new form or refused with its name, never mis-encoded.
struct LoadColumns: Sendable {
    /// What kind of value the loader writes into a column, which decides the types that can hold it.
    enum Source: Sendable {
        /// Text as sent: only a text column holds it as COPY text did.
        case text
        /// A date: a date column, or a text one (as ISO `YYYY-MM-DD`).
        case date
        /// An integer: an integer column of any width, numeric, or text.
        case integer
        /// A decimal number: numeric, or text.
        case decimal
        /// A patient key (the HMAC of an NHS number): its 32 bytes, in bytea only.
        case pseudonym

        func holds(_ encoding: CopyBinary.Encoding) -> Bool {
            switch (self, encoding) {
            case (.pseudonym, .bytea): true
            case (.pseudonym, _): false
            case (_, .text): true
            case (.date, .date): true
            case (.integer, .int2), (.integer, .int4), (.integer, .int8), (.integer, .numeric): true
            case (.decimal, .numeric): true
            default: false
            }
        }
    }

    /// The residence columns, in the order the sink writes them after the derived ones.
    static let residenceColumns: [(String, Source)] = [
        ("lsoa_vintage", .integer), ("icb_ods", .text), ("imd_decile", .integer), ("imd_quintile", .integer),
    ]

    let contract: Contract
    /// Whether the residence columns follow the derived ones: the contract has an LSOA column.
    let residence: Bool
    /// Column names, unquoted.
    let names: [String]
    let sources: [Source]
    /// One per column, from its type in the database.
    let encodings: [CopyBinary.Encoding]

    /// The columns of a contract's load, before their types are known.
    static func planned(_ contract: Contract) -> (names: [String], sources: [Source], residence: Bool) {
        let residence = contract.columns.contains { $0.type == .lsoa_code }
        var columns: [(String, Source)] = [("period", .date), ("submission_id", .integer)]
        for column in contract.columns {
            switch column.type {
            case .nhs_number: columns.append(("patient_key", .pseudonym))
            case .date: columns.append((column.name, .date))
            case .integer: columns.append((column.name, .integer))
            case .decimal: columns.append((column.name, .decimal))
            case .text, .ods_code, .code, .lsoa_code: columns.append((column.name, .text))
            }
        }
        for column in contract.derived {
            switch column.rule {
            case .daysBetween: columns.append((column.name, .integer))
            case .espAgeBand: columns.append((column.name, .text))
            }
        }
        if residence { columns += residenceColumns }
        return (columns.map(\.0), columns.map(\.1), residence)
    }

    /// The columns of a load into `table`, with their encodings from the table's column types.
    ///
    /// - Throws: `DatabaseError` naming the column when the table lacks one, or has one of a type the loader
    ///   cannot write its values in.
    static func resolve(_ contract: Contract, table: String, connection: borrowing Connection) throws -> LoadColumns {
        let (names, sources, residence) = planned(contract)
        let described = try connection.query(
            """
            SELECT a.attname, a.atttypid, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
            WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
            """,
            [table]
        )
        var types: [String: (oid: UInt32, name: String)] = [:]
        for row in described.rows {
            if let name = row[0], let oid = row[1].flatMap({ UInt32($0) }) { types[name] = (oid, row[2] ?? "?") }
        }
        return LoadColumns(
            contract: contract,
            residence: residence,
            names: names,
            sources: sources,
            encodings: try zip(names, sources).map { name, source in
                try encoding(of: name, source: source, type: types[name], table: table)
            }
        )
    }

    /// The encoding of one column, checked against what goes into it.
    static func encoding(
        of column: String,
        source: Source,
        type: (oid: UInt32, name: String)?,
        table: String
    ) throws -> CopyBinary.Encoding {
        guard let type else {
            throw DatabaseError(
                kind: .copy,
                summary: "The load table \(table) has no column \(column)",
                object: column,
                hint: "Check that the database is migrated: rehabcount db migrate."
            )
        }
        guard let encoding = CopyBinary.Encoding(typeOID: type.oid), source.holds(encoding) else {
            throw DatabaseError(
                kind: .copy,
                summary:
                    "Column \(column) of \(table) is of type \(type.name), which the loader cannot write "
                    + "its \(source) values into",
                object: column,
                hint:
                    "Check that the database is migrated (rehabcount db migrate); if it is, a migration changed the "
                    + "column's type and the loader's binary COPY must learn the new type."
            )
        }
        return encoding
    }

    /// The COPY statement that loads these columns into `table`.
    func copySQL(into table: String) -> String {
        "COPY \(table) (\(names.map(Connection.quoteIdentifier).joined(separator: ", "))) FROM STDIN WITH (FORMAT binary)"
    }
}

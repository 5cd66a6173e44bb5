import RehabCore

/// How a value of a contract column goes into the database.
///
/// Rows that reach the load passed every record-level rule, but a warning-level problem can remain: an optional
/// date that does not parse, an unknown code in a required column. Typed columns get NULL for a value that does
/// not parse, so one bad optional date never fails a COPY; legacy `DD/MM/YYYY` dates become ISO; text stays as
/// sent. A date in year 0000 loads as NULL too: PostgreSQL has no year 0 and refuses it.
public enum LoadValue {
    /// Load the bytes as they are.
    case asIs
    /// Load NULL.
    case null
    /// Load these bytes instead (a legacy date rewritten as ISO).
    case replaced([UInt8])

    /// What to load for a value of a column of this type. Allocates only to rewrite a legacy date.
    @inline(__always)
    public static func of(_ bytes: Span<UInt8>, type: ColumnType) -> LoadValue {
        if bytes.isEmpty || isBlank(bytes) { return .null }
        switch type {
        case .date:
            guard let (day, notation) = Day.parse(bytes), day >= firstDay else { return .null }
            return notation == .iso ? .asIs : .replaced(Array(day.description.utf8))
        case .integer:
            return parseInteger(bytes) == nil ? .null : .asIs
        case .decimal:
            return parseDecimal(bytes) == nil ? .null : .asIs
        case .text, .ods_code, .nhs_number, .code, .lsoa_code:
            return .asIs
        }
    }

    /// The date a value of a `date` column loads as, or nil when it loads as NULL.
    public static func day(_ bytes: Span<UInt8>) -> Day? {
        guard !bytes.isEmpty, !isBlank(bytes), let day = Day.parse(bytes)?.day, day >= firstDay else { return nil }
        return day
    }

    /// The first date PostgreSQL takes with a four-digit year: it has no year 0, and refuses 0000-01-01.
    public static var firstDay: Day { Day(ordinal: -719_162) }  // 0001-01-01

    /// The number a value of an `integer` column loads as, or nil when it loads as NULL.
    public static func integer(_ bytes: Span<UInt8>) -> Int? {
        bytes.isEmpty || isBlank(bytes) ? nil : parseInteger(bytes)
    }
}

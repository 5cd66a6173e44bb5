import Foundation
import RehabCore
import RehabDatabase
import RehabIngest
import RehabValidate

/// Receives the validator's verdict on each row while it streams: accepted rows go straight into the COPY into
/// core, quarantined rows to a spill file for `audit.quarantine`. One pass over the file does both.
///
/// Accepted rows go in PostgreSQL's binary COPY format (`CopyBinary`), each field in the form of its column's type
/// in the database (`LoadColumns`), with the values COPY text gave: `LoadValue` says which load as NULL, a legacy
/// date loads as its day, text as its bytes. One difference, by design: a number outside its column's integer type
/// loads as NULL, as one that does not parse does, where COPY text failed the whole load.
///
/// No clear NHS number leaves this type: the NHS number column becomes `patient_key` (keyed HMAC), and in
/// quarantined rows every value that might be an NHS number is pseudonymised.
struct LoadSink: RowSink, ~Copyable {
    private let stream: CopyStream
    private let pseudonymiser: Pseudonymiser
    private let quarantine: FileOutput
    private let submissionID: Int64
    private let lookup: ReferenceLookup
    private let columns: LoadColumns
    /// The fields the loader writes again and again, encoded once.
    private let constants: EncodedValues
    private var layout: RowLayout?
    /// Per contract column, what the hot path needs; then the derived columns. Fixed tables, so that the per-row
    /// loop does no reference counting.
    private var slots = FixedArray<Slot>([])
    private var derived = FixedArray<Derivation>([])
    /// Per contract column, the current row's day (`unparsed`, `null` or a `Day` ordinal): the derived columns
    /// read the dates again.
    private var days = FixedArray<Int32>([])
    private var lsoaField = -1
    private var out = CopyBuffer(capacity: Self.block + 1 << 16)
    private(set) var accepted = 0
    private(set) var quarantined = 0
    /// Quarantined rows as COPY text, on their way to the spill file; one row's JSON object.
    private var spill: [UInt8] = []
    private var json: [UInt8] = []
    /// A value with the NHS numbers inside it replaced, reused from row to row.
    private var masked: [UInt8] = []
    /// Per field, `"name":`; per set of reasons, its COPY text array literal.
    private var jsonKeys: [[UInt8]] = []
    private var reasonFields: [String: [UInt8]] = [:]
    /// Per field of the file, whether it holds the NHS number (an array: it is looked up for every field).
    private var nhsFields: [Bool] = []

    /// One contract column: where it is in the file (-1 when absent), its type in the contract and its encoding.
    struct Slot {
        var field: Int
        var type: ColumnType
        var encoding: CopyBinary.Encoding
    }

    /// A derived column, by the contract columns it reads, and its encoding.
    enum Derivation {
        case daysBetween(Int, Int, CopyBinary.Encoding)
        case espAgeBand(Int)
    }

    /// - Parameters:
    ///   - columns: the COPY's columns and their encodings (`LoadColumns.resolve`).
    ///   - period: the period every row carries.
    ///   - quarantinePath: where to spill quarantined rows as COPY text for `audit.quarantine`.
    ///   - lookup: reference data for the derived columns, which follow the contract columns in this order: the
    ///     contract's `derived` columns, then, for a contract with an LSOA column, lsoa_vintage, icb_ods,
    ///     imd_decile and imd_quintile (`LoadColumns.residenceColumns`).
    init(
        stream: CopyStream,
        pseudonymiser: Pseudonymiser,
        columns: LoadColumns,
        period: Day,
        quarantinePath: String,
        submissionID: Int64,
        lookup: ReferenceLookup
    ) throws {
        self.stream = stream
        self.lookup = lookup
        self.columns = columns
        self.pseudonymiser = pseudonymiser
        self.quarantine = try FileOutput(path: quarantinePath)
        self.submissionID = submissionID
        constants = EncodedValues(columns: columns, period: period, submissionID: submissionID, lookup: lookup)
        out.append(CopyBinary.header)
    }

    mutating func begin(_ layout: RowLayout) throws {
        guard let contract = layout.contract, LoadColumns.planned(contract).names == columns.names else {
            throw DatabaseError(
                kind: .copy,
                summary: "The validator read the file against another contract than the load's COPY was planned for"
            )
        }
        self.layout = layout
        nhsFields = Array(repeating: false, count: (layout.nhsNumberFields.max() ?? -1) + 1)
        for f in layout.nhsNumberFields { nhsFields[f] = true }
        let fields = contract.columns.indices.map { c in
            c < layout.fieldOfColumn.count ? layout.fieldOfColumn[c] ?? -1 : -1
        }
        slots = FixedArray(
            contract.columns.indices.map { c in
                Slot(field: fields[c], type: contract.columns[c].type, encoding: columns.encodings[2 + c])
            }
        )
        days = FixedArray(repeating: Self.unparsed, count: contract.columns.count)
        derived = FixedArray(
            contract.derived.enumerated().map { i, column in
                let c = { (name: String) in contract.index(of: name) ?? -1 }
                return switch column.rule {
                case .daysBetween(let from, let to):
                    .daysBetween(c(from), c(to), columns.encodings[2 + contract.columns.count + i])
                case .espAgeBand(let age): .espAgeBand(c(age))
                }
            }
        )
        if columns.residence, let c = contract.columns.firstIndex(where: { $0.type == .lsoa_code }) {
            lsoaField = fields[c]
        }
    }

    mutating func accepted(_ row: TableRow, withheld: WithheldColumns) throws {
        accepted += 1
        constants.append(.prefix, to: &out)
        for c in slots.indices {
            let slot = slots[c]
            days[c] = Self.unparsed
            // A value that failed a format, code list or range rule is loaded as NULL: not recorded.
            guard slot.field >= 0, !withheld.contains(c) else {
                days[c] = Self.null
                CopyBinary.appendNull(to: &out)
                continue
            }
            let value = row[slot.field]
            if slot.type == .nhs_number {
                // The patient key: HMAC of the NHS number. The number itself is never sent.
                if value.isEmpty || isBlankValue(value) {
                    CopyBinary.appendNull(to: &out)
                } else {
                    // The MAC's 32 bytes: LoadColumns allows only a bytea column here.
                    pseudonymiser.withMAC(of: value) { mac in
                        CopyBinary.append32(Int32(mac.count), to: &out)
                        out.append(mac)
                    }
                }
                continue
            }
            switch slot.encoding {
            case .text, .bytea:
                switch LoadValue.of(value, type: slot.type) {
                case .null: CopyBinary.appendNull(to: &out)
                case .asIs: CopyBinary.appendText(value, to: &out)
                case .replaced(let bytes): CopyBinary.appendText(bytes.span, to: &out)
                }
            case .date:
                if let day = LoadValue.day(value) {
                    days[c] = day.ordinal
                    CopyBinary.appendDate(day, to: &out)
                } else {
                    days[c] = Self.null
                    CopyBinary.appendNull(to: &out)
                }
            case .int2, .int4, .int8:
                CopyBinary.appendInteger(orNull: LoadValue.integer(value), as: slot.encoding, to: &out)
            case .numeric:
                if case .null = LoadValue.of(value, type: slot.type) {
                    CopyBinary.appendNull(to: &out)
                } else if !CopyBinary.appendNumeric(value, to: &out) {
                    CopyBinary.appendNull(to: &out)
                }
            }
        }
        for d in derived.indices {
            switch derived[d] {
            case .daysBetween(let from, let to, let encoding):
                if let start = day(from, of: row), let end = day(to, of: row) {
                    Self.append(integer: Int(end) - Int(start), as: encoding, to: &out)
                } else {
                    CopyBinary.appendNull(to: &out)
                }
            case .espAgeBand(let age):
                if age >= 0, slots[age].field >= 0, !withheld.contains(age),
                    let years = LoadValue.integer(row[slots[age].field]),
                    let band = lookup.ageBandIndex(of: years)
                {
                    constants.append(.ageBand(band), to: &out)
                } else {
                    CopyBinary.appendNull(to: &out)
                }
            }
        }
        if columns.residence {
            if lsoaField >= 0, let place = lookup.residenceIndex(of: row[lsoaField]) {
                constants.append(.residence(place), to: &out)
            } else {
                constants.append(.noResidence, to: &out)
            }
        }
        // Rows go to the stream in blocks, which it passes to libpq whole.
        if out.count >= Self.block {
            try stream.write(out.span)
            out.removeAll()
        }
    }

    /// The day in contract column c, as the load has it.
    private func day(_ c: Int, of row: TableRow) -> Int32? {
        guard c >= 0 else { return nil }
        switch days[c] {
        case Self.null: return nil
        case Self.unparsed: return slots[c].field < 0 ? nil : LoadValue.day(row[slots[c].field])?.ordinal
        case let ordinal: return ordinal
        }
    }

    /// Markers in the per-row table of days: a date column not parsed (not a date in the database), or NULL.
    private static let unparsed = Int32.min
    private static let null = Int32.min + 1

    /// How many bytes of rows to gather before handing them to the COPY stream.
    private static let block = 1 << 16

    /// Sends the rows still gathered and the end of the COPY data. Call once validation has finished, before the
    /// COPY ends.
    mutating func finishRows() throws {
        out.append(CopyBinary.trailer)
        try stream.write(out.span)
        out.removeAll()
    }

    mutating func quarantined(_ row: TableRow, reasons: [Rule]) throws {
        quarantined += 1
        if jsonKeys.count < row.count { extendKeys(to: row.count) }
        DecimalText.append(Int(submissionID), to: &spill)
        spill.append(0x09)
        DecimalText.append(row.recordNumber, to: &spill)
        spill.append(0x09)
        DecimalText.append(row.line, to: &spill)
        spill.append(0x09)
        let key = reasons.count == 1 ? reasons[0].id : reasons.map(\.id).joined(separator: ",")
        if let field = reasonFields[key] {
            spill += field
        } else {
            var field: [UInt8] = []
            CopyText.append("{" + key + "}", to: &field)
            reasonFields[key] = field
            spill += field
        }
        spill.append(0x09)
        // The row as a JSON object, escaped once more for COPY text (a backslash doubled).
        json.removeAll(keepingCapacity: true)
        json.append(UInt8(ascii: "{"))
        for i in 0..<row.count {
            if i > 0 { json.append(UInt8(ascii: ",")) }
            json += jsonKeys[i]
            let value = row[i]
            if !value.isEmpty, i < nhsFields.count, nhsFields[i] {
                // A pseudonym is 64 hex digits: no escaping.
                json.append(UInt8(ascii: "\""))
                pseudonymiser.appendPseudonym(of: value, to: &json)
                json.append(UInt8(ascii: "\""))
            } else if NHSNumber.containsAny(value) {
                // Each number written like an NHS number, anywhere in the value, by its pseudonym.
                masked.removeAll(keepingCapacity: true)
                NHSNumber.appendMasked(value, to: &masked) { digits, out in
                    pseudonymiser.appendPseudonym(of: digits, to: &out)
                }
                masked.removeAll { $0 == 0 }
                let text = masked
                JSONText.append(text.span, to: &json)
            } else if !value.allSatisfy({ $0 != 0 }) {
                // jsonb holds no NUL character: drop them.
                masked.removeAll(keepingCapacity: true)
                for i in value.indices where value[i] != 0 { masked.append(value[i]) }
                let text = masked
                JSONText.append(text.span, to: &json)
            } else {
                JSONText.append(value, to: &json)
            }
        }
        json.append(UInt8(ascii: "}"))
        let object = json
        CopyText.append(object.span, to: &spill)
        spill.append(0x0A)
        if spill.count >= 1 << 16 {
            try quarantine.write(spill)
            spill.removeAll(keepingCapacity: true)
        }
    }

    /// Each field's `"name":` in JSON, from the header (`field_N` past its end; `nhs_number_pseudonym` for the NHS
    /// number), made once.
    private mutating func extendKeys(to count: Int) {
        let header = layout?.header ?? []
        while jsonKeys.count < count {
            let i = jsonKeys.count
            let name = i < header.count ? header[i] : "field_\(i + 1)"
            var key: [UInt8] = []
            JSONText.append(name == "nhs_number" ? "nhs_number_pseudonym" : name, to: &key)
            key.append(UInt8(ascii: ":"))
            jsonKeys.append(key)
        }
    }

    /// Publishes the spill file so that it can be read back.
    mutating func finishQuarantine() throws {
        try quarantine.write(spill)
        spill.removeAll()
        try quarantine.commit()
    }

    /// A value the loader made, given as its text (reference data, an age band): NULL when empty.
    static func append(text: Span<UInt8>, as encoding: CopyBinary.Encoding, to out: inout CopyBuffer) {
        guard !text.isEmpty else { return CopyBinary.appendNull(to: &out) }
        switch encoding {
        case .text, .bytea:
            CopyBinary.appendText(text, to: &out)
        case .date:
            if let day = LoadValue.day(text) {
                CopyBinary.appendDate(day, to: &out)
            } else {
                CopyBinary.appendNull(to: &out)
            }
        case .int2, .int4, .int8:
            CopyBinary.appendInteger(orNull: LoadValue.integer(text), as: encoding, to: &out)
        case .numeric:
            if !CopyBinary.appendNumeric(text, to: &out) { CopyBinary.appendNull(to: &out) }
        }
    }

    /// An integer the loader made; NULL when its column's type cannot hold it.
    @inline(__always)
    static func append(integer: Int, as encoding: CopyBinary.Encoding, to out: inout CopyBuffer) {
        switch encoding {
        case .int2, .int4, .int8:
            CopyBinary.appendInteger(orNull: integer, as: encoding, to: &out)
        default:
            CopyBinary.withDecimal(integer) { append(text: $0, as: encoding, to: &out) }
        }
    }

    /// A date the loader made.
    static func append(date: Day, as encoding: CopyBinary.Encoding, to out: inout CopyBuffer) {
        if encoding == .date {
            CopyBinary.appendDate(date, to: &out)
        } else {
            append(text: Array(date.description.utf8).span, as: encoding, to: &out)
        }
    }

    private func isBlankValue(_ b: Span<UInt8>) -> Bool {
        b.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    }
}

/// The binary fields a load writes again and again, encoded once per load: the row prefix (field count, period,
/// submission id), four NULLs for an unknown LSOA, each age band, and each LSOA's four residence fields.
struct EncodedValues: ~Copyable {
    private let bytes: FixedArray<UInt8>
    /// Where each entry ends in `bytes`; entry i starts where entry i - 1 ends.
    private let ends: FixedArray<Int>
    private static let bandsStart = 2
    private static let bandCount = 19
    private static let residencesStart = bandsStart + bandCount

    init(columns: LoadColumns, period: Day, submissionID: Int64, lookup: ReferenceLookup) {
        var out = CopyBuffer(capacity: 1 << 20)
        var ends: [Int] = []
        let count = columns.encodings.count
        CopyBinary.appendFieldCount(count, to: &out)
        LoadSink.append(date: period, as: columns.encodings[0], to: &out)
        LoadSink.append(integer: Int(submissionID), as: columns.encodings[1], to: &out)
        ends.append(out.count)
        for _ in LoadColumns.residenceColumns { CopyBinary.appendNull(to: &out) }
        ends.append(out.count)
        // An age band column is text: `LoadColumns` allows no other type for it.
        for i in 0..<Self.bandCount {
            if i < lookup.ageBands.count {
                let band = lookup.ageBands[i]
                LoadSink.append(text: band.span, as: .text, to: &out)
            } else {
                CopyBinary.appendNull(to: &out)
            }
            ends.append(out.count)
        }
        if columns.residence {
            let first = count - LoadColumns.residenceColumns.count
            for place in lookup.residences {
                for (i, value) in [place.vintage, place.icb, place.decile, place.quintile].enumerated() {
                    LoadSink.append(text: value.span, as: columns.encodings[first + i], to: &out)
                }
                ends.append(out.count)
            }
        }
        bytes = FixedArray(out.bytes)
        self.ends = FixedArray(ends)
    }

    /// One of the values.
    enum Entry {
        /// The field count, period and submission id that begin every row.
        case prefix
        /// Four NULLs, for a row whose LSOA is unknown.
        case noResidence
        /// The age band column's field for band i (`ReferenceLookup.ageBandIndex`).
        case ageBand(Int)
        /// The four residence fields of `ReferenceLookup.residences[i]`.
        case residence(Int)
    }

    /// Appends an entry's bytes.
    @inline(__always)
    func append(_ entry: Entry, to out: inout CopyBuffer) {
        let i =
            switch entry {
            case .prefix: 0
            case .noResidence: 1
            case .ageBand(let band): Self.bandsStart + band
            case .residence(let place): Self.residencesStart + place
            }
        let start = i == 0 ? 0 : ends[i - 1]
        out.append(bytes.span.extracting(start..<ends[i]))
    }
}

import Foundation
import RehabCore
import RehabDatabase
import RehabIngest
import RehabValidate

/// Receives the validator's verdict on each row while it streams: accepted rows go straight into the COPY into
/// core, quarantined rows to a spill file for `audit.quarantine`. One pass over the file does both.
///
/// No clear NHS number leaves this type: the NHS number column becomes `patient_key` (keyed HMAC), and in
/// quarantined rows every value that might be an NHS number is pseudonymised.
struct LoadSink: RowSink {
    private let stream: CopyStream
    private let pseudonymiser: Pseudonymiser
    private let prefix: [UInt8]
    private let quarantine: FileOutput
    private let submissionID: Int64
    private let lookup: ReferenceLookup
    private let residence: Bool
    private var lsoaField: Int?
    /// The contract's derived columns, by the fields they read.
    private var derived: [Derivation] = []
    private var layout: RowLayout?
    /// For each contract column, its field in the file (-1 when absent) and its type: flat, for the hot path.
    private var fields: [Int] = []
    private var types: [ColumnType] = []
    private var line: [UInt8] = []
    private(set) var accepted = 0
    private(set) var quarantined = 0

    /// - Parameters:
    ///   - prefix: the leading COPY fields of every row (period, submission id), already tab-terminated.
    ///   - quarantinePath: where to spill quarantined rows as COPY text for `audit.quarantine`.
    ///   - lookup: reference data for the derived columns, which follow the contract columns in this order: the
    ///     contract's `derived` columns, then, when `residence` is set, lsoa_vintage, icb_ods, imd_decile and
    ///     imd_quintile (`residenceColumns`).
    init(
        stream: CopyStream,
        pseudonymiser: Pseudonymiser,
        prefix: [UInt8],
        quarantinePath: String,
        submissionID: Int64,
        lookup: ReferenceLookup,
        residence: Bool
    ) throws {
        self.stream = stream
        self.lookup = lookup
        self.residence = residence
        self.pseudonymiser = pseudonymiser
        self.prefix = prefix
        self.quarantine = try FileOutput(path: quarantinePath)
        self.submissionID = submissionID
        line.reserveCapacity(Self.block + 1 << 16)
    }

    mutating func begin(_ layout: RowLayout) throws {
        self.layout = layout
        fields = layout.fieldOfColumn.map { $0 ?? -1 }
        types = layout.contract?.columns.map(\.type) ?? []
        if residence, let c = layout.contract?.columns.firstIndex(where: { $0.type == .lsoa_code }) {
            lsoaField = layout.fieldOfColumn[c]
        }
        derived = (layout.contract?.derived ?? []).map { column in
            func field(_ name: String) -> Int {
                layout.contract?.index(of: name).flatMap { layout.fieldOfColumn[$0] } ?? -1
            }
            return switch column.rule {
            case .daysBetween(let from, let to): .daysBetween(field(from), field(to))
            case .espAgeBand(let age): .espAgeBand(field(age))
            }
        }
    }

    /// The residence columns, in the order the sink writes them after the derived ones.
    static let residenceColumns = ["lsoa_vintage", "icb_ods", "imd_decile", "imd_quintile"]

    enum Derivation {
        case daysBetween(Int, Int)
        case espAgeBand(Int)
    }

    mutating func accepted(_ row: TableRow) throws {
        accepted += 1
        line += prefix
        for c in fields.indices {
            if c > 0 { line.append(0x09) }
            let field = fields[c]
            guard field >= 0 else {
                line += CopyText.null
                continue
            }
            let value = row[field]
            if types[c] == .nhs_number {
                // The patient key: HMAC of the NHS number. The number itself is never sent.
                if value.isEmpty || isBlankValue(value) {
                    line += CopyText.null
                } else {
                    pseudonymiser.appendPseudonym(of: value, to: &line)
                }
                continue
            }
            switch LoadValue.of(value, type: types[c]) {
            case .null: line += CopyText.null
            case .asIs: CopyText.append(value, to: &line)
            case .replaced(let bytes): bytes.withUnsafeBufferPointer { CopyText.append($0, to: &line) }
            }
        }
        for derivation in derived {
            line.append(0x09)
            switch derivation {
            case .daysBetween(let from, let to):
                if from >= 0, to >= 0, let start = LoadValue.day(row[from]), let end = LoadValue.day(row[to]) {
                    appendDecimal(Int(end.ordinal - start.ordinal))
                } else {
                    line += CopyText.null
                }
            case .espAgeBand(let age):
                if age >= 0, let years = LoadValue.integer(row[age]), let band = lookup.ageBand(of: years) {
                    line += band
                } else {
                    line += CopyText.null
                }
            }
        }
        if residence {
            let place = lsoaField.flatMap { lookup.residence(of: row[$0]) }
            appendField(place?.vintage)
            appendField(place?.icb)
            appendField(place?.decile)
            appendField(place?.quintile)
        }
        line.append(0x0A)
        // Rows go to the stream in blocks, which it passes to libpq whole.
        if line.count >= Self.block {
            try stream.write(line)
            line.removeAll(keepingCapacity: true)
        }
    }

    /// How many bytes of rows to gather before handing them to the COPY stream.
    private static let block = 1 << 16

    /// Sends the rows still gathered. Call once validation has finished, before the COPY ends.
    mutating func finishRows() throws {
        if !line.isEmpty { try stream.write(line) }
        line.removeAll(keepingCapacity: true)
    }

    mutating func quarantined(_ row: TableRow, reasons: [Rule]) throws {
        quarantined += 1
        var json = "{"
        let header = layout?.header ?? []
        for i in 0..<row.count {
            let key = i < header.count ? header[i] : "field_\(i + 1)"
            let value = row[i]
            let text: String
            if !value.isEmpty, layout?.nhsNumberFields.contains(i) == true || NHSNumber.mightBeOne(value) {
                text = pseudonymiser.pseudonym(of: value)
            } else {
                text = String(decoding: value.filter { $0 != 0 }, as: UTF8.self)
            }
            json +=
                (i > 0 ? "," : "") + JSONText.string(key == "nhs_number" ? "nhs_number_pseudonym" : key)
                + ":" + JSONText.string(text)
        }
        json += "}"
        var out: [UInt8] = []
        out += Array("\(submissionID)\t\(row.recordNumber)\t\(row.line)\t".utf8)
        CopyText.append("{" + reasons.map(\.id).joined(separator: ",") + "}", to: &out)
        out.append(0x09)
        CopyText.append(json, to: &out)
        out.append(0x0A)
        try quarantine.write(out)
    }

    /// Publishes the spill file so that it can be read back.
    func finishQuarantine() throws { try quarantine.commit() }

    /// A tab, then the value, or NULL when there is none.
    private mutating func appendField(_ value: [UInt8]?) {
        line.append(0x09)
        if let value, !value.isEmpty { line += value } else { line += CopyText.null }
    }

    /// Appends an integer in decimal, without allocating.
    private mutating func appendDecimal(_ value: Int) {
        if value < 0 { line.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(truncatingIfNeeded: magnitude % 10) + UInt8(ascii: "0")
                magnitude /= 10
            } while magnitude > 0
            line.append(contentsOf: UnsafeMutableBufferPointer(rebasing: digits[start...]))
        }
    }

    private func isBlankValue(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        b.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    }
}

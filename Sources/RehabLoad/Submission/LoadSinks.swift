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
    private let residence: ResidenceLookup?
    private var lsoaField: Int?
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
    ///   - residence: for referrals, the lookup that fills lsoa_vintage, icb_ods and imd_decile after the
    ///     contract columns.
    init(
        stream: CopyStream,
        pseudonymiser: Pseudonymiser,
        prefix: [UInt8],
        quarantinePath: String,
        submissionID: Int64,
        residence: ResidenceLookup? = nil
    ) throws {
        self.stream = stream
        self.residence = residence
        self.pseudonymiser = pseudonymiser
        self.prefix = prefix
        self.quarantine = try FileOutput(path: quarantinePath)
        self.submissionID = submissionID
        line.reserveCapacity(1024)
    }

    mutating func begin(_ layout: RowLayout) throws {
        self.layout = layout
        fields = layout.fieldOfColumn.map { $0 ?? -1 }
        types = layout.contract?.columns.map(\.type) ?? []
        if residence != nil, let c = layout.contract?.columns.firstIndex(where: { $0.type == .lsoa_code }) {
            lsoaField = layout.fieldOfColumn[c]
        }
    }

    mutating func accepted(_ row: TableRow) throws {
        accepted += 1
        line.removeAll(keepingCapacity: true)
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
        if let residence {
            if let lsoaField, let place = residence.residence(of: row[lsoaField]) {
                for value in [place.vintage, place.icb, place.decile] {
                    line.append(0x09)
                    if value.isEmpty { line += CopyText.null } else { line += value }
                }
            } else {
                for _ in 0..<3 {
                    line.append(0x09)
                    line += CopyText.null
                }
            }
        }
        line.append(0x0A)
        try stream.write(line)
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

    private func isBlankValue(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        b.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    }
}

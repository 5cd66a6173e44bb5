import Foundation
import RehabCore
import RehabDatabase
import RehabIngest
import RehabValidate

/// Receives the validator's verdict on each row while it streams: accepted rows go straight into the staging
/// COPY, quarantined rows to a spill file for `audit.quarantine`. One pass over the file does both.
///
/// No clear NHS number leaves this type: the NHS number column becomes `patient_key` (keyed HMAC), and in
/// quarantined rows every value that might be an NHS number is pseudonymised.
final class LoadSink: RowSink {
    private let stream: CopyStream
    private let pseudonymiser: Pseudonymiser
    private let prefix: [UInt8]
    private let quarantine: FileOutput
    private let submissionID: Int64
    private var layout: RowLayout?
    private var types: [ColumnType] = []
    private var line: [UInt8] = []
    private(set) var accepted = 0
    private(set) var quarantined = 0

    /// - Parameters:
    ///   - prefix: the leading COPY fields of every staging row (load id, period), already tab-terminated.
    ///   - quarantinePath: where to spill quarantined rows as COPY text for `audit.quarantine`.
    init(
        stream: CopyStream,
        pseudonymiser: Pseudonymiser,
        prefix: [UInt8],
        quarantinePath: String,
        submissionID: Int64
    ) throws {
        self.stream = stream
        self.pseudonymiser = pseudonymiser
        self.prefix = prefix
        self.quarantine = try FileOutput(path: quarantinePath)
        self.submissionID = submissionID
        line.reserveCapacity(1024)
    }

    func begin(_ layout: RowLayout) throws {
        self.layout = layout
        types = layout.contract?.columns.map(\.type) ?? []
    }

    func accepted(_ row: TableRow) throws {
        guard let layout else { return }
        accepted += 1
        line.removeAll(keepingCapacity: true)
        line += prefix
        for (c, field) in layout.fieldOfColumn.enumerated() {
            if c > 0 { line.append(0x09) }
            guard let field else {
                line += CopyText.null
                continue
            }
            let value = row[field]
            if types[c] == .nhs_number {
                // The patient key: HMAC of the NHS number. The number itself is never sent.
                if value.isEmpty || isBlankValue(value) {
                    line += CopyText.null
                } else {
                    line += Array(pseudonymiser.pseudonym(of: value).utf8)
                }
                continue
            }
            switch LoadValue.of(value, type: types[c]) {
            case .null: line += CopyText.null
            case .asIs: CopyText.append(value, to: &line)
            case .replaced(let bytes): bytes.withUnsafeBufferPointer { CopyText.append($0, to: &line) }
            }
        }
        line.append(0x0A)
        try stream.write(line)
    }

    func quarantined(_ row: TableRow, reasons: [Rule]) throws {
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

/// What a submission's file name declares: `<ORG>_<kind>_<YYYY-MM>.csv` (or `.xlsx`).
public struct SubmissionName: Sendable, Hashable, Codable {
    /// The trust's ODS code.
    public let orgCode: String
    /// The extract kind.
    public let kind: ExtractKind
    /// The reporting period.
    public let period: Period
    /// The file format, from the extension.
    public let format: FileFormat

    public enum FileFormat: String, Sendable, Hashable, Codable {
        case csv
        case xlsx
    }

    public init(orgCode: String, kind: ExtractKind, period: Period, format: FileFormat) {
        self.orgCode = orgCode
        self.kind = kind
        self.period = period
        self.format = format
    }

    /// Parses a file name (not a path). Returns nil when it does not follow the contract.
    public init?(fileName: String) {
        let lower = fileName.lowercased()
        let format: FileFormat
        let stem: Substring
        if lower.hasSuffix(".csv") {
            format = .csv
            stem = fileName.dropLast(4)
        } else if lower.hasSuffix(".xlsx") {
            format = .xlsx
            stem = fileName.dropLast(5)
        } else {
            return nil
        }
        let parts = stem.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3,
            SubmissionName.isODSCode(parts[0].utf8),
            let kind = ExtractKind(rawValue: String(parts[1])),
            let period = Period(parts[2])
        else { return nil }
        self.init(orgCode: String(parts[0]), kind: kind, period: period, format: format)
    }

    /// The name's stem, used to name report files: `RX1_referrals_2025-09`.
    public var stem: String { "\(orgCode)_\(kind.rawValue)_\(period)" }

    /// Whether bytes form an ODS organisation code: 3 or 5 upper-case letters and digits.
    @inlinable
    public static func isODSCode(_ bytes: some Collection<UInt8>) -> Bool {
        guard bytes.count == 3 || bytes.count == 5 else { return false }
        return bytes.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) }
    }

    /// Whether a field's bytes form an ODS organisation code.
    @inlinable
    public static func isODSCode(_ bytes: Span<UInt8>) -> Bool {
        guard bytes.count == 3 || bytes.count == 5 else { return false }
        return bytes.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) }
    }
}

/// One trust's submissions for one period, validated together so that cross-file rules apply.
public struct SubmissionGroup: Sendable, Hashable {
    public let orgCode: String
    public let period: Period
    public init(orgCode: String, period: Period) {
        self.orgCode = orgCode
        self.period = period
    }
}

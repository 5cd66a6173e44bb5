import RehabCore

/// The kinds of defect the generator plants, one per planted row, so that validation can be checked against a
/// known answer. docs/sample-data.md lists each with the contract rule it breaks.
enum DefectKind: Int, CaseIterable, Sendable {
    // referrals
    case invalidNHSCheckDigit, missingServiceLine, invalidSexCode, unknownLSOA, malformedLSOA
    case firstContactBeforeReceived, dischargedWithoutDate, legacyDateFormat, duplicateReferralID
    case ageOutOfRange, scoreOutOfRange, ethnicCategoryMissing
    // contacts
    case orphanReferral, contactBeforeReferral, contactOutsidePeriod, invalidAttendance, durationOutOfRange
    case duplicateContactID
    // workforce
    case fteOutOfRange, invalidProfession, ahpNotRegistered, duplicateStaffID, snapshotOutsidePeriod

    var extract: ExtractKind {
        switch self {
        case .invalidNHSCheckDigit, .missingServiceLine, .invalidSexCode, .unknownLSOA, .malformedLSOA,
            .firstContactBeforeReceived, .dischargedWithoutDate, .legacyDateFormat, .duplicateReferralID,
            .ageOutOfRange, .scoreOutOfRange, .ethnicCategoryMissing:
            .referrals
        case .orphanReferral, .contactBeforeReferral, .contactOutsidePeriod, .invalidAttendance,
            .durationOutOfRange, .duplicateContactID:
            .contacts
        case .fteOutOfRange, .invalidProfession, .ahpNotRegistered, .duplicateStaffID, .snapshotOutsidePeriod:
            .workforce
        }
    }

    /// The name used in `SampleSummary.defects`: `<extract>.<kind>`.
    var name: String {
        let kind =
            switch self {
            case .invalidNHSCheckDigit: "invalid_nhs_check_digit"
            case .missingServiceLine: "missing_service_line"
            case .invalidSexCode: "invalid_sex_code"
            case .unknownLSOA: "unknown_lsoa"
            case .malformedLSOA: "malformed_lsoa"
            case .firstContactBeforeReceived: "first_contact_before_received"
            case .dischargedWithoutDate: "discharged_without_discharge_date"
            case .legacyDateFormat: "legacy_date_format"
            case .duplicateReferralID: "duplicate_referral_id"
            case .ageOutOfRange: "age_out_of_range"
            case .scoreOutOfRange: "outcome_score_out_of_range"
            case .ethnicCategoryMissing: "ethnic_category_missing"
            case .orphanReferral: "orphan_referral_id"
            case .contactBeforeReferral: "contact_before_referral_received"
            case .contactOutsidePeriod: "contact_date_outside_period"
            case .invalidAttendance: "invalid_attendance_code"
            case .durationOutOfRange: "duration_out_of_range"
            case .duplicateContactID: "duplicate_contact_id"
            case .fteOutOfRange: "fte_out_of_range"
            case .invalidProfession: "invalid_profession_code"
            case .ahpNotRegistered: "ahp_not_registered"
            case .duplicateStaffID: "duplicate_staff_id"
            case .snapshotOutsidePeriod: "snapshot_date_outside_period"
            }
        return "\(extract.rawValue).\(kind)"
    }

    static func kinds(of extract: ExtractKind) -> [DefectKind] { allCases.filter { $0.extract == extract } }
}

/// Decides which rows carry a defect.
///
/// Each row draws a defect with probability `rate`, and the kind uniformly among its extract's kinds. Some
/// kinds fit only some rows (a score defect needs a scored outcome), so a drawn kind waits until a row it fits
/// comes along. The planted counts therefore follow the uniform draw, and every planted row carries exactly one.
struct DefectPlanner {
    private let rate: Double
    private let kinds: [DefectKind]
    private var pending: [Int]
    private var waiting = 0
    /// Defects planted so far, by kind.
    private(set) var planted: [Int]

    init(extract: ExtractKind, rate: Double) {
        self.rate = rate
        self.kinds = DefectKind.kinds(of: extract)
        self.pending = Array(repeating: 0, count: DefectKind.allCases.count)
        self.planted = Array(repeating: 0, count: DefectKind.allCases.count)
    }

    /// The defect for the next row, if any. `fits` says whether a kind can be planted in this row.
    @inline(__always)
    mutating func next(_ rng: inout SampleRandom, fits: (DefectKind) -> Bool) -> DefectKind? {
        guard rate > 0 else { return nil }
        if rng.chance(rate) {
            pending[kinds[rng.below(kinds.count)].rawValue] += 1
            waiting += 1
        }
        guard waiting > 0 else { return nil }
        for kind in kinds where pending[kind.rawValue] > 0 && fits(kind) {
            pending[kind.rawValue] -= 1
            waiting -= 1
            planted[kind.rawValue] += 1
            return kind
        }
        return nil
    }
}

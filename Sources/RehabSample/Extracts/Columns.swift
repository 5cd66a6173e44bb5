import RehabCore

/// The contract's columns, in contract order (pipelines/contracts/*.yaml). The header row of each file is this
/// list; a test checks it against the contract files.
enum Columns {
    static let referrals = [
        "org_code", "referral_id", "nhs_number", "patient_id", "age_at_referral", "sex", "ethnic_category",
        "lsoa_code", "referral_received_date", "referral_source", "service_line", "priority", "first_contact_date",
        "discharge_date", "referral_outcome", "outcome_tool", "outcome_score_start", "outcome_score_end",
    ]
    static let contacts = [
        "org_code", "contact_id", "referral_id", "contact_date", "attendance", "duration_minutes", "profession",
        "mode", "setting",
    ]
    static let workforce = [
        "org_code", "snapshot_date", "staff_id", "post_status", "profession", "registered", "afc_band", "fte",
        "service_line", "setting",
    ]

    static func of(_ kind: ExtractKind) -> [String] {
        switch kind {
        case .referrals: referrals
        case .contacts: contacts
        case .workforce: workforce
        }
    }
}

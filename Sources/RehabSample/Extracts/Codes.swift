// Code values and the weights the generator draws them with. The code strings are the contract's
// (pipelines/contracts/code-lists.yaml); the weights are plausible shapes, not published statistics.

/// Service lines, in the contract's order.
enum ServiceLine: Int, CaseIterable, Sendable {
    case stroke, cardiac, pulmonary, msk, fallsFrailty, neuro, intermediateCare, longCovid, cancer, general

    var code: StaticString {
        switch self {
        case .stroke: "stroke"
        case .cardiac: "cardiac"
        case .pulmonary: "pulmonary"
        case .msk: "msk"
        case .fallsFrailty: "falls_frailty"
        case .neuro: "neuro"
        case .intermediateCare: "intermediate_care"
        case .longCovid: "long_covid"
        case .cancer: "cancer"
        case .general: "general"
        }
    }

    /// Referral mix for adults under 65: MSK dominates.
    static let younger = WeightedChoice<ServiceLine>([
        (.msk, 52), (.stroke, 5), (.cardiac, 7), (.pulmonary, 5), (.fallsFrailty, 2), (.neuro, 8),
        (.intermediateCare, 3), (.longCovid, 5), (.cancer, 5), (.general, 8),
    ])
    /// Referral mix from 65: frailty, falls, stroke and intermediate care grow.
    static let older = WeightedChoice<ServiceLine>([
        (.msk, 26), (.stroke, 10), (.cardiac, 8), (.pulmonary, 10), (.fallsFrailty, 16), (.neuro, 5),
        (.intermediateCare, 13), (.longCovid, 1), (.cancer, 4), (.general, 7),
    ])
    /// Workforce posts by service line.
    static let posts = WeightedChoice<ServiceLine>([
        (.msk, 30), (.stroke, 10), (.cardiac, 7), (.pulmonary, 8), (.fallsFrailty, 12), (.neuro, 7),
        (.intermediateCare, 14), (.longCovid, 3), (.cancer, 3), (.general, 6),
    ])

    /// Who delivers this service's contacts and holds its posts.
    var professions: WeightedChoice<Profession> { ServiceLine.professionMix[rawValue] }

    private static let professionMix: [WeightedChoice<Profession>] = ServiceLine.allCases.map { line in
        switch line {
        case .msk:
            WeightedChoice([
                (.physiotherapist, 82), (.occupationalTherapist, 4), (.rehabSupportWorker, 6),
                (.exerciseProfessional, 4), (.podiatrist, 3), (.osteopath, 1),
            ])
        case .stroke:
            WeightedChoice([
                (.physiotherapist, 34), (.occupationalTherapist, 28), (.speechLanguageTherapist, 20),
                (.rehabSupportWorker, 12), (.psychologist, 3), (.dietitian, 2), (.nurse, 1),
            ])
        case .neuro:
            WeightedChoice([
                (.physiotherapist, 34), (.occupationalTherapist, 28), (.speechLanguageTherapist, 14),
                (.psychologist, 8), (.rehabSupportWorker, 12), (.musicTherapist, 1), (.artTherapist, 1),
                (.orthoptist, 1), (.prosthetistOrthotist, 1),
            ])
        case .cardiac:
            WeightedChoice([
                (.nurse, 48), (.exerciseProfessional, 24), (.physiotherapist, 16), (.dietitian, 6),
                (.psychologist, 4), (.healthWellbeingCoach, 2),
            ])
        case .pulmonary:
            WeightedChoice([
                (.physiotherapist, 44), (.nurse, 34), (.exerciseProfessional, 10), (.dietitian, 5),
                (.psychologist, 4), (.occupationalTherapist, 3),
            ])
        case .fallsFrailty:
            WeightedChoice([
                (.physiotherapist, 38), (.occupationalTherapist, 28), (.nurse, 10), (.rehabSupportWorker, 16),
                (.podiatrist, 4), (.doctor, 2), (.paramedic, 2),
            ])
        case .intermediateCare:
            WeightedChoice([
                (.occupationalTherapist, 28), (.physiotherapist, 28), (.nurse, 20), (.rehabSupportWorker, 20),
                (.socialCareWorker, 3), (.doctor, 1),
            ])
        case .longCovid:
            WeightedChoice([
                (.occupationalTherapist, 30), (.physiotherapist, 25), (.psychologist, 14), (.nurse, 12),
                (.speechLanguageTherapist, 5), (.dietitian, 8), (.healthWellbeingCoach, 6),
            ])
        case .cancer:
            WeightedChoice([
                (.physiotherapist, 30), (.occupationalTherapist, 25), (.dietitian, 18), (.nurse, 14),
                (.psychologist, 8), (.radiographer, 2), (.healthWellbeingCoach, 3),
            ])
        case .general:
            WeightedChoice([
                (.physiotherapist, 33), (.occupationalTherapist, 28), (.nurse, 14), (.rehabSupportWorker, 14),
                (.healthWellbeingCoach, 4), (.socialPrescriber, 4), (.dramatherapist, 1), (.other, 2),
            ])
        }
    }
}

/// Profession codes, in the contract's order.
enum Profession: Int, CaseIterable, Sendable {
    case artTherapist, dietitian, dramatherapist, musicTherapist, occupationalTherapist
    case operatingDepartmentPractitioner, orthoptist, osteopath, paramedic, physiotherapist, podiatrist
    case prosthetistOrthotist, radiographer, speechLanguageTherapist
    case nurse, rehabSupportWorker, psychologist, exerciseProfessional, socialPrescriber, healthWellbeingCoach
    case doctor, socialCareWorker, other

    var code: StaticString {
        switch self {
        case .artTherapist: "art_therapist"
        case .dietitian: "dietitian"
        case .dramatherapist: "dramatherapist"
        case .musicTherapist: "music_therapist"
        case .occupationalTherapist: "occupational_therapist"
        case .operatingDepartmentPractitioner: "operating_department_practitioner"
        case .orthoptist: "orthoptist"
        case .osteopath: "osteopath"
        case .paramedic: "paramedic"
        case .physiotherapist: "physiotherapist"
        case .podiatrist: "podiatrist"
        case .prosthetistOrthotist: "prosthetist_orthotist"
        case .radiographer: "radiographer"
        case .speechLanguageTherapist: "speech_language_therapist"
        case .nurse: "nurse"
        case .rehabSupportWorker: "rehab_support_worker"
        case .psychologist: "psychologist"
        case .exerciseProfessional: "exercise_professional"
        case .socialPrescriber: "social_prescriber"
        case .healthWellbeingCoach: "health_wellbeing_coach"
        case .doctor: "doctor"
        case .socialCareWorker: "social_care_worker"
        case .other: "other"
        }
    }

    /// One of the 14 allied health professions.
    var isAHP: Bool { rawValue <= Profession.speechLanguageTherapist.rawValue }

    /// Whether the role is statutorily registered (HCPC, NMC, GMC or the practitioner psychologist register).
    var isRegistered: Bool { isAHP || self == .nurse || self == .psychologist || self == .doctor }

    /// Agenda for Change bands the role is typically employed on.
    var bands: WeightedChoice<AfCBand> {
        switch self {
        case .rehabSupportWorker: WeightedChoice([(.b2, 8), (.b3, 52), (.b4, 40)])
        case .psychologist: WeightedChoice([(.b7, 30), (.b8a, 40), (.b8b, 22), (.b8c, 8)])
        case .doctor: WeightedChoice([(.medical, 1)])
        case .socialCareWorker: WeightedChoice([(.nonAfC, 7), (.b3, 3)])
        case .exerciseProfessional, .healthWellbeingCoach, .socialPrescriber: WeightedChoice([(.b4, 55), (.b5, 45)])
        case .other: WeightedChoice([(.b3, 40), (.b4, 40), (.b5, 20)])
        default: WeightedChoice([(.b5, 22), (.b6, 42), (.b7, 28), (.b8a, 7), (.b8b, 1)])
        }
    }
}

/// Agenda for Change bands.
enum AfCBand: Sendable {
    case b2, b3, b4, b5, b6, b7, b8a, b8b, b8c, medical, nonAfC

    var code: StaticString {
        switch self {
        case .b2: "2"
        case .b3: "3"
        case .b4: "4"
        case .b5: "5"
        case .b6: "6"
        case .b7: "7"
        case .b8a: "8a"
        case .b8b: "8b"
        case .b8c: "8c"
        case .medical: "medical"
        case .nonAfC: "non_afc"
        }
    }
}

/// Outcome measures and their contract ranges, in the units written to the file.
enum OutcomeTool: Sendable {
    case barthel, mrs, eq5d5l, toms, psfs, none

    var code: StaticString {
        switch self {
        case .barthel: "barthel"
        case .mrs: "mrs"
        case .eq5d5l: "eq5d5l"
        case .toms: "toms"
        case .psfs: "psfs"
        case .none: "none"
        }
    }

    /// Decimal places written: scores are held as integers scaled by 10^places.
    var places: Int {
        switch self {
        case .eq5d5l: 3
        case .toms, .psfs: 1
        default: 0
        }
    }

    /// The valid range, scaled (eq5d5l: -0.594–1.000 → -594…1000).
    var range: ClosedRange<Int> {
        switch self {
        case .barthel: 0...20
        case .mrs: 0...6
        case .eq5d5l: -594...1000
        case .toms: 0...50
        case .psfs: 0...100
        case .none: 0...0
        }
    }

    /// Whether a higher score is better (mRS counts disability, so lower is better).
    var higherIsBetter: Bool { self != .mrs }

    /// The smallest step of the scale, scaled (TOMS moves in halves).
    var step: Int { self == .toms ? 5 : 1 }

    /// Tools used for a service line's discharges.
    static func choices(for line: ServiceLine) -> WeightedChoice<OutcomeTool> { toolMix[line.rawValue] }

    private static let toolMix: [WeightedChoice<OutcomeTool>] = ServiceLine.allCases.map { line in
        switch line {
        case .stroke: WeightedChoice([(.barthel, 50), (.mrs, 35), (.toms, 15)])
        case .neuro: WeightedChoice([(.barthel, 60), (.toms, 40)])
        case .fallsFrailty: WeightedChoice([(.barthel, 70), (.toms, 30)])
        case .cardiac, .pulmonary, .longCovid: WeightedChoice([(.eq5d5l, 85), (.toms, 15)])
        case .msk: WeightedChoice([(.psfs, 75), (.eq5d5l, 25)])
        case .intermediateCare: WeightedChoice([(.barthel, 45), (.toms, 55)])
        case .cancer: WeightedChoice([(.eq5d5l, 60), (.toms, 40)])
        case .general: WeightedChoice([(.toms, 80), (.eq5d5l, 20)])
        }
    }
}

/// Fixed draws that do not depend on the patient.
enum Draws {
    static let sex = WeightedChoice<StaticString>([("1", 4_500), ("2", 5_400), ("9", 30), ("X", 70)])

    /// Recorded ethnic categories (2001 census groups), shaped on England's older population.
    static let ethnicity = WeightedChoice<StaticString>([
        ("A", 7_900), ("B", 110), ("C", 420), ("D", 40), ("E", 30), ("F", 50), ("G", 60), ("H", 270),
        ("J", 190), ("K", 70), ("L", 140), ("M", 140), ("N", 150), ("P", 40), ("R", 60), ("S", 130),
    ])
    static let ethnicityNotRecorded = WeightedChoice<StaticString>([("Z", 55), ("99", 45)])

    static let referralSource = WeightedChoice<StaticString>([
        ("gp", 36), ("acute_discharge", 26), ("self", 11), ("community_service", 12), ("social_care", 6),
        ("other", 9),
    ])

    static let mode = WeightedChoice<ContactMode>([(.faceToFace, 72), (.telephone, 15), (.video, 6), (.group, 7)])
    static let faceToFaceSetting = WeightedChoice<StaticString>([
        ("home", 50), ("clinic", 40), ("care_home", 6), ("community_venue", 4),
    ])
    static let groupSetting = WeightedChoice<StaticString>([("clinic", 55), ("community_venue", 45)])
    static let postSetting = WeightedChoice<StaticString>([
        ("home", 44), ("clinic", 36), ("community_bed", 9), ("care_home", 5), ("community_venue", 6),
    ])

    /// FTE in tenths.
    static let fte = WeightedChoice<Int>([(10, 56), (8, 15), (6, 11), (5, 10), (4, 8)])
}

/// How a referral stood at the end of the period.
enum ReferralOutcome: Sendable {
    case open, discharged, rejected, didNotAttend, withdrawn

    var code: StaticString {
        switch self {
        case .open: "open"
        case .discharged: "discharged"
        case .rejected: "rejected"
        case .didNotAttend: "did_not_attend"
        case .withdrawn: "withdrawn"
        }
    }
}

/// Whether a contact took place.
enum Attendance: Sendable {
    case attended, didNotAttend, cancelledByPatient, cancelledByProvider

    var code: StaticString {
        switch self {
        case .attended: "attended"
        case .didNotAttend: "did_not_attend"
        case .cancelledByPatient: "cancelled_by_patient"
        case .cancelledByProvider: "cancelled_by_provider"
        }
    }
}

/// How a contact took place.
enum ContactMode: Sendable {
    case faceToFace, telephone, video, group

    var code: StaticString {
        switch self {
        case .faceToFace: "face_to_face"
        case .telephone: "telephone"
        case .video: "video"
        case .group: "group"
        }
    }
}

/// Wrong values of the kinds seen in real extracts, for planted defects.
enum WrongValues {
    static let sex: [StaticString] = ["M", "F", "U", "male"]
    static let attendance: [StaticString] = ["DNA", "Attended", "5", "Y"]
    /// One holds a comma, so the file also exercises RFC 4180 quoting.
    static let profession = ["physio", "Physiotherapist", "OT", "HCA", "physiotherapist, band 6"]
}

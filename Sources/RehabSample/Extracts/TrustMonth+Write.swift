import RehabCore

extension TrustMonth {
    /// What one trust's files came to.
    struct Written {
        var files: [(name: String, rows: Int)] = []
        var defects: [Int] = Array(repeating: 0, count: DefectKind.allCases.count)
    }

    /// A patient, kept for a while so that some later referrals are for the same person.
    private struct Patient {
        var person: AreaSampler.Person
        /// Ten-digit NHS number with a valid check digit, or 0 when not known.
        var nhsNumber: Int
        /// Local patient id number (`P…`), or 0 when not filled.
        var localID: Int
        var sex: StaticString
        var ethnicity: StaticString
    }

    /// Writes the trust's three files into `directory`.
    ///
    /// - Throws: `RehabError` (`.output`) when a file cannot be written.
    func write(to directory: String) throws -> Written {
        var written = Written()
        let org = Array(trust.ods.utf8)
        func fileName(_ kind: ExtractKind) -> String {
            SubmissionName(orgCode: trust.ods, kind: kind, period: period, format: .csv).stem + ".csv"
        }
        let referralFile = try ByteWriter(
            directory: directory,
            name: fileName(.referrals),
            header: Columns.referrals
        )
        let contactFile = try ByteWriter(directory: directory, name: fileName(.contacts), header: Columns.contacts)
        var referralDefects = DefectPlanner(extract: .referrals, rate: defectRate)
        var contactDefects = DefectPlanner(extract: .contacts, rate: defectRate)
        try writeReferrals(org: org, referralFile, contactFile, &referralDefects, &contactDefects)
        try referralFile.finish()
        try contactFile.finish()

        let workforceFile = try ByteWriter(
            directory: directory,
            name: fileName(.workforce),
            header: Columns.workforce
        )
        var workforceDefects = DefectPlanner(extract: .workforce, rate: defectRate)
        writeWorkforce(org: org, workforceFile, &workforceDefects)
        try workforceFile.finish()

        for file in [referralFile, contactFile, workforceFile] { written.files.append((file.name, file.rows)) }
        for planner in [referralDefects, contactDefects, workforceDefects] {
            for (kind, count) in planner.planted.enumerated() { written.defects[kind] += count }
        }
        return written
    }

    // MARK: - Referrals and contacts

    private func writeReferrals(
        org: [UInt8],
        _ out: ByteWriter,
        _ contactsOut: ByteWriter,
        _ defects: inout DefectPlanner,
        _ contactDefects: inout DefectPlanner
    ) throws {
        var rng = SampleRandom(seed: seed, SampleRandom.key(trust.ods), UInt64(period.year * 12 + period.month), 1)
        let start = period.start
        let end = period.end
        let (ratePerDay, firstShare) = contactRate()
        let wholePerDay = Int(ratePerDay)
        let fractionPerDay = ratePerDay - Double(wholePerDay)

        let referralPrefix = org + Array("-R".utf8)
        let contactPrefix = org + Array("-C".utf8)
        let lsoaPrefix = Array("E01".utf8)
        let patientPrefix = Array("P".utf8)
        var nextReferral = 10_000_000 + rng.below(20_000_000)
        // Ids never go past base + 3 per referral, so numbers above that are free for orphan contacts.
        let orphanBase = nextReferral + 3 * referrals + 1
        let referralWidth = max(8, String(orphanBase + 1_000_000).count)
        var nextContact = 100_000_000 + rng.below(300_000_000)
        var nextPatient = 10_000_000 + rng.below(10_000_000)

        var recentReferrals = [Int](repeating: 0, count: 64)
        var recentContacts = [Int](repeating: 0, count: 64)
        var recentPatients: [Patient] = []
        recentPatients.reserveCapacity(256)
        var storedReferrals = 0
        var storedContacts = 0
        var contactDays = [Int32](repeating: 0, count: 512)

        for _ in 0..<referrals {
            // The patient: usually new, sometimes someone referred earlier.
            let patient: Patient
            if !recentPatients.isEmpty, rng.chance(0.05) {
                patient = recentPatients[rng.below(recentPatients.count)]
            } else {
                patient = newPatient(&rng, nextLocalID: &nextPatient)
                if recentPatients.count < 256 {
                    recentPatients.append(patient)
                } else {
                    recentPatients[rng.below(256)] = patient
                }
            }
            let person = patient.person
            let line = (person.age < 65 ? ServiceLine.younger : ServiceLine.older).draw(&rng)
            let isUrgent = urgent(line, &rng)
            var t = timeline(quintile: person.quintile, urgent: isUrgent, &rng)
            var tool: OutcomeTool?
            var scores = (start: 0, end: 0)
            if t.outcome == .discharged {
                (tool, scores) = outcome(line: line, quintile: person.quintile, &rng)
            }
            let referralNumber = nextReferral
            nextReferral += rng.chance(0.1) ? 1 + rng.below(3) : 1

            let defect = defects.next(&rng) { kind in
                switch kind {
                case .invalidNHSCheckDigit: patient.nhsNumber != 0
                case .firstContactBeforeReceived: t.firstContact != nil
                case .dischargedWithoutDate: t.firstContact != nil && t.discharge == nil
                case .duplicateReferralID: storedReferrals > 0
                case .scoreOutOfRange: tool != nil && tool != OutcomeTool.none
                default: true
                }
            }
            if defect == .dischargedWithoutDate {
                t.outcome = .discharged
                (tool, scores) = outcome(line: line, quintile: person.quintile, &rng)
            }
            if defect == .scoreOutOfRange, let tool {
                let wild = outOfRange(tool, &rng)
                if rng.chance(0.5) { scores.start = wild } else { scores.end = wild }
            }

            // org_code, referral_id
            out.raw(org)
            if defect == .duplicateReferralID {
                let earlier = recentReferrals[rng.below(min(storedReferrals, recentReferrals.count))]
                out.identifier(referralPrefix, earlier, width: referralWidth)
            } else {
                out.identifier(referralPrefix, referralNumber, width: referralWidth)
                recentReferrals[storedReferrals % recentReferrals.count] = referralNumber
                storedReferrals += 1
            }
            // nhs_number, patient_id
            if patient.nhsNumber == 0 {
                out.empty()
            } else if defect == .invalidNHSCheckDigit {
                let check = patient.nhsNumber % 10
                out.identifier([], patient.nhsNumber - check + (check + 1 + rng.below(9)) % 10, width: 10)
            } else {
                out.identifier([], patient.nhsNumber, width: 10)
            }
            if patient.localID != 0 {
                out.identifier(patientPrefix, patient.localID, width: 8)
            } else if defect == .invalidNHSCheckDigit {
                // Keep the row identifiable, so that the check digit is its only fault.
                out.identifier(patientPrefix, nextPatient, width: 8)
                nextPatient += 1
            } else {
                out.empty()
            }
            // age_at_referral, sex, ethnic_category
            if defect == .ageOutOfRange {
                out.int(rng.chance(0.2) ? 999 : 121 + rng.below(15))
            } else {
                out.int(person.age)
            }
            if defect == .invalidSexCode {
                out.code(WrongValues.sex[rng.below(WrongValues.sex.count)])
            } else {
                out.code(patient.sex)
            }
            if defect == .ethnicCategoryMissing { out.empty() } else { out.code(patient.ethnicity) }
            // lsoa_code
            switch defect {
            case .unknownLSOA:
                out.identifier(lsoaPrefix, 900_000 + rng.below(100_000), width: 6)
            case .malformedLSOA:
                switch rng.below(3) {
                case 0: out.identifier(lsoaPrefix, Int(person.lsoa) % 100_000, width: 5)
                case 1: out.identifier(Array("e01".utf8), Int(person.lsoa), width: 6)
                default: out.identifier(Array("W01".utf8), Int(person.lsoa) % 2_000, width: 6)
                }
            default:
                out.identifier(lsoaPrefix, Int(person.lsoa), width: 6)
            }
            // referral_received_date, referral_source, service_line, priority
            if defect == .legacyDateFormat { out.legacyDate(t.received) } else { out.date(t.received) }
            out.code(Draws.referralSource.draw(&rng))
            if defect == .missingServiceLine { out.empty() } else { out.code(line.code) }
            if rng.chance(0.03) {
                out.empty()
            } else {
                out.code(isUrgent ? "urgent" : "routine")
            }
            // first_contact_date, discharge_date, referral_outcome
            if let first = t.firstContact {
                out.date(defect == .firstContactBeforeReceived ? t.received.adding(days: -1 - rng.below(10)) : first)
            } else {
                out.empty()
            }
            if let discharge = t.discharge, defect != .dischargedWithoutDate {
                out.date(discharge)
            } else {
                out.empty()
            }
            out.code(t.outcome.code)
            // outcome_tool, outcome_score_start, outcome_score_end
            if let tool {
                out.code(tool.code)
                if tool == .none {
                    out.empty()
                    out.empty()
                } else {
                    out.decimal(scores.start, places: tool.places)
                    out.decimal(scores.end, places: tool.places)
                }
            } else {
                out.empty()
                out.empty()
                out.empty()
            }
            out.endRow()

            // A planted referral defect gets no contacts, so that it never shows up again as contact findings.
            guard defect == nil, t.windowDays > 0 else { continue }
            // Follow-up contacts: each day of the window has one with probability ratePerDay (more than one when
            // the rate is above 1), which keeps the dates in order.
            var count = 0
            var day = t.windowStart.ordinal
            if t.firstContactInPeriod {
                guard rng.chance(firstShare) else { continue }
                contactDays[0] = day
                count = 1
                day += 1
            }
            while day <= t.windowEnd.ordinal {
                var onDay = wholePerDay + (rng.chance(fractionPerDay) ? 1 : 0)
                while onDay > 0, count < contactDays.count {
                    contactDays[count] = day
                    count += 1
                    onDay -= 1
                }
                day += 1
            }
            for i in 0..<count {
                let isFirst = i == 0 && t.firstContactInPeriod
                let received = t.received
                var attendance = Attendance.attended
                if !isFirst {
                    let roll = rng.unit()
                    let dna = Self.didNotAttend[person.quintile]
                    if roll < dna {
                        attendance = .didNotAttend
                    } else if roll < dna + 0.03 {
                        attendance = .cancelledByPatient
                    } else if roll < dna + 0.055 {
                        attendance = .cancelledByProvider
                    }
                }
                let attended = attendance == .attended
                let defect = contactDefects.next(&rng) { kind in
                    switch kind {
                    case .contactBeforeReferral: received > start
                    case .durationOutOfRange: attended
                    case .duplicateContactID: storedContacts > 0
                    default: true
                    }
                }
                let mode = Draws.mode.draw(&rng)

                contactsOut.raw(org)
                if defect == .duplicateContactID {
                    let earlier = recentContacts[rng.below(min(storedContacts, recentContacts.count))]
                    contactsOut.identifier(contactPrefix, earlier, width: 9)
                } else {
                    contactsOut.identifier(contactPrefix, nextContact, width: 9)
                    recentContacts[storedContacts % recentContacts.count] = nextContact
                    storedContacts += 1
                    nextContact += 1
                }
                if defect == .orphanReferral {
                    contactsOut.identifier(referralPrefix, orphanBase + rng.below(1_000_000), width: referralWidth)
                } else {
                    contactsOut.identifier(referralPrefix, referralNumber, width: referralWidth)
                }
                switch defect {
                case .contactBeforeReferral:
                    contactsOut.date(start.adding(days: rng.below(Int(received.ordinal - start.ordinal))))
                case .contactOutsidePeriod:
                    let before = start.adding(days: -1 - rng.below(14))
                    contactsOut.date(
                        rng.chance(0.5) && before >= received ? before : end.adding(days: 1 + rng.below(14))
                    )
                default:
                    contactsOut.date(Day(ordinal: contactDays[i]))
                }
                if defect == .invalidAttendance {
                    contactsOut.code(WrongValues.attendance[rng.below(WrongValues.attendance.count)])
                } else {
                    contactsOut.code(attendance.code)
                }
                if defect == .durationOutOfRange {
                    contactsOut.int(rng.chance(0.5) ? 0 : 900)
                } else if attended {
                    contactsOut.int(duration(mode, &rng))
                } else {
                    contactsOut.empty()
                }
                contactsOut.code(line.professions.draw(&rng).code)
                contactsOut.code(mode.code)
                contactsOut.code(setting(mode, line, &rng))
                contactsOut.endRow()
            }
        }
    }

    private func newPatient(_ rng: inout SampleRandom, nextLocalID: inout Int) -> Patient {
        let person = sampler.draw(&rng)
        let nhs = rng.chance(0.9) ? Self.nhsNumber(&rng) : 0
        var local = 0
        if nhs == 0 || rng.chance(0.6) {
            local = nextLocalID
            nextLocalID += 1 + rng.below(3)
        }
        let notRecorded = Self.ethnicityNotRecorded[person.quintile] + character.ethnicityGap
        let ethnicity =
            rng.chance(notRecorded) ? Draws.ethnicityNotRecorded.draw(&rng) : Draws.ethnicity.draw(&rng)
        return Patient(
            person: person,
            nhsNumber: nhs,
            localID: local,
            sex: Draws.sex.draw(&rng),
            ethnicity: ethnicity
        )
    }

    /// A ten-digit NHS number with a valid Modulus 11 check digit, starting 4–9 like numbers issued in England.
    static func nhsNumber(_ rng: inout SampleRandom) -> Int {
        while true {
            var digits = 4 + rng.below(6)
            var sum = digits * 10
            for weight in stride(from: 9, through: 2, by: -1) {
                let digit = rng.below(10)
                digits = digits * 10 + digit
                sum += digit * weight
            }
            var check = 11 - sum % 11
            if check == 11 { check = 0 }
            if check == 10 { continue }
            return digits * 10 + check
        }
    }

    private func outcome(line: ServiceLine, quintile: Int, _ rng: inout SampleRandom) -> (OutcomeTool, (Int, Int)) {
        if rng.chance(Self.outcomeNotRecorded[quintile] + character.outcomeGap) { return (.none, (0, 0)) }
        let tool = OutcomeTool.choices(for: line).draw(&rng)
        let start: Int
        let gain: Int
        let loss: Int
        switch tool {
        case .barthel: (start, gain, loss) = (rng.between(4, 17), rng.between(1, 6), rng.between(1, 3))
        case .mrs: (start, gain, loss) = (rng.between(2, 5), rng.between(1, 2), 1)
        case .eq5d5l: (start, gain, loss) = (rng.between(50, 750), rng.between(20, 250), rng.between(10, 100))
        case .toms: (start, gain, loss) = (rng.between(2, 7) * 5, rng.between(1, 3) * 5, 5)
        case .psfs: (start, gain, loss) = (rng.between(10, 60), rng.between(5, 40), rng.between(3, 15))
        case .none: return (.none, (0, 0))
        }
        let roll = rng.unit()
        let change = roll < 0.78 ? gain : roll < 0.93 ? 0 : -loss
        let end = min(
            tool.range.upperBound,
            max(tool.range.lowerBound, start + (tool.higherIsBetter ? change : -change))
        )
        return (tool, (start, end))
    }

    /// A score outside the tool's range, of the kinds seen in real extracts (a 100-point Barthel, a percentage).
    private func outOfRange(_ tool: OutcomeTool, _ rng: inout SampleRandom) -> Int {
        switch tool {
        case .barthel: rng.between(21, 100)
        case .mrs: rng.between(7, 9)
        case .eq5d5l: rng.chance(0.5) ? rng.between(1_250, 2_000) : -rng.between(700, 1_000)
        case .toms: rng.between(11, 20) * 5
        case .psfs: rng.between(11, 20) * 10
        case .none: 0
        }
    }

    private func duration(_ mode: ContactMode, _ rng: inout SampleRandom) -> Int {
        switch mode {
        case .telephone: rng.between(15, 30)
        case .video: rng.between(20, 45)
        case .group: rng.between(45, 90)
        case .faceToFace: rng.between(30, 75)
        }
    }

    private func setting(_ mode: ContactMode, _ line: ServiceLine, _ rng: inout SampleRandom) -> StaticString {
        switch mode {
        case .telephone, .video: "virtual"
        case .group: Draws.groupSetting.draw(&rng)
        case .faceToFace:
            line == .intermediateCare && rng.chance(0.35) ? "community_bed" : Draws.faceToFaceSetting.draw(&rng)
        }
    }

    // MARK: - Workforce

    /// Posts: about one FTE per 25 referrals a month, at least 60 and at most 600 posts (a national-size month of
    /// 10,000 referrals per trust has 500 posts a trust, about 100,000 workforce rows over 200 trusts).
    var posts: Int { min(600, max(60, Int((Double(referrals) / 25 / 0.8).rounded()))) }

    private func writeWorkforce(org: [UInt8], _ out: ByteWriter, _ defects: inout DefectPlanner) {
        var rng = SampleRandom(seed: seed, SampleRandom.key(trust.ods), UInt64(period.year * 12 + period.month), 3)
        let start = period.start
        let end = period.end
        let staffPrefix = Array("S".utf8)
        let postPrefix = Array("V".utf8)
        var nextStaff = 1_000_000 + rng.below(8_000_000)
        var ids: [(vacant: Bool, number: Int)] = []
        for _ in 0..<posts {
            let line = ServiceLine.posts.draw(&rng)
            let profession = line.professions.draw(&rng)
            let vacant = rng.chance(character.vacancy)
            let defect = defects.next(&rng) { kind in
                switch kind {
                case .ahpNotRegistered: profession.isAHP
                case .duplicateStaffID: !ids.isEmpty
                default: true
                }
            }
            out.raw(org)
            if defect == .snapshotOutsidePeriod {
                out.date(rng.chance(0.5) ? end.adding(days: 1 + rng.below(20)) : start.adding(days: -1 - rng.below(20)))
            } else {
                out.date(end)
            }
            if defect == .duplicateStaffID {
                let earlier = ids[rng.below(ids.count)]
                out.identifier(earlier.vacant ? postPrefix : staffPrefix, earlier.number, width: 7)
            } else {
                out.identifier(vacant ? postPrefix : staffPrefix, nextStaff, width: 7)
                ids.append((vacant, nextStaff))
                nextStaff += 1 + rng.below(4)
            }
            out.code(vacant ? "vacant" : "filled")
            if defect == .invalidProfession {
                out.text(WrongValues.profession[rng.below(WrongValues.profession.count)])
            } else {
                out.code(profession.code)
            }
            out.code(profession.isRegistered && defect != .ahpNotRegistered ? "Y" : "N")
            out.code(profession.bands.draw(&rng).code)
            if defect == .fteOutOfRange {
                out.decimal(rng.chance(0.5) ? 0 : 20, places: 1)
            } else {
                out.decimal(Draws.fte.draw(&rng), places: 1)
            }
            out.code(line.code)
            out.code(
                line == .intermediateCare && rng.chance(0.4) ? "community_bed" : Draws.postSetting.draw(&rng)
            )
            out.endRow()
        }
    }
}

import Foundation
import RehabCore
import RehabReport
import RehabValidate

/// The files of one command (`validate`, `load`, `run`) in the order the validator needs them, and the reports each
/// one gets: files of one trust and period together, referrals first, so that each contact is checked against the
/// trust's referrals of that period.
struct SubmissionBatch: Sendable {
    /// Files of one trust and period (or one file whose name does not say), referrals, contacts, workforce.
    struct Group: Sendable {
        let files: [String]
        /// Whether a contacts file is among them: only then is a referral index worth building.
        let hasContacts: Bool
    }

    let groups: [Group]
    /// How many files in all.
    var fileCount: Int { groups.map(\.files.count).reduce(0, +) }

    init(_ files: [String]) {
        groups = Self.grouped(files).map { files in
            Group(
                files: files,
                hasContacts: files.contains { SubmissionName(fileName: Self.fileName($0))?.kind == .contacts }
            )
        }
    }

    /// What a file's step is given: the group's referral index so far, and whether to build one from this file.
    struct Referrals {
        /// The index built from the group's referrals file, once it has been read.
        private(set) var index: ReferralIndex?
        fileprivate let hasContacts: Bool
        /// Whether the step should return an index built from its file (it is the group's referrals, and a contacts
        /// file will need it).
        var collect: Bool { hasContacts && index == nil }

        /// Takes the index a step returned, if it built one.
        mutating func keep(_ built: ReferralIndex?) {
            if let built { index = built }
        }
    }

    /// Runs `step` on each file of a group, in order, carrying the referral index from file to file.
    static func walk<T>(
        _ group: Group,
        _ step: (_ path: String, _ referrals: inout Referrals) throws -> T
    ) rethrows -> [T] {
        var referrals = Referrals(index: nil, hasContacts: group.hasContacts)
        return try group.files.map { try step($0, &referrals) }
    }

    /// Writes a file's reports: `<folder>/<stem>.json`, `.html`, `.findings.csv` and `.xlsx`, with its score trend
    /// when given. The quarantine CSV is written by the sink that saw the rows.
    static func writeReports(
        _ result: ValidationResult,
        trend: [ScorePoint]? = nil,
        findingsPerRule: Int = JSONReport.defaultFindingsPerRule,
        folder: String,
        file: String
    ) throws {
        try SubmissionReports.write(
            result,
            trend: trend,
            findingsPerRule: findingsPerRule,
            base: "\(folder)/\(reportStem(file))"
        )
    }

    /// Files grouped by trust and period, each group ordered referrals, contacts, workforce. A file whose name
    /// does not follow the contract is a group of its own.
    static func grouped(_ files: [String]) -> [[String]] {
        var keyed: [SubmissionGroup: [String]] = [:]
        var order: [SubmissionGroup] = []
        var loose: [[String]] = []
        for file in files {
            guard let name = SubmissionName(fileName: fileName(file)) else {
                loose.append([file])
                continue
            }
            let key = SubmissionGroup(orgCode: name.orgCode, period: name.period)
            if keyed[key] == nil { order.append(key) }
            keyed[key, default: []].append(file)
        }
        let sorted = order.map { key in
            keyed[key]!.sorted {
                (SubmissionName(fileName: fileName($0))!.kind, $0) < (SubmissionName(fileName: fileName($1))!.kind, $1)
            }
        }
        return sorted + loose
    }

    /// The last component of a path.
    static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// The file name without its extension, shortened to fit: its reports are the stem and each ending of
    /// `SubmissionReports.parts` (`SubmissionReports.stem`).
    static func reportStem(_ path: String) -> String { SubmissionReports.stem(of: path) }
}

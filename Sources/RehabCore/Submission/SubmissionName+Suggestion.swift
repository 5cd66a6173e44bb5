extension SubmissionName {
    /// The name a trust most likely meant, for a file name that does not follow the contract: the ODS code in upper
    /// case, the kind spelt as the contract spells it (`referral` → `referrals`), the period as `YYYY-MM`
    /// (`2025_09`, `202509`, `09-2025`, `Sep 2025`), the separators as underscores and the extension in lower case.
    /// Nil when no reading of the name gives one that follows the contract.
    public static func suggestion(for fileName: String) -> String? {
        guard SubmissionName(fileName: fileName) == nil else { return nil }
        let lower = fileName.lowercased()
        let ext: String
        if lower.hasSuffix(".csv") {
            ext = "csv"
        } else if lower.hasSuffix(".xlsx") {
            ext = "xlsx"
        } else if lower.hasSuffix(".txt") {
            ext = "csv"
        } else {
            return nil
        }
        let stem = lower.dropLast(ext == "xlsx" ? 5 : 4)
        // Words and numbers, whatever separates them.
        var tokens: [String] = []
        var current = ""
        for ch in stem {
            if ch.isLetter || ch.isNumber {
                current.append(ch)
            } else if !current.isEmpty {
                tokens.append(current)
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(current) }
        guard tokens.count >= 3 else { return nil }

        let org = tokens[0].uppercased()
        guard isODSCode(org.utf8) else { return nil }
        guard let kind = kind(from: tokens[1]) else { return nil }
        guard let period = period(from: Array(tokens.dropFirst(2))) else { return nil }
        let name = "\(org)_\(kind.rawValue)_\(period).\(ext)"
        return SubmissionName(fileName: name) == nil ? nil : name
    }

    /// The kind a word most likely names.
    static func kind(from word: String) -> ExtractKind? {
        switch word {
        case "referrals", "referral", "refs", "ref": .referrals
        case "contacts", "contact", "activity", "activities", "appointments", "appointment": .contacts
        case "workforce", "workforces", "staff", "posts", "post": .workforce
        default: nil
        }
    }

    /// `YYYY-MM` from the tokens after the kind: `2025 09`, `202509`, `09 2025`, `sep 2025`, `2025 sep`.
    static func period(from tokens: [String]) -> String? {
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        func month(_ token: String) -> Int? {
            if let n = Int(token), (1...12).contains(n), token.count <= 2 { return n }
            if let i = months.firstIndex(where: { token.hasPrefix($0) }) { return i + 1 }
            return nil
        }
        func year(_ token: String) -> Int? {
            guard token.count == 4, let n = Int(token), (2000...2099).contains(n) else { return nil }
            return n
        }
        var y: Int?
        var m: Int?
        switch tokens.count {
        case 1 where tokens[0].count == 6:  // 202509
            y = year(String(tokens[0].prefix(4)))
            m = month(String(tokens[0].suffix(2)))
        case 2:
            if let a = year(tokens[0]), let b = month(tokens[1]) {
                (y, m) = (a, b)
            } else if let a = month(tokens[0]), let b = year(tokens[1]) {
                (y, m) = (b, a)
            }
        default:
            break
        }
        guard let y, let m else { return nil }
        return "\(y)-\(m < 10 ? "0" : "")\(m)"
    }
}

import Crypto
import Foundation
import RehabCore
import RehabIngest

/// Where a rule comes from.
public struct RuleBasis: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable {
        /// A published source behind the project's asks: `ref` is its title and `quote` a short quote.
        case seed
        /// A Community Services Data Set item.
        case csds
        /// An NHS Data Dictionary code list or item.
        case data_dictionary
        /// The extract contract.
        case contract
    }

    public var kind: Kind
    public var ref: String
    public var quote: String?
}

/// Which extracts a rule applies to.
public enum RuleScope: String, Sendable, Codable, Hashable {
    case referrals, contacts, workforce, any

    func includes(_ kind: ExtractKind) -> Bool { self == .any || rawValue == kind.rawValue }
}

/// One rule of the catalogue.
public struct Rule: Sendable, Codable, Hashable, Identifiable {
    public var id: String
    public var appliesTo: RuleScope
    public var check: CheckKind
    public var column: String?
    public var severity: Severity
    public var message: String
    public var guidance: String
    public var basis: RuleBasis

    // Parameters; which ones a check uses is in docs/rule-catalogue.md.
    public var after: String?
    public var fallback: String?
    /// Every condition must hold (a single mapping or a list).
    public var when: [Condition]?
    public var then: Condition?
    public var limit: String?
    public var toolColumn: String?
    public var ranges: [String: [Double]]?
    public var minimum: Double?
    public var maximum: Double?
    public var referralColumn: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, check, column, severity, message, guidance, basis, after, fallback, when, then, limit, ranges
        case minimum, maximum
        case appliesTo = "applies_to"
        case toolColumn = "tool_column"
        case referralColumn = "referral_column"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        appliesTo = try c.decode(RuleScope.self, forKey: .appliesTo)
        check = try c.decode(CheckKind.self, forKey: .check)
        column = try c.decodeIfPresent(String.self, forKey: .column)
        severity = try c.decode(Severity.self, forKey: .severity)
        message = try c.decode(String.self, forKey: .message)
        guidance = try c.decode(String.self, forKey: .guidance)
        basis = try c.decode(RuleBasis.self, forKey: .basis)
        after = try c.decodeIfPresent(String.self, forKey: .after)
        fallback = try c.decodeIfPresent(String.self, forKey: .fallback)
        if let list = try? c.decodeIfPresent([Condition].self, forKey: .when) {
            when = list
        } else {
            when = try c.decodeIfPresent(Condition.self, forKey: .when).map { [$0] }
        }
        then = try c.decodeIfPresent(Condition.self, forKey: .then)
        limit = try c.decodeIfPresent(String.self, forKey: .limit)
        toolColumn = try c.decodeIfPresent(String.self, forKey: .toolColumn)
        ranges = try c.decodeIfPresent([String: [Double]].self, forKey: .ranges)
        minimum = try c.decodeIfPresent(Double.self, forKey: .minimum)
        maximum = try c.decodeIfPresent(Double.self, forKey: .maximum)
        referralColumn = try c.decodeIfPresent(String.self, forKey: .referralColumn)
    }
}

/// The versioned rule catalogue, read from `pipelines/rules/`.
public struct RuleCatalogue: Sendable {
    /// The catalogue's name.
    public let name: String
    /// The catalogue version, recorded in every report as `ruleset_version`.
    public let version: String
    /// The contract version the catalogue was written against.
    public let contractVersion: String
    /// Every rule, in file order (`file.yaml` first, then the others by name).
    public let rules: [Rule]
    /// Which catalogue this is, for every report: where it was read from and a digest of its content.
    public let identity: Identity

    /// Which catalogue a report was made with. Two catalogues with the same version can differ (a folder edited
    /// by hand); the digest cannot.
    public struct Identity: Sendable, Hashable {
        /// "built in", or the folder the catalogue was read from.
        public var source: String
        /// SHA-256, lower-case hex, of every file of the catalogue: its name, a line feed, its text and a NUL, in
        /// name order.
        public var sha256: String
        /// Set when a folder's catalogue claims the version built into this rehabcount but its content differs.
        public var warning: String?

        public init(source: String, sha256: String, warning: String? = nil) {
            self.source = source
            self.sha256 = sha256
            self.warning = warning
        }
    }

    /// The digest of a catalogue's files (`Identity.sha256`).
    static func digest(of source: ConfigSource) -> String {
        var hash = SHA256()
        for name in source.yamlNames.sorted() {
            hash.update(data: Array(name.utf8) + [0x0A])
            hash.update(data: Array((source.text(of: name) ?? "").utf8) + [0x00])
        }
        return hash.finalize().hexString
    }

    /// The catalogue version and digest built into this executable.
    public static let builtIn: (version: String, sha256: String) = {
        let source = ConfigSource.builtIn("rules")
        let header = try? YAMLFile.decode(Header.self, "catalogue.yaml", in: source)
        return (header?.version ?? "", digest(of: source))
    }()

    struct Header: Decodable {
        var catalogue: String
        var version: String
        var contract_version: String
        var description: String?
    }

    struct RulesFile: Decodable {
        var rules: [Rule]
    }

    /// Loads the catalogue and checks every rule against the contracts.
    ///
    /// - Throws: `RehabError.Code.configuration` naming the file, line and key of the first problem.
    public init(directory: String, contracts: ContractSet) throws {
        try self.init(source: .directory(directory), contracts: contracts)
    }

    /// Loads the catalogue from a folder or the built-in copy, and checks every rule against the contracts.
    public init(source: ConfigSource, contracts: ContractSet) throws {
        let header = try YAMLFile.decode(Header.self, "catalogue.yaml", in: source)
        guard header.contract_version == contracts.version else {
            throw RehabError(
                .configuration,
                "The rule catalogue \(header.version) is written for contract version \(header.contract_version), but the contracts are version \(contracts.version).",
                hint: "Use the catalogue and contracts from the same release."
            )
        }
        let files = source.yamlNames.filter { $0 != "catalogue.yaml" }
            .sorted { ($0 == "file.yaml" ? "" : $0) < ($1 == "file.yaml" ? "" : $1) }
        var rules: [Rule] = []
        var seen: [String: String] = [:]
        for file in files {
            let path = source.path(of: file)
            for rule in try YAMLFile.decode(RulesFile.self, file, in: source).rules {
                if let other = seen[rule.id] {
                    throw RehabError(.configuration, "Rule \(rule.id) is defined in both \(other) and \(file).")
                }
                seen[rule.id] = file
                try Self.check(rule, against: contracts, file: path)
                rules.append(rule)
            }
        }
        guard !rules.isEmpty else {
            throw RehabError(
                .configuration,
                "No rules found in \(source.description).",
                hint: "Point --config-dir at a RehabCount checkout."
            )
        }
        self.name = header.catalogue
        self.version = header.version
        self.contractVersion = header.contract_version
        self.rules = rules
        let sha256 = Self.digest(of: source)
        switch source {
        case .builtIn:
            identity = Identity(source: "built in", sha256: sha256)
        case .directory(let directory):
            let builtIn = Self.builtIn
            let differs = header.version == builtIn.version && sha256 != builtIn.sha256
            identity = Identity(
                source: directory,
                sha256: sha256,
                warning: differs
                    ? "The rule catalogue in \(directory) says it is version \(header.version), the version built into "
                        + "this rehabcount, but its rules differ from the built-in ones (SHA-256 "
                        + "\(sha256.prefix(12))…, built in \(builtIn.sha256.prefix(12))…): findings and scores made with it "
                        + "are not comparable with other trusts'." : nil
            )
        }
    }

    /// The rules that apply to one extract kind.
    public func rules(for kind: ExtractKind) -> [Rule] { rules.filter { $0.appliesTo.includes(kind) } }

    /// The rule with this id.
    public func rule(id: String) -> Rule? { rules.first { $0.id == id } }

    static func check(_ rule: Rule, against contracts: ContractSet, file: String) throws {
        let catalogue = CatalogueCheck(rule: rule, contracts: contracts, file: file)
        guard let kind = RuleKinds.kind(named: rule.check.rawValue) else {
            throw catalogue.fail("\(rule.check.rawValue) is not a kind of check")
        }
        switch kind.columnUse {
        case .none:
            if rule.column != nil { throw catalogue.fail("check \(rule.check.rawValue) takes no `column`") }
        case .required:
            try catalogue.requireColumn(rule.column, "column")
            guard rule.appliesTo != .any else {
                throw catalogue.fail("a column check must name one extract in `applies_to`")
            }
        case .ignored:
            break
        }
        for condition in (rule.when ?? []) + [rule.then].compactMap({ $0 }) {
            try catalogue.requireColumn(condition.column, "when/then column")
        }
        try kind.check(rule, catalogue)
    }
}

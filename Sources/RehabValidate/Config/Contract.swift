import Foundation
import RehabCore

/// The type of a contract column, which decides how its values are parsed.
public enum ColumnType: String, Sendable, Codable, BitwiseCopyable {
    case text
    case ods_code
    case nhs_number
    case integer
    case decimal
    case date
    case code
    case lsoa_code
}

/// How strongly the contract asks for a column.
public enum ColumnStatus: String, Sendable, Codable {
    /// Mandatory: the row is rejected if it is missing or invalid.
    case M
    /// Required: counted against completeness and warned about; the row is kept.
    case R
    /// Optional.
    case O
}

/// A condition on one column of a row, used by conditional requirements and `implies` rules.
public struct Condition: Sendable, Codable, Hashable {
    /// The column tested.
    public var column: String
    /// The value is one of these codes.
    public var `in`: [String]?
    /// The value is non-empty and not one of these codes.
    public var notIn: [String]?
    /// The value is empty (true) or not (false).
    public var empty: Bool?

    enum CodingKeys: String, CodingKey {
        case column
        case `in`
        case notIn = "not_in"
        case empty
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["column", "in", "not_in", "empty"])
        let c = try decoder.container(keyedBy: CodingKeys.self)
        column = try c.decode(String.self, forKey: .column)
        self.in = try c.decodeIfPresent([String].self, forKey: .in)
        notIn = try c.decodeIfPresent([String].self, forKey: .notIn)
        empty = try c.decodeIfPresent(Bool.self, forKey: .empty)
        let tests = [self.in != nil, notIn != nil, empty != nil].filter { $0 }.count
        guard tests == 1 else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "give exactly one of `in`, `not_in`, `empty`")
            )
        }
    }
}

/// One column of an extract contract.
public struct ColumnSpec: Sendable, Codable, Hashable {
    public var name: String
    public var type: ColumnType
    public var status: ColumnStatus
    public var description: String
    /// For `code` columns: the name of the code list.
    public var codes: String?
    /// For `text` columns: the longest value accepted, in characters.
    public var maxLength: Int?
    public var min: Double?
    public var max: Double?
    /// Whether `min` itself is outside the range.
    public var minExclusive: Bool?
    /// The column is required only when this holds (for example outcome_tool when discharged).
    public var requiredWhen: Condition?
    /// Its values could identify a person (the NHS number, a patient id, free text): reports never show them. An
    /// NHS number column is identifying whatever this says.
    public var identifying: Bool

    enum CodingKeys: String, CodingKey {
        case name, type, status, description, codes, min, max, identifying
        case maxLength = "max_length"
        case minExclusive = "min_exclusive"
        case requiredWhen = "required_when"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(
            [
                "name", "type", "status", "description", "codes", "max_length", "min", "max", "min_exclusive",
                "required_when", "identifying",
            ]
        )
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        type = try c.decode(ColumnType.self, forKey: .type)
        status = try c.decode(ColumnStatus.self, forKey: .status)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        codes = try c.decodeIfPresent(String.self, forKey: .codes)
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength)
        min = try c.decodeIfPresent(Double.self, forKey: .min)
        max = try c.decodeIfPresent(Double.self, forKey: .max)
        minExclusive = try c.decodeIfPresent(Bool.self, forKey: .minExclusive)
        identifying = try c.decodeIfPresent(Bool.self, forKey: .identifying) ?? false || type == .nhs_number
        requiredWhen = try c.decodeIfPresent(Condition.self, forKey: .requiredWhen)
        if type == .code, codes == nil {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "a `code` column needs `codes`")
            )
        }
    }
}

/// A named list of codes, with the codes that count as "not recorded" for completeness.
public struct CodeList: Sendable, Codable, Hashable {
    public var source: String
    public var codes: [String]
    public var notRecorded: [String]

    enum CodingKeys: String, CodingKey {
        case source, codes
        case notRecorded = "not_recorded"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["source", "codes", "not_recorded"])
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(String.self, forKey: .source)
        codes = try c.decode([String].self, forKey: .codes)
        notRecorded = try c.decodeIfPresent([String].self, forKey: .notRecorded) ?? []
    }
}

/// A column the loader computes from a row's contract columns for `core`; it is not in the file.
public struct DerivedColumn: Sendable, Decodable, Hashable {
    /// How the value is computed.
    public enum Rule: Sendable, Hashable {
        /// Whole days from the first date column to the second; NULL when either is empty or not a date.
        case daysBetween(from: String, to: String)
        /// The European Standard Population 2013 age band of an integer age column (0-4 ... 85-89, 90+);
        /// NULL outside 0-120.
        case espAgeBand(age: String)
    }

    public var name: String
    public var rule: Rule
    public var description: String

    enum CodingKeys: String, CodingKey {
        case name, description
        case daysBetween = "days_between"
        case espAgeBand = "esp_age_band"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["name", "description", "days_between", "esp_age_band"])
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        let days = try c.decodeIfPresent([String].self, forKey: .daysBetween)
        let age = try c.decodeIfPresent(String.self, forKey: .espAgeBand)
        switch (days, age) {
        case (let days?, nil) where days.count == 2: rule = .daysBetween(from: days[0], to: days[1])
        case (nil, let age?): rule = .espAgeBand(age: age)
        default:
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        "a derived column needs exactly one of `days_between: [from, to]` or `esp_age_band: column`"
                )
            )
        }
    }

    /// The contract columns it reads, with the type each must have.
    var inputs: [(column: String, type: ColumnType)] {
        switch rule {
        case .daysBetween(let from, let to): [(from, .date), (to, .date)]
        case .espAgeBand(let age): [(age, .integer)]
        }
    }
}

/// The contract for one extract kind: its columns, in header order.
public struct Contract: Sendable, Hashable {
    public let kind: ExtractKind
    public let version: String
    public let description: String
    public let columns: [ColumnSpec]
    /// The column that identifies a row within a submission (`key:`). The loader keeps `core` to one row per key
    /// through the catalogue's `unique` check on it.
    public let key: String
    /// Columns the loader adds for `core`, computed from the row.
    public let derived: [DerivedColumn]
    /// The code lists the columns refer to.
    public let codeLists: [String: CodeList]

    /// The column with this name.
    public func column(named name: String) -> ColumnSpec? { columns.first { $0.name == name } }

    /// The index of the column with this name.
    public func index(of name: String) -> Int? { columns.firstIndex { $0.name == name } }
}

/// All extract contracts of one version, read from `pipelines/contracts/`.
public struct ContractSet: Sendable {
    public let version: String
    public let contracts: [ExtractKind: Contract]

    public subscript(kind: ExtractKind) -> Contract { contracts[kind]! }

    struct CodeListFile: Decodable {
        var version: String
        var code_lists: [String: CodeList]
    }

    struct ContractFile: Decodable {
        var contract: ExtractKind
        var version: String
        var description: String?
        var key: String
        var columns: [ColumnSpec]
        var derived: [DerivedColumn]?
    }

    /// Loads `code-lists.yaml` and one file per extract kind from a folder.
    ///
    /// - Throws: `RehabError.Code.configuration`, naming the file, line and key, when a file is missing or invalid.
    public init(directory: String) throws {
        try self.init(source: .directory(directory))
    }

    /// Loads `code-lists.yaml` and one file per extract kind from a folder or the built-in copy.
    public init(source: ConfigSource) throws {
        let lists = try YAMLFile.decode(CodeListFile.self, "code-lists.yaml", in: source)
        var contracts: [ExtractKind: Contract] = [:]
        for kind in ExtractKind.allCases {
            let path = source.path(of: "\(kind.rawValue).yaml")
            let file = try YAMLFile.decode(ContractFile.self, "\(kind.rawValue).yaml", in: source)
            guard file.contract == kind, file.version == lists.version else {
                throw RehabError(
                    .configuration,
                    "\(path) declares contract \(file.contract.rawValue) version \(file.version); expected \(kind.rawValue) version \(lists.version).",
                    hint: "Every contract file of one version must say the same version as code-lists.yaml."
                )
            }
            var names = Set<String>()
            for column in file.columns {
                guard names.insert(column.name).inserted else {
                    throw RehabError(.configuration, "\(path): column \(column.name) is declared twice.")
                }
                if let list = column.codes, lists.code_lists[list] == nil {
                    throw RehabError(
                        .configuration,
                        "\(path): column \(column.name) names code list \(list), which code-lists.yaml does not define."
                    )
                }
            }
            for column in file.columns {
                if let condition = column.requiredWhen, !names.contains(condition.column) {
                    throw RehabError(
                        .configuration,
                        "\(path): column \(column.name) is required when \(condition.column), which is not a column."
                    )
                }
            }
            guard names.contains(file.key) else {
                throw RehabError(.configuration, "\(path): key \(file.key) is not a column.")
            }
            for derived in file.derived ?? [] {
                for input in derived.inputs
                where file.columns.first(where: { $0.name == input.column })?.type != input.type {
                    throw RehabError(
                        .configuration,
                        "\(path): derived column \(derived.name) reads \(input.column), which is not a \(input.type.rawValue) column."
                    )
                }
                guard names.insert(derived.name).inserted else {
                    throw RehabError(.configuration, "\(path): column \(derived.name) is declared twice.")
                }
            }
            contracts[kind] = Contract(
                kind: kind,
                version: file.version,
                description: file.description ?? "",
                columns: file.columns,
                key: file.key,
                derived: file.derived ?? [],
                codeLists: lists.code_lists
            )
        }
        self.version = lists.version
        self.contracts = contracts
    }
}

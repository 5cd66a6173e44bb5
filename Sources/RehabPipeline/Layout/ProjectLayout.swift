import Foundation
import RehabCore
import RehabValidate

/// Where RehabCount finds its configuration: contracts, rules and reference data.
///
/// A trust may run the validator from anywhere, so the folder is searched for in order: the `--config-dir`
/// option, the `REHABCOUNT_HOME` variable, the working directory, and the folders above the executable (which
/// finds the checkout the binary was built in).
public struct ProjectLayout: Sendable {
    /// The folder holding `pipelines/` and `sample-data/`; empty for the built-in configuration.
    public let root: String
    /// No folder was found: the contracts, rules and validation reference data built into the executable are used.
    public var isBuiltIn: Bool { root.isEmpty }

    /// The configuration built into the executable, for a validator copied on its own.
    public static let builtIn = ProjectLayout(root: "")

    /// Where the contracts are read from.
    public var contracts: ConfigSource { isBuiltIn ? .builtIn("contracts") : .directory(contractsDirectory) }
    /// Where the rule catalogue is read from.
    public var rules: ConfigSource { isBuiltIn ? .builtIn("rules") : .directory(rulesDirectory) }

    public var contractsDirectory: String { "\(root)/pipelines/contracts" }
    public var rulesDirectory: String { "\(root)/pipelines/rules" }
    public var referenceDirectory: String { "\(root)/sample-data/reference" }
    /// Whether the folder has reference data of its own; validation falls back to the built-in copy if not.
    public var hasReferenceData: Bool {
        !isBuiltIn && FileManager.default.fileExists(atPath: referenceDirectory)
    }

    public init(root: String) {
        self.root = root
    }

    /// Finds the configuration folder.
    ///
    /// - Throws: `RehabError.Code.configuration` listing the places searched.
    /// - Parameter builtIn: whether, when no folder is found, the configuration built into the executable will do
    ///   (validation needs nothing else; loading and migrations need the folder).
    public static func locate(
        explicit: String?,
        builtIn: Bool = false,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ProjectLayout {
        if let explicit {
            guard isRoot(explicit) else {
                throw RehabError(
                    .configuration,
                    "\(explicit) does not hold pipelines/contracts and pipelines/rules.",
                    hint: "Point --config-dir at a RehabCount checkout or release folder."
                )
            }
            return ProjectLayout(root: explicit)
        }
        var candidates: [String] = []
        if let home = environment["REHABCOUNT_HOME"], !home.isEmpty { candidates.append(home) }
        candidates.append(FileManager.default.currentDirectoryPath)
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(folder.path)
            folder = folder.deletingLastPathComponent()
        }
        if let found = candidates.first(where: isRoot) { return ProjectLayout(root: found) }
        if builtIn { return .builtIn }
        throw RehabError(
            .configuration,
            "Cannot find RehabCount's configuration (pipelines/contracts, pipelines/rules).",
            hint: "Run from the RehabCount folder, set REHABCOUNT_HOME, or pass --config-dir."
        )
    }

    static func isRoot(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return ["pipelines/contracts", "pipelines/rules"].allSatisfy {
            FileManager.default.fileExists(atPath: "\(path)/\($0)", isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }
}

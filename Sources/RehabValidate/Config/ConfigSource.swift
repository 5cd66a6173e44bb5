import Foundation
import RehabCore

/// Where a folder of configuration files (contracts or rules) is read from: a folder on disk, or the copy built
/// into the executable (`EmbeddedDefaults`), so that `rehabcount validate` works as a single file copied anywhere.
public enum ConfigSource: Sendable {
    case directory(String)
    /// `contracts` or `rules`, as in pipelines/.
    case builtIn(String)

    /// The text of one file, and the name messages give it.
    func read(_ name: String) throws -> (text: String, path: String) {
        switch self {
        case .directory:
            let path = path(of: name)
            guard let data = FileManager.default.contents(atPath: path),
                let text = String(data: data, encoding: .utf8)
            else {
                throw RehabError(
                    .configuration,
                    "Cannot read \(path).",
                    hint: "Check that the file exists and is UTF-8 text; --config-dir sets where RehabCount looks."
                )
            }
            return (text, path)
        case .builtIn(let folder):
            guard let text = EmbeddedDefaults.files["\(folder)/\(name)"] else {
                throw RehabError(.configuration, "The built-in configuration has no \(folder)/\(name).")
            }
            return (text, path(of: name))
        }
    }

    /// The text of one file, or nil when it cannot be read.
    public func text(of name: String) -> String? { try? read(name).text }

    /// How messages name one of its files.
    func path(of name: String) -> String {
        switch self {
        case .directory(let directory): "\(directory)/\(name)"
        case .builtIn(let folder): "built-in \(folder)/\(name)"
        }
    }

    /// The YAML files in it, by name.
    var yamlNames: [String] {
        switch self {
        case .directory(let directory):
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") }
        case .builtIn(let folder):
            EmbeddedDefaults.files.keys.filter { $0.hasPrefix("\(folder)/") }.map {
                String($0.dropFirst(folder.count + 1))
            }
        }
    }

    /// How messages name it.
    public var description: String {
        switch self {
        case .directory(let directory): directory
        case .builtIn(let folder): "the built-in \(folder)"
        }
    }
}

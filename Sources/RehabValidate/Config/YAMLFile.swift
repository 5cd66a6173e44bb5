import Foundation
import RehabCore
import Yams

/// Reads YAML configuration files into `Decodable` types, turning every failure into an error that names the
/// file, the line and the key, so that whoever edits a contract or a rule can find the mistake at once.
public enum YAMLFile {
    public static func decode<T: Decodable>(_ type: T.Type, path: String) throws -> T {
        let file = try ConfigSource.directory((path as NSString).deletingLastPathComponent)
            .read((path as NSString).lastPathComponent)
        return try decode(type, text: file.text, path: file.path)
    }

    /// Decodes one file of a configuration source.
    static func decode<T: Decodable>(_ type: T.Type, _ name: String, in source: ConfigSource) throws -> T {
        let file = try source.read(name)
        return try decode(type, text: file.text, path: file.path)
    }

    /// Decodes YAML text; `path` names it in messages.
    static func decode<T: Decodable>(_ type: T.Type, text: String, path: String) throws -> T {
        let node: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                throw RehabError(.configuration, "\(path) is empty.")
            }
            node = composed
        } catch let error as YamlError {
            throw RehabError(.configuration, "\(path): invalid YAML: \(error)", hint: "Fix the YAML syntax there.")
        }
        do {
            return try YAMLDecoder().decode(type, from: node)
        } catch let error as DecodingError {
            throw configurationError(error, path: path, root: node)
        }
    }

    static func configurationError(_ error: DecodingError, path: String, root: Node) -> RehabError {
        let (context, problem): (DecodingError.Context, String) =
            switch error {
            case .keyNotFound(let key, let context): (context, "the key `\(key.stringValue)` is missing")
            case .typeMismatch(let type, let context): (context, "expected \(type): \(context.debugDescription)")
            case .valueNotFound(let type, let context): (context, "expected a \(type) value")
            case .dataCorrupted(let context): (context, context.debugDescription)
            @unknown default: (DecodingError.Context(codingPath: [], debugDescription: ""), "\(error)")
            }
        let keyPath = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        let line = locate(context.codingPath, in: root)?.line
        let place = line.map { "\(path):\($0)" } ?? path
        let key = keyPath.isEmpty ? "" : " at `\(keyPath)`"
        return RehabError(
            .configuration,
            "\(place)\(key): \(problem).",
            hint: "Fix that entry; docs/ describes each file."
        )
    }

    /// The position of the deepest node along a coding path.
    static func locate(_ path: [any CodingKey], in root: Node) -> Mark? {
        var node = root
        var mark = root.mark
        for key in path {
            if let index = key.intValue, let sequence = node.sequence, index < sequence.count {
                node = sequence[index]
            } else if let mapping = node.mapping, let next = mapping[key.stringValue] {
                node = next
            } else {
                break
            }
            mark = node.mark ?? mark
        }
        return mark
    }
}

/// A coding key for any string, used to find keys a type does not know.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        self.stringValue = "\(intValue)"
        self.intValue = intValue
    }
}

extension Decoder {
    /// Throws when the mapping holds a key outside `allowed`: a misspelt key must not be ignored silently.
    public func rejectUnknownKeys(_ allowed: Set<String>) throws {
        let container = try container(keyedBy: AnyKey.self)
        for key in container.allKeys where !allowed.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: codingPath + [key],
                    debugDescription:
                        "unknown key `\(key.stringValue)`; expected one of \(allowed.sorted().joined(separator: ", "))"
                )
            )
        }
    }
}

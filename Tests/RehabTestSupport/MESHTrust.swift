import Foundation
import Testing

/// A trust's system on the MESH sandbox that `scripts/with-mesh.sh` starts: NHS England's own Python client,
/// through Tests/Tools/mesh_trust.py.
public enum MESHTrust {
    /// The sandbox's address and shared key; a test that needs them fails when the run has no sandbox.
    public static func sandbox() throws -> (url: String, sharedKey: String) {
        let environment = ProcessInfo.processInfo.environment
        let url = try #require(
            environment["REHABCOUNT_TEST_MESH_URL"],
            "Run the tests with scripts/test.sh, which starts the MESH sandbox (scripts/with-mesh.sh)."
        )
        return (url, try #require(environment["REHABCOUNT_TEST_MESH_SHARED_KEY"]))
    }

    /// Runs mesh_trust.py with `arguments` (`send …`, `receive …`) and returns its output's lines: the message ids
    /// sent, or the names received.
    @discardableResult
    public static func run(_ arguments: [String]) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(TestFixtures.root)/Tests/Tools/mesh_trust.py"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = environment["REHABCOUNT_TEST_PYTHONPATH"]
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "mesh_trust.py \(arguments.first ?? "") failed")
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

/// Tests/Tools/mesh_gate.py in front of the MESH sandbox: every request passes through, except those its rules stop
/// (held unanswered, answered by the gate, or cut off as the gate stops dead), so that a test can kill the night, or
/// lose MESH, at a known moment.
public final class MESHGate {
    public let url: String
    public let port: Int
    private let events: String
    private let process: Process

    /// Starts a gate to `upstream` with `rules` (mesh_gate.py's options, `["--hold-before", "PUT:/acknowledged$"]`),
    /// on `port` or a free one, and waits until it listens.
    public init(to upstream: String, port: Int = 0, _ rules: [String] = []) throws {
        events = try TestFixtures.folder() + "/events"
        _ = FileManager.default.createFile(atPath: events, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", "\(TestFixtures.root)/Tests/Tools/mesh_gate.py", upstream, events, "--port", "\(port)"] + rules
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var ready: Int?
        for _ in 0..<200 where ready == nil {
            ready = Self.lines(events).first { $0.hasPrefix("ready ") }.flatMap { Int($0.dropFirst(6)) }
            if ready == nil { usleep(25_000) }
        }
        self.port = try #require(ready, "mesh_gate.py did not start")
        url = "http://127.0.0.1:\(self.port)"
    }

    /// Waits up to `seconds` for an event line starting `prefix` ("held", "cut"), and returns it.
    public func wait(for prefix: String, seconds: Double = 60) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let line = Self.lines(events).first(where: { $0.hasPrefix(prefix + " ") }) { return line }
            usleep(20_000)
        }
        return nil
    }

    /// The gate's event lines so far.
    public var happened: [String] { Self.lines(events) }

    private static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Stops the gate (it may have stopped itself).
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

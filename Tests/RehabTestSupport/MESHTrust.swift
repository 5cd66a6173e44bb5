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

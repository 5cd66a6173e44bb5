import Foundation
import HummingbirdTesting
import RehabPortal
import RehabTestSupport
import Testing

/// The trust API fuzzed against its own OpenAPI document with schemathesis (from PyPI): no 5xx, every status and
/// body as documented, schema-valid requests accepted, undeclared methods answered 405.
@Suite(
    "The trust API under schemathesis",
    .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"),
    .enabled(
        if: ProcessInfo.processInfo.environment["REHABCOUNT_TEST_FUZZPATH"] != nil,
        "scripts/test.sh installs schemathesis"
    )
)
struct PortalAPIFuzzTests {
    @Test("schemathesis finds no failure in any of its checks")
    func fuzz() async throws {
        let db = try PortalServerTests.database()
        let token = try PortalDirectory.addToken(org: "RY2", label: "fuzz", by: "test", connection: try db.connect())
        let folder = try TestFixtures.folder()
        let output = try await PortalServerTests.serveReturning(db, folder: folder) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            return try await PortalBrowserTests.pythonOffPool(
                [
                    "-m", "schemathesis.cli", "run", "\(base)/api/openapi.yaml", "--url", "\(base)/api",
                    "-H", "Authorization: Bearer \(token.text)", "--checks", "all", "--max-examples", "40",
                    "--seed", "20261205", "--no-color",
                    // Other suites run beside this one: give a busy machine time, and leave response times to
                    // the load benchmark (Benchmarks/portal-load.sh), which measures them on a quiet machine.
                    "--wait-for-schema", "30", "--request-timeout", "60", "--max-response-time", "120",
                ],
                path: "REHABCOUNT_TEST_FUZZPATH"
            )
        }
        // pythonOffPool requires exit status 0: schemathesis exits 1 on any failure. Its warnings (operations that
        // answered only 403 to a token of one trust, say) are not failures.
        #expect(output.contains("passed"))
        #expect(!output.contains("FAILURES"))
    }
}

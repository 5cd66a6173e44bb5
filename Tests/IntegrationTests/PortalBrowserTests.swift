import Foundation
import HummingbirdTesting
import RehabCore
import RehabPortal
import RehabTestSupport
import Testing

/// The portal in a real browser: Debian's Chromium, driven by Selenium (Tests/Tools/portal_browser.py), with
/// axe-core run on every page.
@Suite(
    "The portal in a browser",
    .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"),
    .enabled(if: Chromium.path != nil, "needs headless Chromium: apt-get install chromium"),
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver"),
        "needs chromedriver: apt-get install chromium-driver"
    )
)
struct PortalBrowserTests {
    @Test(
        "A trust's user logs in by keyboard, checks a dirty file, downloads its workbook and submits it; RDR finds none of it; no page has a WCAG 2.2 AA violation"
    )
    func trustJourney() async throws {
        let db = try PortalServerTests.database()
        let folder = try TestFixtures.folder()
        let downloads = try TestFixtures.folder()
        let axe = try #require(
            ProcessInfo.processInfo.environment["REHABCOUNT_TEST_PYTHONPATH"].map {
                "\($0)/axe_playwright_python/axe.min.js"
            },
            "scripts/test.sh installs axe-core"
        )
        // A dirty month: RY2's referrals, with rows the night quarantines.
        let file = "\(folder)/RY2_referrals_2025-09.csv"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: "\(TestFixtures.root)/sample-data/inbox/RY2_referrals_2025-09.csv",
            toPath: file
        )
        let output = try await PortalServerTests.serveReturning(db, folder: folder) { client in
            let port = try #require(client.port)
            return try await Self.browse(
                "http://127.0.0.1:\(port)",
                file: file,
                downloads: downloads,
                axe: axe
            )
        }
        let result = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(result["password_focused"] as? Bool == true, "Tab moves from the address to the password")
        #expect(
            (result["home_title"] as? String)?.hasPrefix(
                "RY2 Bridgewater Community Healthcare NHS Foundation Trust: September 2025"
            ) == true
        )
        let checked = result["check_text"] as? String ?? ""
        #expect(checked.contains("accepted with warnings") && checked.contains("10"))
        #expect((result["report_text"] as? String)?.contains("What to fix") == true)
        #expect((result["submitted_text"] as? String)?.contains("Submitted at") == true)
        #expect(FileManager.default.fileExists(atPath: "\(folder)/inbox/RY2_referrals_2025-09.csv"))
        // The workbook opens in a real reader.
        let workbook = try #require(result["workbook"] as? String, "the workbook downloaded")
        let sheets = try Self.python(["\(TestFixtures.root)/Tests/Tools/read_workbook.py", workbook])
        #expect(!sheets.isEmpty)
        // RDR's user: nothing of RY2's, and the check's address is not found.
        #expect(!(result["other_home"] as? String ?? "RY2").contains("RY2_"))
        #expect((result["other_check"] as? String)?.contains("There is no such check") == true)
        let violations = try #require(result["violations"] as? [String: [[String: Any]]])
        // Six pages, and the check's page while it waited when the browser saw it waiting.
        #expect(violations.count == ((result["check_waited"] as? Bool) == true ? 7 : 6))
        for (page, found) in violations {
            #expect(found.isEmpty, "\(page): \(found)")
        }
    }

    static func browse(_ base: String, file: String, downloads: String, axe: String) async throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["AXE_JS"] = axe
        if let chromium = Chromium.path { environment["REHABCOUNT_CHROMIUM"] = chromium }
        return try await pythonOffPool(
            ["\(TestFixtures.root)/Tests/Tools/portal_browser.py", base, file, PortalServerTests.password, downloads],
            environment: environment
        )
    }

    /// `python` off Swift's shared pool, for a test serving the portal in this process: its handlers run on that
    /// pool, which has as many threads as cores, and a thread blocked waiting here would starve them.
    static func pythonOffPool(
        _ arguments: [String],
        environment: [String: String]? = nil,
        path variable: String = "REHABCOUNT_TEST_PYTHONPATH"
    ) async throws -> String {
        let ran = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try run(arguments, environment: environment, path: variable) })
            }
        }
        return try ran.succeeded(arguments)
    }

    /// Runs a Python tool with the test's packages (those in the folder `variable` names), and returns its standard
    /// output.
    static func python(
        _ arguments: [String],
        environment: [String: String]? = nil,
        path variable: String = "REHABCOUNT_TEST_PYTHONPATH"
    ) throws -> String {
        try run(arguments, environment: environment, path: variable).succeeded(arguments)
    }

    /// What a Python tool printed and how it ended.
    struct Ran: Sendable {
        let status: Int32
        let output: String
        let errors: String

        /// The output, once the test has required that the tool succeeded (in the test's own context).
        func succeeded(_ arguments: [String]) throws -> String {
            try #require(
                status == 0,
                "\(arguments.prefix(3).joined(separator: " ")) failed (\(status)): \(errors.suffix(2000)) \(output.suffix(3000))"
            )
            return output
        }
    }

    static func run(_ arguments: [String], environment: [String: String]?, path variable: String) throws -> Ran {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        var environment = environment ?? ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = environment[variable]
        process.environment = environment
        // In a scratch folder: schemathesis keeps a cache in the folder it runs in, which is not the checkout's.
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let problems = Background { errors.fileHandleForReading.readDataToEndOfFile() }
        let text = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Ran(
            status: process.terminationStatus,
            output: String(decoding: text, as: UTF8.self),
            errors: String(decoding: try problems.value(), as: UTF8.self)
        )
    }
}

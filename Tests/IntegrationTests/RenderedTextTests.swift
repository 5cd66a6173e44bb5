import Foundation
import RehabPipeline
import Testing

/// Headless Chromium, when the machine has it: `REHABCOUNT_CHROMIUM`, or `chromium` or `chromium-browser` on the
/// PATH. `.ci/run` installs Debian's.
enum Chromium {
    static let path: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let chosen = environment["REHABCOUNT_CHROMIUM"], FileManager.default.isExecutableFile(atPath: chosen) {
            return chosen
        }
        for folder in (environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            for name in ["chromium", "chromium-browser"]
            where FileManager.default.isExecutableFile(
                atPath: "\(folder)/\(name)"
            ) {
                return "\(folder)/\(name)"
            }
        }
        return nil
    }()

    /// Measures, in the browser's own layout, every SVG text of the page against its SVG's box: the texts that
    /// reach outside it by more than half a pixel, as (text, how far past the left, right, top, bottom edge).
    /// Negative distances are overflow.
    static func overflowingText(page: String) throws -> [[String: Any]] {
        let script = """
            <script>
            (function () {
              var out = [];
              document.querySelectorAll('svg').forEach(function (svg) {
                var box = svg.getBoundingClientRect();
                svg.querySelectorAll('text').forEach(function (text) {
                  var r = text.getBoundingClientRect();
                  if (r.left < box.left - 0.5 || r.right > box.right + 0.5 ||
                      r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
                    out.push({text: text.textContent, left: r.left - box.left, right: box.right - r.right,
                              top: r.top - box.top, bottom: box.bottom - r.bottom});
                  }
                });
              });
              var pre = document.createElement('pre');
              pre.id = 'rehabcount-overflow';
              pre.textContent = JSON.stringify(out);
              document.body.appendChild(pre);
            })();
            </script>
            """
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let measured = (page as NSString).deletingPathExtension + ".measure.html"
        try html.replacingOccurrences(of: "</body>", with: script + "</body>").write(
            toFile: measured,
            atomically: true,
            encoding: .utf8
        )
        defer { try? FileManager.default.removeItem(atPath: measured) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(path))
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=794,1123",
            "--dump-dom",
            URL(fileURLWithPath: measured).absoluteString,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // A browser that hangs fails the test instead of holding the run.
        DispatchQueue.global().asyncAfter(deadline: .now() + 90) { if process.isRunning { process.terminate() } }
        let dom = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let start = try #require(dom.range(of: "<pre id=\"rehabcount-overflow\">"), "Chromium ran the measurement")
        let end = try #require(dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex))
        let json = String(dom[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
    }
}

@Suite(
    "Rendered text",
    .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"),
    .enabled(if: Chromium.path != nil, "needs headless Chromium: apt-get install chromium")
)
struct RenderedTextTests {
    @Test("No chart text of the national report or an ICB page reaches outside its chart, as Chromium lays it out")
    func chartTextFits() throws {
        let db = try LoadFixtures.database()
        let out = try LoadFixtures.folder()
        let written = try GapReportTests.sampleReport(db, into: out)
        #expect(!written.icbPages.isEmpty)
        for page in [written.page] + written.icbPages {
            let overflowing = try Chromium.overflowingText(page: page)
            #expect(overflowing.isEmpty, "\((page as NSString).lastPathComponent): \(overflowing)")
        }

        // The measure sees overflow: a label made too long for its chart is caught.
        let html = try String(contentsOfFile: written.page, encoding: .utf8)
        let label = try #require(html.range(of: ">Discharges in the month</text>"))
        let broken = "\(out)/broken.html"
        try html.replacingCharacters(
            in: label,
            with: ">Discharges in the month" + String(repeating: " and more", count: 30) + "</text>"
        ).write(toFile: broken, atomically: true, encoding: .utf8)
        let caught = try Chromium.overflowingText(page: broken)
        #expect(caught.count == 1 && (caught.first?["text"] as? String)?.hasPrefix("Discharges in the month") == true)
    }
}

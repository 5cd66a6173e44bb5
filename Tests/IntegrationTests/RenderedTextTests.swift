import Foundation
import RehabPipeline
import RehabTestSupport
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

extension Chromium {
    /// Lays `page` out in headless Chromium with `script` added at the end of its body (the reports carry no script
    /// of their own), at `width` pixels wide, and returns the text the script leaves in `<pre id="rehabcount-result">`.
    /// `print` lays the page out with its print styles applied, as on an A4 page's printable width.
    static func run(page: String, script: String, width: Int = 794, print: Bool = false) throws -> String {
        var html = try String(contentsOfFile: page, encoding: .utf8)
        if print { html = html.replacingOccurrences(of: "@media print{", with: "@media all{") }
        let copy = (page as NSString).deletingPathExtension + ".run.html"
        try html.replacingOccurrences(of: "</body>", with: "<script>\(script)</script></body>").write(
            toFile: copy,
            atomically: true,
            encoding: .utf8
        )
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(path))
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=\(width),1123",
            // Time for a promise (axe's) to settle before the DOM is written out.
            "--virtual-time-budget=30000", "--dump-dom", URL(fileURLWithPath: copy).absoluteString,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        DispatchQueue.global().asyncAfter(deadline: .now() + 120) { if process.isRunning { process.terminate() } }
        let dom = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let start = try #require(dom.range(of: "<pre id=\"rehabcount-result\">"), "Chromium ran the script")
        let end = try #require(dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex))
        return String(dom[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// What reaches past the page's width: the document's own overflow, and each table, figure or chart whose
    /// right edge passes its main column (a table inside a scrolling box is allowed to scroll).
    static func overflowing(page: String, width: Int = 794, print: Bool = false) throws -> [[String: Any]] {
        let script = """
            (function () {
              var out = [];
              var main = document.querySelector('main') || document.body;
              var limit = main.getBoundingClientRect().right + 0.5;
              if (document.documentElement.scrollWidth > window.innerWidth + 0.5) {
                out.push({what: 'page', by: document.documentElement.scrollWidth - window.innerWidth});
              }
              document.querySelectorAll('table, figure, svg, dl, dd, p, li, h1, h2, h3').forEach(function (e) {
                if (e.closest('.scroll')) return;
                var r = e.getBoundingClientRect();
                if (r.right > limit) out.push({what: e.tagName + ' ' + (e.textContent || '').slice(0, 60), by: r.right - limit});
              });
              var pre = document.createElement('pre');
              pre.id = 'rehabcount-result';
              pre.textContent = JSON.stringify(out);
              document.body.appendChild(pre);
            })();
            """
        let json = try run(page: page, script: script, width: width, print: print)
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
    }

    /// axe.min.js, from PyPI's axe-playwright-python, which scripts/test.sh installs beside openpyxl.
    static let axe: String? = {
        guard let folder = ProcessInfo.processInfo.environment["REHABCOUNT_TEST_PYTHONPATH"] else { return nil }
        return try? String(contentsOfFile: "\(folder)/axe_playwright_python/axe.min.js", encoding: .utf8)
    }()

    /// axe-core's WCAG 2.2 A and AA violations of a page, as (rule id, nodes, first targets).
    static func accessibilityViolations(page: String) throws -> [[String: Any]] {
        let script =
            try #require(axe) + """
                ;axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})
                  .then(function (r) {
                    var pre = document.createElement('pre');
                    pre.id = 'rehabcount-result';
                    pre.textContent = JSON.stringify(r.violations.map(function (v) {
                      return {id: v.id, impact: v.impact, nodes: v.nodes.length,
                              targets: v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); })};
                    }));
                    document.body.appendChild(pre);
                  });
                """
        let json = try run(page: page, script: script, width: 1280)
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
        let db = try TestFixtures.database()
        let out = try TestFixtures.folder()
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

    @Test("Nothing reaches past an A4 page's width: at 794 px on screen, and with the print styles")
    func nothingClipped() throws {
        let db = try TestFixtures.database()
        let written = try GapReportTests.sampleReport(db, into: try TestFixtures.folder())
        for page in [written.page] + written.icbPages.prefix(2) {
            let screen = try Chromium.overflowing(page: page)
            #expect(screen.isEmpty, "\((page as NSString).lastPathComponent) at 794 px: \(screen)")
            // A4 portrait less 14 mm margins: 182 mm, about 688 px.
            let printed = try Chromium.overflowing(page: page, width: 688, print: true)
            #expect(printed.isEmpty, "\((page as NSString).lastPathComponent) printed: \(printed)")
        }
        // The measure sees overflow: a table made wider than the page is caught.
        let html = try String(contentsOfFile: written.page, encoding: .utf8)
        let wide = "\((written.page as NSString).deletingLastPathComponent)/wide.html"
        try html.replacingOccurrences(
            of: "</main>",
            with: "<table><tr><td style=\"min-width:1200px\">wide</td></tr></table></main>"
        ).write(toFile: wide, atomically: true, encoding: .utf8)
        #expect(!(try Chromium.overflowing(page: wide)).isEmpty)
    }

    @Test(
        "axe-core finds no WCAG 2.2 A or AA violation on the index, an ICB page and a trust's report",
        .enabled(if: Chromium.axe != nil, "needs axe.min.js: scripts/test.sh installs axe-playwright-python")
    )
    func accessible() throws {
        let db = try TestFixtures.database()
        let written = try GapReportTests.sampleReport(db, into: try TestFixtures.folder())
        let icb = try #require(written.icbPages.first { $0.hasSuffix("/QYG.html") })
        // A trust's own report of a file with findings of every severity.
        let reports = try TestFixtures.folder()
        _ = try ValidateJob.run(
            ValidateOptions(
                files: TestFixtures.inbox.filter { $0.hasSuffix("RY2_referrals_2025-09.csv") },
                reportDirectory: reports,
                layout: TestFixtures.layout,
                pseudonymKeyFile: TestFixtures.keyFile
            ),
            logger: TestFixtures.logger
        )
        for page in [written.page, icb, "\(reports)/RY2_referrals_2025-09.html"] {
            let violations = try Chromium.accessibilityViolations(page: page)
            #expect(violations.isEmpty, "\((page as NSString).lastPathComponent): \(violations)")
        }
        // The check sees a violation: an image without a text alternative is caught.
        let html = try String(contentsOfFile: written.page, encoding: .utf8)
        let broken = "\((written.page as NSString).deletingLastPathComponent)/broken-a11y.html"
        try html.replacingOccurrences(of: "</main>", with: "<img src=\"x.png\"></main>").write(
            toFile: broken,
            atomically: true,
            encoding: .utf8
        )
        #expect((try Chromium.accessibilityViolations(page: broken)).contains { $0["id"] as? String == "image-alt" })
    }
}

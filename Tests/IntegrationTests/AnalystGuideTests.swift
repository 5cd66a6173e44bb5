import Foundation
import RehabDatabase
import RehabTestSupport
import Testing

/// docs/analyst-guide.md: every query in it runs as rehab_analyst on a loaded month and returns rows.
@Suite("Analyst guide", .enabled(if: TestDatabase.available, "needs DATABASE_URL: run scripts/test.sh"))
struct AnalystGuideTests {
    /// The guide's ```sql blocks, with the heading each sits under.
    static func queries() throws -> [(heading: String, sql: String)] {
        let text = try String(contentsOfFile: "\(TestFixtures.root)/docs/analyst-guide.md", encoding: .utf8)
        var queries: [(String, String)] = []
        var heading = ""
        var block: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") { heading = String(line.dropFirst(3)) }
            if line == "```sql" {
                block = []
            } else if line == "```", let lines = block {
                queries.append((heading, lines.joined(separator: "\n")))
                block = nil
            } else if block != nil {
                block!.append(line)
            }
        }
        return queries
    }

    @Test("Every query of the guide runs as rehab_analyst and returns rows")
    func everyQuery() throws {
        let queries = try Self.queries()
        #expect(queries.count >= 8)
        let db = try TestFixtures.database()
        // The sample month, without RY2's workforce, so that someone has not submitted.
        let files = TestFixtures.inbox.filter { !$0.hasSuffix("RY2_workforce_2025-09.csv") }
        _ = try TestFixtures.load(files, into: db)
        let c = try db.connect()
        try c.refreshAnalysis()
        try c.query("SET ROLE rehab_analyst")
        for (heading, sql) in queries {
            let rows = try c.query(sql).rows
            #expect(!rows.isEmpty, "\(heading): no rows")
        }
        // The missing workforce extract is named.
        #expect(
            try c.query("SELECT org_code || ' ' || kind FROM analysis.missing_submissions").rows
                == [["RY2 workforce"]]
        )
        try c.query("RESET ROLE")
    }
}

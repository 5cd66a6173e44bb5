import Foundation
import RehabDatabase

/// A throwaway database on the server the test command started (`scripts/with-pg.sh`), dropped afterwards.
public struct TestDatabase: ~Copyable {
    public static let url = ProcessInfo.processInfo.environment["DATABASE_URL"]
    /// Integration tests need the server that `scripts/test.sh` starts; run alone, they say so and are skipped.
    public static let available = url != nil

    public let name: String
    private var kept = false

    /// An empty database, or a copy of `template`.
    public init(template: String? = nil) throws {
        name = "rehabcount_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try Connection(Self.url)
        try admin.query(
            "CREATE DATABASE \(Connection.quoteIdentifier(name))"
                + (template.map { " TEMPLATE \(Connection.quoteIdentifier($0))" } ?? "")
        )
    }

    /// Keeps this database after the tests (until the throwaway server goes), for use as a template.
    public consuming func keep() -> String {
        kept = true
        return name
    }

    public func connect() throws -> Connection {
        try Connection(Self.url, database: name)
    }

    /// A connection string for this database, for code that takes one (the CLI, the jobs).
    public func url() throws -> String {
        let base = Self.url ?? ""
        if base.hasPrefix("postgres"), var components = URLComponents(string: base) {
            components.path = "/\(name)"
            if let url = components.string { return url }
        }
        return base + " dbname=\(name)"
    }

    deinit {
        if !kept, let admin = try? Connection(Self.url) {
            _ = try? admin.query("DROP DATABASE IF EXISTS \(Connection.quoteIdentifier(name)) WITH (FORCE)")
        }
    }
}

extension Connection {
    /// `analysis.refresh(touched)` as `rehabcount` runs it, in one REPEATABLE READ transaction, with its summary
    /// rows (table, rows). Nil refreshes every period.
    @discardableResult
    public func refreshAnalysis(_ touched: [String]? = nil) throws -> [[String?]] {
        try transaction(isolation: .repeatableRead) { tx in
            try tx.query(
                "SELECT table_name, rows FROM analysis.refresh($1::date[])",
                [touched.map { Connection.arrayLiteral($0) }]
            ).rows
        }
    }
}

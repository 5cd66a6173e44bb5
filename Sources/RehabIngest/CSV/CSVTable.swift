import RehabCore

/// A small CSV file held in memory as strings: for reference data and configuration, not for extracts.
public struct CSVTable: Sendable {
    /// The header's column names.
    public let header: [String]
    /// The data rows, each as long as the header.
    public let rows: [[String]]

    /// Reads a whole CSV file.
    ///
    /// - Throws: `RehabError` when the file cannot be read, is not UTF-8, or has ragged rows.
    public init(path: String) throws {
        var header: [String] = []
        var rows: [[String]] = []
        var problem: String?
        let summary = try CSVReader(path: path).read(
            onBlankLine: { _ in },
            onRow: { row in
                if row.recordNumber == 0 {
                    header = row.strings
                    return
                }
                if problem == nil, !row.issues.isEmpty || row.count != header.count {
                    problem = "line \(row.line) is malformed (\(row.count) fields where the header has \(header.count))"
                }
                rows.append(row.strings)
            }
        )
        if let line = summary.unterminatedQuoteLine {
            problem = problem ?? "a quote opened on line \(line) never closes"
        }
        if let problem {
            throw RehabError(.configuration, "\(path): \(problem).", hint: "Restore the file from the repository.")
        }
        self.header = header
        self.rows = rows
    }

    /// The index of a column.
    ///
    /// - Throws: `RehabError` naming the file's columns when the column is absent.
    public func index(of column: String) throws -> Int {
        guard let index = header.firstIndex(of: column) else {
            throw RehabError(
                .configuration,
                "Column \(column) is missing; the file has \(header.joined(separator: ", ")).",
                hint: "Restore the reference file from the repository."
            )
        }
        return index
    }
}

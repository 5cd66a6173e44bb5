public import RehabCore

/// Reads the first sheet of an Excel workbook as rows. (Being written: see the XLSX task.)
public struct XLSXReader: TableSource {
    let path: String

    public init(path: String) {
        self.path = path
    }

    public func read(onBlankLine: (Int) throws -> Void, onRow: (TableRow) throws -> Void) throws -> TableSummary {
        throw RehabError(.unreadableFile, "XLSX reading is not built yet.")
    }
}

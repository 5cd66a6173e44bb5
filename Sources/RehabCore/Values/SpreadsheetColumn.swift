/// A spreadsheet's column letters, as Excel and every XLSX file name columns: A to Z, then AA, AB and on.
public enum SpreadsheetColumn {
    /// The letters of the column at zero-based `index` (0 is A, 25 is Z, 26 is AA).
    public static func letters(_ index: Int) -> String {
        var n = index + 1
        var name = ""
        while n > 0 {
            let r = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + r))) + name
            n = (n - 1) / 26
        }
        return name
    }
}

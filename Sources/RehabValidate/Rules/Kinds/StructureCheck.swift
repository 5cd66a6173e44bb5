/// The checks of a file's name and structure. The readers (RehabIngest) and the run find these as they read, so a
/// new one needs a reader's help; they take no parameters and no `column`.
enum StructureCheck: String, CaseIterable {
    case file_name, period_not_future, unreadable, encoding, header, unterminated_quote, no_rows
    case blank_line, ragged_row, nul_byte, malformed_quote, oversized_row

    /// The kind's name in the catalogue.
    var kind: CheckKind { CheckKind(rawValue: rawValue) }
}

import RehabIngest

/// What the three date-window kinds share: a date must lie in `earliest...latest`, as ordinals.
protocol DateWindow: RowRuleKind {
    var column: Int { get }
    var earliest: Int32 { get }
    var latest: Int32 { get }
}

extension DateWindow {
    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        let cell = row.cells[column]
        if cell.state == .valid, cell.day < earliest || cell.day > latest { row.find(rule, column) }
    }
}

import RehabIngest

extension CheckKind {
    /// A trust code must be in the reference data.
    public static let known_trust = CheckKind(rawValue: "known_trust")
}

/// `known_trust`: a well-formed ODS code must be a trust of the reference data.
struct KnownTrustRule: RowRuleKind {
    static var kind: CheckKind { .known_trust }

    let column: Int

    init?(_ rule: Rule, compiler: RuleCompiler) throws {
        column = try compiler.column(rule.column)
    }

    @inline(__always)
    func evaluate(rule: Int, _ fields: TableRow, _ row: inout RowEvaluation) {
        guard row.cells[column].state == .valid else { return }
        // Rows of one file mostly repeat one code: the last answer is kept.
        let value = row.field(column, of: fields)
        if !value.elementsEqual(row.lastTrust) {
            row.lastTrust.removeAll(keepingCapacity: true)
            row.lastTrust.append(copying: value)
            row.lastTrustKnown = row.reference.isKnownTrust(String(decoding: value))
        }
        if !row.lastTrustKnown { row.find(rule, column) }
    }
}

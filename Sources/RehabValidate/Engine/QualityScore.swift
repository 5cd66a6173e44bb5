import RehabCore

/// A data-quality score for one submission, in the style of NHS England's Data Quality Maturity Index.
///
/// For each data item (contract column) over the rows where it applies (all rows, or those meeting the
/// contract's `required_when`):
/// - completeness = non-empty values / applicable rows;
/// - validity = valid values / non-empty values (valid: right type, in the code list, in range), over every row
///   including those quarantined for other reasons, as the DQMI measures it: an item is not less valid because
///   another item of its row failed;
/// - default use = valid values that are a "not recorded" code (`Z`, `99`, `X`, …) / valid values.
///
/// The item score is `100 × (valid − default) / applicable`: the share of applicable rows that carry a valid,
/// informative value. A quarantined row counts as applicable and not valid for every item: it is loaded nowhere.
/// The overall score is the mean item score over the mandatory and required items (status M and R) that applied to
/// at least one row, and never more than the share of rows not quarantined: a submission that quarantines X% of its
/// rows scores at most 100 − X. Optional items are reported but not scored. `docs/data-quality-score.md` explains
/// the choice.
public struct QualityScore: Sendable, Hashable {
    /// One data item's measures.
    public struct Item: Sendable, Hashable {
        public var column: String
        public var status: ColumnStatus
        public var applicable: Int
        public var complete: Int
        /// Valid values of the rows loaded: a quarantined row's values count as not valid, for the score.
        public var valid: Int
        public var defaulted: Int
        /// Valid values over every row, quarantined or not: the numerator of `validity`.
        public var validPresent: Int

        public init(
            column: String,
            status: ColumnStatus,
            applicable: Int,
            complete: Int,
            valid: Int,
            defaulted: Int,
            validPresent: Int? = nil
        ) {
            self.column = column
            self.status = status
            self.applicable = applicable
            self.complete = complete
            self.valid = valid
            self.defaulted = defaulted
            self.validPresent = validPresent ?? valid
        }

        public var completeness: Double? { applicable == 0 ? nil : Double(complete) / Double(applicable) }
        /// DQMI validity: valid values over the values present, whatever else the row got wrong.
        public var validity: Double? { complete == 0 ? nil : Double(validPresent) / Double(complete) }
        public var defaultRate: Double? { valid == 0 ? nil : Double(defaulted) / Double(valid) }
        /// `100 × (valid − default) / applicable`, or nil when the item applied to no row.
        public var score: Double? {
            applicable == 0 ? nil : 100 * Double(valid - defaulted) / Double(applicable)
        }
        /// Whether the item counts towards the overall score.
        public var isScored: Bool { status != .O && applicable > 0 }
    }

    /// Data rows read, and those quarantined by record-level rules.
    public var rowsRead: Int
    public var rowsQuarantined: Int
    public var items: [Item]

    public init(rowsRead: Int, rowsQuarantined: Int, items: [Item]) {
        self.rowsRead = rowsRead
        self.rowsQuarantined = rowsQuarantined
        self.items = items
    }

    /// The mean item score over scored items, 0–100, capped at the share of rows not quarantined; nil when nothing
    /// could be scored (no rows, or a header too broken to find the columns).
    public var overall: Double? {
        guard let mean = itemMean else { return nil }
        return min(mean, cap)
    }

    /// The mean item score over scored items, before the cap.
    public var itemMean: Double? {
        let scored = items.filter(\.isScored).compactMap(\.score)
        return scored.isEmpty ? nil : scored.reduce(0, +) / Double(scored.count)
    }

    /// `100 × (read − quarantined) / read`: the most a submission can score.
    public var cap: Double {
        rowsRead == 0 ? 100 : 100 * Double(rowsRead - rowsQuarantined) / Double(rowsRead)
    }
}

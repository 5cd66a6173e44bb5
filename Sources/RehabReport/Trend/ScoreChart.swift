import RehabAnalyse

/// A trust's data-quality score month by month as a Making Data Count chart, drawn as the national report draws
/// its charts, for pages outside the reports (the portal's home page).
public enum ScoreChart {
    /// The chart as an HTML `figure`: its SVG (no inline style, so a page under a strict CSP can hold it), its
    /// variation icon and the variation of its latest complete month in words; empty when `months` is.
    ///
    /// - Parameter months: one series' months in order, as `published.spc` has them.
    public static func figure(_ months: [SPCMonth], title: String) -> String {
        var page = HTML()
        NationalReport.spcFigure(months, title: title, unit: .score, into: &page)
        return page.text
    }

    /// What the chart shows and how to read it.
    public static let key = NationalReport.spcKey
}

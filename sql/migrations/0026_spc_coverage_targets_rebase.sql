-- 0026: Making Data Count whole: months of incomplete coverage kept out of the limits and signals, targets and
-- assurance, and rebasing at recorded dates.
--
-- * reference.analysis_settings: one row of settings the pipeline file gives the analysis (coverage_threshold).
-- * reference.spc_targets: a target per series, from the pipeline file; it gives the series an assurance icon.
-- * reference.spc_rebase: the months from which a series is charted afresh, each with its reason.
-- * analysis.spc and published.spc_icb gain coverage, incomplete, phase, target and assurance. A month whose
--   coverage (share of the expected referrals extracts of the area's trusts that were loaded) is below the
--   threshold is drawn, marked, and left out of the limits and signals, as Making Data Count treats a month with a
--   known data issue.

CREATE TABLE reference.analysis_settings (
    only_row           boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    coverage_threshold numeric NOT NULL DEFAULT 1 CHECK (coverage_threshold > 0 AND coverage_threshold <= 1)
);
INSERT INTO reference.analysis_settings DEFAULT VALUES;
COMMENT ON TABLE reference.analysis_settings IS
    'Settings of the analysis that the pipeline file gives (analysis: in pipelines/nightly.yaml), one row, written '
    'by rehabcount run before it analyses.';
COMMENT ON COLUMN reference.analysis_settings.only_row IS 'Always true: the table has one row.';
COMMENT ON COLUMN reference.analysis_settings.coverage_threshold IS
    'The share of expected referrals extracts an area needs in a month for its figures to be complete (default 1: '
    'every one). A month below it is marked incomplete and kept out of the SPC limits and signals.';

CREATE TABLE reference.spc_targets (
    series text PRIMARY KEY CHECK (series IN ('referral_rate', 'median_wait_days', 'waiting_over_18w_share',
                                               'outcome_recorded_share', 'data_quality_score')),
    target double precision NOT NULL
);
COMMENT ON TABLE reference.spc_targets IS
    'A target for each SPC series that has one, from the pipeline file (analysis: targets:): its assurance icon '
    'says whether the process will meet it. Shares are 0-1, waits in days, scores 0-100.';
COMMENT ON COLUMN reference.spc_targets.series IS 'The series, as analysis.spc.series.';
COMMENT ON COLUMN reference.spc_targets.target IS 'The target value, in the series'' own units.';

CREATE TABLE reference.spc_rebase (
    series  text NOT NULL CHECK (series IN ('referral_rate', 'median_wait_days', 'waiting_over_18w_share',
                                             'outcome_recorded_share', 'data_quality_score')),
    area    text NOT NULL DEFAULT '',
    period  date NOT NULL CHECK (period = date_trunc('month', period)::date),
    reason  text NOT NULL CHECK (length(reason) > 0),
    PRIMARY KEY (series, area, period)
);
COMMENT ON TABLE reference.spc_rebase IS
    'Rebase points from the pipeline file (analysis: rebase:): from each period the series of the area is charted '
    'afresh, with its own mean and limits, because something changed then (a new service model, a new definition). '
    'Every rebase has a reason, shown in the report.';
COMMENT ON COLUMN reference.spc_rebase.series IS 'The series, as analysis.spc.series.';
COMMENT ON COLUMN reference.spc_rebase.area IS
    'The ICB (ODS code), England (E92000001) or trust (ODS code, data_quality_score) whose series is rebased; empty '
    'for every area''s.';
COMMENT ON COLUMN reference.spc_rebase.period IS 'The first month of the new phase.';
COMMENT ON COLUMN reference.spc_rebase.reason IS 'Why the series is rebased, in words a board can read.';
GRANT SELECT ON reference.analysis_settings, reference.spc_targets, reference.spc_rebase TO rehab_analyst;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['analysis.spc', 'published.spc_icb'] LOOP
        EXECUTE format($c$
            ALTER TABLE %1$s ADD COLUMN coverage numeric,
                             ADD COLUMN incomplete boolean NOT NULL DEFAULT false,
                             ADD COLUMN phase integer NOT NULL DEFAULT 1,
                             ADD COLUMN target double precision,
                             ADD COLUMN assurance text
                                 CHECK (assurance IN ('consistent_pass', 'consistent_fail', 'inconsistent'));
            COMMENT ON COLUMN %1$s.coverage IS
                'Share of the expected referrals extracts of the area''s trusts that were loaded for the month '
                '(analysis.access.referral_coverage); NULL for a trust''s data-quality score.';
            COMMENT ON COLUMN %1$s.incomplete IS
                'true when coverage is below reference.analysis_settings.coverage_threshold: the month is drawn and '
                'marked, but left out of the mean, the limits and the signals (point_type incomplete).';
            COMMENT ON COLUMN %1$s.phase IS
                'The phase of the chart the month belongs to: 1, then one more at each rebase point '
                '(reference.spc_rebase). Each phase has its own mean and limits.';
            COMMENT ON COLUMN %1$s.target IS 'The series'' target (reference.spc_targets), on every row; NULL if none.';
            COMMENT ON COLUMN %1$s.assurance IS
                'The assurance icon of the series against its target, from the limits of its latest phase '
                '(stats.spc_assurance): consistent_pass, consistent_fail or inconsistent; NULL without a target, for a '
                'neutral series, or with fewer than 2 complete months.';
        $c$, t);
    END LOOP;
END
$$;
COMMENT ON COLUMN analysis.spc.point_type IS
    'common_cause, special_cause_improvement, special_cause_concern, special_cause_neutral_high or '
    'special_cause_neutral_low (stats.spc, the rules of NHSRplotthedots), or incomplete: a month of incomplete '
    'coverage, left out of the limits and signals.';
COMMENT ON COLUMN analysis.spc.mean IS
    'Centre line: the mean of the complete months of the phase (incomplete months carry their phase''s limits).';
COMMENT ON COLUMN analysis.spc.latest_variation IS
    'The variation icon of the series: the point_type of its latest complete month, on every row of the series.';

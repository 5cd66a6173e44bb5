-- 0018: each ICB's rate in each quintile is compared with England's, as Fingertips compares an area with its
-- benchmark: higher when the area's 95% interval lies wholly above England's value, lower when wholly below,
-- similar otherwise. Filled by analysis.refresh() (sql/analysis/90_analysis_refresh.sql).

ALTER TABLE analysis.access ADD COLUMN compared_with_england text
    CHECK (compared_with_england IN ('higher', 'similar', 'lower'));
COMMENT ON COLUMN analysis.access.compared_with_england IS
    'The age-standardised rate against England''s for the same period, quintile and service line, as Fingertips '
    'compares an area with a benchmark: higher when dsr_lower is above England''s dsr, lower when dsr_upper is below '
    'it, similar otherwise (OHID, Public Health Profiles: "Compared with benchmark", 95% confidence). NULL for '
    'England''s own rows and when either rate is NULL.';
ALTER TABLE published.access ADD COLUMN compared_with_england text;
COMMENT ON COLUMN published.access.compared_with_england IS
    'analysis.access.compared_with_england, NULL where the published rate is suppressed.';

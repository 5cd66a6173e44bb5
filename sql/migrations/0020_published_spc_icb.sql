-- 0020: published.spc_icb, the Making Data Count charts of each ICB's series under disclosure control, stored by
-- analysis.refresh() (sql/analysis/88_analysis_refresh_spc.sql) and shown through the published.spc view
-- (sql/analysis/98_published_spc.sql) beside England's.

CREATE TABLE published.spc_icb (LIKE analysis.spc INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);
COMMENT ON TABLE published.spc_icb IS
    'Making Data Count XmR charts (stats.spc) of each ICB''s monthly series, from counts under disclosure control: '
    'each month''s referrals, waiting, waiting over 18 weeks, first seen, discharges and outcomes recorded are summed '
    'over the ICB''s quintiles and then suppressed (1-7) or rounded to 5 (published.sdc_count), and a month whose '
    'count is suppressed is left out of the series; the charts are drawn from what remains. The median wait of a '
    'month is kept only when its count of people first seen is not suppressed. Rebuilt by analysis.refresh(); read '
    'through published.spc.';
COMMENT ON COLUMN published.spc_icb.series IS
    'referral_rate, median_wait_days, waiting_over_18w_share or outcome_recorded_share, as analysis.spc.series.';
COMMENT ON COLUMN published.spc_icb.icb_ods IS 'ODS code of the ICB of residence.';
COMMENT ON COLUMN published.spc_icb.org_code IS 'Always empty: the series are the ICB''s.';
COMMENT ON COLUMN published.spc_icb.period IS 'Reporting period: the first day of the month.';
COMMENT ON COLUMN published.spc_icb.value IS
    'The month''s value from the published counts: referrals (rounded) per 100,000 residents, or a share of rounded '
    'counts, or the median wait in days.';
COMMENT ON COLUMN published.spc_icb.mean IS 'Centre line: the mean of the published series.';
COMMENT ON COLUMN published.spc_icb.lpl IS 'Lower process limit of the published series (stats.spc).';
COMMENT ON COLUMN published.spc_icb.upl IS 'Upper process limit of the published series (stats.spc).';
COMMENT ON COLUMN published.spc_icb.point_type IS 'As analysis.spc.point_type, for the published series.';
COMMENT ON COLUMN published.spc_icb.improvement IS 'As analysis.spc.improvement.';
COMMENT ON COLUMN published.spc_icb.points IS 'How many months the published series has (suppressed months left out).';
COMMENT ON COLUMN published.spc_icb.latest_variation IS
    'The point_type of the series'' latest published month, on every row of the series.';
GRANT SELECT ON published.spc_icb TO rehab_public, rehab_analyst, rehab_loader;

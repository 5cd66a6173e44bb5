-- 0017: analysis.spc, Making Data Count charts of each area's monthly series, filled by analysis.refresh() with
-- stats.spc (sql/analysis/10_stats_spc.sql, 90_analysis_refresh.sql).

CREATE TABLE analysis.spc (
    series           text             NOT NULL CHECK (series IN ('referral_rate', 'median_wait_days',
                                                                  'waiting_over_18w_share', 'outcome_recorded_share',
                                                                  'data_quality_score')),
    icb_ods          text             NOT NULL,
    org_code         text             NOT NULL DEFAULT '',
    period           date             NOT NULL,
    value            double precision NOT NULL,
    mean             double precision,
    lpl              double precision,
    upl              double precision,
    point_type       text             NOT NULL,
    improvement      text             NOT NULL CHECK (improvement IN ('increase', 'decrease', 'neutral')),
    points           integer          NOT NULL CHECK (points >= 1),
    latest_variation text             NOT NULL,
    PRIMARY KEY (series, icb_ods, org_code, period)
);
COMMENT ON TABLE analysis.spc IS
    'Making Data Count XmR charts (stats.spc) of each area''s monthly series over every loaded period: one row per '
    'series, area and period. Areas are the ICBs and England (E92000001) for the referral and recording series, and '
    'each trust for its data-quality score. Rebuilt by analysis.refresh(). A series of one month has no limits.';
COMMENT ON COLUMN analysis.spc.series IS
    'referral_rate: referrals per 100,000 residents, all quintiles and service lines (crude); median_wait_days: '
    'median days from referral to first contact of those first seen in the month; waiting_over_18w_share: the share '
    'of those still waiting at the end of the month who have waited over 18 weeks; outcome_recorded_share: the share '
    'of discharges with an outcome recorded; data_quality_score: the trust''s mean data-quality score over its '
    'current submissions of the month (analysis.completeness_trust.score_mean).';
COMMENT ON COLUMN analysis.spc.icb_ods IS
    'ODS code of the ICB of residence, E92000001 for England; for data_quality_score, the trust''s ICB.';
COMMENT ON COLUMN analysis.spc.org_code IS 'The trust, for data_quality_score; empty for the area series.';
COMMENT ON COLUMN analysis.spc.period IS 'Reporting period: the first day of the month.';
COMMENT ON COLUMN analysis.spc.value IS 'The series'' value in the period.';
COMMENT ON COLUMN analysis.spc.mean IS 'Centre line: the mean of the series over its periods.';
COMMENT ON COLUMN analysis.spc.lpl IS 'Lower process limit: mean - 2.66 x the mean moving range (outliers screened).';
COMMENT ON COLUMN analysis.spc.upl IS 'Upper process limit: mean + 2.66 x the mean moving range (outliers screened).';
COMMENT ON COLUMN analysis.spc.point_type IS
    'common_cause, special_cause_improvement, special_cause_concern, special_cause_neutral_high or '
    'special_cause_neutral_low (stats.spc, the rules of NHSRplotthedots).';
COMMENT ON COLUMN analysis.spc.improvement IS
    'Which way is better for the series: increase (outcome recording, data quality), decrease (waits) or neutral '
    '(the referral rate, where more is not simply better).';
COMMENT ON COLUMN analysis.spc.points IS 'How many periods the series has.';
COMMENT ON COLUMN analysis.spc.latest_variation IS
    'The variation icon of the series: the point_type of its latest period, on every row of the series.';
GRANT SELECT ON analysis.spc TO rehab_analyst, rehab_loader;

-- 0016: the gap between the most and least deprived fifths gets confidence limits: analysis.inequality's rate ratio
-- and rate difference each have a lower and an upper limit, filled by analysis.refresh() with stats.dsr_compare
-- (sql/analysis/40_stats_dsr_compare.sql, 90_analysis_refresh.sql).

ALTER TABLE analysis.inequality
    ADD COLUMN rate_ratio_lower numeric,
    ADD COLUMN rate_ratio_upper numeric,
    ADD COLUMN rate_difference_lower numeric,
    ADD COLUMN rate_difference_upper numeric;
COMMENT ON COLUMN analysis.inequality.rate_ratio_lower IS
    'Lower 95% confidence limit of rate_ratio (q1_dsr / q5_dsr): exp(ln ratio - 1.96 sqrt(var_q1 / q1_dsr^2 + '
    'var_q5 / q5_dsr^2)), var the variance of each DSR behind its Dobson limits (stats.dsr_compare; Breslow & Day, '
    'Statistical methods in cancer research vol. II, IARC 1987, section 2.3). A ratio whose limits both lie below 1 '
    'is a gap beyond chance. NULL when rate_ratio is.';
COMMENT ON COLUMN analysis.inequality.rate_ratio_upper IS
    'Upper 95% confidence limit of rate_ratio, as rate_ratio_lower.';
COMMENT ON COLUMN analysis.inequality.rate_difference_lower IS
    'Lower 95% confidence limit of rate_difference (q1_dsr - q5_dsr, per 100,000): difference - 1.96 sqrt(var_q1 '
    '+ var_q5), var the variance of each DSR behind its Dobson limits (stats.dsr_compare; Breslow & Day 1987, '
    'section 2.3). A difference whose limits are both below 0 is a gap beyond chance. NULL when rate_difference is.';
COMMENT ON COLUMN analysis.inequality.rate_difference_upper IS
    'Upper 95% confidence limit of rate_difference, as rate_difference_lower.';

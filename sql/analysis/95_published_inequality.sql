-- published.inequality: analysis.inequality with disclosure control (first in migration 0011), with the limits of
-- the rate ratio and difference that 0016 added. A view, so that the SII and RII limits the simulation stage writes
-- after the refresh appear at once.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE VIEW published.inequality WITH (security_barrier = true) AS
SELECT i.period,
       i.icb_ods,
       i.service_line,
       published.sdc_count(i.referrals) AS referrals,
       i.population,
       published.sdc_count(i.q1_referrals) AS q1_referrals,
       published.sdc_count(i.q5_referrals) AS q5_referrals,
       published.sdc_count(i.min_quintile_referrals) AS min_quintile_referrals,
       CASE WHEN NOT published.sdc_suppressed(i.q1_referrals) THEN round(i.q1_dsr, 1) END AS q1_dsr,
       CASE WHEN NOT published.sdc_suppressed(i.q5_referrals) THEN round(i.q5_dsr, 1) END AS q5_dsr,
       CASE WHEN NOT (published.sdc_suppressed(i.q1_referrals) OR published.sdc_suppressed(i.q5_referrals))
            THEN round(i.rate_ratio, 2) END AS rate_ratio,
       CASE WHEN NOT (published.sdc_suppressed(i.q1_referrals) OR published.sdc_suppressed(i.q5_referrals))
            THEN round(i.rate_difference, 1) END AS rate_difference,
       CASE WHEN NOT published.sdc_suppressed(i.min_quintile_referrals) THEN round(i.sii, 1) END AS sii,
       CASE WHEN NOT published.sdc_suppressed(i.min_quintile_referrals) THEN round(i.rii, 2) END AS rii,
       CASE WHEN NOT published.sdc_suppressed(i.min_quintile_referrals) THEN round(i.sii_lower, 1) END AS sii_lower,
       CASE WHEN NOT published.sdc_suppressed(i.min_quintile_referrals) THEN round(i.sii_upper, 1) END AS sii_upper,
       CASE WHEN NOT published.sdc_suppressed(i.min_quintile_referrals) THEN round(i.rii_lower, 2) END AS rii_lower,
       CASE WHEN NOT published.sdc_suppressed(i.min_quintile_referrals) THEN round(i.rii_upper, 2) END AS rii_upper,
       CASE WHEN NOT (published.sdc_suppressed(i.q1_referrals) OR published.sdc_suppressed(i.q5_referrals))
            THEN round(i.rate_ratio_lower, 2) END AS rate_ratio_lower,
       CASE WHEN NOT (published.sdc_suppressed(i.q1_referrals) OR published.sdc_suppressed(i.q5_referrals))
            THEN round(i.rate_ratio_upper, 2) END AS rate_ratio_upper,
       CASE WHEN NOT (published.sdc_suppressed(i.q1_referrals) OR published.sdc_suppressed(i.q5_referrals))
            THEN round(i.rate_difference_lower, 1) END AS rate_difference_lower,
       CASE WHEN NOT (published.sdc_suppressed(i.q1_referrals) OR published.sdc_suppressed(i.q5_referrals))
            THEN round(i.rate_difference_upper, 1) END AS rate_difference_upper,
       round(i.referral_coverage, 3) AS referral_coverage,
       i.icb_name
FROM analysis.inequality i;

COMMENT ON VIEW published.inequality IS
    'analysis.inequality with disclosure control: counts of 1-7 suppressed and others rounded to the nearest 5; the '
    'Q1 and Q5 DSRs, their difference and its limits, and the SII and its limits rounded to 1 decimal place, the rate '
    'ratio and its limits, and the RII and its limits to 2, and all of them NULL when a quintile count they use is '
    '1-7 (in practice they are then NULL already: a DSR needs 10 referrals). A view, not a table, so that the SII and RII limits the simulation stage '
    'writes into analysis.inequality after analysis.refresh() appear here at once. Security barrier; runs with its '
    'owner''s rights, so readers need SELECT on it only.';

COMMENT ON COLUMN published.inequality.rate_ratio_lower IS
    'analysis.inequality.rate_ratio_lower to 2 decimal places; NULL when q1_referrals or q5_referrals is suppressed.';
COMMENT ON COLUMN published.inequality.rate_ratio_upper IS
    'analysis.inequality.rate_ratio_upper to 2 decimal places; NULL when q1_referrals or q5_referrals is suppressed.';
COMMENT ON COLUMN published.inequality.rate_difference_lower IS
    'analysis.inequality.rate_difference_lower to 1 decimal place; NULL when q1_referrals or q5_referrals is '
    'suppressed.';
COMMENT ON COLUMN published.inequality.rate_difference_upper IS
    'analysis.inequality.rate_difference_upper to 1 decimal place; NULL when q1_referrals or q5_referrals is '
    'suppressed.';
COMMENT ON COLUMN published.inequality.referral_coverage IS 'As analysis.inequality.referral_coverage, to 3 places.';
COMMENT ON COLUMN published.inequality.icb_name IS 'As analysis.inequality.icb_name.';

-- analysis.refresh_spc(touched): Making Data Count charts (stats.spc) of each area's monthly series over every
-- loaded period (0017), and each ICB's charts for publication (0020). A unit of analysis.refresh() (90_analysis_refresh.sql), run after the analysis units.
--
-- A chart's limits depend on every point of its series, so every series is charted again whatever was touched. The
-- points come from the analysis tables, which hold every period; only the median wait needs the distribution of
-- waits, which analysis.refresh_inputs() reads for the touched periods alone, so the medians of untouched periods
-- are kept from the charts they are already in.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE FUNCTION analysis.refresh_spc(touched date[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    CREATE TEMP TABLE spc_points ON COMMIT DROP AS
    WITH area AS (
        SELECT period, icb_ods,
               sum(new_referrals)::double precision / NULLIF(sum(population), 0) * 100000 AS referral_rate,
               sum(waiting_over_18w)::double precision / NULLIF(sum(waiting), 0) AS waiting_over_18w_share,
               sum(outcome_recorded)::double precision / NULLIF(sum(discharges), 0) AS outcome_recorded_share
        FROM analysis.access
        WHERE service_line = 'all'
        GROUP BY period, icb_ods
    ), waits AS (
        SELECT w.period, w.icb_ods,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY w.wait_days) AS median_wait_days
        FROM pg_temp.waits w
        CROSS JOIN LATERAL generate_series(1, w.n) AS copies
        GROUP BY w.period, w.icb_ods
    ), kept_waits AS (
        SELECT period, icb_ods, value AS median_wait_days
        FROM analysis.spc
        WHERE series = 'median_wait_days' AND touched IS NOT NULL AND period <> ALL (touched)
    )
    SELECT 'referral_rate' AS series, icb_ods, '' AS org_code, period, referral_rate AS value,
           'neutral' AS improvement
    FROM area WHERE referral_rate IS NOT NULL
    UNION ALL
    SELECT 'waiting_over_18w_share', icb_ods, '', period, waiting_over_18w_share, 'decrease'
    FROM area WHERE waiting_over_18w_share IS NOT NULL
    UNION ALL
    SELECT 'outcome_recorded_share', icb_ods, '', period, outcome_recorded_share, 'increase'
    FROM area WHERE outcome_recorded_share IS NOT NULL
    UNION ALL
    SELECT 'median_wait_days', icb_ods, '', period, median_wait_days, 'decrease'
    FROM waits
    UNION ALL
    SELECT 'median_wait_days', icb_ods, '', period, median_wait_days, 'decrease'
    FROM kept_waits
    UNION ALL
    SELECT 'data_quality_score', coalesce(icb_ods, ''), org_code, period, score_mean::double precision, 'increase'
    FROM analysis.completeness_trust WHERE score_mean IS NOT NULL;

    DELETE FROM analysis.spc;
    WITH series AS (
        SELECT series, icb_ods, org_code, improvement,
               array_agg(period ORDER BY period) AS periods, array_agg(value ORDER BY period) AS vals
        FROM pg_temp.spc_points
        GROUP BY series, icb_ods, org_code, improvement
    )
    INSERT INTO analysis.spc
    SELECT s.series, s.icb_ods, s.org_code, s.periods[c.point], c.value, c.mean, c.lpl, c.upl, c.point_type,
           s.improvement, cardinality(s.periods), stats.spc_variation(s.vals, s.improvement),
           CASE WHEN s.icb_ods = 'E92000001' THEN 'England' ELSE i.icb_name END, t.trust_name
    FROM series s
    LEFT JOIN reference.icb i ON i.icb_ods = s.icb_ods
    LEFT JOIN reference.trust t ON t.trust_ods = NULLIF(s.org_code, '')
    CROSS JOIN LATERAL stats.spc(s.vals, s.improvement) c;
    DROP TABLE pg_temp.spc_points;

    -- Each ICB's charts again, for publication (0020): from each month's counts summed over the quintiles, then
    -- suppressed or rounded as published.access's are; a month whose count is suppressed is left out.
    DELETE FROM published.spc_icb;
    WITH icb_month AS (
        SELECT period, icb_ods, sum(population) AS population,
               published.sdc_count(sum(new_referrals)::bigint) AS referrals,
               published.sdc_count(sum(seen)::bigint) AS seen,
               published.sdc_count(sum(waiting)::bigint) AS waiting,
               published.sdc_count(sum(waiting_over_18w)::bigint) AS waiting_over_18w,
               published.sdc_count(sum(discharges)::bigint) AS discharges,
               published.sdc_count(sum(outcome_recorded)::bigint) AS outcome_recorded
        FROM analysis.access
        WHERE service_line = 'all' AND icb_ods <> 'E92000001'
        GROUP BY period, icb_ods
    ), points AS (
        SELECT 'referral_rate' AS series, icb_ods, period,
               referrals::double precision / population * 100000 AS value, 'neutral' AS improvement
        FROM icb_month WHERE referrals IS NOT NULL AND population > 0
        UNION ALL
        SELECT 'waiting_over_18w_share', icb_ods, period, waiting_over_18w::double precision / waiting, 'decrease'
        FROM icb_month WHERE waiting_over_18w IS NOT NULL AND waiting > 0
        UNION ALL
        SELECT 'outcome_recorded_share', icb_ods, period, outcome_recorded::double precision / discharges, 'increase'
        FROM icb_month WHERE outcome_recorded IS NOT NULL AND discharges > 0
        UNION ALL
        SELECT 'median_wait_days', s.icb_ods, s.period, s.value, 'decrease'
        FROM analysis.spc s
        JOIN icb_month m ON m.period = s.period AND m.icb_ods = s.icb_ods
        WHERE s.series = 'median_wait_days' AND s.org_code = '' AND m.seen > 0
    ), series AS (
        SELECT series, icb_ods, improvement,
               array_agg(period ORDER BY period) AS periods, array_agg(value ORDER BY period) AS vals
        FROM points
        GROUP BY series, icb_ods, improvement
    )
    INSERT INTO published.spc_icb
    SELECT s.series, s.icb_ods, '', s.periods[c.point], c.value, c.mean, c.lpl, c.upl, c.point_type,
           s.improvement, cardinality(s.periods), stats.spc_variation(s.vals, s.improvement), i.icb_name
    FROM series s
    LEFT JOIN reference.icb i ON i.icb_ods = s.icb_ods
    CROSS JOIN LATERAL stats.spc(s.vals, s.improvement) c;
END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh_spc(date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analysis.refresh_spc(date[]) FROM rehab_loader;
COMMENT ON FUNCTION analysis.refresh_spc(date[]) IS
    'A unit of analysis.refresh(): charts every series of analysis.spc again over every period (stats.spc), taking '
    'the median waits of periods outside touched from the charts already stored; then each ICB''s series from its '
    'published counts into published.spc_icb. Not to be called alone: EXECUTE for its owner only.';

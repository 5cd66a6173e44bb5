-- analysis.refresh_spc(touched): Making Data Count charts (stats.spc) of each area's monthly series over every
-- loaded period (0017). A unit of analysis.refresh() (90_analysis_refresh.sql), run after the analysis units.
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
               sum(referrals)::double precision / NULLIF(sum(population), 0) * 100000 AS referral_rate,
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
           s.improvement, cardinality(s.periods), stats.spc_variation(s.vals, s.improvement)
    FROM series s
    CROSS JOIN LATERAL stats.spc(s.vals, s.improvement) c;
    DROP TABLE pg_temp.spc_points;
END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh_spc(date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analysis.refresh_spc(date[]) FROM rehab_loader;
COMMENT ON FUNCTION analysis.refresh_spc(date[]) IS
    'A unit of analysis.refresh(): charts every series of analysis.spc again over every period (stats.spc), taking '
    'the median waits of periods outside touched from the charts already stored. Not to be called alone: EXECUTE '
    'for its owner only.';

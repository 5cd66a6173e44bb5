-- analysis.refresh_spc(touched): Making Data Count charts (stats.spc) of each area's monthly series over every
-- loaded period (0017), and each ICB's charts for publication (0020). A unit of analysis.refresh() (90_analysis_refresh.sql), run after the analysis units.
--
-- A chart's limits depend on every point of its series, so every series is charted again whatever was touched. The
-- points come from the analysis tables, which hold every period; only the median wait needs the distribution of
-- waits, which analysis.refresh_inputs() reads for the touched periods alone, so the medians of untouched periods
-- are kept from the charts they are already in.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

-- One series charted as Making Data Count does, with its known data issues: the months marked incomplete are drawn
-- but left out of the mean, limits and signals (each carries the limits of its phase: the latest complete month at
-- or before it, else the first after it); the complete months are charted in phases from each rebase period; the
-- variation is that of the latest complete month and the assurance that of the latest phase against the target.
CREATE OR REPLACE FUNCTION analysis.spc_chart(
    periods date[], vals double precision[], incomplete boolean[], improvement text, rebase_periods date[],
    target double precision
)
RETURNS TABLE (period date, value double precision, mean double precision, lpl double precision,
               upl double precision, point_type text, phase integer, latest_variation text, assurance text)
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH pts AS (
        SELECT u.period, u.value, u.incomplete
        FROM unnest(periods, vals, incomplete) AS u(period, value, incomplete)
    ), complete AS (
        SELECT p.period, p.value, row_number() OVER (ORDER BY p.period)::integer AS k FROM pts p WHERE NOT p.incomplete
    ), arrays AS (
        SELECT array_agg(c.value ORDER BY c.k) AS vals, array_agg(c.period ORDER BY c.k) AS periods FROM complete c
    ), rebase AS (
        -- Each rebase period as the position of the first complete month at or after it.
        SELECT coalesce(array_agg((SELECT min(c.k) FROM complete c WHERE c.period >= r.period)), '{}'::integer[])
                   AS at
        FROM unnest(rebase_periods) AS r(period)
    ), charted AS (
        SELECT a.periods[s.point] AS period, s.mean, s.lpl, s.upl, s.point_type, s.phase
        FROM arrays a CROSS JOIN rebase b CROSS JOIN LATERAL stats.spc(a.vals, improvement, true, b.at) s
    ), summary AS (
        SELECT stats.spc_variation(a.vals, improvement, true, b.at) AS variation,
               stats.spc_assurance(a.vals, target, improvement, true, b.at) AS assurance
        FROM arrays a CROSS JOIN rebase b
    )
    SELECT p.period, p.value, coalesce(c.mean, near.mean), coalesce(c.lpl, near.lpl), coalesce(c.upl, near.upl),
           CASE WHEN p.incomplete THEN 'incomplete' ELSE c.point_type END,
           coalesce(c.phase, near.phase, 1), coalesce(s.variation, 'incomplete'), s.assurance
    FROM pts p
    LEFT JOIN charted c ON c.period = p.period AND NOT p.incomplete
    LEFT JOIN LATERAL (
        SELECT n.mean, n.lpl, n.upl, n.phase FROM charted n
        ORDER BY n.period > p.period, abs(n.period - p.period)
        LIMIT 1
    ) near ON p.incomplete
    LEFT JOIN summary s ON true
    ORDER BY p.period
$fn$;
REVOKE ALL ON FUNCTION analysis.spc_chart(date[], double precision[], boolean[], text, date[], double precision)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analysis.spc_chart(date[], double precision[], boolean[], text, date[], double precision)
    TO rehab_analyst;
COMMENT ON FUNCTION analysis.spc_chart(date[], double precision[], boolean[], text, date[], double precision) IS
    'One monthly series charted as analysis.spc is: periods and vals in time order, incomplete marking the months '
    'kept out of the limits and signals (point_type incomplete, drawn with their phase''s limits), rebased at '
    'rebase_periods (stats.spc with rebase_at), its latest_variation from the latest complete month and its '
    'assurance against target (NULL target: none). E.g. SELECT * FROM analysis.spc_chart(ARRAY[...]::date[], '
    'ARRAY[...]::float8[], ARRAY[false, ...], ''decrease'', ''{}'', 0.05).';

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

    -- Each area's coverage in each month, against the threshold of the pipeline file (0026).
    CREATE TEMP TABLE spc_coverage ON COMMIT DROP AS
    SELECT a.period, a.icb_ods, max(a.referral_coverage) AS coverage,
           coalesce(max(a.referral_coverage) < (SELECT coverage_threshold FROM reference.analysis_settings), false)
               AS incomplete
    FROM analysis.access a
    GROUP BY a.period, a.icb_ods;

    DELETE FROM analysis.spc;
    WITH series AS (
        SELECT p.series, p.icb_ods, p.org_code, p.improvement,
               array_agg(p.period ORDER BY p.period) AS periods, array_agg(p.value ORDER BY p.period) AS vals,
               array_agg(coalesce(v.incomplete AND p.org_code = '', false) ORDER BY p.period) AS incomplete
        FROM pg_temp.spc_points p
        LEFT JOIN pg_temp.spc_coverage v ON v.period = p.period AND v.icb_ods = p.icb_ods
        GROUP BY p.series, p.icb_ods, p.org_code, p.improvement
    )
    INSERT INTO analysis.spc (
        series, icb_ods, org_code, period, value, mean, lpl, upl, point_type, improvement, points, latest_variation,
        icb_name, trust_name, coverage, incomplete, phase, target, assurance)
    SELECT s.series, s.icb_ods, s.org_code, c.period, c.value, c.mean, c.lpl, c.upl, c.point_type,
           s.improvement, cardinality(s.periods), c.latest_variation,
           CASE WHEN s.icb_ods = 'E92000001' THEN 'England' ELSE i.icb_name END, t.trust_name,
           CASE WHEN s.org_code = '' THEN v.coverage END, c.point_type = 'incomplete', c.phase, g.target, c.assurance
    FROM series s
    LEFT JOIN reference.icb i ON i.icb_ods = s.icb_ods
    LEFT JOIN reference.trust t ON t.trust_ods = NULLIF(s.org_code, '')
    LEFT JOIN reference.spc_targets g ON g.series = s.series
    CROSS JOIN LATERAL analysis.spc_chart(
        s.periods, s.vals, s.incomplete, s.improvement,
        (SELECT coalesce(array_agg(r.period), '{}'::date[]) FROM reference.spc_rebase r
         WHERE r.series = s.series AND r.area IN ('', CASE WHEN s.org_code = '' THEN s.icb_ods ELSE s.org_code END)),
        g.target) c
    LEFT JOIN pg_temp.spc_coverage v ON v.period = c.period AND v.icb_ods = s.icb_ods;
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
        SELECT p.series, p.icb_ods, p.improvement,
               array_agg(p.period ORDER BY p.period) AS periods, array_agg(p.value ORDER BY p.period) AS vals,
               array_agg(coalesce(v.incomplete, false) ORDER BY p.period) AS incomplete
        FROM points p
        LEFT JOIN pg_temp.spc_coverage v ON v.period = p.period AND v.icb_ods = p.icb_ods
        GROUP BY p.series, p.icb_ods, p.improvement
    )
    INSERT INTO published.spc_icb (
        series, icb_ods, org_code, period, value, mean, lpl, upl, point_type, improvement, points, latest_variation,
        icb_name, coverage, incomplete, phase, target, assurance)
    SELECT s.series, s.icb_ods, '', c.period, c.value, c.mean, c.lpl, c.upl, c.point_type,
           s.improvement, cardinality(s.periods), c.latest_variation, i.icb_name,
           v.coverage, c.point_type = 'incomplete', c.phase, g.target, c.assurance
    FROM series s
    LEFT JOIN reference.icb i ON i.icb_ods = s.icb_ods
    LEFT JOIN reference.spc_targets g ON g.series = s.series
    CROSS JOIN LATERAL analysis.spc_chart(
        s.periods, s.vals, s.incomplete, s.improvement,
        (SELECT coalesce(array_agg(r.period), '{}'::date[]) FROM reference.spc_rebase r
         WHERE r.series = s.series AND r.area IN ('', s.icb_ods)),
        g.target) c
    LEFT JOIN pg_temp.spc_coverage v ON v.period = c.period AND v.icb_ods = s.icb_ods;
    DROP TABLE pg_temp.spc_coverage;
END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh_spc(date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analysis.refresh_spc(date[]) FROM rehab_loader;
COMMENT ON FUNCTION analysis.refresh_spc(date[]) IS
    'A unit of analysis.refresh(): charts every series of analysis.spc again over every period (stats.spc), taking '
    'the median waits of periods outside touched from the charts already stored; then each ICB''s series from its '
    'published counts into published.spc_icb. Not to be called alone: EXECUTE for its owner only.';

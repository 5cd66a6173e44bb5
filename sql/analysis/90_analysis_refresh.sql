-- analysis.refresh(): the one entry point that rebuilds the analysis and published tables. Its first step,
-- analysis.refresh_tables() (migration 0009, renamed by 0011), builds every table from core, audit and reference;
-- the steps below complete them in the same transaction, reading the temporary tables it leaves (pg_temp.cells,
-- pg_temp.pop and pg_temp.esp live until the transaction ends).
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md). It replaces the
-- versions of migrations 0011 and 0014.

CREATE OR REPLACE FUNCTION analysis.refresh() RETURNS TABLE (table_name text, rows bigint)
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RETURN QUERY SELECT r.table_name, r.rows FROM analysis.refresh_tables() r;

    -- Published DSRs are rounded (0011).
    UPDATE published.access
    SET dsr = round(dsr, 1), dsr_lower = round(dsr_lower, 1), dsr_upper = round(dsr_upper, 1)
    WHERE dsr IS NOT NULL OR dsr_lower IS NOT NULL OR dsr_upper IS NOT NULL;

    -- How much of each trust's data was quarantined (0014).
    WITH current AS (
        SELECT s.period, s.org_code, sum(s.rows_read)::bigint AS rows_read,
               sum(s.rows_quarantined)::bigint AS rows_quarantined,
               bool_or(s.status = 'accepted_needs_attention') AS needs_attention
        FROM audit.submissions s
        WHERE s.is_current
        GROUP BY s.period, s.org_code
    )
    UPDATE analysis.completeness_trust c
    SET rows_read = q.rows_read,
        rows_quarantined = q.rows_quarantined,
        rows_quarantined_share = q.rows_quarantined::numeric / NULLIF(q.rows_read, 0),
        needs_attention = q.needs_attention
    FROM current q
    WHERE c.period = q.period AND c.org_code = q.org_code;
    UPDATE published.completeness_trust p
    SET rows_quarantined_share = round(c.rows_quarantined_share, 3),
        needs_attention = c.needs_attention
    FROM analysis.completeness_trust c
    WHERE p.period = c.period AND p.org_code = c.org_code;

    -- Confidence limits of the Q1/Q5 gap (0016): the two quintiles' age-band counts and populations, built as
    -- refresh_tables builds them for analysis.access, compared by stats.dsr_compare.
    WITH by_band AS (
        SELECT period, icb_ods, imd_quintile,
               CASE WHEN GROUPING(service_line) = 1 THEN 'all' ELSE service_line END AS service_line,
               esp_age_band, sum(referrals) AS referrals
        FROM pg_temp.cells
        WHERE icb_ods IS NOT NULL AND imd_quintile IN (1, 5)
        GROUP BY GROUPING SETS ((period, icb_ods, imd_quintile, service_line, esp_age_band),
                                (period, icb_ods, imd_quintile, esp_age_band))
    ), strata AS (
        SELECT i.period, i.icb_ods, i.service_line, q.imd_quintile,
               array_agg(coalesce(b.referrals, 0)::numeric ORDER BY e.band_order) AS counts,
               array_agg(CASE WHEN p.population > 0 THEN p.population ELSE 1 END::numeric ORDER BY e.band_order)
                   AS populations,
               array_agg(e.standard ORDER BY e.band_order) AS standard
        FROM analysis.inequality i
        CROSS JOIN (VALUES (1::smallint), (5::smallint)) AS q(imd_quintile)
        CROSS JOIN pg_temp.esp e
        LEFT JOIN by_band b ON b.period = i.period AND b.icb_ods = i.icb_ods AND b.imd_quintile = q.imd_quintile
                           AND b.service_line = i.service_line AND b.esp_age_band = e.age_band
        LEFT JOIN pg_temp.pop p ON p.icb_ods = i.icb_ods AND p.imd_quintile = q.imd_quintile
                               AND p.age_band = e.age_band
        WHERE i.rate_difference IS NOT NULL
        GROUP BY i.period, i.icb_ods, i.service_line, q.imd_quintile
    )
    UPDATE analysis.inequality i
    SET rate_ratio_lower = c.ratio_lower,
        rate_ratio_upper = c.ratio_upper,
        rate_difference_lower = c.difference_lower,
        rate_difference_upper = c.difference_upper
    FROM strata q1
    JOIN strata q5 ON q5.period = q1.period AND q5.icb_ods = q1.icb_ods AND q5.service_line = q1.service_line
                  AND q5.imd_quintile = 5
    CROSS JOIN LATERAL stats.dsr_compare(q1.counts, q1.populations, q5.counts, q5.populations, q1.standard) c
    WHERE q1.imd_quintile = 1
      AND i.period = q1.period AND i.icb_ods = q1.icb_ods AND i.service_line = q1.service_line;

    -- Referral coverage of each ICB's hosted trusts, and England's (0019): the referrals extracts loaded, against
    -- those loaded plus those expected and missing.
    WITH owed AS (
        SELECT period, org_code, true AS loaded FROM pg_temp.sub WHERE kind = 'referrals' AND is_current
        UNION
        SELECT period, org_code, false FROM analysis.missing_submissions WHERE kind = 'referrals'
    ), by_area AS (
        SELECT o.period, coalesce(t.icb_ods, 'E92000001') AS icb_ods,
               count(DISTINCT o.org_code) AS expected,
               count(DISTINCT o.org_code) FILTER (WHERE o.loaded) AS loaded
        FROM owed o
        JOIN pg_temp.trusts t ON t.trust_ods = o.org_code
        GROUP BY GROUPING SETS ((o.period, t.icb_ods), (o.period))
    )
    UPDATE analysis.access a
    SET referral_submissions_expected = b.expected,
        referral_submissions_loaded = b.loaded,
        referral_coverage = b.loaded::numeric / NULLIF(b.expected, 0)
    FROM by_area b
    WHERE a.period = b.period AND a.icb_ods = b.icb_ods;
    UPDATE analysis.inequality i
    SET referral_coverage = a.referral_coverage
    FROM (SELECT DISTINCT period, icb_ods, referral_coverage FROM analysis.access) a
    WHERE i.period = a.period AND i.icb_ods = a.icb_ods;
    UPDATE published.access p
    SET referral_submissions_expected = a.referral_submissions_expected,
        referral_submissions_loaded = a.referral_submissions_loaded,
        referral_coverage = round(a.referral_coverage, 3)
    FROM analysis.access a
    WHERE p.period = a.period AND p.icb_ods = a.icb_ods AND p.imd_quintile = a.imd_quintile
      AND p.service_line = a.service_line;

    -- Each ICB's rate against England's (0018): the area's interval against England's value, as Fingertips.
    UPDATE analysis.access a
    SET compared_with_england = CASE WHEN a.dsr_lower > e.dsr THEN 'higher'
                                     WHEN a.dsr_upper < e.dsr THEN 'lower'
                                     ELSE 'similar' END
    FROM analysis.access e
    WHERE e.icb_ods = 'E92000001' AND a.icb_ods <> 'E92000001'
      AND e.period = a.period AND e.imd_quintile = a.imd_quintile AND e.service_line = a.service_line
      AND a.dsr IS NOT NULL AND e.dsr IS NOT NULL;
    UPDATE published.access p
    SET compared_with_england = a.compared_with_england
    FROM analysis.access a
    WHERE p.period = a.period AND p.icb_ods = a.icb_ods AND p.imd_quintile = a.imd_quintile
      AND p.service_line = a.service_line AND p.dsr IS NOT NULL;

    -- Making Data Count charts of each area's series over every loaded period (0017).
    DELETE FROM analysis.spc;
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
    ), points AS (
        SELECT 'referral_rate' AS series, icb_ods, '' AS org_code, period, referral_rate AS value, 'neutral' AS improvement
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
        SELECT 'data_quality_score', coalesce(icb_ods, ''), org_code, period, score_mean::double precision, 'increase'
        FROM analysis.completeness_trust WHERE score_mean IS NOT NULL
    ), series AS (
        SELECT series, icb_ods, org_code, improvement,
               array_agg(period ORDER BY period) AS periods, array_agg(value ORDER BY period) AS vals
        FROM points
        GROUP BY series, icb_ods, org_code, improvement
    )
    INSERT INTO analysis.spc
    SELECT s.series, s.icb_ods, s.org_code, s.periods[c.point], c.value, c.mean, c.lpl, c.upl, c.point_type,
           s.improvement, cardinality(s.periods), stats.spc_variation(s.vals, s.improvement)
    FROM series s
    CROSS JOIN LATERAL stats.spc(s.vals, s.improvement) c;
    RETURN QUERY SELECT 'analysis.spc'::text, count(*) FROM analysis.spc;
END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analysis.refresh() TO rehab_loader;
COMMENT ON FUNCTION analysis.refresh() IS
    'Rebuilds every table of the analysis schema, and the published tables from them, from core, audit and '
    'reference, in the caller''s transaction, and returns one row per table with its row count (through '
    'analysis.refresh_tables()); then rounds the published DSRs and their limits to 1 decimal place, fills the '
    'completeness tables'' quarantine columns from audit.submissions, and the confidence limits of '
    'analysis.inequality''s rate ratio and rate difference (stats.dsr_compare), each ICB''s rate against England''s '
    '(analysis.access.compared_with_england), referral coverage (analysis.access.referral_coverage), and '
    'analysis.spc over every period '
    '(stats.spc). Reads all its inputs in one '
    'snapshot, so a load committing meanwhile is wholly in or wholly out. Replaces rows with DELETE + INSERT, so '
    'readers see the old figures until it commits. Leaves analysis.inequality''s SII and RII confidence limits NULL '
    'for the simulation stage. One refresh at a time (advisory lock 1380142676, 2). SECURITY DEFINER (runs as the '
    'migration owner); EXECUTE for rehab_loader only. Run by rehabcount analyse.';

-- analysis.refresh_inequality(touched): the Q1/Q5 gap with its confidence limits, and the SII and RII, by ICB and service line.
-- A unit of analysis.refresh() (90_analysis_refresh.sql): it replaces the rows of the periods in `touched` (every
-- period when NULL), reading the temporary tables of analysis.refresh_inputs() (80) and the tables of earlier units.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE FUNCTION analysis.refresh_inequality(touched date[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    DELETE FROM analysis.inequality WHERE (touched IS NULL OR period = ANY (touched));

    -- From the five quintile rows of each ICB, period and service line of analysis.access.
    INSERT INTO analysis.inequality
    SELECT g.period, g.icb_ods, g.service_line, g.referrals, g.population, g.q1_referrals, g.q5_referrals,
           g.min_quintile_referrals, g.q1_dsr, g.q5_dsr,
           g.q1_dsr / NULLIF(g.q5_dsr, 0), g.q1_dsr - g.q5_dsr,
           s.sii, s.rii, NULL, NULL, NULL, NULL
    FROM (
        SELECT period, icb_ods, service_line,
               sum(new_referrals)::bigint AS referrals, sum(population)::bigint AS population,
               sum(new_referrals) FILTER (WHERE imd_quintile = 1)::bigint AS q1_referrals,
               sum(new_referrals) FILTER (WHERE imd_quintile = 5)::bigint AS q5_referrals,
               min(new_referrals) AS min_quintile_referrals,
               min(dsr) FILTER (WHERE imd_quintile = 1) AS q1_dsr,
               min(dsr) FILTER (WHERE imd_quintile = 5) AS q5_dsr,
               array_agg(dsr ORDER BY imd_quintile) AS dsrs,
               array_agg(population::numeric ORDER BY imd_quintile) AS populations
        FROM analysis.access
        WHERE (touched IS NULL OR period = ANY (touched))
        GROUP BY period, icb_ods, service_line
    ) g
    CROSS JOIN LATERAL stats.sii(g.dsrs, g.populations) s;


    -- Confidence limits of the Q1/Q5 gap (0016): the two quintiles' age-band counts and populations, built as
    -- analysis.refresh_access builds them, compared by stats.dsr_compare.
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
        WHERE i.rate_difference IS NOT NULL AND (touched IS NULL OR i.period = ANY (touched))
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


    -- Referral coverage, as in analysis.access.
    UPDATE analysis.inequality i
    SET referral_coverage = a.referral_coverage
    FROM (SELECT DISTINCT period, icb_ods, referral_coverage FROM analysis.access WHERE (touched IS NULL OR period = ANY (touched))) a
    WHERE i.period = a.period AND i.icb_ods = a.icb_ods AND (touched IS NULL OR i.period = ANY (touched));
END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh_inequality(date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analysis.refresh_inequality(date[]) FROM rehab_loader;
COMMENT ON FUNCTION analysis.refresh_inequality(date[]) IS
    'A unit of analysis.refresh(): replaces analysis.inequality for the touched periods (all when NULL), from '
    'analysis.access: the Q1/Q5 ratio and difference with their limits (stats.dsr_compare), the SII and RII (their '
    'limits are left NULL for the simulation) and referral coverage. Not to be called alone: EXECUTE for its owner '
    'only.';

COMMENT ON COLUMN analysis.inequality.icb_ods IS
    'ODS code of the ICB of residence, or E92000001 for England (analysis.access).';

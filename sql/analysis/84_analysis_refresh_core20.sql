-- analysis.refresh_core20(touched): the share of referrals from the most deprived fifth of areas (Core20), by ICB and service line.
-- A unit of analysis.refresh() (90_analysis_refresh.sql): it replaces the rows of the periods in `touched` (every
-- period when NULL), reading the temporary tables of analysis.refresh_inputs() (80) and the tables of earlier units.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE FUNCTION analysis.refresh_core20(touched date[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    DELETE FROM analysis.core20 WHERE (touched IS NULL OR period = ANY (touched));

    INSERT INTO analysis.core20
    SELECT g.period, g.icb_ods, g.service_line, g.referrals, g.referrals_q1,
           g.referrals_q1::numeric / NULLIF(g.referrals, 0), w.lower, w.upper,
           g.population, g.population_q1, g.population_q1::numeric / NULLIF(g.population, 0),
           (g.referrals_q1::numeric / NULLIF(g.referrals, 0))
               / NULLIF(g.population_q1::numeric / NULLIF(g.population, 0), 0)
    FROM (
        SELECT period, icb_ods, service_line,
               sum(new_referrals)::bigint AS referrals,
               sum(new_referrals) FILTER (WHERE imd_quintile = 1)::bigint AS referrals_q1,
               sum(population)::bigint AS population,
               sum(population) FILTER (WHERE imd_quintile = 1)::bigint AS population_q1
        FROM analysis.access
        WHERE (touched IS NULL OR period = ANY (touched))
        GROUP BY period, icb_ods, service_line
    ) g
    CROSS JOIN LATERAL stats.wilson_ci(g.referrals_q1, NULLIF(g.referrals, 0)) w;

END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh_core20(date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analysis.refresh_core20(date[]) FROM rehab_loader;
COMMENT ON FUNCTION analysis.refresh_core20(date[]) IS
    'A unit of analysis.refresh(): replaces analysis.core20 for the touched periods (all when NULL), from '
    'analysis.access. Not to be called alone: EXECUTE for its owner only.';

COMMENT ON COLUMN analysis.core20.icb_ods IS
    'ODS code of the ICB of residence, or E92000001 for England (analysis.access).';

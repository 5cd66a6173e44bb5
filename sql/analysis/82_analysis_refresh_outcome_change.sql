-- analysis.refresh_outcome_change(touched): outcome scores at start and end of care, by ICB, quintile, service line and tool.
-- A unit of analysis.refresh() (90_analysis_refresh.sql): it replaces the rows of the periods in `touched` (every
-- period when NULL), reading the temporary tables of analysis.refresh_inputs() (80) and the tables of earlier units.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE FUNCTION analysis.refresh_outcome_change(touched date[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    DELETE FROM analysis.outcome_change WHERE (touched IS NULL OR period = ANY (touched));

    -- Means and the sample standard deviation from exact numeric sums: sd = sqrt((S2 - S1^2 / n) / (n - 1)).
    INSERT INTO analysis.outcome_change
    SELECT g.period, g.icb_ods, g.imd_quintile, g.service_line, g.outcome_tool, g.outcome_tool <> 'mrs',
           g.n, g.sum_start / g.n, g.sum_end / g.n, g.sum_change / g.n,
           CASE WHEN g.n > 1 THEN sqrt(greatest(g.sum_change_squared - g.sum_change ^ 2 / g.n, 0) / (g.n - 1)) END
    FROM (
        SELECT period, icb_ods, imd_quintile,
               CASE WHEN GROUPING(service_line) = 1 THEN 'all' ELSE service_line END AS service_line,
               outcome_tool, sum(n) AS n, sum(sum_start) AS sum_start, sum(sum_end) AS sum_end,
               sum(sum_change) AS sum_change, sum(sum_change_squared) AS sum_change_squared
        FROM pg_temp.outcomes
        GROUP BY GROUPING SETS ((period, icb_ods, imd_quintile, service_line, outcome_tool),
                                (period, icb_ods, imd_quintile, outcome_tool))
    ) g;

END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh_outcome_change(date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analysis.refresh_outcome_change(date[]) FROM rehab_loader;
COMMENT ON FUNCTION analysis.refresh_outcome_change(date[]) IS
    'A unit of analysis.refresh(): replaces analysis.outcome_change for the touched periods (all when NULL). Not '
    'to be called alone: EXECUTE for its owner only.';

COMMENT ON COLUMN analysis.outcome_change.icb_ods IS
    'ODS code of the ICB of residence, or E92000001 for England (analysis.access).';

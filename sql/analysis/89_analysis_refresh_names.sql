-- analysis.refresh_names(touched): names beside codes (0021). A unit of analysis.refresh() (90_analysis_refresh.sql),
-- run last: it fills icb_name ("England" for E92000001) and trust_name in the rows of the touched periods (every
-- period when NULL) of every analysis and published table that has them. analysis.refresh_spc() names its own
-- rows as it writes them.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE FUNCTION analysis.refresh_names(touched date[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    relation text;
    icb_name CONSTANT text :=
        'coalesce((SELECT i.icb_name FROM reference.icb i WHERE i.icb_ods = t.icb_ods), '
        || 'CASE WHEN t.icb_ods = ''E92000001'' THEN ''England'' END)';
    trust_name CONSTANT text := '(SELECT r.trust_name FROM reference.trust r WHERE r.trust_ods = t.org_code)';
BEGIN
    -- One pass a table: each UPDATE writes every row again.
    FOREACH relation IN ARRAY ARRAY[
        'analysis.access', 'analysis.outcome_change', 'analysis.inequality', 'analysis.core20',
        'analysis.workforce_icb', 'analysis.completeness_icb', 'published.access', 'published.outcome_change',
        'published.core20', 'published.workforce_icb', 'published.completeness_icb'
    ] LOOP
        EXECUTE format('UPDATE %s t SET icb_name = %s WHERE $1 IS NULL OR t.period = ANY ($1)', relation, icb_name)
            USING touched;
    END LOOP;
    FOREACH relation IN ARRAY ARRAY[
        'analysis.workforce_trust', 'analysis.completeness_trust', 'published.workforce_trust',
        'published.completeness_trust'
    ] LOOP
        EXECUTE format('UPDATE %s t SET icb_name = %s, trust_name = %s WHERE $1 IS NULL OR t.period = ANY ($1)',
                       relation, icb_name, trust_name)
            USING touched;
    END LOOP;
END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh_names(date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analysis.refresh_names(date[]) FROM rehab_loader;
COMMENT ON FUNCTION analysis.refresh_names(date[]) IS
    'A unit of analysis.refresh(), run last: fills icb_name and trust_name beside the codes of the touched periods '
    '(all when NULL) in the analysis and published tables (analysis.refresh_spc names the SPC rows itself). Not to '
    'be called alone: EXECUTE for its owner only.';

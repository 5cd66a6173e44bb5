-- analysis.name_rows(measure, touched): names beside codes (0021), by the measure's grain in published.measures. A
-- unit of analysis.refresh() (90_analysis_refresh.sql), run after the unit that builds the measure and before it is
-- published, so that the published rows carry the same names: it fills icb_name ("England" for E92000001), and for
-- the trust grain trust_name, in the analysis rows of the touched periods (every period when NULL). Measures of the
-- series grain (analysis.spc) are named as they are written.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

DROP FUNCTION IF EXISTS analysis.refresh_names(date[]);

CREATE OR REPLACE FUNCTION analysis.name_rows(measure_name text, touched date[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    grain_of text;
    icb_name CONSTANT text :=
        'coalesce((SELECT i.icb_name FROM reference.icb i WHERE i.icb_ods = t.icb_ods), '
        || 'CASE WHEN t.icb_ods = ''E92000001'' THEN ''England'' END)';
    trust_name CONSTANT text := '(SELECT r.trust_name FROM reference.trust r WHERE r.trust_ods = t.org_code)';
BEGIN
    SELECT m.grain INTO grain_of FROM published.measures m WHERE m.measure = measure_name;
    -- Only tables with the column: a table of counts by age band carries codes alone.
    IF NOT EXISTS (SELECT FROM pg_attribute
                   WHERE attrelid = format('analysis.%I', measure_name)::regclass AND attname = 'icb_name'
                     AND NOT attisdropped) THEN
        RETURN;
    END IF;
    -- One pass a table: each UPDATE writes every row again.
    IF grain_of = 'icb' THEN
        EXECUTE format('UPDATE analysis.%I t SET icb_name = %s WHERE $1 IS NULL OR t.period = ANY ($1)',
                       measure_name, icb_name)
            USING touched;
    ELSIF grain_of = 'trust' THEN
        EXECUTE format('UPDATE analysis.%I t SET icb_name = %s, trust_name = %s WHERE $1 IS NULL OR t.period = ANY ($1)',
                       measure_name, icb_name, trust_name)
            USING touched;
    END IF;
END
$fn$;
REVOKE ALL ON FUNCTION analysis.name_rows(text, date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analysis.name_rows(text, date[]) FROM rehab_loader;
COMMENT ON FUNCTION analysis.name_rows(text, date[]) IS
    'A unit of analysis.refresh(), run after the unit that builds a measure of published.measures: fills icb_name, '
    'and trust_name for the trust grain, beside the codes of the touched periods (all when NULL) of its analysis '
    'table. Not to be called alone: EXECUTE for its owner only.';

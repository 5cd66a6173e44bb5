-- 0011: published standardised rates and inequality measures are rounded.
--
-- A directly standardised rate at full precision is an equation in the age-band counts it was computed from, whose
-- populations and weights are public: with a small total, few sets of whole counts satisfy it, so the exact count
-- that disclosure control rounds to 5 (and often its age mix) could be read back from the published rate, and its
-- two limits add two more equations. 0009 left this as a residual risk ("round them for display"); the national
-- report rounded its charts, but the published tables and CSVs did not. Now published.access and
-- published.inequality carry them rounded:
--   * rates per 100,000, their limits, the Q1-Q5 rate difference, the SII and its limits: 1 decimal place;
--   * the Q1/Q5 rate ratio, the RII and its limits: 2 decimal places.
-- analysis keeps full precision for analysts.
--
-- analysis.refresh() keeps its name and result; its body becomes analysis.refresh_tables(), which rehab_loader can
-- no longer call on its own, so nothing publishes unrounded rates.

ALTER FUNCTION analysis.refresh() RENAME TO refresh_tables;
REVOKE EXECUTE ON FUNCTION analysis.refresh_tables() FROM rehab_loader;
COMMENT ON FUNCTION analysis.refresh_tables() IS
    'The first step of analysis.refresh(), which calls it and then rounds the published rates: rebuilds every table '
    'of the analysis schema, and the published tables from them (with full-precision DSRs), and returns one row per '
    'table with its row count. Not to be called alone: EXECUTE for its owner only.';

CREATE FUNCTION analysis.refresh() RETURNS TABLE (table_name text, rows bigint)
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RETURN QUERY SELECT r.table_name, r.rows FROM analysis.refresh_tables() r;
    UPDATE published.access
    SET dsr = round(dsr, 1), dsr_lower = round(dsr_lower, 1), dsr_upper = round(dsr_upper, 1)
    WHERE dsr IS NOT NULL OR dsr_lower IS NOT NULL OR dsr_upper IS NOT NULL;
END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analysis.refresh() TO rehab_loader;
COMMENT ON FUNCTION analysis.refresh() IS
    'Rebuilds every table of the analysis schema, and the published tables from them, from core, audit and '
    'reference, in the caller''s transaction, and returns one row per table with its row count (through '
    'analysis.refresh_tables()); then rounds the published DSRs and their limits to 1 decimal place. Reads all its '
    'inputs in one snapshot, so a load committing meanwhile is wholly in or wholly out. Replaces rows with DELETE + '
    'INSERT, so readers see the old figures until it commits. Leaves analysis.inequality''s SII and RII confidence '
    'limits NULL for the simulation stage. One refresh at a time (advisory lock 1380142676, 2). SECURITY DEFINER '
    '(runs as the migration owner); EXECUTE for rehab_loader only. Run by rehabcount analyse.';

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
       CASE WHEN NOT published.sdc_suppressed(i.min_quintile_referrals) THEN round(i.rii_upper, 2) END AS rii_upper
FROM analysis.inequality i;

COMMENT ON VIEW published.inequality IS
    'analysis.inequality with disclosure control: counts of 1-7 suppressed and others rounded to the nearest 5; the '
    'Q1 and Q5 DSRs, their difference, and the SII and its limits rounded to 1 decimal place, the rate ratio, RII '
    'and its limits to 2, and all of them NULL when a quintile count they use is 1-7 (in practice they are then NULL '
    'already: a DSR needs 10 referrals). A view, not a table, so that the SII and RII limits the simulation stage '
    'writes into analysis.inequality after analysis.refresh() appear here at once. Security barrier; runs with its '
    'owner''s rights, so readers need SELECT on it only.';

COMMENT ON SCHEMA published IS
    'The analysis tables with statistical disclosure control, cleared for release (the national gap report reads '
    'them). Rules, after NHS Digital''s disclosure control method for HES and ECDS (2018): a count of people (or '
    'posts) of 1 to 7 is suppressed (NULL) and any other count is rounded to the nearest 5 (published.sdc_count); a '
    'rate or share is recomputed from the published (rounded) counts, so that it cannot reveal the exact count, and '
    'is NULL when a count it uses is suppressed; a median, centile, mean or standard deviation of n values is NULL '
    'when n is 1 to 7; a standardised rate, SII or RII (complex calculations) is NULL when a count it uses is '
    'suppressed and otherwise rounded (rates per 100,000, differences and SII to 1 decimal place, ratios and RII to '
    '2), because at full precision a DSR and its limits determine the counts they were computed from. Populations '
    '(ONS), data-quality scores and submission counts are not about individuals and are shown as they are. Filled '
    'by analysis.refresh(), except the view published.inequality. Readable by rehab_public, rehab_analyst and '
    'rehab_loader.';

-- Column comments: the disclosure rule at the end of each becomes the rounding one. The old wording must be found,
-- so that a comment edited since does not silently keep a rule that no longer holds.
DO $$
DECLARE
    r record;
    old text;
BEGIN
    FOR r IN
        SELECT * FROM (VALUES
            ('access', 'dsr', 'Published as computed (a standardised rate from exact counts), unless referrals is suppressed.',
             'Published: rounded to 1 decimal place (at full precision it would determine the counts), NULL when referrals is suppressed.'),
            ('access', 'dsr_lower', 'Published as computed (a standardised rate from exact counts), unless referrals is suppressed.',
             'Published: rounded to 1 decimal place, NULL when referrals is suppressed.'),
            ('access', 'dsr_upper', 'Published as computed (a standardised rate from exact counts), unless referrals is suppressed.',
             'Published: rounded to 1 decimal place, NULL when referrals is suppressed.'),
            ('inequality', 'q1_dsr', 'Published as computed, unless q1_referrals is 1-7.',
             'Published: rounded to 1 decimal place, NULL when q1_referrals is 1-7.'),
            ('inequality', 'q5_dsr', 'Published as computed, unless q5_referrals is 1-7.',
             'Published: rounded to 1 decimal place, NULL when q5_referrals is 1-7.'),
            ('inequality', 'rate_ratio', 'Published as computed, unless q1_referrals or q5_referrals is 1-7.',
             'Published: rounded to 2 decimal places, NULL when q1_referrals or q5_referrals is 1-7.'),
            ('inequality', 'rate_difference', 'Published as computed, unless q1_referrals or q5_referrals is 1-7.',
             'Published: rounded to 1 decimal place, NULL when q1_referrals or q5_referrals is 1-7.')
        ) AS v(tbl, col, was, now)
        UNION ALL
        SELECT 'inequality', c,
               CASE WHEN c IN ('sii', 'rii') THEN 'Published as computed, unless a quintile count is 1-7.'
                    ELSE 'Published as filled by the simulation stage, unless a quintile count is 1-7.' END,
               format('Published%s: rounded to %s, NULL when a quintile count is 1-7.',
                      CASE WHEN c IN ('sii', 'rii') THEN '' ELSE ' as filled by the simulation stage' END,
                      CASE WHEN c LIKE 'rii%' THEN '2 decimal places' ELSE '1 decimal place' END)
        FROM unnest(ARRAY['sii', 'rii', 'sii_lower', 'sii_upper', 'rii_lower', 'rii_upper']) AS c
    LOOP
        old := col_description(format('published.%I', r.tbl)::regclass,
                               (SELECT attnum FROM pg_attribute
                                WHERE attrelid = format('published.%I', r.tbl)::regclass AND attname = r.col));
        IF old IS NULL OR position(r.was IN old) = 0 THEN
            RAISE EXCEPTION '0011: the comment on published.%.% does not end with the rule it expected', r.tbl, r.col;
        END IF;
        EXECUTE format('COMMENT ON COLUMN published.%I.%I IS %L', r.tbl, r.col, replace(old, r.was, r.now));
    END LOOP;
END
$$;

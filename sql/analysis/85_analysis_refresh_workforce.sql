-- analysis.refresh_workforce(touched): posts, FTE, vacancies and skill mix by trust and ICB, per 100,000 residents and per 1,000 referrals.
-- A unit of analysis.refresh() (90_analysis_refresh.sql): it replaces the rows of the periods in `touched` (every
-- period when NULL), reading the temporary tables of analysis.refresh_inputs() (80) and the tables of earlier units.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE FUNCTION analysis.refresh_workforce(touched date[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    DELETE FROM analysis.workforce_trust WHERE (touched IS NULL OR period = ANY (touched));
    DELETE FROM analysis.workforce_icb WHERE (touched IS NULL OR period = ANY (touched));

    WITH icb_population AS (
        SELECT icb_ods, sum(population)::bigint AS population FROM pg_temp.pop GROUP BY icb_ods
    ), trust_referrals AS (
        -- The open caseload of each trust's current referrals submission (every row, not only new referrals); 0
        -- for a current submission with no row.
        SELECT s.period, s.org_code, coalesce(sum(c.open_caseload), 0)::bigint AS referrals
        FROM (SELECT DISTINCT period, org_code FROM pg_temp.sub WHERE kind = 'referrals' AND is_current) s
        LEFT JOIN pg_temp.cells c ON c.period = s.period AND c.org_code = s.org_code AND c.icb_ods IS DISTINCT FROM 'E92000001'
        GROUP BY s.period, s.org_code
    ), by_profession AS (
        SELECT period, org_code,
               CASE WHEN GROUPING(profession) = 1 THEN 'all' ELSE profession END AS profession,
               sum(posts_filled)::bigint AS posts_filled, sum(posts_vacant)::bigint AS posts_vacant,
               sum(fte_in_post) AS fte_in_post, sum(fte_vacant) AS fte_vacant,
               sum(posts_registered)::bigint AS posts_registered, sum(posts_support)::bigint AS posts_support,
               sum(fte_registered) AS fte_registered, sum(fte_support) AS fte_support
        FROM pg_temp.wf
        GROUP BY GROUPING SETS ((period, org_code, profession), (period, org_code))
    )
    INSERT INTO analysis.workforce_trust
    SELECT w.period, w.org_code, t.icb_ods, w.profession,
           w.posts_filled, w.posts_vacant, w.fte_in_post, w.fte_vacant, w.fte_in_post + w.fte_vacant,
           w.fte_vacant / NULLIF(w.fte_in_post + w.fte_vacant, 0),
           w.posts_registered, w.posts_support, w.fte_registered, w.fte_support,
           w.fte_registered / NULLIF(w.fte_registered + w.fte_support, 0),
           w.fte_in_post / NULLIF(a.fte_in_post, 0),
           p.population, w.fte_in_post / NULLIF(p.population, 0) * 100000,
           r.referrals, w.fte_in_post / NULLIF(r.referrals, 0) * 1000
    FROM by_profession w
    JOIN by_profession a ON a.period = w.period AND a.org_code = w.org_code AND a.profession = 'all'
    LEFT JOIN pg_temp.trusts t ON t.trust_ods = w.org_code
    LEFT JOIN icb_population p ON p.icb_ods = t.icb_ods
    LEFT JOIN trust_referrals r ON r.period = w.period AND r.org_code = w.org_code;

    WITH icb_population AS (
        SELECT icb_ods, sum(population)::bigint AS population FROM pg_temp.pop GROUP BY icb_ods
    ), by_icb AS (
        SELECT period, icb_ods, profession, count(*) AS trusts,
               sum(posts_filled)::bigint AS posts_filled, sum(posts_vacant)::bigint AS posts_vacant,
               sum(fte_in_post) AS fte_in_post, sum(fte_vacant) AS fte_vacant,
               sum(posts_registered)::bigint AS posts_registered, sum(posts_support)::bigint AS posts_support,
               sum(fte_registered) AS fte_registered, sum(fte_support) AS fte_support,
               sum(referrals)::bigint AS referrals
        FROM analysis.workforce_trust
        WHERE icb_ods IS NOT NULL AND (touched IS NULL OR period = ANY (touched))
        GROUP BY period, icb_ods, profession
    )
    INSERT INTO analysis.workforce_icb
    SELECT w.period, w.icb_ods, w.profession, w.trusts,
           w.posts_filled, w.posts_vacant, w.fte_in_post, w.fte_vacant, w.fte_in_post + w.fte_vacant,
           w.fte_vacant / NULLIF(w.fte_in_post + w.fte_vacant, 0),
           w.posts_registered, w.posts_support, w.fte_registered, w.fte_support,
           w.fte_registered / NULLIF(w.fte_registered + w.fte_support, 0),
           w.fte_in_post / NULLIF(a.fte_in_post, 0),
           p.population, w.fte_in_post / NULLIF(p.population, 0) * 100000,
           a.referrals, w.fte_in_post / NULLIF(a.referrals, 0) * 1000
    FROM by_icb w
    JOIN by_icb a ON a.period = w.period AND a.icb_ods = w.icb_ods AND a.profession = 'all'
    LEFT JOIN icb_population p ON p.icb_ods = w.icb_ods;

END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh_workforce(date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analysis.refresh_workforce(date[]) FROM rehab_loader;
COMMENT ON FUNCTION analysis.refresh_workforce(date[]) IS
    'A unit of analysis.refresh(): replaces analysis.workforce_trust and analysis.workforce_icb for the touched '
    'periods (all when NULL). Not to be called alone: EXECUTE for its owner only.';

-- analysis.refresh_access(touched): rates, waits and recording by ICB of residence, IMD quintile and service line, with England's rows.
-- A unit of analysis.refresh() (90_analysis_refresh.sql): it replaces the rows of the periods in `touched` (every
-- period when NULL), reading the temporary tables of analysis.refresh_inputs() (80) and the tables of earlier units.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE FUNCTION analysis.refresh_access(touched date[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    -- The planner merge-joins the cells' 19 age bands with the counts by band and re-reads each group: on a
    -- generated year of 40 trusts (12 months, 287k referrals) the unit took 41-44 s that way and 9 s with hash
    -- joins (psql \timing of analysis.refresh_access(NULL), 2026-12-04).
    SET enable_mergejoin = off
AS $fn$
BEGIN
    -- DELETE, not TRUNCATE: readers keep the old rows until the refresh commits.
    DELETE FROM analysis.access WHERE (touched IS NULL OR period = ANY (touched));
    DELETE FROM analysis.new_referrals_by_age WHERE (touched IS NULL OR period = ANY (touched));

    WITH by_band AS (
        -- Cells of known residence, summed over trusts, for each service line and for 'all'; one row per age band
        -- (and one for unknown age).
        SELECT period, icb_ods, imd_quintile,
               CASE WHEN GROUPING(service_line) = 1 THEN 'all' ELSE service_line END AS service_line,
               esp_age_band,
               sum(referrals) AS referrals, sum(open_caseload) AS open_caseload, sum(seen) AS seen, sum(waiting) AS waiting,
               sum(waiting_over_18w) AS waiting_over_18w, sum(discharges) AS discharges,
               sum(outcome_recorded) AS outcome_recorded
        FROM pg_temp.cells
        WHERE icb_ods IS NOT NULL AND imd_quintile IS NOT NULL
        GROUP BY GROUPING SETS ((period, icb_ods, imd_quintile, service_line, esp_age_band),
                                (period, icb_ods, imd_quintile, esp_age_band))
    ), counts AS (
        SELECT period, icb_ods, imd_quintile, service_line,
               sum(referrals)::bigint AS referrals, sum(open_caseload)::bigint AS open_caseload,
               sum(seen)::bigint AS seen, sum(waiting)::bigint AS waiting,
               sum(waiting_over_18w)::bigint AS waiting_over_18w, sum(discharges)::bigint AS discharges,
               sum(outcome_recorded)::bigint AS outcome_recorded
        FROM by_band
        GROUP BY period, icb_ods, imd_quintile, service_line
    ), frame AS (
        -- Every quintile of every ICB seen in the period, for every service line seen in the period and 'all'.
        SELECT i.period, i.icb_ods, q.imd_quintile::smallint AS imd_quintile, l.service_line
        FROM (SELECT DISTINCT period, icb_ods FROM counts) i
        JOIN (SELECT DISTINCT period, service_line FROM counts) l USING (period)
        CROSS JOIN generate_series(1, 5) AS q(imd_quintile)
    ), strata AS (
        -- The 19 ESP bands of each cell, youngest first. A band with no population and no referral gets
        -- population 1 (it then adds 0 to the rate and its variance, and keeps its weight); a referral in a band
        -- with no population makes the cell impossible to standardise.
        SELECT f.period, f.icb_ods, f.imd_quintile, f.service_line,
               sum(coalesce(p.population, 0)) AS population,
               array_agg(coalesce(b.referrals, 0) ORDER BY e.band_order) AS counts,
               array_agg(CASE WHEN p.population > 0 THEN p.population ELSE 1 END::numeric ORDER BY e.band_order)
                   AS populations,
               array_agg(e.standard ORDER BY e.band_order) AS standard,
               bool_or(b.referrals > 0 AND coalesce(p.population, 0) = 0) IS TRUE AS unstandardisable
        FROM frame f
        CROSS JOIN pg_temp.esp e
        LEFT JOIN by_band b ON b.period = f.period AND b.icb_ods = f.icb_ods AND b.imd_quintile = f.imd_quintile
                           AND b.service_line = f.service_line AND b.esp_age_band = e.age_band
        LEFT JOIN pg_temp.pop p ON p.icb_ods = f.icb_ods AND p.imd_quintile = f.imd_quintile
                               AND p.age_band = e.age_band
        GROUP BY f.period, f.icb_ods, f.imd_quintile, f.service_line
    ), wait_distribution AS (
        SELECT period, icb_ods, imd_quintile,
               CASE WHEN GROUPING(service_line) = 1 THEN 'all' ELSE service_line END AS service_line,
               wait_days, sum(n) AS n
        FROM pg_temp.waits
        GROUP BY GROUPING SETS ((period, icb_ods, imd_quintile, service_line, wait_days),
                                (period, icb_ods, imd_quintile, wait_days))
    ), wait_cumulative AS (
        -- Row k (0-based) of the sorted waits of a cell has the wait of the distribution row with upto - n <= k < upto.
        SELECT period, icb_ods, imd_quintile, service_line, wait_days, n,
               sum(n) OVER (PARTITION BY period, icb_ods, imd_quintile, service_line ORDER BY wait_days) AS upto,
               sum(n) OVER (PARTITION BY period, icb_ods, imd_quintile, service_line) AS total
        FROM wait_distribution
    ), wait_positions AS (
        -- percentile_cont(f): interpolate between rows floor(f (N - 1)) and ceil(f (N - 1)), in double precision.
        SELECT DISTINCT period, icb_ods, imd_quintile, service_line, f.fraction,
               f.fraction * (total - 1)::double precision AS h
        FROM wait_cumulative
        CROSS JOIN (VALUES (0.5::double precision), (0.9::double precision)) AS f(fraction)
    ), wait_bounds AS (
        -- The waits at rows floor(h) and ceil(h): the one or two distribution rows those positions fall in, the
        -- lower wait first. One join, on the cell's key: a second join of wait_cumulative for ceil(h) was planned
        -- as a nested loop over every distribution row per position (727M rows compared, 70 s for a national
        -- month of 2M referrals).
        SELECT a.period, a.icb_ods, a.imd_quintile, a.service_line, a.fraction, a.h,
               min(w.wait_days) AS lo, max(w.wait_days) AS hi
        FROM wait_positions a
        JOIN wait_cumulative w ON w.period = a.period AND w.icb_ods = a.icb_ods
                              AND w.imd_quintile = a.imd_quintile AND w.service_line = a.service_line
                              AND w.upto - w.n <= ceil(a.h) AND floor(a.h) < w.upto
        GROUP BY a.period, a.icb_ods, a.imd_quintile, a.service_line, a.fraction, a.h
    ), wait_centiles AS (
        SELECT period, icb_ods, imd_quintile, service_line,
               max(lo + (h - floor(h)) * (hi - lo)) FILTER (WHERE fraction = 0.5) AS median,
               max(lo + (h - floor(h)) * (hi - lo)) FILTER (WHERE fraction = 0.9) AS p90
        FROM wait_bounds
        GROUP BY period, icb_ods, imd_quintile, service_line
    )
    INSERT INTO analysis.access (
        period, icb_ods, imd_quintile, service_line, new_referrals, population, crude_rate, crude_rate_lower,
        crude_rate_upper, dsr, dsr_lower, dsr_upper, seen, wait_median_days, wait_p90_days, waiting,
        waiting_over_18w, waiting_over_18w_share, waiting_over_18w_share_lower, waiting_over_18w_share_upper,
        discharges, outcome_recorded, outcome_recorded_share, outcome_recorded_share_lower,
        outcome_recorded_share_upper, open_caseload)
    SELECT s.period, s.icb_ods, s.imd_quintile, s.service_line,
           coalesce(c.referrals, 0), s.population,
           cr.value, cr.lower, cr.upper,
           d.value, d.lower, d.upper,
           coalesce(c.seen, 0), wc.median::numeric, wc.p90::numeric,
           coalesce(c.waiting, 0), coalesce(c.waiting_over_18w, 0),
           c.waiting_over_18w::numeric / NULLIF(c.waiting, 0), w.lower, w.upper,
           coalesce(c.discharges, 0), coalesce(c.outcome_recorded, 0),
           c.outcome_recorded::numeric / NULLIF(c.discharges, 0), o.lower, o.upper,
           coalesce(c.open_caseload, 0)
    FROM strata s
    LEFT JOIN counts c USING (period, icb_ods, imd_quintile, service_line)
    LEFT JOIN wait_centiles wc USING (period, icb_ods, imd_quintile, service_line)
    -- The stats functions are STRICT: a NULL argument (no population, nothing to standardise) gives NULLs.
    CROSS JOIN LATERAL stats.rate_ci(coalesce(c.referrals, 0), NULLIF(s.population, 0)) cr
    CROSS JOIN LATERAL stats.dsr(CASE WHEN NOT s.unstandardisable THEN s.counts END, s.populations, s.standard) d
    CROSS JOIN LATERAL stats.wilson_ci(c.waiting_over_18w, NULLIF(c.waiting, 0)) w
    CROSS JOIN LATERAL stats.wilson_ci(c.outcome_recorded, NULLIF(c.discharges, 0)) o;


    -- The counts behind the DSR (0025), kept for rates over several months (analysis.access_over): every ESP band
    -- of every cell of analysis.access, with zeros. A statement of its own, so that the one above keeps its plan.
    INSERT INTO analysis.new_referrals_by_age
    SELECT a.period, a.icb_ods, a.imd_quintile, a.service_line, e.age_band, coalesce(b.n, 0)::bigint,
           coalesce(p.population, 0)
    FROM analysis.access a
    CROSS JOIN pg_temp.esp e
    LEFT JOIN (
        SELECT period, icb_ods, imd_quintile,
               CASE WHEN GROUPING(service_line) = 1 THEN 'all' ELSE service_line END AS service_line,
               esp_age_band, sum(referrals) AS n
        FROM pg_temp.cells
        WHERE icb_ods IS NOT NULL AND imd_quintile IS NOT NULL AND esp_age_band IS NOT NULL
        GROUP BY GROUPING SETS ((period, icb_ods, imd_quintile, service_line, esp_age_band),
                                (period, icb_ods, imd_quintile, esp_age_band))
    ) b ON b.period = a.period AND b.icb_ods = a.icb_ods AND b.imd_quintile = a.imd_quintile
       AND b.service_line = a.service_line AND b.esp_age_band = e.age_band
    LEFT JOIN pg_temp.pop p ON p.icb_ods = a.icb_ods AND p.imd_quintile = a.imd_quintile AND p.age_band = e.age_band
    WHERE (touched IS NULL OR a.period = ANY (touched));

    -- Referral coverage of each ICB's hosted trusts, and England's (0019): the referrals extracts loaded, against
    -- those loaded plus those expected and missing.
    WITH owed AS (
        SELECT period, org_code, true AS loaded FROM pg_temp.sub WHERE kind = 'referrals' AND is_current
        UNION
        SELECT period, org_code, false FROM analysis.missing_submissions
        WHERE kind = 'referrals' AND (touched IS NULL OR period = ANY (touched))
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

    -- Each ICB's rate against England's (0018): the area's interval against England's value, as Fingertips.
    UPDATE analysis.access a
    SET compared_with_england = CASE WHEN a.dsr_lower > e.dsr THEN 'higher'
                                     WHEN a.dsr_upper < e.dsr THEN 'lower'
                                     ELSE 'similar' END
    FROM analysis.access e
    WHERE e.icb_ods = 'E92000001' AND a.icb_ods <> 'E92000001'
      AND e.period = a.period AND e.imd_quintile = a.imd_quintile AND e.service_line = a.service_line
      AND a.dsr IS NOT NULL AND e.dsr IS NOT NULL AND (touched IS NULL OR a.period = ANY (touched));
END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh_access(date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analysis.refresh_access(date[]) FROM rehab_loader;
COMMENT ON FUNCTION analysis.refresh_access(date[]) IS
    'A unit of analysis.refresh(): replaces analysis.access for the touched periods (all when NULL), with England '
    '(E92000001) beside the ICBs, each ICB''s referral coverage and its rate against England''s. Not to be called '
    'alone: EXECUTE for its owner only.';

COMMENT ON COLUMN analysis.access.icb_ods IS
    'ODS code of the ICB of residence, from the patient''s LSOA (core.referrals.icb_ods): ICB 2022 for LSOA 2011 '
    'codes, ICB 2024 for codes only in the LSOA 2021 lookup. Not the ICB of the treating trust. E92000001 (the ONS '
    'code for England) marks England''s rows: every referral of known residence over the population of every ICB, '
    'computed as an ICB''s. To add ICBs up, leave them out (icb_ods <> ''E92000001'').';

-- Rates over several months: a quarter, a rolling year. New referrals are received once, so the months' counts add
-- up; each age band's residents count for each month the cell has figures (person-years = population x months /
-- 12), so the rate is per 100,000 residents per YEAR, age-standardised to the ESP 2013 as Fingertips publishes.
CREATE OR REPLACE FUNCTION analysis.access_over(first_month date, last_month date)
    RETURNS TABLE (first_period date, last_period date, months integer, icb_ods text, icb_name text,
                   imd_quintile smallint, service_line text, new_referrals bigint, population bigint,
                   crude_rate numeric, crude_rate_lower numeric, crude_rate_upper numeric,
                   dsr numeric, dsr_lower numeric, dsr_upper numeric)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH bands AS (
        SELECT b.icb_ods, b.imd_quintile, b.service_line, b.esp_age_band,
               sum(b.new_referrals) AS n, max(b.population) AS population, count(DISTINCT b.period) AS months
        FROM analysis.new_referrals_by_age b
        WHERE b.period BETWEEN date_trunc('month', first_month)::date AND date_trunc('month', last_month)::date
        GROUP BY b.icb_ods, b.imd_quintile, b.service_line, b.esp_age_band
    ), cells AS (
        SELECT b.icb_ods, b.imd_quintile, b.service_line, max(b.months)::integer AS months,
               sum(b.n)::bigint AS n, sum(b.population)::bigint AS population,
               array_agg(b.n::numeric ORDER BY e.band_order) AS counts,
               array_agg(greatest(b.population, 1)::numeric * b.months / 12 ORDER BY e.band_order) AS person_years,
               array_agg(e.standard_population::numeric ORDER BY e.band_order) AS standard,
               bool_or(b.n > 0 AND b.population = 0) AS unstandardisable
        FROM bands b
        JOIN reference.esp2013 e ON e.age_band = b.esp_age_band
        GROUP BY b.icb_ods, b.imd_quintile, b.service_line
    )
    SELECT date_trunc('month', first_month)::date, date_trunc('month', last_month)::date, c.months, c.icb_ods,
           coalesce(i.icb_name, CASE WHEN c.icb_ods = 'E92000001' THEN 'England' END), c.imd_quintile,
           c.service_line, c.n, c.population,
           cr.value, cr.lower, cr.upper, d.value, d.lower, d.upper
    FROM cells c
    LEFT JOIN reference.icb i ON i.icb_ods = c.icb_ods
    CROSS JOIN LATERAL stats.rate_ci(c.n, NULLIF(c.population::numeric * c.months / 12, 0)) cr
    CROSS JOIN LATERAL stats.dsr(CASE WHEN NOT c.unstandardisable THEN c.counts END, c.person_years, c.standard) d
    ORDER BY c.icb_ods <> 'E92000001', c.icb_ods, c.service_line, c.imd_quintile
$fn$;
COMMENT ON FUNCTION analysis.access_over(date, date) IS
    'New referrals over the months first_month..last_month (a quarter, a rolling year) by ICB of residence, IMD '
    'quintile and service line, from analysis.new_referrals_by_age: the count, the crude rate and the '
    'age-standardised rate (ESP 2013, stats.dsr) per 100,000 residents per YEAR, with 95% limits. Each cell''s '
    'person-years are its population x the months it has figures (months) / 12, so a year with a month missing is '
    'still a rate per year. E.g. SELECT * FROM analysis.access_over(''2025-01-01'', ''2025-12-01'') WHERE '
    'service_line = ''all''.';
GRANT EXECUTE ON FUNCTION analysis.access_over(date, date) TO rehab_analyst;
REVOKE ALL ON FUNCTION analysis.access_over(date, date) FROM PUBLIC;

-- The same under disclosure control, for a role that may read only the published schema: rates are computed from
-- the unrounded counts and withheld where the count is suppressed, as the monthly published.access.
CREATE OR REPLACE FUNCTION published.access_over(first_month date, last_month date)
    RETURNS TABLE (first_period date, last_period date, months integer, icb_ods text, icb_name text,
                   imd_quintile smallint, service_line text, new_referrals bigint, population bigint,
                   dsr numeric, dsr_lower numeric, dsr_upper numeric, value_note text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT a.first_period, a.last_period, a.months, a.icb_ods, a.icb_name, a.imd_quintile, a.service_line,
           published.sdc_count(a.new_referrals), a.population,
           CASE WHEN NOT published.sdc_suppressed(a.new_referrals) THEN round(a.dsr, 1) END,
           CASE WHEN NOT published.sdc_suppressed(a.new_referrals) THEN round(a.dsr_lower, 1) END,
           CASE WHEN NOT published.sdc_suppressed(a.new_referrals) THEN round(a.dsr_upper, 1) END,
           CASE WHEN published.sdc_suppressed(a.new_referrals) THEN 'suppressed'
                WHEN a.dsr IS NULL THEN 'not computed' END
    FROM analysis.access_over(first_month, last_month) a
$fn$;
COMMENT ON FUNCTION published.access_over(date, date) IS
    'analysis.access_over under disclosure control: new_referrals of 1-7 suppressed (NULL) and others rounded to 5; '
    'the DSR and its limits, rounded to 1 decimal place, withheld where the count is suppressed. value_note says why '
    'a DSR is NULL: suppressed (a count of 1-7) or not computed (fewer than 10 new referrals of known age).';
REVOKE ALL ON FUNCTION published.access_over(date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION published.access_over(date, date) TO rehab_public, rehab_analyst;

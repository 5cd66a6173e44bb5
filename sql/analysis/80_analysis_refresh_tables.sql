-- analysis.refresh_tables(): the first step of analysis.refresh() (90_analysis_refresh.sql). It rebuilds every
-- table of the analysis schema, and the published tables from them, from core, audit and reference. First written in
-- migration 0009 (as analysis.refresh()); its definition now lives here.
--
-- Not to be called alone: EXECUTE for its owner only, so that nothing publishes unrounded rates (0011).
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE FUNCTION analysis.refresh_tables() RETURNS TABLE (table_name text, rows bigint)
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET jit = off
    SET work_mem = '64MB'
AS $fn$
BEGIN
    -- Key (1380142676 = 'RCNT', 2): one refresh at a time; held until the caller's transaction ends.
    PERFORM pg_advisory_xact_lock(1380142676, 2);

    -- 1. One snapshot of the inputs ------------------------------------------------------------------------------
    -- Referrals are aggregated on the way in, to three small tables: counts by trust, residence, service line and
    -- age band (cells); the distribution of completed waits (waits); and outcome score sums (outcomes).
    IF to_regclass('pg_temp.cells') IS NOT NULL THEN
        DROP TABLE pg_temp.cells, pg_temp.waits, pg_temp.outcomes, pg_temp.wf, pg_temp.sub, pg_temp.expected,
                   pg_temp.pop, pg_temp.esp, pg_temp.trusts;
    END IF;
    CREATE TEMP TABLE cells (
        period             date     NOT NULL,
        org_code           text     NOT NULL,
        icb_ods            text,
        imd_quintile       smallint,
        service_line       text     NOT NULL,
        esp_age_band       text,
        referrals          bigint   NOT NULL,
        lsoa_known         bigint   NOT NULL,
        ethnicity_recorded bigint   NOT NULL,
        seen               bigint   NOT NULL,
        waiting            bigint   NOT NULL,
        waiting_over_18w   bigint   NOT NULL,
        discharges         bigint   NOT NULL,
        outcome_recorded   bigint   NOT NULL
    ) ON COMMIT DROP;
    CREATE TEMP TABLE waits (
        period date NOT NULL, icb_ods text NOT NULL, imd_quintile smallint NOT NULL, service_line text NOT NULL,
        wait_days integer NOT NULL, n bigint NOT NULL
    ) ON COMMIT DROP;
    CREATE TEMP TABLE outcomes (
        period date NOT NULL, icb_ods text NOT NULL, imd_quintile smallint NOT NULL, service_line text NOT NULL,
        outcome_tool text NOT NULL, n bigint NOT NULL, sum_start numeric NOT NULL, sum_end numeric NOT NULL,
        sum_change numeric NOT NULL, sum_change_squared numeric NOT NULL
    ) ON COMMIT DROP;
    CREATE TEMP TABLE wf (
        period date NOT NULL, org_code text NOT NULL, profession text NOT NULL,
        posts_filled bigint NOT NULL, posts_vacant bigint NOT NULL, fte_in_post numeric NOT NULL,
        fte_vacant numeric NOT NULL, posts_registered bigint NOT NULL, posts_support bigint NOT NULL,
        fte_registered numeric NOT NULL, fte_support numeric NOT NULL
    ) ON COMMIT DROP;
    CREATE TEMP TABLE sub (
        period date NOT NULL, org_code text NOT NULL, kind text, is_current boolean NOT NULL, score numeric
    ) ON COMMIT DROP;
    CREATE TEMP TABLE expected (
        org_code text NOT NULL, kind text NOT NULL, period_from date NOT NULL, period_to date
    ) ON COMMIT DROP;
    CREATE TEMP TABLE pop (
        icb_ods text NOT NULL, imd_quintile smallint NOT NULL, age_band text NOT NULL, population bigint NOT NULL
    ) ON COMMIT DROP;
    CREATE TEMP TABLE esp (age_band text NOT NULL, band_order smallint NOT NULL, standard numeric NOT NULL)
        ON COMMIT DROP;
    CREATE TEMP TABLE trusts (trust_ods text NOT NULL, icb_ods text NOT NULL) ON COMMIT DROP;

    -- All in ONE statement, so that every input is read from the same snapshot whatever the isolation level.
    -- Definitions (see the column comments of analysis.access): seen = first contact inside the period with a wait
    -- of 0 days or more; waiting = no first contact, no discharge date, outcome open (or not given) at the end of the
    -- period; over 18 weeks = more than 126 days from referral received to the last day of the period; outcome
    -- recorded = a tool other than none and both scores; ethnicity recorded = a code of the list other than Z, 99.
    WITH referral_cells AS (
        INSERT INTO pg_temp.cells
        SELECT r.period, r.org_code, r.icb_ods, r.imd_quintile, r.service_line, r.esp_age_band,
               count(*),
               count(*) FILTER (WHERE r.lsoa_vintage IS NOT NULL),
               count(*) FILTER (WHERE r.ethnic_category IN ('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'L',
                                                            'M', 'N', 'P', 'R', 'S')),
               count(*) FILTER (WHERE r.first_contact_date >= r.period
                                  AND r.first_contact_date < (r.period + interval '1 month')::date
                                  AND r.wait_days >= 0),
               count(*) FILTER (WHERE r.first_contact_date IS NULL AND r.discharge_date IS NULL
                                  AND coalesce(r.referral_outcome, 'open') = 'open'),
               count(*) FILTER (WHERE r.first_contact_date IS NULL AND r.discharge_date IS NULL
                                  AND coalesce(r.referral_outcome, 'open') = 'open'
                                  AND (r.period + interval '1 month' - interval '1 day')::date
                                      - r.referral_received_date > 126),
               count(*) FILTER (WHERE r.referral_outcome = 'discharged'),
               count(*) FILTER (WHERE r.referral_outcome = 'discharged' AND r.outcome_tool <> 'none'
                                  AND r.outcome_score_start IS NOT NULL AND r.outcome_score_end IS NOT NULL)
        FROM core.referrals r
        GROUP BY r.period, r.org_code, r.icb_ods, r.imd_quintile, r.service_line, r.esp_age_band
    ), completed_waits AS (
        INSERT INTO pg_temp.waits
        SELECT r.period, r.icb_ods, r.imd_quintile, r.service_line, r.wait_days, count(*)
        FROM core.referrals r
        WHERE r.icb_ods IS NOT NULL AND r.imd_quintile IS NOT NULL
          AND r.first_contact_date >= r.period AND r.first_contact_date < (r.period + interval '1 month')::date
          AND r.wait_days >= 0
        GROUP BY r.period, r.icb_ods, r.imd_quintile, r.service_line, r.wait_days
    ), outcome_sums AS (
        INSERT INTO pg_temp.outcomes
        SELECT r.period, r.icb_ods, r.imd_quintile, r.service_line, r.outcome_tool, count(*),
               sum(r.outcome_score_start), sum(r.outcome_score_end),
               sum(r.outcome_score_end - r.outcome_score_start),
               sum((r.outcome_score_end - r.outcome_score_start) ^ 2)
        FROM core.referrals r
        WHERE r.icb_ods IS NOT NULL AND r.imd_quintile IS NOT NULL AND r.referral_outcome = 'discharged'
          AND r.outcome_tool IN ('barthel', 'eq5d5l', 'toms', 'psfs', 'mrs')
          AND r.outcome_score_start IS NOT NULL AND r.outcome_score_end IS NOT NULL
        GROUP BY r.period, r.icb_ods, r.imd_quintile, r.service_line, r.outcome_tool
    ), workforce AS (
        INSERT INTO pg_temp.wf
        SELECT period, org_code, profession,
               count(*) FILTER (WHERE post_status = 'filled'),
               count(*) FILTER (WHERE post_status = 'vacant'),
               coalesce(sum(fte) FILTER (WHERE post_status = 'filled'), 0),
               coalesce(sum(fte) FILTER (WHERE post_status = 'vacant'), 0),
               count(*) FILTER (WHERE post_status = 'filled' AND registered = 'Y'),
               count(*) FILTER (WHERE post_status = 'filled' AND registered = 'N'),
               coalesce(sum(fte) FILTER (WHERE post_status = 'filled' AND registered = 'Y'), 0),
               coalesce(sum(fte) FILTER (WHERE post_status = 'filled' AND registered = 'N'), 0)
        FROM core.workforce
        GROUP BY period, org_code, profession
    ), submissions AS (
        INSERT INTO pg_temp.sub
        SELECT period, org_code, kind, is_current, score
        FROM audit.submissions
        WHERE period IS NOT NULL AND org_code IS NOT NULL
    ), expectations AS (
        INSERT INTO pg_temp.expected
        SELECT org_code, kind, period_from, period_to FROM reference.expected_submissions
    ), population AS (
        INSERT INTO pg_temp.pop
        SELECT l.icb22_ods, i.imd_quintile, p.age_band, sum(p.population)
        FROM reference.population_lsoa11 p
        JOIN reference.lsoa11 l USING (lsoa11_code)
        JOIN reference.imd2019_lsoa11 i USING (lsoa11_code)
        GROUP BY l.icb22_ods, i.imd_quintile, p.age_band
    ), standard AS (
        INSERT INTO pg_temp.esp
        SELECT age_band, band_order, standard_population FROM reference.esp2013
    )
    INSERT INTO pg_temp.trusts
    SELECT trust_ods, icb_ods FROM reference.trust;

    -- England: every cell, wait and outcome of known residence once more under the ONS code for England,
    -- E92000001, and the population summed over ICBs, so that access, inequality, core20 and outcome_change have
    -- England rows beside their ICBs, computed the same way. Trust-level sums below leave these rows out.
    INSERT INTO pg_temp.cells
    SELECT period, org_code, 'E92000001', imd_quintile, service_line, esp_age_band, referrals, lsoa_known,
           ethnicity_recorded, seen, waiting, waiting_over_18w, discharges, outcome_recorded
    FROM pg_temp.cells
    WHERE icb_ods IS NOT NULL AND imd_quintile IS NOT NULL;
    INSERT INTO pg_temp.waits
    SELECT period, 'E92000001', imd_quintile, service_line, wait_days, sum(n)
    FROM pg_temp.waits
    GROUP BY period, imd_quintile, service_line, wait_days;
    INSERT INTO pg_temp.outcomes
    SELECT period, 'E92000001', imd_quintile, service_line, outcome_tool, sum(n), sum(sum_start), sum(sum_end),
           sum(sum_change), sum(sum_change_squared)
    FROM pg_temp.outcomes
    GROUP BY period, imd_quintile, service_line, outcome_tool;
    INSERT INTO pg_temp.pop
    SELECT 'E92000001', imd_quintile, age_band, sum(population)
    FROM pg_temp.pop
    GROUP BY imd_quintile, age_band;

    ANALYZE pg_temp.cells;
    ANALYZE pg_temp.waits;
    ANALYZE pg_temp.outcomes;
    ANALYZE pg_temp.sub;

    -- 2. Empty the outputs (DELETE, not TRUNCATE: readers keep the old set until commit) --------------------------
    DELETE FROM published.access;
    DELETE FROM published.outcome_change;
    DELETE FROM published.core20;
    DELETE FROM published.workforce_trust;
    DELETE FROM published.workforce_icb;
    DELETE FROM published.completeness_trust;
    DELETE FROM published.completeness_icb;
    DELETE FROM analysis.access;
    DELETE FROM analysis.outcome_change;
    DELETE FROM analysis.inequality;
    DELETE FROM analysis.core20;
    DELETE FROM analysis.workforce_trust;
    DELETE FROM analysis.workforce_icb;
    DELETE FROM analysis.completeness_trust;
    DELETE FROM analysis.completeness_icb;

    -- 3. analysis.access -----------------------------------------------------------------------------------------
    WITH by_band AS (
        -- Cells of known residence, summed over trusts, for each service line and for 'all'; one row per age band
        -- (and one for unknown age).
        SELECT period, icb_ods, imd_quintile,
               CASE WHEN GROUPING(service_line) = 1 THEN 'all' ELSE service_line END AS service_line,
               esp_age_band,
               sum(referrals) AS referrals, sum(seen) AS seen, sum(waiting) AS waiting,
               sum(waiting_over_18w) AS waiting_over_18w, sum(discharges) AS discharges,
               sum(outcome_recorded) AS outcome_recorded
        FROM pg_temp.cells
        WHERE icb_ods IS NOT NULL AND imd_quintile IS NOT NULL
        GROUP BY GROUPING SETS ((period, icb_ods, imd_quintile, service_line, esp_age_band),
                                (period, icb_ods, imd_quintile, esp_age_band))
    ), counts AS (
        SELECT period, icb_ods, imd_quintile, service_line,
               sum(referrals)::bigint AS referrals, sum(seen)::bigint AS seen, sum(waiting)::bigint AS waiting,
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
    ), wait_centiles AS (
        SELECT a.period, a.icb_ods, a.imd_quintile, a.service_line,
               max(lo.wait_days + (a.h - floor(a.h)) * (hi.wait_days - lo.wait_days)) FILTER (WHERE a.fraction = 0.5)
                   AS median,
               max(lo.wait_days + (a.h - floor(a.h)) * (hi.wait_days - lo.wait_days)) FILTER (WHERE a.fraction = 0.9)
                   AS p90
        FROM wait_positions a
        JOIN wait_cumulative lo ON lo.period = a.period AND lo.icb_ods = a.icb_ods
                               AND lo.imd_quintile = a.imd_quintile AND lo.service_line = a.service_line
                               AND lo.upto - lo.n <= floor(a.h) AND floor(a.h) < lo.upto
        JOIN wait_cumulative hi ON hi.period = a.period AND hi.icb_ods = a.icb_ods
                               AND hi.imd_quintile = a.imd_quintile AND hi.service_line = a.service_line
                               AND hi.upto - hi.n <= ceil(a.h) AND ceil(a.h) < hi.upto
        GROUP BY a.period, a.icb_ods, a.imd_quintile, a.service_line
    )
    INSERT INTO analysis.access
    SELECT s.period, s.icb_ods, s.imd_quintile, s.service_line,
           coalesce(c.referrals, 0), s.population,
           cr.value, cr.lower, cr.upper,
           d.value, d.lower, d.upper,
           coalesce(c.seen, 0), wc.median::numeric, wc.p90::numeric,
           coalesce(c.waiting, 0), coalesce(c.waiting_over_18w, 0),
           c.waiting_over_18w::numeric / NULLIF(c.waiting, 0), w.lower, w.upper,
           coalesce(c.discharges, 0), coalesce(c.outcome_recorded, 0),
           c.outcome_recorded::numeric / NULLIF(c.discharges, 0), o.lower, o.upper
    FROM strata s
    LEFT JOIN counts c USING (period, icb_ods, imd_quintile, service_line)
    LEFT JOIN wait_centiles wc USING (period, icb_ods, imd_quintile, service_line)
    -- The stats functions are STRICT: a NULL argument (no population, nothing to standardise) gives NULLs.
    CROSS JOIN LATERAL stats.rate_ci(coalesce(c.referrals, 0), NULLIF(s.population, 0)) cr
    CROSS JOIN LATERAL stats.dsr(CASE WHEN NOT s.unstandardisable THEN s.counts END, s.populations, s.standard) d
    CROSS JOIN LATERAL stats.wilson_ci(c.waiting_over_18w, NULLIF(c.waiting, 0)) w
    CROSS JOIN LATERAL stats.wilson_ci(c.outcome_recorded, NULLIF(c.discharges, 0)) o;

    -- 4. analysis.outcome_change ---------------------------------------------------------------------------------
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

    -- 5. analysis.inequality, from the five quintile rows of each ICB, period and service line -------------------
    INSERT INTO analysis.inequality
    SELECT g.period, g.icb_ods, g.service_line, g.referrals, g.population, g.q1_referrals, g.q5_referrals,
           g.min_quintile_referrals, g.q1_dsr, g.q5_dsr,
           g.q1_dsr / NULLIF(g.q5_dsr, 0), g.q1_dsr - g.q5_dsr,
           s.sii, s.rii, NULL, NULL, NULL, NULL
    FROM (
        SELECT period, icb_ods, service_line,
               sum(referrals)::bigint AS referrals, sum(population)::bigint AS population,
               sum(referrals) FILTER (WHERE imd_quintile = 1)::bigint AS q1_referrals,
               sum(referrals) FILTER (WHERE imd_quintile = 5)::bigint AS q5_referrals,
               min(referrals) AS min_quintile_referrals,
               min(dsr) FILTER (WHERE imd_quintile = 1) AS q1_dsr,
               min(dsr) FILTER (WHERE imd_quintile = 5) AS q5_dsr,
               array_agg(dsr ORDER BY imd_quintile) AS dsrs,
               array_agg(population::numeric ORDER BY imd_quintile) AS populations
        FROM analysis.access
        GROUP BY period, icb_ods, service_line
    ) g
    CROSS JOIN LATERAL stats.sii(g.dsrs, g.populations) s;

    -- 6. analysis.core20 -----------------------------------------------------------------------------------------
    INSERT INTO analysis.core20
    SELECT g.period, g.icb_ods, g.service_line, g.referrals, g.referrals_q1,
           g.referrals_q1::numeric / NULLIF(g.referrals, 0), w.lower, w.upper,
           g.population, g.population_q1, g.population_q1::numeric / NULLIF(g.population, 0),
           (g.referrals_q1::numeric / NULLIF(g.referrals, 0))
               / NULLIF(g.population_q1::numeric / NULLIF(g.population, 0), 0)
    FROM (
        SELECT period, icb_ods, service_line,
               sum(referrals)::bigint AS referrals,
               sum(referrals) FILTER (WHERE imd_quintile = 1)::bigint AS referrals_q1,
               sum(population)::bigint AS population,
               sum(population) FILTER (WHERE imd_quintile = 1)::bigint AS population_q1
        FROM analysis.access
        GROUP BY period, icb_ods, service_line
    ) g
    CROSS JOIN LATERAL stats.wilson_ci(g.referrals_q1, NULLIF(g.referrals, 0)) w;

    -- 7. Workforce -----------------------------------------------------------------------------------------------
    WITH icb_population AS (
        SELECT icb_ods, sum(population)::bigint AS population FROM pg_temp.pop GROUP BY icb_ods
    ), trust_referrals AS (
        -- Referrals of each trust's current referrals submission; 0 for a current submission with no row.
        SELECT s.period, s.org_code, coalesce(sum(c.referrals), 0)::bigint AS referrals
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
        WHERE icb_ods IS NOT NULL
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

    -- 8. Completeness --------------------------------------------------------------------------------------------
    WITH periods AS (
        SELECT DISTINCT period FROM pg_temp.sub
    ), listed AS (
        SELECT DISTINCT p.period, e.org_code, e.kind
        FROM periods p
        JOIN pg_temp.expected e ON e.period_from <= p.period AND (e.period_to IS NULL OR e.period_to >= p.period)
    ), listed_periods AS (
        SELECT DISTINCT period FROM listed
    ), senders AS (
        SELECT DISTINCT period, org_code FROM pg_temp.sub
    ), expectation AS (
        SELECT period, org_code, kind FROM listed
        UNION ALL
        SELECT s.period, s.org_code, k.kind
        FROM senders s
        CROSS JOIN (VALUES ('referrals'), ('contacts'), ('workforce')) AS k(kind)
        WHERE s.period NOT IN (SELECT period FROM listed_periods)
    ), received AS (
        SELECT DISTINCT period, org_code, kind FROM pg_temp.sub WHERE is_current
    ), matched AS (
        SELECT period, org_code, count(e.kind) AS expected, count(r.kind) AS received,
               count(*) FILTER (WHERE r.kind IS NULL) AS missing
        FROM expectation e
        FULL JOIN received r USING (period, org_code, kind)
        GROUP BY period, org_code
    ), coverage AS (
        SELECT f.period, f.org_code,
               CASE WHEN f.period IN (SELECT period FROM listed_periods) THEN 'reference' ELSE 'assumed' END
                   AS source,
               coalesce(m.expected, 0) AS expected, coalesce(m.received, 0) AS received,
               coalesce(m.missing, 0) AS missing
        FROM (SELECT period, org_code FROM matched UNION SELECT period, org_code FROM senders) f
        LEFT JOIN matched m USING (period, org_code)
    ), scores AS (
        SELECT period, org_code, avg(score) AS score_mean,
               avg(score) FILTER (WHERE kind = 'referrals') AS score_referrals,
               avg(score) FILTER (WHERE kind = 'contacts') AS score_contacts,
               avg(score) FILTER (WHERE kind = 'workforce') AS score_workforce
        FROM pg_temp.sub
        WHERE is_current
        GROUP BY period, org_code
    ), recording AS (
        SELECT s.period, s.org_code, coalesce(sum(c.referrals), 0)::bigint AS referrals,
               coalesce(sum(c.lsoa_known), 0)::bigint AS lsoa_known,
               coalesce(sum(c.ethnicity_recorded), 0)::bigint AS ethnicity_recorded,
               coalesce(sum(c.discharges), 0)::bigint AS discharges,
               coalesce(sum(c.outcome_recorded), 0)::bigint AS outcome_recorded
        FROM (SELECT DISTINCT period, org_code FROM pg_temp.sub WHERE kind = 'referrals' AND is_current) s
        LEFT JOIN pg_temp.cells c ON c.period = s.period AND c.org_code = s.org_code AND c.icb_ods IS DISTINCT FROM 'E92000001'
        GROUP BY s.period, s.org_code
    )
    INSERT INTO analysis.completeness_trust
    SELECT c.period, c.org_code, t.icb_ods, c.source, c.expected, c.received, c.missing,
           (c.expected - c.missing)::numeric / NULLIF(c.expected, 0),
           s.score_mean, s.score_referrals, s.score_contacts, s.score_workforce,
           r.referrals,
           r.lsoa_known, r.lsoa_known::numeric / NULLIF(r.referrals, 0), l.lower, l.upper,
           r.ethnicity_recorded, r.ethnicity_recorded::numeric / NULLIF(r.referrals, 0), e.lower, e.upper,
           r.discharges, r.outcome_recorded, r.outcome_recorded::numeric / NULLIF(r.discharges, 0), o.lower, o.upper
    FROM coverage c
    LEFT JOIN pg_temp.trusts t ON t.trust_ods = c.org_code
    LEFT JOIN scores s USING (period, org_code)
    LEFT JOIN recording r USING (period, org_code)
    CROSS JOIN LATERAL stats.wilson_ci(r.lsoa_known, NULLIF(r.referrals, 0)) l
    CROSS JOIN LATERAL stats.wilson_ci(r.ethnicity_recorded, NULLIF(r.referrals, 0)) e
    CROSS JOIN LATERAL stats.wilson_ci(r.outcome_recorded, NULLIF(r.discharges, 0)) o;

    WITH sums AS (
        SELECT period, icb_ods, count(*) AS trusts,
               sum(submissions_expected)::bigint AS expected, sum(submissions_received)::bigint AS received,
               sum(submissions_missing)::bigint AS missing,
               sum(referrals)::bigint AS referrals, sum(lsoa_known)::bigint AS lsoa_known,
               sum(ethnicity_recorded)::bigint AS ethnicity_recorded, sum(discharges)::bigint AS discharges,
               sum(outcome_recorded)::bigint AS outcome_recorded
        FROM analysis.completeness_trust
        WHERE icb_ods IS NOT NULL
        GROUP BY period, icb_ods
    ), scores AS (
        SELECT s.period, t.icb_ods, avg(s.score) AS score_mean,
               avg(s.score) FILTER (WHERE s.kind = 'referrals') AS score_referrals,
               avg(s.score) FILTER (WHERE s.kind = 'contacts') AS score_contacts,
               avg(s.score) FILTER (WHERE s.kind = 'workforce') AS score_workforce
        FROM pg_temp.sub s
        JOIN pg_temp.trusts t ON t.trust_ods = s.org_code
        WHERE s.is_current
        GROUP BY s.period, t.icb_ods
    )
    INSERT INTO analysis.completeness_icb
    SELECT c.period, c.icb_ods, c.trusts, c.expected, c.received, c.missing,
           (c.expected - c.missing)::numeric / NULLIF(c.expected, 0),
           s.score_mean, s.score_referrals, s.score_contacts, s.score_workforce,
           c.referrals,
           c.lsoa_known, c.lsoa_known::numeric / NULLIF(c.referrals, 0), l.lower, l.upper,
           c.ethnicity_recorded, c.ethnicity_recorded::numeric / NULLIF(c.referrals, 0), e.lower, e.upper,
           c.discharges, c.outcome_recorded, c.outcome_recorded::numeric / NULLIF(c.discharges, 0), o.lower, o.upper
    FROM sums c
    LEFT JOIN scores s USING (period, icb_ods)
    CROSS JOIN LATERAL stats.wilson_ci(c.lsoa_known, NULLIF(c.referrals, 0)) l
    CROSS JOIN LATERAL stats.wilson_ci(c.ethnicity_recorded, NULLIF(c.referrals, 0)) e
    CROSS JOIN LATERAL stats.wilson_ci(c.outcome_recorded, NULLIF(c.discharges, 0)) o;

    -- 9. published: disclosure control (see COMMENT ON SCHEMA published) ----------------------------------------
    INSERT INTO published.access
    SELECT a.period, a.icb_ods, a.imd_quintile, a.service_line,
           p.referrals, a.population,
           cr.value, cr.lower, cr.upper,
           CASE WHEN p.referrals IS NOT NULL THEN a.dsr END,
           CASE WHEN p.referrals IS NOT NULL THEN a.dsr_lower END,
           CASE WHEN p.referrals IS NOT NULL THEN a.dsr_upper END,
           p.seen,
           CASE WHEN p.seen IS NOT NULL THEN a.wait_median_days END,
           CASE WHEN p.seen IS NOT NULL THEN a.wait_p90_days END,
           p.waiting, p.waiting_over_18w,
           p.waiting_over_18w::numeric / NULLIF(p.waiting, 0), w.lower, w.upper,
           p.discharges, p.outcome_recorded,
           p.outcome_recorded::numeric / NULLIF(p.discharges, 0), o.lower, o.upper
    FROM analysis.access a
    CROSS JOIN LATERAL (
        SELECT published.sdc_count(a.referrals) AS referrals, published.sdc_count(a.seen) AS seen,
               published.sdc_count(a.waiting) AS waiting, published.sdc_count(a.waiting_over_18w) AS waiting_over_18w,
               published.sdc_count(a.discharges) AS discharges,
               published.sdc_count(a.outcome_recorded) AS outcome_recorded
    ) p
    CROSS JOIN LATERAL stats.rate_ci(p.referrals, NULLIF(a.population, 0)) cr
    CROSS JOIN LATERAL stats.wilson_ci(p.waiting_over_18w, NULLIF(p.waiting, 0)) w
    CROSS JOIN LATERAL stats.wilson_ci(p.outcome_recorded, NULLIF(p.discharges, 0)) o;

    INSERT INTO published.outcome_change
    SELECT period, icb_ods, imd_quintile, service_line, outcome_tool, higher_is_better,
           published.sdc_count(discharges),
           CASE WHEN NOT published.sdc_suppressed(discharges) THEN mean_start END,
           CASE WHEN NOT published.sdc_suppressed(discharges) THEN mean_end END,
           CASE WHEN NOT published.sdc_suppressed(discharges) THEN mean_change END,
           CASE WHEN NOT published.sdc_suppressed(discharges) THEN sd_change END
    FROM analysis.outcome_change;

    INSERT INTO published.core20
    SELECT c.period, c.icb_ods, c.service_line, p.referrals, p.referrals_q1,
           p.referrals_q1::numeric / NULLIF(p.referrals, 0), w.lower, w.upper,
           c.population, c.population_q1, c.population_share_q1,
           (p.referrals_q1::numeric / NULLIF(p.referrals, 0)) / NULLIF(c.population_share_q1, 0)
    FROM analysis.core20 c
    CROSS JOIN LATERAL (
        SELECT published.sdc_count(c.referrals) AS referrals, published.sdc_count(c.referrals_q1) AS referrals_q1
    ) p
    CROSS JOIN LATERAL stats.wilson_ci(p.referrals_q1, NULLIF(p.referrals, 0)) w;

    INSERT INTO published.workforce_trust
    SELECT w.period, w.org_code, w.icb_ods, w.profession,
           published.sdc_count(w.posts_filled), published.sdc_count(w.posts_vacant),
           CASE WHEN NOT s.filled THEN w.fte_in_post END,
           CASE WHEN NOT s.vacant THEN w.fte_vacant END,
           CASE WHEN NOT (s.filled OR s.vacant) THEN w.fte_establishment END,
           CASE WHEN NOT (s.filled OR s.vacant) THEN w.vacancy_rate END,
           published.sdc_count(w.posts_registered), published.sdc_count(w.posts_support),
           CASE WHEN NOT s.registered THEN w.fte_registered END,
           CASE WHEN NOT s.support THEN w.fte_support END,
           CASE WHEN NOT (s.registered OR s.support) THEN w.registered_share END,
           CASE WHEN NOT s.filled THEN w.skill_mix_share END,
           w.population,
           CASE WHEN NOT s.filled THEN w.fte_per_100k END,
           published.sdc_count(w.referrals),
           CASE WHEN NOT s.filled THEN w.fte_in_post / NULLIF(published.sdc_count(w.referrals), 0) * 1000 END
    FROM analysis.workforce_trust w
    CROSS JOIN LATERAL (
        SELECT published.sdc_suppressed(w.posts_filled) AS filled, published.sdc_suppressed(w.posts_vacant) AS vacant,
               published.sdc_suppressed(w.posts_registered) AS registered,
               published.sdc_suppressed(w.posts_support) AS support
    ) s;

    INSERT INTO published.workforce_icb
    SELECT w.period, w.icb_ods, w.profession, w.trusts,
           published.sdc_count(w.posts_filled), published.sdc_count(w.posts_vacant),
           CASE WHEN NOT s.filled THEN w.fte_in_post END,
           CASE WHEN NOT s.vacant THEN w.fte_vacant END,
           CASE WHEN NOT (s.filled OR s.vacant) THEN w.fte_establishment END,
           CASE WHEN NOT (s.filled OR s.vacant) THEN w.vacancy_rate END,
           published.sdc_count(w.posts_registered), published.sdc_count(w.posts_support),
           CASE WHEN NOT s.registered THEN w.fte_registered END,
           CASE WHEN NOT s.support THEN w.fte_support END,
           CASE WHEN NOT (s.registered OR s.support) THEN w.registered_share END,
           CASE WHEN NOT s.filled THEN w.skill_mix_share END,
           w.population,
           CASE WHEN NOT s.filled THEN w.fte_per_100k END,
           published.sdc_count(w.referrals),
           CASE WHEN NOT s.filled THEN w.fte_in_post / NULLIF(published.sdc_count(w.referrals), 0) * 1000 END
    FROM analysis.workforce_icb w
    CROSS JOIN LATERAL (
        SELECT published.sdc_suppressed(w.posts_filled) AS filled, published.sdc_suppressed(w.posts_vacant) AS vacant,
               published.sdc_suppressed(w.posts_registered) AS registered,
               published.sdc_suppressed(w.posts_support) AS support
    ) s;

    INSERT INTO published.completeness_trust
    SELECT c.period, c.org_code, c.icb_ods, c.expected_source, c.submissions_expected, c.submissions_received,
           c.submissions_missing, c.coverage, c.score_mean, c.score_referrals, c.score_contacts, c.score_workforce,
           p.referrals,
           p.lsoa_known, p.lsoa_known::numeric / NULLIF(p.referrals, 0), l.lower, l.upper,
           p.ethnicity_recorded, p.ethnicity_recorded::numeric / NULLIF(p.referrals, 0), e.lower, e.upper,
           p.discharges, p.outcome_recorded, p.outcome_recorded::numeric / NULLIF(p.discharges, 0), o.lower, o.upper
    FROM analysis.completeness_trust c
    CROSS JOIN LATERAL (
        SELECT published.sdc_count(c.referrals) AS referrals, published.sdc_count(c.lsoa_known) AS lsoa_known,
               published.sdc_count(c.ethnicity_recorded) AS ethnicity_recorded,
               published.sdc_count(c.discharges) AS discharges,
               published.sdc_count(c.outcome_recorded) AS outcome_recorded
    ) p
    CROSS JOIN LATERAL stats.wilson_ci(p.lsoa_known, NULLIF(p.referrals, 0)) l
    CROSS JOIN LATERAL stats.wilson_ci(p.ethnicity_recorded, NULLIF(p.referrals, 0)) e
    CROSS JOIN LATERAL stats.wilson_ci(p.outcome_recorded, NULLIF(p.discharges, 0)) o;

    INSERT INTO published.completeness_icb
    SELECT c.period, c.icb_ods, c.trusts, c.submissions_expected, c.submissions_received,
           c.submissions_missing, c.coverage, c.score_mean, c.score_referrals, c.score_contacts, c.score_workforce,
           p.referrals,
           p.lsoa_known, p.lsoa_known::numeric / NULLIF(p.referrals, 0), l.lower, l.upper,
           p.ethnicity_recorded, p.ethnicity_recorded::numeric / NULLIF(p.referrals, 0), e.lower, e.upper,
           p.discharges, p.outcome_recorded, p.outcome_recorded::numeric / NULLIF(p.discharges, 0), o.lower, o.upper
    FROM analysis.completeness_icb c
    CROSS JOIN LATERAL (
        SELECT published.sdc_count(c.referrals) AS referrals, published.sdc_count(c.lsoa_known) AS lsoa_known,
               published.sdc_count(c.ethnicity_recorded) AS ethnicity_recorded,
               published.sdc_count(c.discharges) AS discharges,
               published.sdc_count(c.outcome_recorded) AS outcome_recorded
    ) p
    CROSS JOIN LATERAL stats.wilson_ci(p.lsoa_known, NULLIF(p.referrals, 0)) l
    CROSS JOIN LATERAL stats.wilson_ci(p.ethnicity_recorded, NULLIF(p.referrals, 0)) e
    CROSS JOIN LATERAL stats.wilson_ci(p.outcome_recorded, NULLIF(p.discharges, 0)) o;

    -- 10. Summary ------------------------------------------------------------------------------------------------
    RETURN QUERY
    SELECT v.name, v.n
    FROM (VALUES
        ('analysis.access', (SELECT count(*) FROM analysis.access)),
        ('analysis.outcome_change', (SELECT count(*) FROM analysis.outcome_change)),
        ('analysis.inequality', (SELECT count(*) FROM analysis.inequality)),
        ('analysis.core20', (SELECT count(*) FROM analysis.core20)),
        ('analysis.workforce_trust', (SELECT count(*) FROM analysis.workforce_trust)),
        ('analysis.workforce_icb', (SELECT count(*) FROM analysis.workforce_icb)),
        ('analysis.completeness_trust', (SELECT count(*) FROM analysis.completeness_trust)),
        ('analysis.completeness_icb', (SELECT count(*) FROM analysis.completeness_icb)),
        ('published.access', (SELECT count(*) FROM published.access)),
        ('published.outcome_change', (SELECT count(*) FROM published.outcome_change)),
        ('published.inequality', (SELECT count(*) FROM published.inequality)),
        ('published.core20', (SELECT count(*) FROM published.core20)),
        ('published.workforce_trust', (SELECT count(*) FROM published.workforce_trust)),
        ('published.workforce_icb', (SELECT count(*) FROM published.workforce_icb)),
        ('published.completeness_trust', (SELECT count(*) FROM published.completeness_trust)),
        ('published.completeness_icb', (SELECT count(*) FROM published.completeness_icb))
    ) AS v(name, n);
END
$fn$;

REVOKE ALL ON FUNCTION analysis.refresh_tables() FROM PUBLIC;
REVOKE ALL ON FUNCTION analysis.refresh_tables() FROM rehab_loader;
COMMENT ON FUNCTION analysis.refresh_tables() IS
    'The first step of analysis.refresh(), which calls it and then completes the tables: rebuilds every table of '
    'the analysis schema, and the published tables from them, from core, audit and reference, with England rows '
    '(icb_ods E92000001) beside the ICBs in access, inequality, core20 and outcome_change, and returns one row per '
    'table with its row count. Not to be called alone: EXECUTE for its owner only.';

COMMENT ON COLUMN analysis.access.icb_ods IS
    'ODS code of the ICB of residence, from the patient''s LSOA (core.referrals.icb_ods): ICB 2022 for LSOA 2011 '
    'codes, ICB 2024 for codes only in the LSOA 2021 lookup. Not the ICB of the treating trust. E92000001 (the ONS '
    'code for England) marks England''s rows: every referral of known residence over the population of every ICB, '
    'computed as an ICB''s. To add ICBs up, leave them out (icb_ods <> ''E92000001'').';
COMMENT ON COLUMN analysis.inequality.icb_ods IS
    'ODS code of the ICB of residence, or E92000001 for England (analysis.access).';
COMMENT ON COLUMN analysis.core20.icb_ods IS
    'ODS code of the ICB of residence, or E92000001 for England (analysis.access).';
COMMENT ON COLUMN analysis.outcome_change.icb_ods IS
    'ODS code of the ICB of residence, or E92000001 for England (analysis.access).';

-- analysis.refresh_inputs(touched): the first unit of analysis.refresh() (90_analysis_refresh.sql). It reads core,
-- audit and reference into small temporary tables that the other units (81-88) read: referrals aggregated to cells,
-- the distribution of completed waits, outcome score sums, workforce by trust and profession, submissions,
-- expectations, populations, the standard population and trusts. Only the periods in `touched` are read from core
-- and audit (all periods when it is NULL); populations and the lists are read whole.
--
-- It replaces analysis.refresh_tables() (migration 0009, renamed by 0011), which rebuilt every table in one
-- function: its steps are now one function per measure, each refreshing only the touched periods.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

DROP FUNCTION IF EXISTS analysis.refresh();
DROP FUNCTION IF EXISTS analysis.refresh_tables();

CREATE OR REPLACE FUNCTION analysis.refresh_inputs(touched date[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    -- 1. One snapshot of the inputs ------------------------------------------------------------------------------
    -- Referrals are aggregated on the way in, to three small tables: counts by trust, residence, service line and
    -- age band (cells); the distribution of completed waits (waits); and outcome score sums (outcomes).
    IF to_regclass('pg_temp.cells') IS NOT NULL THEN
        DROP TABLE pg_temp.cells, pg_temp.waits, pg_temp.outcomes, pg_temp.wf, pg_temp.sub,
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
        open_caseload      bigint   NOT NULL,
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
    CREATE TEMP TABLE pop (
        icb_ods text NOT NULL, imd_quintile smallint NOT NULL, age_band text NOT NULL, population bigint NOT NULL
    ) ON COMMIT DROP;
    CREATE TEMP TABLE esp (age_band text NOT NULL, band_order smallint NOT NULL, standard numeric NOT NULL)
        ON COMMIT DROP;
    CREATE TEMP TABLE trusts (trust_ods text NOT NULL, icb_ods text NOT NULL) ON COMMIT DROP;

    -- All in ONE statement, so that every input is read from the same snapshot whatever the isolation level.
    -- Definitions (see the column comments of analysis.access): referrals = new referrals, received in the month
    -- (the rates' numerator); open_caseload = every row of the extract, open at any time in the month; seen = first contact inside the period with a wait
    -- of 0 days or more; waiting = no first contact, no discharge date, outcome open (or not given) at the end of the
    -- period; over 18 weeks = more than 126 days from referral received to the last day of the period; outcome
    -- recorded = a tool other than none and both scores; ethnicity recorded = a code of the list other than Z, 99.
    WITH referral_cells AS (
        INSERT INTO pg_temp.cells
        SELECT r.period, r.org_code, r.icb_ods, r.imd_quintile, r.service_line, r.esp_age_band,
               count(*) FILTER (WHERE r.referral_received_date >= r.period
                                  AND r.referral_received_date < (r.period + interval '1 month')::date),
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
        WHERE touched IS NULL OR r.period = ANY (touched)
        GROUP BY r.period, r.org_code, r.icb_ods, r.imd_quintile, r.service_line, r.esp_age_band
    ), completed_waits AS (
        INSERT INTO pg_temp.waits
        SELECT r.period, r.icb_ods, r.imd_quintile, r.service_line, r.wait_days, count(*)
        FROM core.referrals r
        WHERE (touched IS NULL OR r.period = ANY (touched))
          AND r.icb_ods IS NOT NULL AND r.imd_quintile IS NOT NULL
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
        WHERE (touched IS NULL OR r.period = ANY (touched))
          AND r.icb_ods IS NOT NULL AND r.imd_quintile IS NOT NULL AND r.referral_outcome = 'discharged'
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
        WHERE touched IS NULL OR period = ANY (touched)
        GROUP BY period, org_code, profession
    ), submissions AS (
        INSERT INTO pg_temp.sub
        SELECT period, org_code, kind, is_current, score
        FROM audit.submissions
        WHERE period IS NOT NULL AND org_code IS NOT NULL AND (touched IS NULL OR period = ANY (touched))
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
    SELECT period, org_code, 'E92000001', imd_quintile, service_line, esp_age_band, referrals, open_caseload,
           lsoa_known,
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

END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh_inputs(date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analysis.refresh_inputs(date[]) FROM rehab_loader;
COMMENT ON FUNCTION analysis.refresh_inputs(date[]) IS
    'The first unit of analysis.refresh(): reads the touched periods of core and audit (all when NULL), and '
    'populations and trusts, into temporary tables (pg_temp.cells, waits, outcomes, wf, sub, pop, esp, trusts) '
    'that the per-measure units read until the transaction ends, with England (E92000001) rows added '
    'to cells, waits, outcomes and pop. Not to be called alone: EXECUTE for its owner only.';

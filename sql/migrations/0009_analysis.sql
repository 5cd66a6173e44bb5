-- The analysis layer of the gap analysis (issue 4, items 2 and 3): tables in `analysis` for analysts, the same
-- figures with statistical disclosure control in `published`, both rebuilt by ONE function, analysis.refresh().
--
--   analysis.access              ICB of residence x IMD quintile x period x service line (+ 'all'): referrals,
--                                population, crude rate and DSR with CIs, waits, waiting list over 18 weeks, outcomes
--   analysis.outcome_change      the same keys x outcome tool: mean change in outcome score (end - start)
--   analysis.inequality          ICB x period x service line: Q1 vs Q5 DSR ratio and difference, SII and RII
--   analysis.core20              ICB x period x service line: share of referrals from national IMD quintile 1
--                                against the share of the population living there
--   analysis.workforce_trust     trust x period x profession (+ 'all'): FTE, vacancies, skill mix, FTE per 100k
--                                population and per 1,000 referrals
--   analysis.workforce_icb       the same, summed over the trusts hosted in each ICB
--   analysis.completeness_trust  trust x period: LSOA, ethnicity and outcome recording, data-quality score, coverage
--   analysis.completeness_icb    the same, over the trusts hosted in each ICB
--   reference.expected_submissions  which extracts each trust is expected to send, for coverage
--   published.*                  each analysis table again, with disclosure control (tables filled by refresh(),
--                                and one view, published.inequality)
--
-- Refresh strategy. Plain tables, emptied and refilled by analysis.refresh() in the caller's transaction:
--   * DELETE + INSERT rather than TRUNCATE: TRUNCATE takes an ACCESS EXCLUSIVE lock, which would queue every
--     analyst's query behind the refresh (and the refresh behind any long query), and is not MVCC-safe for readers
--     in repeatable-read transactions. With DELETE, readers keep seeing the previous complete set until the refresh
--     commits, then the new one; never a mixture. The tables are small (thousands of rows a period), so the dead
--     rows cost nothing to vacuum.
--   * Materialized views were not used: REFRESH rebuilds one view per statement, each from its own snapshot of
--     core in READ COMMITTED, and CONCURRENTLY needs a unique index and a full diff.
--   * ONE snapshot: refresh() first copies what it needs from core, audit and reference into temporary tables in a
--     single INSERT statement (data-modifying CTEs share one snapshot), and builds everything from those. A load
--     that commits while the refresh runs is therefore either wholly in every table or wholly in none, whatever
--     the caller's isolation level. Referrals are aggregated on the way in (three scans of core.referrals, one
--     per temporary table: counts by trust, residence, service line and age band; the distribution of completed
--     waits, from which the median and 90th centile are interpolated exactly as percentile_cont does; sums of
--     outcome scores), as are workforce, submissions and population; everything after works on small tables.
--   * Set-based: one statement per table. The stats functions are called once per output row (per group), never
--     per referral: stats.dsr over arrays of the 19 ESP bands, stats.rate_ci and stats.wilson_ci per cell.
--     JIT is off inside refresh() (compiling cost more than it saved) and work_mem is 64MB, so that its sorts and
--     hashes stay in memory.
--   * refresh() takes a transaction-level advisory lock (1380142676 = 'RCNT', 2), so two refreshes run one after
--     the other. It is SECURITY DEFINER, owned by the migration owner, executable by rehab_loader only.
--
-- SII and RII confidence limits (analysis.inequality.sii_lower, sii_upper, rii_lower, rii_upper) are left NULL by
-- refresh(): a Swift stage of `rehabcount analyse` fills them by simulation afterwards (rehab_loader may UPDATE
-- those four columns only). published.inequality is a view, so the limits appear there as soon as they are written.

-- Expected submissions ---------------------------------------------------------------------------------------------

CREATE TABLE reference.expected_submissions (
    org_code    text NOT NULL CHECK (org_code ~ '^[A-Z0-9]{3}([A-Z0-9]{2})?$'),
    kind        text NOT NULL CHECK (kind IN ('referrals', 'contacts', 'workforce')),
    period_from date NOT NULL CHECK (period_from = date_trunc('month', period_from)::date),
    period_to   date CHECK (period_to = date_trunc('month', period_to)::date),
    PRIMARY KEY (org_code, kind, period_from),
    CONSTRAINT expected_submissions_period_order CHECK (period_to IS NULL OR period_to >= period_from)
);
COMMENT ON TABLE reference.expected_submissions IS
    'Which extracts each trust is expected to submit, and from which reporting period to which: the denominator of '
    'submission coverage in analysis.completeness_trust and analysis.completeness_icb. One row per trust, kind and '
    'start period. Filled by the nightly pipeline (rehab_loader may write it). When NO row covers a period, '
    'analysis.refresh() assumes instead that every trust that sent any file for that period (of any kind, even a '
    'rejected one) was expected to send all three kinds, and that no other trust was; the completeness tables say '
    'which rule applied (expected_source). No foreign key to reference.trust, like the other reference tables.';
COMMENT ON COLUMN reference.expected_submissions.org_code IS 'ODS code of the trust expected to submit (as reference.trust.trust_ods and the ORG of a file name).';
COMMENT ON COLUMN reference.expected_submissions.kind IS 'Extract kind expected: referrals, contacts or workforce.';
COMMENT ON COLUMN reference.expected_submissions.period_from IS 'First reporting period (first day of the month) for which the extract is expected.';
COMMENT ON COLUMN reference.expected_submissions.period_to IS 'Last reporting period (first day of the month) for which the extract is expected, inclusive; NULL while the expectation is open-ended.';

GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON reference.expected_submissions TO rehab_loader;
GRANT SELECT ON reference.expected_submissions TO rehab_analyst;

-- Schemas ----------------------------------------------------------------------------------------------------------

COMMENT ON SCHEMA analysis IS
    'The gap analysis: aggregate tables over core, audit and reference, rebuilt as a whole by analysis.refresh() '
    '(run by `rehabcount analyse` after loads): access by ICB, IMD quintile, period and service line, outcome change, '
    'inequality (SII, RII, Q1 vs Q5), Core20, workforce and data completeness. Figures are not disclosure controlled: '
    'readable by rehab_analyst (and rehab_loader), never to be released as they are; see published.';
COMMENT ON SCHEMA published IS
    'The analysis tables with statistical disclosure control, cleared for release (the national gap report reads '
    'them). Rules, after NHS Digital''s disclosure control method for HES and ECDS (2018): a count of people (or '
    'posts) of 1 to 7 is suppressed (NULL) and any other count is rounded to the nearest 5 (published.sdc_count); a '
    'rate or share is recomputed from the published (rounded) counts, so that it cannot reveal the exact count, and '
    'is NULL when a count it uses is suppressed; a median, centile, mean or standard deviation of n values is NULL '
    'when n is 1 to 7; a standardised rate, SII or RII (complex calculations) is shown as computed unless a count '
    'it uses is suppressed. Populations (ONS), data-quality scores and submission counts are not about individuals '
    'and are shown as they are. Residual risk, accepted by that method for complex calculations: a DSR and its two '
    'limits at full precision determine the count of referrals they were computed from; round them for display. '
    'Filled by analysis.refresh(), except the view published.inequality. Readable by rehab_public, rehab_analyst '
    'and rehab_loader.';

-- Disclosure control helpers -----------------------------------------------------------------------------------------

CREATE FUNCTION published.sdc_suppressed(n bigint) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN n BETWEEN 1 AND 7;
COMMENT ON FUNCTION published.sdc_suppressed(bigint) IS
    'Whether a count of people (or posts) is suppressed by RehabCount''s disclosure control: true for 1 to 7, false '
    'otherwise (0 and 8 or more), NULL for NULL. A value derived from a count for which this is true is not '
    'published.';

CREATE FUNCTION published.sdc_count(n bigint) RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
BEGIN
    IF n < 0 THEN
        RAISE EXCEPTION 'published.sdc_count: n must not be negative' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN CASE WHEN n BETWEEN 1 AND 7 THEN NULL ELSE (round(n / 5.0) * 5)::bigint END;
END
$fn$;
COMMENT ON FUNCTION published.sdc_count(bigint) IS
    'A count of people (or posts) as it may be published: NULL (suppressed) for 1 to 7; otherwise rounded to the '
    'nearest multiple of 5 (0 stays 0, 8 and 9 become 10, 12 becomes 10, 13 becomes 15). NULL for NULL; raises '
    '22023 for a negative count. The rule of NHS Digital''s disclosure control method for HES and ECDS (2018) below '
    'national level.';

REVOKE ALL ON FUNCTION published.sdc_suppressed(bigint), published.sdc_count(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION published.sdc_suppressed(bigint), published.sdc_count(bigint)
    TO rehab_public, rehab_analyst, rehab_loader;

-- analysis.access ----------------------------------------------------------------------------------------------------

CREATE TABLE analysis.access (
    period                       date     NOT NULL,
    icb_ods                      text     NOT NULL,
    imd_quintile                 smallint NOT NULL CHECK (imd_quintile BETWEEN 1 AND 5),
    service_line                 text     NOT NULL,
    referrals                    bigint   NOT NULL CHECK (referrals >= 0),
    population                   bigint   NOT NULL CHECK (population >= 0),
    crude_rate                   numeric,
    crude_rate_lower             numeric,
    crude_rate_upper             numeric,
    dsr                          numeric,
    dsr_lower                    numeric,
    dsr_upper                    numeric,
    seen                         bigint   NOT NULL CHECK (seen >= 0),
    wait_median_days             numeric,
    wait_p90_days                numeric,
    waiting                      bigint   NOT NULL CHECK (waiting >= 0),
    waiting_over_18w             bigint   NOT NULL CHECK (waiting_over_18w BETWEEN 0 AND waiting),
    waiting_over_18w_share       numeric,
    waiting_over_18w_share_lower numeric,
    waiting_over_18w_share_upper numeric,
    discharges                   bigint   NOT NULL CHECK (discharges >= 0),
    outcome_recorded             bigint   NOT NULL CHECK (outcome_recorded BETWEEN 0 AND discharges),
    outcome_recorded_share       numeric,
    outcome_recorded_share_lower numeric,
    outcome_recorded_share_upper numeric,
    PRIMARY KEY (period, icb_ods, imd_quintile, service_line)
);
COMMENT ON TABLE analysis.access IS
    'Access to community rehabilitation by ICB of residence, national IMD quintile, reporting period and service '
    'line: one row per ICB, quintile (all five, zeros included), period and service line, plus service line ''all'' '
    '(every service line together). An ICB appears for a period when at least one loaded referral of that period '
    'lives in it; its figures cover only the trusts that have submitted (see analysis.completeness_trust). '
    'Referrals are the rows of the period''s referral extracts (referrals open at any time in the month, the '
    'contract''s definition, not only those received in it) whose LSOA resolved to an ICB and an IMD quintile; '
    'referrals with an unknown LSOA are not here (they are counted in analysis.completeness_*). '
    'Numerators and denominators: the denominator is the ONS mid-2020 population of LSOA 2011, grouped to ICB by '
    'reference.lsoa11.icb22_ods and to quintile by IMD 2019. A referral whose LSOA code exists only in the 2021 '
    'lookup (lsoa_vintage 2021) is counted as the loader derived it, with its ICB 2024 and IMD 2025 quintile: there '
    'is no 2021 population to match it, the ICB ODS codes did not change between 2022 and 2024, and such codes are a '
    'small share of referrals (under 1% in the sample month), so the mismatch is small but not zero. '
    'Rates are per 100,000 residents per month (not annualised).';
COMMENT ON COLUMN analysis.access.period IS 'Reporting period: the first day of the month (core.referrals.period).';
COMMENT ON COLUMN analysis.access.icb_ods IS 'ODS code of the ICB of residence, from the patient''s LSOA (core.referrals.icb_ods): ICB 2022 for LSOA 2011 codes, ICB 2024 for codes only in the LSOA 2021 lookup. Not the ICB of the treating trust.';
COMMENT ON COLUMN analysis.access.imd_quintile IS 'National IMD quintile of the LSOA of residence: 1 = most deprived 20% of England (Core20), 5 = least deprived. IMD 2019 for LSOA 2011 codes, IMD 2025 for codes only in the LSOA 2021 lookup.';
COMMENT ON COLUMN analysis.access.service_line IS 'Service line (core.referrals.service_line, e.g. stroke, msk), or ''all'' for every service line together. Every service line seen in the period appears for every ICB and quintile, with zero counts where there were none.';
COMMENT ON COLUMN analysis.access.referrals IS 'Number of referrals in the period''s extracts (open at any time in the month) living in this ICB and quintile, for this service line.';
COMMENT ON COLUMN analysis.access.population IS 'Residents of the ICB (2022 boundaries) in LSOAs 2011 of this IMD 2019 quintile, mid-2020 ONS estimate, all ages: the denominator of the rates. The same for every service line.';
COMMENT ON COLUMN analysis.access.crude_rate IS 'Crude referral rate per 100,000 residents per month: referrals / population * 100000, from stats.rate_ci(referrals, population). NULL when the population is 0.';
COMMENT ON COLUMN analysis.access.crude_rate_lower IS 'Lower 95% confidence limit of crude_rate: exact Poisson limits when referrals < 10, Byar''s otherwise (stats.rate_ci).';
COMMENT ON COLUMN analysis.access.crude_rate_upper IS 'Upper 95% confidence limit of crude_rate (stats.rate_ci).';
COMMENT ON COLUMN analysis.access.dsr IS
    'Age-standardised referral rate per 100,000 per month, directly standardised to the European Standard '
    'Population 2013 over its 19 age bands (stats.dsr, PHE method). Only referrals with a known age band '
    '(core.referrals.esp_age_band) count, so it can be slightly below a crude rate that includes referrals of '
    'unknown age. NULL when fewer than 10 referrals have a known age (PHE rule), or in the (theoretical) case of a '
    'referral in an age band with no population. A band with no population and no referral contributes 0.';
COMMENT ON COLUMN analysis.access.dsr_lower IS 'Lower 95% confidence limit of dsr (Dobson''s method with Byar''s limits, stats.dsr).';
COMMENT ON COLUMN analysis.access.dsr_upper IS 'Upper 95% confidence limit of dsr (Dobson''s method with Byar''s limits, stats.dsr).';
COMMENT ON COLUMN analysis.access.seen IS 'Referrals first seen in the period: first_contact_date inside the month, and a wait of 0 days or more. The waits below are over these (completed waits); a referral first seen in an earlier month is not counted again.';
COMMENT ON COLUMN analysis.access.wait_median_days IS 'Median wait from referral received to first contact, in days, of the referrals first seen in the period (percentile_cont, interpolated). NULL when seen = 0.';
COMMENT ON COLUMN analysis.access.wait_p90_days IS '90th centile of the wait from referral received to first contact, in days, of the referrals first seen in the period (percentile_cont, interpolated). NULL when seen = 0.';
COMMENT ON COLUMN analysis.access.waiting IS 'The waiting list at the end of the period: referrals with no first contact, no discharge date and referral_outcome open (or not given). The base of the 18-week share, as in the community health services waiting list sitrep.';
COMMENT ON COLUMN analysis.access.waiting_over_18w IS 'Referrals on the waiting list at the end of the period that had waited more than 18 weeks: last day of the month - referral_received_date > 126 days.';
COMMENT ON COLUMN analysis.access.waiting_over_18w_share IS 'waiting_over_18w / waiting, 0-1. NULL when waiting = 0.';
COMMENT ON COLUMN analysis.access.waiting_over_18w_share_lower IS 'Lower 95% Wilson score limit of waiting_over_18w_share (stats.wilson_ci).';
COMMENT ON COLUMN analysis.access.waiting_over_18w_share_upper IS 'Upper 95% Wilson score limit of waiting_over_18w_share (stats.wilson_ci).';
COMMENT ON COLUMN analysis.access.discharges IS 'Referrals whose referral_outcome at the end of the period is discharged.';
COMMENT ON COLUMN analysis.access.outcome_recorded IS 'Discharges with an outcome recorded: outcome_tool set and not none, and both outcome_score_start and outcome_score_end present.';
COMMENT ON COLUMN analysis.access.outcome_recorded_share IS 'outcome_recorded / discharges, 0-1. NULL when discharges = 0.';
COMMENT ON COLUMN analysis.access.outcome_recorded_share_lower IS 'Lower 95% Wilson score limit of outcome_recorded_share (stats.wilson_ci).';
COMMENT ON COLUMN analysis.access.outcome_recorded_share_upper IS 'Upper 95% Wilson score limit of outcome_recorded_share (stats.wilson_ci).';

-- analysis.outcome_change -------------------------------------------------------------------------------------------

CREATE TABLE analysis.outcome_change (
    period           date     NOT NULL,
    icb_ods          text     NOT NULL,
    imd_quintile     smallint NOT NULL CHECK (imd_quintile BETWEEN 1 AND 5),
    service_line     text     NOT NULL,
    outcome_tool     text     NOT NULL CHECK (outcome_tool IN ('barthel', 'eq5d5l', 'toms', 'psfs', 'mrs')),
    higher_is_better boolean  NOT NULL,
    discharges       bigint   NOT NULL CHECK (discharges > 0),
    mean_start       numeric  NOT NULL,
    mean_end         numeric  NOT NULL,
    mean_change      numeric  NOT NULL,
    sd_change        numeric,
    PRIMARY KEY (period, icb_ods, imd_quintile, service_line, outcome_tool)
);
COMMENT ON TABLE analysis.outcome_change IS
    'Change in outcome score between the start of rehabilitation and discharge, by ICB of residence, IMD quintile, '
    'period, service line (and ''all'') and outcome tool, over discharged referrals with both scores. One row per '
    'group with at least one such discharge. Kept apart from analysis.access because each tool has its own scale: '
    'never average changes across tools. Tools: barthel (Barthel index, 0-20), eq5d5l (EQ-5D-5L index), toms '
    '(Therapy Outcome Measures), psfs (Patient-Specific Functional Scale) and mrs (modified Rankin Scale, 0-6); '
    '''other'' is left out because its scale is unknown. Sign caveat: the change is end - start, so a positive '
    'change is an improvement for every tool except mRS, where LOWER is better and an improvement is negative (see '
    'higher_is_better). Same keys and residence rules as analysis.access.';
COMMENT ON COLUMN analysis.outcome_change.period IS 'Reporting period: the first day of the month.';
COMMENT ON COLUMN analysis.outcome_change.icb_ods IS 'ODS code of the ICB of residence, as in analysis.access.icb_ods.';
COMMENT ON COLUMN analysis.outcome_change.imd_quintile IS 'National IMD quintile of residence (1 = most deprived), as in analysis.access.imd_quintile.';
COMMENT ON COLUMN analysis.outcome_change.service_line IS 'Service line, or ''all'' for every service line together.';
COMMENT ON COLUMN analysis.outcome_change.outcome_tool IS 'Outcome measure the scores are in: barthel, eq5d5l, toms, psfs or mrs.';
COMMENT ON COLUMN analysis.outcome_change.higher_is_better IS 'Whether a higher score is a better state for this tool: true for barthel, eq5d5l, toms and psfs; false for mrs (modified Rankin Scale: 0 no symptoms, 6 dead), whose improvements are negative changes.';
COMMENT ON COLUMN analysis.outcome_change.discharges IS 'Discharged referrals with this tool and both a start and an end score: the n of the means.';
COMMENT ON COLUMN analysis.outcome_change.mean_start IS 'Mean outcome_score_start, in the tool''s units.';
COMMENT ON COLUMN analysis.outcome_change.mean_end IS 'Mean outcome_score_end, in the tool''s units.';
COMMENT ON COLUMN analysis.outcome_change.mean_change IS 'Mean of outcome_score_end - outcome_score_start, in the tool''s units. Positive = improvement except for mrs (see higher_is_better).';
COMMENT ON COLUMN analysis.outcome_change.sd_change IS 'Sample standard deviation of the change (end - start); NULL when discharges = 1.';

-- analysis.inequality -----------------------------------------------------------------------------------------------

CREATE TABLE analysis.inequality (
    period                 date    NOT NULL,
    icb_ods                text    NOT NULL,
    service_line           text    NOT NULL,
    referrals              bigint  NOT NULL CHECK (referrals >= 0),
    population             bigint  NOT NULL CHECK (population >= 0),
    q1_referrals           bigint  NOT NULL CHECK (q1_referrals >= 0),
    q5_referrals           bigint  NOT NULL CHECK (q5_referrals >= 0),
    min_quintile_referrals bigint  NOT NULL CHECK (min_quintile_referrals >= 0),
    q1_dsr                 numeric,
    q5_dsr                 numeric,
    rate_ratio             numeric,
    rate_difference        numeric,
    sii                    numeric,
    rii                    numeric,
    sii_lower              numeric,
    sii_upper              numeric,
    rii_lower              numeric,
    rii_upper              numeric,
    PRIMARY KEY (period, icb_ods, service_line)
);
COMMENT ON TABLE analysis.inequality IS
    'Inequality in age-standardised referral rates across national IMD quintiles within each ICB of residence, by '
    'period and service line (and ''all''): one row per ICB, period and service line of analysis.access, computed '
    'from its five quintile rows. Q1 = most deprived, Q5 = least deprived. The SII and RII come from stats.sii over '
    'the five quintile DSRs weighted by population, ordered most deprived first, so SII > 0 (RII > 1) means rates '
    'rise towards the least deprived areas: people in deprived areas are referred LESS per head. They are NULL when '
    'any quintile''s DSR is NULL (fewer than 10 referrals of known age, or no population). The confidence limits of '
    'SII and RII are NOT computed by analysis.refresh(), which leaves them NULL: the simulation stage of '
    '`rehabcount analyse` (Swift) fills them afterwards, and each refresh empties them again.';
COMMENT ON COLUMN analysis.inequality.period IS 'Reporting period: the first day of the month.';
COMMENT ON COLUMN analysis.inequality.icb_ods IS 'ODS code of the ICB of residence, as in analysis.access.icb_ods.';
COMMENT ON COLUMN analysis.inequality.service_line IS 'Service line, or ''all'' for every service line together.';
COMMENT ON COLUMN analysis.inequality.referrals IS 'Referrals over the five quintiles (sum of analysis.access.referrals).';
COMMENT ON COLUMN analysis.inequality.population IS 'Population over the five quintiles (mid-2020, sum of analysis.access.population).';
COMMENT ON COLUMN analysis.inequality.q1_referrals IS 'Referrals living in quintile 1 (most deprived).';
COMMENT ON COLUMN analysis.inequality.q5_referrals IS 'Referrals living in quintile 5 (least deprived).';
COMMENT ON COLUMN analysis.inequality.min_quintile_referrals IS 'The smallest of the five quintiles'' referral counts: the SII and RII are only as stable as the smallest quintile.';
COMMENT ON COLUMN analysis.inequality.q1_dsr IS 'Age-standardised rate per 100,000 per month in quintile 1 (analysis.access.dsr).';
COMMENT ON COLUMN analysis.inequality.q5_dsr IS 'Age-standardised rate per 100,000 per month in quintile 5 (analysis.access.dsr).';
COMMENT ON COLUMN analysis.inequality.rate_ratio IS 'q1_dsr / q5_dsr: below 1 when the most deprived fifth is referred less per head than the least deprived. NULL if either DSR is NULL.';
COMMENT ON COLUMN analysis.inequality.rate_difference IS 'q1_dsr - q5_dsr, per 100,000 per month: negative when the most deprived fifth is referred less. NULL if either DSR is NULL.';
COMMENT ON COLUMN analysis.inequality.sii IS
    'Slope index of inequality of the quintile DSRs (stats.sii, PHE/Low & Low method): the modelled difference in '
    'rate per 100,000 between the least deprived end (rank 1) and the most deprived end (rank 0) of the ICB''s '
    'population. Positive when the rate rises from most to least deprived.';
COMMENT ON COLUMN analysis.inequality.rii IS 'Relative index of inequality (stats.sii): ratio of the modelled rates at the least and most deprived ends; above 1 when the rate rises from most to least deprived.';
COMMENT ON COLUMN analysis.inequality.sii_lower IS 'Lower 95% confidence limit of sii, by simulation. NULL after analysis.refresh(); filled by the Swift simulation stage of rehabcount analyse.';
COMMENT ON COLUMN analysis.inequality.sii_upper IS 'Upper 95% confidence limit of sii, by simulation. NULL after analysis.refresh(); filled by the Swift simulation stage of rehabcount analyse.';
COMMENT ON COLUMN analysis.inequality.rii_lower IS 'Lower 95% confidence limit of rii, by simulation. NULL after analysis.refresh(); filled by the Swift simulation stage of rehabcount analyse.';
COMMENT ON COLUMN analysis.inequality.rii_upper IS 'Upper 95% confidence limit of rii, by simulation. NULL after analysis.refresh(); filled by the Swift simulation stage of rehabcount analyse.';

-- analysis.core20 ---------------------------------------------------------------------------------------------------

CREATE TABLE analysis.core20 (
    period                   date    NOT NULL,
    icb_ods                  text    NOT NULL,
    service_line             text    NOT NULL,
    referrals                bigint  NOT NULL CHECK (referrals >= 0),
    referrals_q1             bigint  NOT NULL CHECK (referrals_q1 BETWEEN 0 AND referrals),
    referral_share_q1        numeric,
    referral_share_q1_lower  numeric,
    referral_share_q1_upper  numeric,
    population               bigint  NOT NULL CHECK (population >= 0),
    population_q1            bigint  NOT NULL CHECK (population_q1 BETWEEN 0 AND population),
    population_share_q1      numeric,
    representation_ratio     numeric,
    PRIMARY KEY (period, icb_ods, service_line)
);
COMMENT ON TABLE analysis.core20 IS
    'Core20 (Core20PLUS5): the share of each ICB''s referrals that come from the nationally most deprived 20% of '
    'areas (national IMD quintile 1), against the share of the ICB''s population living there, by period and service '
    'line (and ''all''). One row per ICB, period and service line of analysis.access, summed over its quintiles, '
    'with the same residence and denominator rules. A representation ratio below 1 means the Core20 population is '
    'under-represented among referrals.';
COMMENT ON COLUMN analysis.core20.period IS 'Reporting period: the first day of the month.';
COMMENT ON COLUMN analysis.core20.icb_ods IS 'ODS code of the ICB of residence, as in analysis.access.icb_ods.';
COMMENT ON COLUMN analysis.core20.service_line IS 'Service line, or ''all'' for every service line together.';
COMMENT ON COLUMN analysis.core20.referrals IS 'Referrals living in the ICB with a known IMD quintile.';
COMMENT ON COLUMN analysis.core20.referrals_q1 IS 'Referrals living in national IMD quintile 1 (Core20).';
COMMENT ON COLUMN analysis.core20.referral_share_q1 IS 'referrals_q1 / referrals, 0-1. NULL when referrals = 0.';
COMMENT ON COLUMN analysis.core20.referral_share_q1_lower IS 'Lower 95% Wilson score limit of referral_share_q1 (stats.wilson_ci).';
COMMENT ON COLUMN analysis.core20.referral_share_q1_upper IS 'Upper 95% Wilson score limit of referral_share_q1 (stats.wilson_ci).';
COMMENT ON COLUMN analysis.core20.population IS 'Residents of the ICB, mid-2020 (sum of analysis.access.population over the quintiles).';
COMMENT ON COLUMN analysis.core20.population_q1 IS 'Residents of the ICB in LSOAs of national IMD 2019 quintile 1, mid-2020.';
COMMENT ON COLUMN analysis.core20.population_share_q1 IS 'population_q1 / population, 0-1: the share referral_share_q1 would have if referral rates were equal across quintiles. A population figure: no confidence interval.';
COMMENT ON COLUMN analysis.core20.representation_ratio IS 'referral_share_q1 / population_share_q1: 1 = referred in proportion to population, below 1 = Core20 under-represented. NULL when either share is NULL or population_share_q1 = 0.';

-- analysis.workforce_trust and analysis.workforce_icb --------------------------------------------------------------

CREATE TABLE analysis.workforce_trust (
    period                 date    NOT NULL,
    org_code               text    NOT NULL,
    icb_ods                text,
    profession             text    NOT NULL,
    posts_filled           bigint  NOT NULL CHECK (posts_filled >= 0),
    posts_vacant           bigint  NOT NULL CHECK (posts_vacant >= 0),
    fte_in_post            numeric NOT NULL CHECK (fte_in_post >= 0),
    fte_vacant             numeric NOT NULL CHECK (fte_vacant >= 0),
    fte_establishment      numeric NOT NULL CHECK (fte_establishment >= 0),
    vacancy_rate           numeric,
    posts_registered       bigint  NOT NULL CHECK (posts_registered >= 0),
    posts_support          bigint  NOT NULL CHECK (posts_support >= 0),
    fte_registered         numeric NOT NULL CHECK (fte_registered >= 0),
    fte_support            numeric NOT NULL CHECK (fte_support >= 0),
    registered_share       numeric,
    skill_mix_share        numeric,
    population             bigint,
    fte_per_100k           numeric,
    referrals              bigint,
    fte_per_1000_referrals numeric,
    PRIMARY KEY (period, org_code, profession)
);
COMMENT ON TABLE analysis.workforce_trust IS
    'Community rehabilitation workforce of each trust, by period and profession, plus profession ''all'' (the '
    'trust''s whole workforce), from its current workforce submission (core.workforce). Staff in post are filled '
    'posts; the establishment is filled plus vacant posts (vacant posts carry their budgeted FTE). Per-population '
    'figures use the population of the ICB hosting the trust (reference.trust.icb_ods): a trust has no population of '
    'its own, and its patients may live elsewhere, so read fte_per_100k as the trust''s contribution to its host '
    'ICB''s staffing, and compare ICBs in analysis.workforce_icb.';
CREATE TABLE analysis.workforce_icb (
    period                 date    NOT NULL,
    icb_ods                text    NOT NULL,
    profession             text    NOT NULL,
    trusts                 bigint  NOT NULL CHECK (trusts > 0),
    posts_filled           bigint  NOT NULL CHECK (posts_filled >= 0),
    posts_vacant           bigint  NOT NULL CHECK (posts_vacant >= 0),
    fte_in_post            numeric NOT NULL CHECK (fte_in_post >= 0),
    fte_vacant             numeric NOT NULL CHECK (fte_vacant >= 0),
    fte_establishment      numeric NOT NULL CHECK (fte_establishment >= 0),
    vacancy_rate           numeric,
    posts_registered       bigint  NOT NULL CHECK (posts_registered >= 0),
    posts_support          bigint  NOT NULL CHECK (posts_support >= 0),
    fte_registered         numeric NOT NULL CHECK (fte_registered >= 0),
    fte_support            numeric NOT NULL CHECK (fte_support >= 0),
    registered_share       numeric,
    skill_mix_share        numeric,
    population             bigint,
    fte_per_100k           numeric,
    referrals              bigint,
    fte_per_1000_referrals numeric,
    PRIMARY KEY (period, icb_ods, profession)
);
COMMENT ON TABLE analysis.workforce_icb IS
    'Community rehabilitation workforce by ICB, period and profession (plus ''all''): analysis.workforce_trust summed '
    'over the trusts hosted in each ICB (reference.trust.icb_ods) that submitted a workforce extract for the period. '
    'Trusts whose code is not in reference.trust are left out. Per 100k uses the ICB''s resident population; per '
    '1,000 referrals uses the referrals submitted by the same trusts, so a trust that sent its workforce but not its '
    'referrals (or the reverse) skews it: check coverage in analysis.completeness_icb.';
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['workforce_trust', 'workforce_icb'] LOOP
        EXECUTE format($c$
            COMMENT ON COLUMN analysis.%1$I.period IS 'Reporting period: the first day of the month.';
            COMMENT ON COLUMN analysis.%1$I.profession IS 'Profession of the posts (core.workforce.profession), or ''all'' for every profession together.';
            COMMENT ON COLUMN analysis.%1$I.posts_filled IS 'Filled posts (staff in post), a headcount of posts.';
            COMMENT ON COLUMN analysis.%1$I.posts_vacant IS 'Vacant posts.';
            COMMENT ON COLUMN analysis.%1$I.fte_in_post IS 'Whole-time equivalent of the filled posts (staff in post).';
            COMMENT ON COLUMN analysis.%1$I.fte_vacant IS 'Budgeted whole-time equivalent of the vacant posts.';
            COMMENT ON COLUMN analysis.%1$I.fte_establishment IS 'fte_in_post + fte_vacant: the funded establishment.';
            COMMENT ON COLUMN analysis.%1$I.vacancy_rate IS 'Vacancy rate, 0-1: fte_vacant / fte_establishment. NULL when the establishment is 0.';
            COMMENT ON COLUMN analysis.%1$I.posts_registered IS 'Filled posts whose holder is a registered professional (registered = Y).';
            COMMENT ON COLUMN analysis.%1$I.posts_support IS 'Filled posts whose holder is not registered (registered = N): the support workforce. Posts with registered not given are in neither count.';
            COMMENT ON COLUMN analysis.%1$I.fte_registered IS 'FTE in post of registered professionals (registered = Y).';
            COMMENT ON COLUMN analysis.%1$I.fte_support IS 'FTE in post of staff who are not registered (registered = N).';
            COMMENT ON COLUMN analysis.%1$I.registered_share IS 'Skill mix, registered vs support: fte_registered / (fte_registered + fte_support), 0-1; FTE with registered not given is left out. NULL when both are 0.';
            COMMENT ON COLUMN analysis.%1$I.skill_mix_share IS 'Skill mix by profession: this profession''s share of the FTE in post of every profession, 0-1 (1 for profession all). NULL when there is no FTE in post.';
            COMMENT ON COLUMN analysis.%1$I.fte_per_100k IS 'fte_in_post per 100,000 residents of the ICB (population). NULL when the population is unknown or 0.';
            COMMENT ON COLUMN analysis.%1$I.fte_per_1000_referrals IS 'fte_in_post per 1,000 referrals: fte_in_post / referrals * 1000. NULL when referrals is NULL or 0.';
        $c$, t);
    END LOOP;
END
$$;
COMMENT ON COLUMN analysis.workforce_trust.org_code IS 'ODS code of the trust (core.workforce.org_code).';
COMMENT ON COLUMN analysis.workforce_trust.icb_ods IS 'ODS code of the ICB hosting the trust (reference.trust.icb_ods); NULL if the trust is not in reference.trust.';
COMMENT ON COLUMN analysis.workforce_trust.population IS 'Mid-2020 population of the ICB hosting the trust (a trust has no population of its own). NULL if the trust or its ICB is not in the reference data.';
COMMENT ON COLUMN analysis.workforce_trust.referrals IS 'Referrals in the trust''s current referrals submission for the period (all rows, whatever their LSOA); NULL when the trust has no current referrals submission for the period. The same for every profession.';
COMMENT ON COLUMN analysis.workforce_icb.icb_ods IS 'ODS code of the ICB hosting the trusts (reference.trust.icb_ods).';
COMMENT ON COLUMN analysis.workforce_icb.trusts IS 'Number of trusts hosted in the ICB with a workforce submission for the period (with posts of this profession, for a profession row).';
COMMENT ON COLUMN analysis.workforce_icb.population IS 'Mid-2020 resident population of the ICB (LSOA 2011, ICB 2022 boundaries).';
COMMENT ON COLUMN analysis.workforce_icb.referrals IS 'Referrals submitted for the period by the ICB''s trusts that have a workforce submission for it (all rows, whatever their LSOA); NULL when none of them has a current referrals submission. The same for every profession.';

-- analysis.completeness_trust and analysis.completeness_icb ----------------------------------------------------------

CREATE TABLE analysis.completeness_trust (
    period                         date    NOT NULL,
    org_code                       text    NOT NULL,
    icb_ods                        text,
    expected_source                text    NOT NULL CHECK (expected_source IN ('reference', 'assumed')),
    submissions_expected           bigint  NOT NULL CHECK (submissions_expected >= 0),
    submissions_received           bigint  NOT NULL CHECK (submissions_received >= 0),
    submissions_missing            bigint  NOT NULL CHECK (submissions_missing BETWEEN 0 AND submissions_expected),
    coverage                       numeric,
    score_mean                     numeric,
    score_referrals                numeric,
    score_contacts                 numeric,
    score_workforce                numeric,
    referrals                      bigint,
    lsoa_known                     bigint,
    lsoa_known_share               numeric,
    lsoa_known_share_lower         numeric,
    lsoa_known_share_upper         numeric,
    ethnicity_recorded             bigint,
    ethnicity_recorded_share       numeric,
    ethnicity_recorded_share_lower numeric,
    ethnicity_recorded_share_upper numeric,
    discharges                     bigint,
    outcome_recorded               bigint,
    outcome_recorded_share         numeric,
    outcome_recorded_share_lower   numeric,
    outcome_recorded_share_upper   numeric,
    PRIMARY KEY (period, org_code)
);
COMMENT ON TABLE analysis.completeness_trust IS
    'Data completeness of each trust over time: one row per trust and period that either sent a file or was '
    'expected to. Periods are those for which any file has been received (audit.submissions). Coverage compares '
    'the current (accepted, not superseded) submissions with the kinds expected: from reference.expected_submissions '
    'when it has any row covering the period (expected_source = reference); otherwise every trust that sent any file '
    'for the period, even a rejected one, is assumed to be expected to send all three kinds (expected_source = '
    'assumed). Recording shares are over the rows of the trust''s current referrals submission (NULL without one).';
CREATE TABLE analysis.completeness_icb (
    period                         date    NOT NULL,
    icb_ods                        text    NOT NULL,
    trusts                         bigint  NOT NULL CHECK (trusts > 0),
    submissions_expected           bigint  NOT NULL CHECK (submissions_expected >= 0),
    submissions_received           bigint  NOT NULL CHECK (submissions_received >= 0),
    submissions_missing            bigint  NOT NULL CHECK (submissions_missing BETWEEN 0 AND submissions_expected),
    coverage                       numeric,
    score_mean                     numeric,
    score_referrals                numeric,
    score_contacts                 numeric,
    score_workforce                numeric,
    referrals                      bigint,
    lsoa_known                     bigint,
    lsoa_known_share               numeric,
    lsoa_known_share_lower         numeric,
    lsoa_known_share_upper         numeric,
    ethnicity_recorded             bigint,
    ethnicity_recorded_share       numeric,
    ethnicity_recorded_share_lower numeric,
    ethnicity_recorded_share_upper numeric,
    discharges                     bigint,
    outcome_recorded               bigint,
    outcome_recorded_share         numeric,
    outcome_recorded_share_lower   numeric,
    outcome_recorded_share_upper   numeric,
    PRIMARY KEY (period, icb_ods)
);
COMMENT ON TABLE analysis.completeness_icb IS
    'Data completeness by ICB over time: analysis.completeness_trust summed over the trusts HOSTED in each ICB '
    '(reference.trust.icb_ods), not over the ICB''s residents (a referral with an unknown LSOA has no ICB of '
    'residence). Counts are summed, shares recomputed from the sums, and scores averaged over the current '
    'submissions of those trusts. Trusts whose code is not in reference.trust are left out.';
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['completeness_trust', 'completeness_icb'] LOOP
        EXECUTE format($c$
            COMMENT ON COLUMN analysis.%1$I.period IS 'Reporting period: the first day of the month.';
            COMMENT ON COLUMN analysis.%1$I.submissions_expected IS 'Extract kinds (referrals, contacts, workforce) expected for the period, summed over trusts: see reference.expected_submissions and the table comment for the rule when it has no row for the period.';
            COMMENT ON COLUMN analysis.%1$I.submissions_received IS 'Extract kinds with a current submission (accepted, not superseded) for the period, summed over trusts, expected or not. Rejected files do not count.';
            COMMENT ON COLUMN analysis.%1$I.submissions_missing IS 'Expected extract kinds without a current submission for the period, summed over trusts.';
            COMMENT ON COLUMN analysis.%1$I.coverage IS 'Share of the expected submissions received: (submissions_expected - submissions_missing) / submissions_expected, 0-1. NULL when nothing was expected.';
            COMMENT ON COLUMN analysis.%1$I.score_mean IS 'Mean data-quality score (0-100, docs/data-quality-score.md) of the current submissions of the period, all kinds (audit.submissions.score); NULL when there is none with a score.';
            COMMENT ON COLUMN analysis.%1$I.score_referrals IS 'Mean data-quality score of the current referrals submissions of the period.';
            COMMENT ON COLUMN analysis.%1$I.score_contacts IS 'Mean data-quality score of the current contacts submissions of the period.';
            COMMENT ON COLUMN analysis.%1$I.score_workforce IS 'Mean data-quality score of the current workforce submissions of the period.';
            COMMENT ON COLUMN analysis.%1$I.referrals IS 'Referrals loaded for the period (rows of the current referrals submissions, whatever their LSOA); NULL when there is no current referrals submission.';
            COMMENT ON COLUMN analysis.%1$I.lsoa_known IS 'Referrals whose LSOA code resolved to a known LSOA of either vintage (core.referrals.lsoa_vintage not NULL).';
            COMMENT ON COLUMN analysis.%1$I.lsoa_known_share IS 'lsoa_known / referrals, 0-1. NULL when referrals is NULL or 0.';
            COMMENT ON COLUMN analysis.%1$I.lsoa_known_share_lower IS 'Lower 95%% Wilson score limit of lsoa_known_share (stats.wilson_ci).';
            COMMENT ON COLUMN analysis.%1$I.lsoa_known_share_upper IS 'Upper 95%% Wilson score limit of lsoa_known_share (stats.wilson_ci).';
            COMMENT ON COLUMN analysis.%1$I.ethnicity_recorded IS 'Referrals with an ethnic category recorded: a code of the ethnic_category code list other than the not-recorded codes Z (not stated) and 99 (not known). Empty or invalid values do not count.';
            COMMENT ON COLUMN analysis.%1$I.ethnicity_recorded_share IS 'ethnicity_recorded / referrals, 0-1. NULL when referrals is NULL or 0.';
            COMMENT ON COLUMN analysis.%1$I.ethnicity_recorded_share_lower IS 'Lower 95%% Wilson score limit of ethnicity_recorded_share (stats.wilson_ci).';
            COMMENT ON COLUMN analysis.%1$I.ethnicity_recorded_share_upper IS 'Upper 95%% Wilson score limit of ethnicity_recorded_share (stats.wilson_ci).';
            COMMENT ON COLUMN analysis.%1$I.discharges IS 'Referrals whose referral_outcome is discharged.';
            COMMENT ON COLUMN analysis.%1$I.outcome_recorded IS 'Discharges with an outcome recorded: outcome_tool set and not none, and both scores present (as analysis.access.outcome_recorded).';
            COMMENT ON COLUMN analysis.%1$I.outcome_recorded_share IS 'outcome_recorded / discharges, 0-1. NULL when discharges is NULL or 0.';
            COMMENT ON COLUMN analysis.%1$I.outcome_recorded_share_lower IS 'Lower 95%% Wilson score limit of outcome_recorded_share (stats.wilson_ci).';
            COMMENT ON COLUMN analysis.%1$I.outcome_recorded_share_upper IS 'Upper 95%% Wilson score limit of outcome_recorded_share (stats.wilson_ci).';
        $c$, t);
    END LOOP;
END
$$;
COMMENT ON COLUMN analysis.completeness_trust.org_code IS 'ODS code of the trust.';
COMMENT ON COLUMN analysis.completeness_trust.icb_ods IS 'ODS code of the ICB hosting the trust (reference.trust.icb_ods); NULL if the trust is not in reference.trust.';
COMMENT ON COLUMN analysis.completeness_trust.expected_source IS 'Where submissions_expected comes from: reference (reference.expected_submissions covers the period) or assumed (it has no row for the period, so the trust, having sent a file, is assumed to owe all three kinds).';
COMMENT ON COLUMN analysis.completeness_icb.icb_ods IS 'ODS code of the ICB hosting the trusts (reference.trust.icb_ods).';
COMMENT ON COLUMN analysis.completeness_icb.trusts IS 'Trusts hosted in the ICB with a row in analysis.completeness_trust for the period (expected or submitting).';

-- published: the same tables with disclosure control ---------------------------------------------------------------
-- Same columns, types and keys as the analysis tables, without their CHECKs (a suppressed count is NULL); every
-- published count column is checked to be NULL or a multiple of 5. Column comments are the analysis comments plus
-- the rule applied, set below.

CREATE TABLE published.access (LIKE analysis.access INCLUDING INDEXES);
CREATE TABLE published.outcome_change (LIKE analysis.outcome_change INCLUDING INDEXES);
CREATE TABLE published.core20 (LIKE analysis.core20 INCLUDING INDEXES);
CREATE TABLE published.workforce_trust (LIKE analysis.workforce_trust INCLUDING INDEXES);
CREATE TABLE published.workforce_icb (LIKE analysis.workforce_icb INCLUDING INDEXES);
CREATE TABLE published.completeness_trust (LIKE analysis.completeness_trust INCLUDING INDEXES);
CREATE TABLE published.completeness_icb (LIKE analysis.completeness_icb INCLUDING INDEXES);

CREATE VIEW published.inequality WITH (security_barrier = true) AS
SELECT i.period,
       i.icb_ods,
       i.service_line,
       published.sdc_count(i.referrals) AS referrals,
       i.population,
       published.sdc_count(i.q1_referrals) AS q1_referrals,
       published.sdc_count(i.q5_referrals) AS q5_referrals,
       published.sdc_count(i.min_quintile_referrals) AS min_quintile_referrals,
       CASE WHEN NOT published.sdc_suppressed(i.q1_referrals) THEN i.q1_dsr END AS q1_dsr,
       CASE WHEN NOT published.sdc_suppressed(i.q5_referrals) THEN i.q5_dsr END AS q5_dsr,
       CASE WHEN NOT (published.sdc_suppressed(i.q1_referrals) OR published.sdc_suppressed(i.q5_referrals))
            THEN i.rate_ratio END AS rate_ratio,
       CASE WHEN NOT (published.sdc_suppressed(i.q1_referrals) OR published.sdc_suppressed(i.q5_referrals))
            THEN i.rate_difference END AS rate_difference,
       CASE WHEN NOT published.sdc_suppressed(i.min_quintile_referrals) THEN i.sii END AS sii,
       CASE WHEN NOT published.sdc_suppressed(i.min_quintile_referrals) THEN i.rii END AS rii,
       CASE WHEN NOT published.sdc_suppressed(i.min_quintile_referrals) THEN i.sii_lower END AS sii_lower,
       CASE WHEN NOT published.sdc_suppressed(i.min_quintile_referrals) THEN i.sii_upper END AS sii_upper,
       CASE WHEN NOT published.sdc_suppressed(i.min_quintile_referrals) THEN i.rii_lower END AS rii_lower,
       CASE WHEN NOT published.sdc_suppressed(i.min_quintile_referrals) THEN i.rii_upper END AS rii_upper
FROM analysis.inequality i;

COMMENT ON TABLE published.access IS 'analysis.access with disclosure control (see the comment on schema published): counts of 1-7 suppressed, others rounded to the nearest 5; crude rates and shares recomputed from the rounded counts. Filled by analysis.refresh().';
COMMENT ON TABLE published.outcome_change IS 'analysis.outcome_change with disclosure control: the means and standard deviation are suppressed when they are over 1-7 discharges, and the count is rounded to the nearest 5. Filled by analysis.refresh().';
COMMENT ON TABLE published.core20 IS 'analysis.core20 with disclosure control: referral counts of 1-7 suppressed, others rounded to the nearest 5; the referral share and its CI recomputed from the rounded counts; populations as they are. Filled by analysis.refresh().';
COMMENT ON TABLE published.workforce_trust IS 'analysis.workforce_trust with disclosure control: post counts of 1-7 suppressed, others rounded to the nearest 5; an FTE, rate or share is suppressed when a post count it sums over is suppressed; FTE per 1,000 referrals recomputed from the rounded referrals. Filled by analysis.refresh().';
COMMENT ON TABLE published.workforce_icb IS 'analysis.workforce_icb with disclosure control, as published.workforce_trust. Filled by analysis.refresh().';
COMMENT ON TABLE published.completeness_trust IS 'analysis.completeness_trust with disclosure control: referral counts of 1-7 suppressed, others rounded to the nearest 5, shares and CIs recomputed from the rounded counts; submission counts, coverage and scores (not about individuals) as they are. Filled by analysis.refresh().';
COMMENT ON TABLE published.completeness_icb IS 'analysis.completeness_icb with disclosure control, as published.completeness_trust. Filled by analysis.refresh().';
COMMENT ON VIEW published.inequality IS
    'analysis.inequality with disclosure control: counts of 1-7 suppressed and others rounded to the nearest 5; the '
    'Q1 and Q5 DSRs, their ratio and difference, and the SII, RII and their limits are shown as computed (complex '
    'calculations) unless a quintile count they use is 1-7 (in practice they are then NULL already: a DSR needs 10 '
    'referrals). A view, not a table, so that the SII and RII limits the simulation stage writes into '
    'analysis.inequality after analysis.refresh() appear here at once. Security barrier; runs with its owner''s '
    'rights, so readers need SELECT on it only.';

-- Published column comments: the analysis column's comment followed by the disclosure rule applied to it.
DO $$
DECLARE
    r record;
    missing text;
BEGIN
    CREATE TEMP TABLE sdc_rules (tbl text, col text, rule text) ON COMMIT DROP;
    INSERT INTO sdc_rules
    SELECT t, c, rule
    FROM (VALUES
        ('count', 'Published: NULL when 1-7, otherwise rounded to the nearest 5 (published.sdc_count).'),
        ('as_is', 'Published as in analysis.'),
        ('population', 'Published as in analysis: ONS population estimates are public and not about the people in this data.'),
        ('not_people', 'Published as in analysis: not a count of people.'),
        ('crude', 'Published: recomputed with stats.rate_ci from the published (rounded) referrals and the population; NULL when referrals is suppressed.'),
        ('dsr', 'Published as computed (a standardised rate from exact counts), unless referrals is suppressed.'),
        ('wait', 'Published: NULL when seen is 1-7 (a statistic of fewer than 8 values).'),
        ('share_wait', 'Published: recomputed (stats.wilson_ci for the limits) from the published waiting_over_18w and waiting; NULL when either is suppressed.'),
        ('share_outcome', 'Published: recomputed (stats.wilson_ci for the limits) from the published outcome_recorded and discharges; NULL when either is suppressed.'),
        ('share_lsoa', 'Published: recomputed (stats.wilson_ci for the limits) from the published lsoa_known and referrals; NULL when either is suppressed.'),
        ('share_ethnicity', 'Published: recomputed (stats.wilson_ci for the limits) from the published ethnicity_recorded and referrals; NULL when either is suppressed.'),
        ('share_q1', 'Published: recomputed (stats.wilson_ci for the limits) from the published referrals_q1 and referrals; NULL when either is suppressed.'),
        ('ratio_q1', 'Published: recomputed from the published referral_share_q1.'),
        ('mean', 'Published: NULL when discharges is 1-7 (a statistic of fewer than 8 values).'),
        ('fte_filled', 'Published: NULL when posts_filled is 1-7.'),
        ('fte_vacant', 'Published: NULL when posts_vacant is 1-7.'),
        ('fte_both', 'Published: NULL when posts_filled or posts_vacant is 1-7.'),
        ('fte_registered', 'Published: NULL when posts_registered is 1-7.'),
        ('fte_support', 'Published: NULL when posts_support is 1-7.'),
        ('registered_share', 'Published: NULL when posts_registered or posts_support is 1-7.'),
        ('per_referral', 'Published: recomputed from fte_in_post and the published (rounded) referrals; NULL when either is suppressed.')
    ) AS rules(kind, rule)
    JOIN (VALUES
        ('access', 'period', 'as_is'), ('access', 'icb_ods', 'as_is'), ('access', 'imd_quintile', 'as_is'),
        ('access', 'service_line', 'as_is'), ('access', 'referrals', 'count'), ('access', 'population', 'population'),
        ('access', 'crude_rate', 'crude'), ('access', 'crude_rate_lower', 'crude'), ('access', 'crude_rate_upper', 'crude'),
        ('access', 'dsr', 'dsr'), ('access', 'dsr_lower', 'dsr'), ('access', 'dsr_upper', 'dsr'),
        ('access', 'seen', 'count'), ('access', 'wait_median_days', 'wait'), ('access', 'wait_p90_days', 'wait'),
        ('access', 'waiting', 'count'), ('access', 'waiting_over_18w', 'count'),
        ('access', 'waiting_over_18w_share', 'share_wait'), ('access', 'waiting_over_18w_share_lower', 'share_wait'),
        ('access', 'waiting_over_18w_share_upper', 'share_wait'), ('access', 'discharges', 'count'),
        ('access', 'outcome_recorded', 'count'), ('access', 'outcome_recorded_share', 'share_outcome'),
        ('access', 'outcome_recorded_share_lower', 'share_outcome'),
        ('access', 'outcome_recorded_share_upper', 'share_outcome'),
        ('outcome_change', 'period', 'as_is'), ('outcome_change', 'icb_ods', 'as_is'),
        ('outcome_change', 'imd_quintile', 'as_is'), ('outcome_change', 'service_line', 'as_is'),
        ('outcome_change', 'outcome_tool', 'as_is'), ('outcome_change', 'higher_is_better', 'as_is'),
        ('outcome_change', 'discharges', 'count'), ('outcome_change', 'mean_start', 'mean'),
        ('outcome_change', 'mean_end', 'mean'), ('outcome_change', 'mean_change', 'mean'),
        ('outcome_change', 'sd_change', 'mean'),
        ('core20', 'period', 'as_is'), ('core20', 'icb_ods', 'as_is'), ('core20', 'service_line', 'as_is'),
        ('core20', 'referrals', 'count'), ('core20', 'referrals_q1', 'count'),
        ('core20', 'referral_share_q1', 'share_q1'), ('core20', 'referral_share_q1_lower', 'share_q1'),
        ('core20', 'referral_share_q1_upper', 'share_q1'), ('core20', 'population', 'population'),
        ('core20', 'population_q1', 'population'), ('core20', 'population_share_q1', 'population'),
        ('core20', 'representation_ratio', 'ratio_q1')
    ) AS cols(t, c, kind) USING (kind);
    INSERT INTO sdc_rules
    SELECT t, c, rule
    FROM (VALUES
        ('as_is', 'Published as in analysis.'),
        ('population', 'Published as in analysis: ONS population estimates are public.'),
        ('not_people', 'Published as in analysis: not a count of people.'),
        ('count', 'Published: NULL when 1-7, otherwise rounded to the nearest 5 (published.sdc_count).'),
        ('fte_filled', 'Published: NULL when posts_filled is 1-7.'),
        ('fte_vacant', 'Published: NULL when posts_vacant is 1-7.'),
        ('fte_both', 'Published: NULL when posts_filled or posts_vacant is 1-7.'),
        ('fte_registered', 'Published: NULL when posts_registered is 1-7.'),
        ('fte_support', 'Published: NULL when posts_support is 1-7.'),
        ('registered_share', 'Published: NULL when posts_registered or posts_support is 1-7.'),
        ('per_referral', 'Published: recomputed from fte_in_post and the published (rounded) referrals; NULL when either is suppressed.'),
        ('share_lsoa', 'Published: recomputed (stats.wilson_ci for the limits) from the published lsoa_known and referrals; NULL when either is suppressed.'),
        ('share_ethnicity', 'Published: recomputed (stats.wilson_ci for the limits) from the published ethnicity_recorded and referrals; NULL when either is suppressed.'),
        ('share_outcome', 'Published: recomputed (stats.wilson_ci for the limits) from the published outcome_recorded and discharges; NULL when either is suppressed.')
    ) AS rules(kind, rule)
    JOIN (
        SELECT t, c, kind
        FROM unnest(ARRAY['workforce_trust', 'workforce_icb']) AS t
        CROSS JOIN (VALUES
            ('period', 'as_is'), ('org_code', 'as_is'), ('icb_ods', 'as_is'), ('profession', 'as_is'),
            ('trusts', 'not_people'), ('posts_filled', 'count'), ('posts_vacant', 'count'),
            ('fte_in_post', 'fte_filled'), ('fte_vacant', 'fte_vacant'), ('fte_establishment', 'fte_both'),
            ('vacancy_rate', 'fte_both'), ('posts_registered', 'count'), ('posts_support', 'count'),
            ('fte_registered', 'fte_registered'), ('fte_support', 'fte_support'),
            ('registered_share', 'registered_share'), ('skill_mix_share', 'fte_filled'),
            ('population', 'population'), ('fte_per_100k', 'fte_filled'), ('referrals', 'count'),
            ('fte_per_1000_referrals', 'per_referral')
        ) AS c(c, kind)
        UNION ALL
        SELECT t, c, kind
        FROM unnest(ARRAY['completeness_trust', 'completeness_icb']) AS t
        CROSS JOIN (VALUES
            ('period', 'as_is'), ('org_code', 'as_is'), ('icb_ods', 'as_is'), ('trusts', 'not_people'),
            ('expected_source', 'as_is'), ('submissions_expected', 'not_people'),
            ('submissions_received', 'not_people'), ('submissions_missing', 'not_people'),
            ('coverage', 'not_people'), ('score_mean', 'not_people'), ('score_referrals', 'not_people'),
            ('score_contacts', 'not_people'), ('score_workforce', 'not_people'), ('referrals', 'count'),
            ('lsoa_known', 'count'), ('lsoa_known_share', 'share_lsoa'), ('lsoa_known_share_lower', 'share_lsoa'),
            ('lsoa_known_share_upper', 'share_lsoa'), ('ethnicity_recorded', 'count'),
            ('ethnicity_recorded_share', 'share_ethnicity'), ('ethnicity_recorded_share_lower', 'share_ethnicity'),
            ('ethnicity_recorded_share_upper', 'share_ethnicity'), ('discharges', 'count'),
            ('outcome_recorded', 'count'), ('outcome_recorded_share', 'share_outcome'),
            ('outcome_recorded_share_lower', 'share_outcome'), ('outcome_recorded_share_upper', 'share_outcome')
        ) AS c(c, kind)
    ) AS cols USING (kind)
    WHERE EXISTS (SELECT FROM pg_attribute a
                  WHERE a.attrelid = format('analysis.%I', cols.t)::regclass AND a.attname = cols.c
                    AND a.attnum > 0 AND NOT a.attisdropped);
    INSERT INTO sdc_rules
    SELECT 'inequality', c, rule
    FROM (VALUES
        ('period', 'Published as in analysis.'), ('icb_ods', 'Published as in analysis.'),
        ('service_line', 'Published as in analysis.'),
        ('referrals', 'Published: NULL when 1-7, otherwise rounded to the nearest 5 (published.sdc_count).'),
        ('population', 'Published as in analysis: ONS population estimates are public.'),
        ('q1_referrals', 'Published: NULL when 1-7, otherwise rounded to the nearest 5 (published.sdc_count).'),
        ('q5_referrals', 'Published: NULL when 1-7, otherwise rounded to the nearest 5 (published.sdc_count).'),
        ('min_quintile_referrals', 'Published: NULL when 1-7, otherwise rounded to the nearest 5 (published.sdc_count).'),
        ('q1_dsr', 'Published as computed, unless q1_referrals is 1-7.'),
        ('q5_dsr', 'Published as computed, unless q5_referrals is 1-7.'),
        ('rate_ratio', 'Published as computed, unless q1_referrals or q5_referrals is 1-7.'),
        ('rate_difference', 'Published as computed, unless q1_referrals or q5_referrals is 1-7.'),
        ('sii', 'Published as computed, unless a quintile count is 1-7.'),
        ('rii', 'Published as computed, unless a quintile count is 1-7.'),
        ('sii_lower', 'Published as filled by the simulation stage, unless a quintile count is 1-7.'),
        ('sii_upper', 'Published as filled by the simulation stage, unless a quintile count is 1-7.'),
        ('rii_lower', 'Published as filled by the simulation stage, unless a quintile count is 1-7.'),
        ('rii_upper', 'Published as filled by the simulation stage, unless a quintile count is 1-7.')
    ) AS v(c, rule);

    -- LIKE copies NOT NULL: a published count or FTE may be NULL (suppressed), so only the key stays NOT NULL.
    FOR r IN
        SELECT c.relname, a.attname
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace = 'published'::regnamespace AND c.relkind = 'r' AND a.attnum > 0
          AND NOT a.attisdropped AND a.attnotnull
          AND NOT EXISTS (SELECT FROM pg_constraint k
                          WHERE k.conrelid = c.oid AND k.contype = 'p' AND a.attnum = ANY (k.conkey))
    LOOP
        EXECUTE format('ALTER TABLE published.%I ALTER COLUMN %I DROP NOT NULL', r.relname, r.attname);
    END LOOP;

    -- Every published column needs a rule, and every rule a column.
    SELECT string_agg(format('%s.%s', c.relname, a.attname), ', ') INTO missing
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    WHERE c.relnamespace = 'published'::regnamespace AND c.relkind IN ('r', 'v') AND a.attnum > 0
      AND NOT a.attisdropped
      AND NOT EXISTS (SELECT FROM sdc_rules s WHERE s.tbl = c.relname AND s.col = a.attname);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'published columns without a disclosure rule: %', missing;
    END IF;
    SELECT string_agg(format('%s.%s', s.tbl, s.col), ', ') INTO missing
    FROM sdc_rules s
    WHERE to_regclass(format('published.%I', s.tbl)) IS NULL
       OR NOT EXISTS (SELECT FROM pg_attribute a
                      WHERE a.attrelid = format('published.%I', s.tbl)::regclass AND a.attname = s.col);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'disclosure rules for columns that do not exist: %', missing;
    END IF;

    FOR r IN
        SELECT s.tbl, s.col, s.rule, col_description(format('analysis.%I', s.tbl)::regclass, a.attnum) AS description,
               s.rule LIKE 'Published: NULL when 1-7, otherwise rounded%' AS is_count,
               c.relkind
        FROM sdc_rules s
        JOIN pg_attribute a ON a.attrelid = format('analysis.%I', s.tbl)::regclass AND a.attname = s.col
        JOIN pg_class c ON c.oid = format('published.%I', s.tbl)::regclass
    LOOP
        IF r.description IS NULL THEN
            RAISE EXCEPTION 'analysis.%.% has no comment', r.tbl, r.col;
        END IF;
        EXECUTE format('COMMENT ON COLUMN published.%I.%I IS %L', r.tbl, r.col, r.description || ' ' || r.rule);
        IF r.is_count AND r.relkind = 'r' THEN
            EXECUTE format('ALTER TABLE published.%I ADD CONSTRAINT %I CHECK (%I %% 5 = 0)',
                           r.tbl, r.tbl || '_' || r.col || '_sdc', r.col);
        END IF;
    END LOOP;
END
$$;

-- analysis.refresh() ------------------------------------------------------------------------------------------------

CREATE FUNCTION analysis.refresh() RETURNS TABLE (table_name text, rows bigint)
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
        LEFT JOIN pg_temp.cells c USING (period, org_code)
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
        LEFT JOIN pg_temp.cells c USING (period, org_code)
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
COMMENT ON FUNCTION analysis.refresh() IS
    'Rebuilds every table of the analysis schema, and the published tables from them, from core, audit and '
    'reference, in the caller''s transaction, and returns one row per table with its row count. Reads all its '
    'inputs in one snapshot (one statement copying them to temporary tables), so a load committing meanwhile is '
    'wholly in or wholly out. Replaces rows with DELETE + INSERT, so readers see the old figures until it commits. '
    'Leaves analysis.inequality''s SII and RII confidence limits NULL for the simulation stage. One refresh at a '
    'time (advisory lock 1380142676, 2). SECURITY DEFINER (runs as the migration owner); EXECUTE for rehab_loader '
    'only. Run by rehabcount analyse.';

-- Privileges -------------------------------------------------------------------------------------------------------

REVOKE ALL ON FUNCTION analysis.refresh() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analysis.refresh() TO rehab_loader;

-- analysis: analysts read it (0006 granted the schema and default SELECT); the loader runs refresh() and the
-- simulation stage, which reads the tables and writes the four SII/RII limit columns.
GRANT USAGE ON SCHEMA analysis TO rehab_analyst, rehab_loader;
GRANT SELECT ON ALL TABLES IN SCHEMA analysis TO rehab_analyst, rehab_loader;
GRANT UPDATE (sii_lower, sii_upper, rii_lower, rii_upper) ON analysis.inequality TO rehab_loader;

-- published: everyone in the project reads it; rehab_public reads nothing else.
REVOKE ALL ON ALL TABLES IN SCHEMA published FROM PUBLIC;
GRANT USAGE ON SCHEMA published TO rehab_public, rehab_analyst, rehab_loader;
GRANT SELECT ON ALL TABLES IN SCHEMA published TO rehab_public, rehab_analyst, rehab_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA published GRANT SELECT ON TABLES TO rehab_public, rehab_analyst, rehab_loader;

-- 0025: new referrals and the open caseload are two measures, named as such.
--
-- A referrals extract holds every referral open at any time in the month, so a referral waiting four months is in
-- four extracts. Until now analysis.access.referrals counted every row: the open caseload, about four times the
-- referrals received in a month, and summing months counted a referral once per month it stayed open. From here:
--
-- * analysis.access.new_referrals (renamed from referrals): referrals RECEIVED in the month
--   (referral_received_date inside the period). It is the numerator of crude_rate and dsr, and of the rates of
--   analysis.inequality, analysis.core20 and analysis.spc, whose `referrals` columns now count new referrals too.
--   Months can be summed: a referral is received once.
-- * analysis.access.open_caseload (new): every referral in the month's extracts, open at any time in the month.
-- * analysis.new_referrals_by_age and published.new_referrals_by_age: new referrals by ESP 2013 age band, for
--   age-standardised rates over any run of months (analysis.access_over, sql/analysis/81).
--
-- The rows of analysis and published are rebuilt by the next refresh (rehabcount run does so whenever the
-- definitions change).

ALTER TABLE analysis.access RENAME COLUMN referrals TO new_referrals;
ALTER TABLE analysis.access ADD COLUMN open_caseload bigint NOT NULL DEFAULT 0 CHECK (open_caseload >= 0);
ALTER TABLE published.access RENAME COLUMN referrals TO new_referrals;
ALTER TABLE published.access ADD COLUMN open_caseload bigint;

COMMENT ON COLUMN analysis.access.new_referrals IS
    'New referrals: referrals received in the month (referral_received_date inside the period) living in this ICB '
    'and quintile, for this service line. The numerator of crude_rate and dsr. A referral is received once, so '
    'months can be summed. Not the open caseload (open_caseload).';
COMMENT ON COLUMN analysis.access.open_caseload IS
    'Open caseload: every referral in the month''s extracts (open at any time in the month, whenever received) '
    'living in this ICB and quintile, for this service line. A referral open for four months is in four months'' '
    'caseloads: do not sum it over months. Not a rate''s numerator.';
COMMENT ON COLUMN analysis.access.crude_rate IS
    'Crude rate of new referrals per 100,000 residents per month: new_referrals / population * 100000, from '
    'stats.rate_ci(new_referrals, population). NULL when the population is 0.';
COMMENT ON COLUMN analysis.access.crude_rate_lower IS
    'Lower 95% confidence limit of crude_rate: exact Poisson limits when new_referrals < 10, Byar''s otherwise '
    '(stats.rate_ci).';
COMMENT ON COLUMN analysis.access.dsr IS
    'Age-standardised rate of new referrals per 100,000 per month, directly standardised to the European Standard '
    'Population 2013 over its 19 age bands (stats.dsr, PHE method). Only new referrals with a known age band '
    '(core.referrals.esp_age_band) count, so it can be slightly below a crude rate that includes referrals of '
    'unknown age. NULL when fewer than 10 new referrals have a known age (PHE rule), or in the (theoretical) case of '
    'a referral in an age band with no population. A band with no population and no referral contributes 0.';
COMMENT ON COLUMN published.access.new_referrals IS
    'analysis.access.new_referrals (referrals received in the month) under disclosure control: 1-7 suppressed '
    '(NULL), others rounded to the nearest 5.';
COMMENT ON COLUMN published.access.open_caseload IS
    'analysis.access.open_caseload (every referral open in the month) under disclosure control: 1-7 suppressed '
    '(NULL), others rounded to the nearest 5.';

COMMENT ON COLUMN analysis.inequality.referrals IS
    'New referrals (received in the month) over the five quintiles: the sum of analysis.access.new_referrals.';
COMMENT ON COLUMN analysis.core20.referrals IS
    'New referrals (received in the month) living in the ICB with a known IMD quintile.';
COMMENT ON COLUMN analysis.core20.referrals_q1 IS
    'New referrals (received in the month) living in national IMD quintile 1 (Core20).';
COMMENT ON COLUMN analysis.workforce_trust.referrals IS
    'Open caseload of the trust: every row of its current referrals submission for the period (whatever the LSOA), '
    'not new referrals; NULL when the trust has no current referrals submission for the period. The same for every '
    'profession.';
COMMENT ON COLUMN analysis.workforce_icb.referrals IS
    'Open caseload of the ICB''s trusts that have a workforce submission for the period: every row of their current '
    'referrals submissions (whatever the LSOA), not new referrals; NULL when none of them has one. The same for '
    'every profession.';
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['workforce_trust', 'workforce_icb'] LOOP
        EXECUTE format(
            'COMMENT ON COLUMN analysis.%1$I.fte_per_1000_referrals IS %2$L',
            t,
            'fte_in_post per 1,000 referrals of the open caseload (referrals): fte_in_post / referrals * 1000. NULL '
            'when referrals is NULL or 0.'
        );
    END LOOP;
END
$$;

CREATE TABLE analysis.new_referrals_by_age (
    period        date     NOT NULL,
    icb_ods       text     NOT NULL,
    imd_quintile  smallint NOT NULL CHECK (imd_quintile BETWEEN 1 AND 5),
    service_line  text     NOT NULL,
    esp_age_band  text     NOT NULL,
    new_referrals bigint   NOT NULL CHECK (new_referrals >= 0),
    population    bigint   NOT NULL CHECK (population >= 0),
    PRIMARY KEY (period, icb_ods, imd_quintile, service_line, esp_age_band)
);
COMMENT ON TABLE analysis.new_referrals_by_age IS
    'New referrals (received in the month) by ICB of residence, IMD quintile, service line (and ''all'') and ESP 2013 '
    'age band, with the band''s population: the counts behind analysis.access.dsr, kept so that a rate over a '
    'quarter or a year can be age-standardised (analysis.access_over). Every band of every cell of analysis.access, '
    'with zeros. Referrals of unknown age are not here (analysis.access counts them in its crude rate). England''s '
    'rows are E92000001. Filled by analysis.refresh().';
COMMENT ON COLUMN analysis.new_referrals_by_age.period IS 'Reporting period: the first day of the month.';
COMMENT ON COLUMN analysis.new_referrals_by_age.icb_ods IS 'As analysis.access.icb_ods (E92000001 for England).';
COMMENT ON COLUMN analysis.new_referrals_by_age.imd_quintile IS 'As analysis.access.imd_quintile.';
COMMENT ON COLUMN analysis.new_referrals_by_age.service_line IS 'As analysis.access.service_line.';
COMMENT ON COLUMN analysis.new_referrals_by_age.esp_age_band IS 'ESP 2013 age band (reference.esp2013.age_band).';
COMMENT ON COLUMN analysis.new_referrals_by_age.new_referrals IS 'New referrals of this age band (received in the month).';
COMMENT ON COLUMN analysis.new_referrals_by_age.population IS
    'Residents of the ICB and quintile in this age band (mid-2020 ONS estimate), as analysis.access.population.';

CREATE TABLE published.new_referrals_by_age (LIKE analysis.new_referrals_by_age INCLUDING INDEXES);
ALTER TABLE published.new_referrals_by_age ALTER COLUMN new_referrals DROP NOT NULL;
COMMENT ON TABLE published.new_referrals_by_age IS
    'analysis.new_referrals_by_age under disclosure control: counts of 1-7 suppressed (NULL), others rounded to the '
    'nearest 5. Age-standardised rates over several months belong to published.access_over, which standardises the '
    'unrounded counts and then withholds rates resting on a suppressed total.';
COMMENT ON COLUMN published.new_referrals_by_age.period IS 'As analysis.new_referrals_by_age.period.';
COMMENT ON COLUMN published.new_referrals_by_age.icb_ods IS 'As analysis.new_referrals_by_age.icb_ods.';
COMMENT ON COLUMN published.new_referrals_by_age.imd_quintile IS 'As analysis.new_referrals_by_age.imd_quintile.';
COMMENT ON COLUMN published.new_referrals_by_age.service_line IS 'As analysis.new_referrals_by_age.service_line.';
COMMENT ON COLUMN published.new_referrals_by_age.esp_age_band IS 'As analysis.new_referrals_by_age.esp_age_band.';
COMMENT ON COLUMN published.new_referrals_by_age.new_referrals IS
    'analysis.new_referrals_by_age.new_referrals: 1-7 suppressed (NULL), others rounded to the nearest 5.';
COMMENT ON COLUMN published.new_referrals_by_age.population IS 'As analysis.new_referrals_by_age.population.';
GRANT SELECT ON analysis.new_referrals_by_age TO rehab_analyst, rehab_loader;
GRANT SELECT ON published.new_referrals_by_age TO rehab_public, rehab_analyst, rehab_loader;

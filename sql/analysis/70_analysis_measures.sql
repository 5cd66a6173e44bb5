-- published.measures: the manifest of measures. Each measure is declared once, here, and the declaration drives
-- - the refresh: analysis.refresh() runs each measure's unit (built_by) in the order of position;
-- - names: analysis.name_rows() fills icb_name and trust_name by the measure's grain;
-- - disclosure control: analysis.publish() writes the published table from the analysis table by the columns
--   declared below, with each row's value_note;
-- - the national report: the measures with in_report are its tables and CSV downloads, in the order of position.
--
-- How to add a measure (docs/analyst-guide.md, "Adding a measure"): a migration with its analysis table and, when
-- it is published, its published table (the same columns, less any not to release, plus value_note); a unit that
-- fills the analysis table (or a few lines in an existing unit); and a row here (with its disclosure declaration).
--
-- The disclosure columns, declared once for the measures that share them (a trust's and an ICB's table of the same
-- figures), name columns of the measures' analysis and published tables, which share names (a figure only one of
-- them has, such as a trust's quarantined share, is passed over in the other):
--   counts     counts of people or posts: 1-7 suppressed, the rest rounded to 5 (published.sdc_count);
--   shares     {"share": ["numerator", "denominator"]}: numerator / denominator of the published counts, and
--              share_lower and share_upper, its Wilson 95% limits from those counts;
--   rates      {"rate": ["count", "denominator"]}: per 100,000, from the published count, and rate_lower and
--              rate_upper, its exact or Byar's 95% limits;
--   withheld   {"figure": ["count", ...]}: the analysis figure, withheld when any of the counts is suppressed;
--   computed   {"figure": "SQL expression"}: over a (the analysis row), p (its published counts) and s (whether
--              each count is suppressed);
--   rounded    {"column": decimal places}: rounded after the rules above;
--   note_bases {"figure": "count"}: the count an empty figure rests on, for its value_note, where it is not the
--              one the rules above imply (a share's denominator, a rate's denominator, a withheld figure's first
--              count); null for none, so that an empty figure the analysis left empty is "not computed" (a DSR
--              from fewer than 10 referrals, as PHE);
--   coverage   the column of the share of expected extracts loaded: below the threshold in
--              reference.analysis_settings, the row's value_note says "incomplete coverage".
-- Every other column of the published table is the analysis table's, as it is.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

DROP VIEW IF EXISTS published.measures;
CREATE VIEW published.measures AS
-- How disclosure control treats each column, declared once for the measures that share it: a trust's and an ICB's
-- table of the same figures (workforce, completeness) are published alike.
WITH disclosure (disclosure, counts, shares, rates, withheld, computed, rounded, note_bases, coverage) AS (VALUES
    ('access',
     ARRAY['new_referrals', 'seen', 'waiting', 'waiting_over_18w', 'discharges', 'outcome_recorded', 'open_caseload'],
     '{"waiting_over_18w_share": ["waiting_over_18w", "waiting"],
       "outcome_recorded_share": ["outcome_recorded", "discharges"]}',
     '{"crude_rate": ["new_referrals", "population"]}',
     '{"dsr": ["new_referrals"], "dsr_lower": ["new_referrals"], "dsr_upper": ["new_referrals"],
       "compared_with_england": ["new_referrals"], "wait_median_days": ["seen"], "wait_p90_days": ["seen"]}',
     '{}', '{"dsr": 1, "dsr_lower": 1, "dsr_upper": 1, "referral_coverage": 3}',
     '{"dsr": null, "dsr_lower": null, "dsr_upper": null}', 'referral_coverage'),
    ('new_referrals_by_age',
     ARRAY['new_referrals'], '{}', '{}', '{}', '{}', '{}', '{}', NULL),
    ('outcome_change',
     ARRAY['discharges'], '{}', '{}',
     '{"mean_start": ["discharges"], "mean_end": ["discharges"], "mean_change": ["discharges"],
       "sd_change": ["discharges"]}',
     '{}', '{}', '{}', NULL),
    ('core20',
     ARRAY['referrals', 'referrals_q1'],
     '{"referral_share_q1": ["referrals_q1", "referrals"]}', '{}', '{}',
     '{"representation_ratio": "(p.referrals_q1::numeric / NULLIF(p.referrals, 0)) / NULLIF(a.population_share_q1, 0)"}',
     '{}', '{"representation_ratio": "referrals"}', NULL),
    ('workforce',
     ARRAY['posts_filled', 'posts_vacant', 'posts_registered', 'posts_support', 'referrals'], '{}', '{}',
     '{"fte_in_post": ["posts_filled"], "fte_vacant": ["posts_vacant"],
       "fte_establishment": ["posts_filled", "posts_vacant"], "vacancy_rate": ["posts_filled", "posts_vacant"],
       "fte_registered": ["posts_registered"], "fte_support": ["posts_support"],
       "registered_share": ["posts_registered", "posts_support"], "skill_mix_share": ["posts_filled"],
       "fte_per_100k": ["posts_filled"]}',
     '{"fte_per_1000_referrals": "CASE WHEN NOT s.posts_filled THEN a.fte_in_post / NULLIF(p.referrals, 0) * 1000 END"}',
     '{}',
     '{"vacancy_rate": "fte_establishment", "registered_share": "posts_filled", "fte_per_100k": "population",
       "fte_per_1000_referrals": "referrals"}',
     NULL),
    ('completeness',
     ARRAY['referrals', 'lsoa_known', 'ethnicity_recorded', 'discharges', 'outcome_recorded'],
     '{"lsoa_known_share": ["lsoa_known", "referrals"],
       "ethnicity_recorded_share": ["ethnicity_recorded", "referrals"],
       "outcome_recorded_share": ["outcome_recorded", "discharges"]}',
     '{}', '{}', '{}', '{"rows_quarantined_share": 3}',
     '{"referrals": "referrals", "lsoa_known": "referrals", "ethnicity_recorded": "referrals",
       "discharges": "referrals", "outcome_recorded": "referrals", "score_referrals": "referrals",
       "rows_quarantined_share": "rows_read"}',
     NULL),
    -- Views and analysts' tables: nothing for analysis.publish() to do.
    ('none', ARRAY[]::text[], '{}', '{}', '{}', '{}', '{}', '{}', NULL)
),
measures (measure, position, grain, title, built_by, published_as, in_report, disclosure) AS (VALUES
    ('access', 10, 'icb',
     'New referrals, rates, waits and outcome recording by ICB of residence, IMD quintile and service line',
     'refresh_access', 'table', true, 'access'),
    ('new_referrals_by_age', 11, 'icb',
     'New referrals by ICB, IMD quintile, service line and European Standard Population age band, for rates over '
     'several months (analysis.access_over)',
     'refresh_access', 'table', false, 'new_referrals_by_age'),
    ('outcome_change', 20, 'icb',
     'Change in outcome score between start and discharge, by ICB, IMD quintile, service line and outcome tool',
     'refresh_outcome_change', 'table', true, 'outcome_change'),
    ('inequality', 30, 'icb',
     'The gap between the most and least deprived quintiles: ratio, difference, SII and RII, by ICB',
     'refresh_inequality', 'view', true, 'none'),
    ('core20', 40, 'icb',
     'The share of new referrals from the most deprived 20% of areas (Core20), by ICB',
     'refresh_core20', 'table', true, 'core20'),
    ('workforce_trust', 50, 'trust',
     'Rehabilitation workforce by trust and profession: posts, FTE, vacancies, skill mix and capacity',
     'refresh_workforce', 'table', true, 'workforce'),
    ('workforce_icb', 51, 'icb',
     'Rehabilitation workforce by ICB and profession, from its trusts',
     'refresh_workforce', 'table', true, 'workforce'),
    ('completeness_trust', 60, 'trust',
     'Each trust''s submissions, data-quality score and recording of LSOA, ethnicity and outcomes',
     'refresh_completeness', 'table', true, 'completeness'),
    ('completeness_icb', 61, 'icb',
     'Each ICB''s submissions, data-quality score and recording of LSOA, ethnicity and outcomes, from its trusts',
     'refresh_completeness', 'table', true, 'completeness'),
    ('spc', 90, 'series',
     'Making Data Count charts: England''s and each ICB''s series, and each trust''s data-quality score',
     'refresh_spc', 'view', false, 'none'),
    ('missing_submissions', 95, 'trust',
     'The extracts each trust was expected to send and did not',
     NULL, 'view', true, 'none'),
    ('item_quality', 96, 'trust',
     'Each trust''s data items: completeness and validity beside its ICB''s trusts and England',
     NULL, NULL, false, 'none'),
    ('rule_failures', 97, 'trust',
     'The validation rules each trust''s submissions failed, by period',
     NULL, NULL, false, 'none')
)
SELECT m.measure, m.position, m.grain, m.title, m.built_by, m.published_as, m.in_report, m.disclosure, d.counts,
       d.shares::jsonb AS shares, d.rates::jsonb AS rates, d.withheld::jsonb AS withheld,
       d.computed::jsonb AS computed, d.rounded::jsonb AS rounded, d.note_bases::jsonb AS note_bases, d.coverage
FROM measures m JOIN disclosure d USING (disclosure);
COMMENT ON VIEW published.measures IS
    'The manifest of measures (sql/analysis/70_analysis_measures.sql): one row a measure, which drives the refresh, '
    'names, disclosure control and the national report''s tables. See docs/analyst-guide.md, "Adding a measure".';
COMMENT ON COLUMN published.measures.measure IS 'The measure: the name of its table in analysis and published.';
COMMENT ON COLUMN published.measures.position IS 'Its place in the refresh and in the national report.';
COMMENT ON COLUMN published.measures.grain IS
    'What a row is about: icb (an ICB of residence, or England as E92000001), trust (a trust, with its ICB) or '
    'series (a chart''s month, of England, an ICB or a trust).';
COMMENT ON COLUMN published.measures.title IS 'What the measure is, in a sentence.';
COMMENT ON COLUMN published.measures.built_by IS
    'The unit of analysis.refresh() that fills its analysis table (analysis.<built_by>(touched)); NULL for a view.';
COMMENT ON COLUMN published.measures.published_as IS
    'table (written by analysis.publish under disclosure control), view (a published view), or NULL (analysts '
    'only).';
COMMENT ON COLUMN published.measures.in_report IS 'Whether the national report offers it as a table and a CSV file.';
COMMENT ON COLUMN published.measures.disclosure IS
    'The name of its disclosure declaration: measures with the same figures at two grains share one (workforce, '
    'completeness); none for a view or an analysts'' table.';
COMMENT ON COLUMN published.measures.counts IS 'Its counts of people or posts: 1-7 suppressed, the rest rounded to 5.';
COMMENT ON COLUMN published.measures.shares IS
    'share -> [numerator, denominator]: computed again, with Wilson limits, from the published counts.';
COMMENT ON COLUMN published.measures.rates IS
    'rate -> [count, denominator]: per 100,000, computed again, with exact or Byar''s limits, from the published '
    'count.';
COMMENT ON COLUMN published.measures.withheld IS 'figure -> [counts]: withheld when any of the counts is suppressed.';
COMMENT ON COLUMN published.measures.computed IS
    'figure -> SQL expression over a (analysis row), p (published counts) and s (suppressed flags).';
COMMENT ON COLUMN published.measures.rounded IS 'column -> decimal places, in the published table.';
COMMENT ON COLUMN published.measures.note_bases IS
    'figure -> the count it rests on, for value_note, where the rules do not imply it.';
COMMENT ON COLUMN published.measures.coverage IS
    'The column of the share of expected extracts loaded: below the threshold, value_note says incomplete coverage.';
REVOKE ALL ON published.measures FROM PUBLIC;
GRANT SELECT ON published.measures TO rehab_public, rehab_analyst, rehab_loader;

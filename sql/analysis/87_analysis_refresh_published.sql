-- analysis.refresh_published(touched): the published schema from the analysis tables, under disclosure control (see COMMENT ON
-- SCHEMA published): counts of 1-7 suppressed and the rest rounded to 5, figures from suppressed counts withheld,
-- rates and limits computed again from the rounded counts, DSRs rounded to 1 decimal place.
-- A unit of analysis.refresh() (90_analysis_refresh.sql), run after every analysis unit: it replaces the rows of the
-- periods in `touched` (every period when NULL). published.inequality and published.spc are views (95, 98).
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE FUNCTION analysis.refresh_published(touched date[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    -- The count each empty figure rests on, for its value_note (0027): the workforce and completeness tables of
    -- trusts and ICBs share theirs.
    workforce_bases constant jsonb :=
        '{"vacancy_rate": "fte_establishment", "registered_share": "posts_filled", "skill_mix_share": "posts_filled",
          "fte_per_100k": "population", "fte_per_1000_referrals": "referrals"}';
    completeness_bases constant jsonb :=
        '{"referrals": "referrals", "lsoa_known": "referrals", "lsoa_known_share": "referrals",
          "lsoa_known_share_lower": "referrals", "lsoa_known_share_upper": "referrals",
          "ethnicity_recorded": "referrals", "ethnicity_recorded_share": "referrals",
          "ethnicity_recorded_share_lower": "referrals", "ethnicity_recorded_share_upper": "referrals",
          "discharges": "referrals", "outcome_recorded": "referrals",
          "outcome_recorded_share": "discharges", "outcome_recorded_share_lower": "discharges",
          "outcome_recorded_share_upper": "discharges", "score_referrals": "referrals"}';
BEGIN
    DELETE FROM published.access WHERE (touched IS NULL OR period = ANY (touched));
    DELETE FROM published.outcome_change WHERE (touched IS NULL OR period = ANY (touched));
    DELETE FROM published.core20 WHERE (touched IS NULL OR period = ANY (touched));
    DELETE FROM published.workforce_trust WHERE (touched IS NULL OR period = ANY (touched));
    DELETE FROM published.workforce_icb WHERE (touched IS NULL OR period = ANY (touched));
    DELETE FROM published.completeness_trust WHERE (touched IS NULL OR period = ANY (touched));
    DELETE FROM published.completeness_icb WHERE (touched IS NULL OR period = ANY (touched));

    DELETE FROM published.new_referrals_by_age WHERE (touched IS NULL OR period = ANY (touched));
    -- Its one count is the only figure that can be empty: suppressed, said at once (0027).
    INSERT INTO published.new_referrals_by_age
    SELECT period, icb_ods, imd_quintile, service_line, esp_age_band, published.sdc_count(new_referrals), population,
           CASE WHEN published.sdc_suppressed(new_referrals) THEN 'suppressed: new_referrals' END
    FROM analysis.new_referrals_by_age
    WHERE (touched IS NULL OR period = ANY (touched));

    INSERT INTO published.access (
        period, icb_ods, imd_quintile, service_line, new_referrals, population, crude_rate, crude_rate_lower,
        crude_rate_upper, dsr, dsr_lower, dsr_upper, seen, wait_median_days, wait_p90_days, waiting,
        waiting_over_18w, waiting_over_18w_share, waiting_over_18w_share_lower, waiting_over_18w_share_upper,
        discharges, outcome_recorded, outcome_recorded_share, outcome_recorded_share_lower,
        outcome_recorded_share_upper, open_caseload)
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
           p.outcome_recorded::numeric / NULLIF(p.discharges, 0), o.lower, o.upper,
           published.sdc_count(a.open_caseload)
    FROM analysis.access a
    CROSS JOIN LATERAL (
        SELECT published.sdc_count(a.new_referrals) AS referrals, published.sdc_count(a.seen) AS seen,
               published.sdc_count(a.waiting) AS waiting, published.sdc_count(a.waiting_over_18w) AS waiting_over_18w,
               published.sdc_count(a.discharges) AS discharges,
               published.sdc_count(a.outcome_recorded) AS outcome_recorded
    ) p
    CROSS JOIN LATERAL stats.rate_ci(p.referrals, NULLIF(a.population, 0)) cr
    CROSS JOIN LATERAL stats.wilson_ci(p.waiting_over_18w, NULLIF(p.waiting, 0)) w
    CROSS JOIN LATERAL stats.wilson_ci(p.outcome_recorded, NULLIF(p.discharges, 0)) o
    WHERE (touched IS NULL OR a.period = ANY (touched));

    INSERT INTO published.outcome_change
    SELECT period, icb_ods, imd_quintile, service_line, outcome_tool, higher_is_better,
           published.sdc_count(discharges),
           CASE WHEN NOT published.sdc_suppressed(discharges) THEN mean_start END,
           CASE WHEN NOT published.sdc_suppressed(discharges) THEN mean_end END,
           CASE WHEN NOT published.sdc_suppressed(discharges) THEN mean_change END,
           CASE WHEN NOT published.sdc_suppressed(discharges) THEN sd_change END
    FROM analysis.outcome_change
    WHERE (touched IS NULL OR period = ANY (touched));

    INSERT INTO published.core20
    SELECT c.period, c.icb_ods, c.service_line, p.referrals, p.referrals_q1,
           p.referrals_q1::numeric / NULLIF(p.referrals, 0), w.lower, w.upper,
           c.population, c.population_q1, c.population_share_q1,
           (p.referrals_q1::numeric / NULLIF(p.referrals, 0)) / NULLIF(c.population_share_q1, 0)
    FROM analysis.core20 c
    CROSS JOIN LATERAL (
        SELECT published.sdc_count(c.referrals) AS referrals, published.sdc_count(c.referrals_q1) AS referrals_q1
    ) p
    CROSS JOIN LATERAL stats.wilson_ci(p.referrals_q1, NULLIF(p.referrals, 0)) w
    WHERE (touched IS NULL OR c.period = ANY (touched));

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
    ) s
    WHERE (touched IS NULL OR w.period = ANY (touched));

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
    ) s
    WHERE (touched IS NULL OR w.period = ANY (touched));

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
    CROSS JOIN LATERAL stats.wilson_ci(p.outcome_recorded, NULLIF(p.discharges, 0)) o
    WHERE (touched IS NULL OR c.period = ANY (touched));

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
    CROSS JOIN LATERAL stats.wilson_ci(p.outcome_recorded, NULLIF(p.discharges, 0)) o
    WHERE (touched IS NULL OR c.period = ANY (touched));

    -- Published DSRs are rounded (0011).
    UPDATE published.access
    SET dsr = round(dsr, 1), dsr_lower = round(dsr_lower, 1), dsr_upper = round(dsr_upper, 1)
    WHERE (dsr IS NOT NULL OR dsr_lower IS NOT NULL OR dsr_upper IS NOT NULL) AND (touched IS NULL OR period = ANY (touched));


    -- Each trust's quarantined share, rounded (0014).
    UPDATE published.completeness_trust p
    SET rows_quarantined_share = round(c.rows_quarantined_share, 3),
        needs_attention = c.needs_attention
    FROM analysis.completeness_trust c
    WHERE p.period = c.period AND p.org_code = c.org_code AND (touched IS NULL OR p.period = ANY (touched));

    -- Referral coverage (0019) and the comparison with England (0018), as in analysis.access.
    UPDATE published.access p
    SET referral_submissions_expected = a.referral_submissions_expected,
        referral_submissions_loaded = a.referral_submissions_loaded,
        referral_coverage = round(a.referral_coverage, 3)
    FROM analysis.access a
    WHERE p.period = a.period AND p.icb_ods = a.icb_ods AND p.imd_quintile = a.imd_quintile
      AND p.service_line = a.service_line AND (touched IS NULL OR p.period = ANY (touched));
    UPDATE published.access p
    SET compared_with_england = a.compared_with_england
    FROM analysis.access a
    WHERE p.period = a.period AND p.icb_ods = a.icb_ods AND p.imd_quintile = a.imd_quintile
      AND p.service_line = a.service_line AND p.dsr IS NOT NULL AND (touched IS NULL OR p.period = ANY (touched));

    -- Why each empty figure is empty (0027), against the analysis row: the count each figure rests on decides
    -- between not sent, not applicable and not computed.
    UPDATE published.access p
    SET value_note = published.value_note(
        to_jsonb(p), to_jsonb(a),
        '{"crude_rate": "population", "crude_rate_lower": "population", "crude_rate_upper": "population",
          "wait_median_days": "seen", "wait_p90_days": "seen", "waiting_over_18w_share": "waiting",
          "waiting_over_18w_share_lower": "waiting", "waiting_over_18w_share_upper": "waiting",
          "outcome_recorded_share": "discharges", "outcome_recorded_share_lower": "discharges",
          "outcome_recorded_share_upper": "discharges"}',
        a.referral_coverage < (SELECT coverage_threshold FROM reference.analysis_settings))
    FROM analysis.access a
    WHERE p.period = a.period AND p.icb_ods = a.icb_ods AND p.imd_quintile = a.imd_quintile
      AND p.service_line = a.service_line AND (touched IS NULL OR p.period = ANY (touched));
    UPDATE published.outcome_change p
    SET value_note = published.value_note(to_jsonb(p), to_jsonb(a), '{"sd_change": "discharges"}')
    FROM analysis.outcome_change a
    WHERE (p.period, p.icb_ods, p.imd_quintile, p.service_line, p.outcome_tool)
          = (a.period, a.icb_ods, a.imd_quintile, a.service_line, a.outcome_tool)
      AND (touched IS NULL OR p.period = ANY (touched));
    UPDATE published.core20 p
    SET value_note = published.value_note(
        to_jsonb(p), to_jsonb(a),
        '{"referral_share_q1": "referrals", "referral_share_q1_lower": "referrals",
          "referral_share_q1_upper": "referrals", "representation_ratio": "referrals"}')
    FROM analysis.core20 a
    WHERE (p.period, p.icb_ods, p.service_line) = (a.period, a.icb_ods, a.service_line)
      AND (touched IS NULL OR p.period = ANY (touched));
    UPDATE published.workforce_trust p
    SET value_note = published.value_note(
        to_jsonb(p), to_jsonb(a),
        workforce_bases)
    FROM analysis.workforce_trust a
    WHERE (p.period, p.org_code, p.profession) = (a.period, a.org_code, a.profession)
      AND (touched IS NULL OR p.period = ANY (touched));
    UPDATE published.workforce_icb p
    SET value_note = published.value_note(
        to_jsonb(p), to_jsonb(a),
        workforce_bases)
    FROM analysis.workforce_icb a
    WHERE (p.period, p.icb_ods, p.profession) = (a.period, a.icb_ods, a.profession)
      AND (touched IS NULL OR p.period = ANY (touched));
    UPDATE published.completeness_trust p
    SET value_note = published.value_note(
        to_jsonb(p), to_jsonb(a),
        completeness_bases || '{"rows_quarantined_share": "rows_read", "rows_quarantined": "rows_read"}')
    FROM analysis.completeness_trust a
    WHERE (p.period, p.org_code) = (a.period, a.org_code) AND (touched IS NULL OR p.period = ANY (touched));
    UPDATE published.completeness_icb p
    SET value_note = published.value_note(
        to_jsonb(p), to_jsonb(a),
        completeness_bases)
    FROM analysis.completeness_icb a
    WHERE (p.period, p.icb_ods) = (a.period, a.icb_ods) AND (touched IS NULL OR p.period = ANY (touched));
END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh_published(date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analysis.refresh_published(date[]) FROM rehab_loader;
COMMENT ON FUNCTION analysis.refresh_published(date[]) IS
    'A unit of analysis.refresh(): replaces the published tables for the touched periods (all when NULL) from the '
    'analysis tables, under disclosure control. Not to be called alone: EXECUTE for its owner only.';

-- Why a published row's figures are empty (0027): each empty figure of p (the published row as jsonb) against a
-- (the analysis row): suppressed when the analysis has it, otherwise not sent when the count it rests on (bases:
-- figure -> count column) is missing, not applicable when that count is 0, and not computed otherwise.
CREATE OR REPLACE FUNCTION published.value_note(p jsonb, a jsonb, bases jsonb, incomplete boolean DEFAULT false)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH figures AS (
        SELECT f.key AS figure,
               CASE WHEN jsonb_typeof(a -> f.key) IS DISTINCT FROM 'null' AND a ? f.key THEN 'suppressed'
                    WHEN bases ? f.key AND jsonb_typeof(a -> (bases ->> f.key)) = 'null' THEN 'not sent'
                    WHEN bases ? f.key AND (a ->> (bases ->> f.key))::numeric = 0 THEN 'not applicable'
                    ELSE 'not computed' END AS note
        FROM jsonb_each(p) AS f(key, value)
        WHERE jsonb_typeof(f.value) = 'null'
          AND f.key NOT IN ('period', 'icb_ods', 'icb_name', 'org_code', 'trust_name', 'imd_quintile', 'service_line',
                            'profession', 'outcome_tool', 'esp_age_band', 'higher_is_better', 'expected_source',
                            'compared_with_england', 'value_note')
    ), grouped AS (
        SELECT note, string_agg(figure, ', ' ORDER BY figure) AS figures FROM figures GROUP BY note
    )
    SELECT NULLIF(concat_ws('; ',
        CASE WHEN incomplete THEN 'incomplete coverage' END,
        (SELECT string_agg(note || ': ' || figures, '; '
                           ORDER BY array_position(ARRAY['suppressed', 'not sent', 'not applicable', 'not computed'],
                                                   note))
         FROM grouped)), '')
$fn$;
COMMENT ON FUNCTION published.value_note(jsonb, jsonb, jsonb, boolean) IS
    'The value_note of a published row (migration 0027): p is the published row and a its analysis row, as jsonb; '
    'bases maps a figure to the count it rests on (e.g. {"dsr": "new_referrals"}); incomplete adds "incomplete '
    'coverage". NULL when no figure of the row is empty.';
REVOKE ALL ON FUNCTION published.value_note(jsonb, jsonb, jsonb, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION published.value_note(jsonb, jsonb, jsonb, boolean) TO rehab_analyst, rehab_loader;

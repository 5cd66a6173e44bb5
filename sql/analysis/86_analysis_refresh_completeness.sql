-- analysis.refresh_completeness(touched): submissions expected and received, scores, recording and quarantine, by trust and ICB.
-- A unit of analysis.refresh() (90_analysis_refresh.sql): it replaces the rows of the periods in `touched` (every
-- period when NULL), reading the temporary tables of analysis.refresh_inputs() (80) and the tables of earlier units.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE FUNCTION analysis.refresh_completeness(touched date[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    DELETE FROM analysis.completeness_trust WHERE (touched IS NULL OR period = ANY (touched));
    DELETE FROM analysis.completeness_icb WHERE (touched IS NULL OR period = ANY (touched));

    -- Who owes what: the one rule, reference.expected_extracts (78), for the periods being refreshed.
    WITH expectation AS (
        SELECT period, org_code, kind, expected_source
        FROM reference.expected_extracts((SELECT array_agg(DISTINCT period) FROM pg_temp.sub))
    ), senders AS (
        SELECT DISTINCT period, org_code FROM pg_temp.sub
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
               CASE WHEN EXISTS (SELECT 1 FROM expectation e
                                 WHERE e.period = f.period AND e.expected_source = 'reference')
                    THEN 'reference' ELSE 'assumed' END AS source,
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
        -- Recording is of every referral row sent (the open caseload), not only of new referrals.
        SELECT s.period, s.org_code, coalesce(sum(c.open_caseload), 0)::bigint AS referrals,
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

    -- Each ICB from its trusts, and England (E92000001) from every trust, whether or not its ICB is known, as
    -- England's rows of analysis.access are.
    WITH sums AS (
        SELECT c.period, a.icb_ods, count(*) AS trusts,
               sum(c.submissions_expected)::bigint AS expected, sum(c.submissions_received)::bigint AS received,
               sum(c.submissions_missing)::bigint AS missing,
               sum(c.referrals)::bigint AS referrals, sum(c.lsoa_known)::bigint AS lsoa_known,
               sum(c.ethnicity_recorded)::bigint AS ethnicity_recorded, sum(c.discharges)::bigint AS discharges,
               sum(c.outcome_recorded)::bigint AS outcome_recorded
        FROM analysis.completeness_trust c
        CROSS JOIN LATERAL (VALUES (c.icb_ods), ('E92000001')) AS a(icb_ods)
        WHERE a.icb_ods IS NOT NULL AND (touched IS NULL OR c.period = ANY (touched))
        GROUP BY c.period, a.icb_ods
    ), scores AS (
        SELECT s.period, a.icb_ods, avg(s.score) AS score_mean,
               avg(s.score) FILTER (WHERE s.kind = 'referrals') AS score_referrals,
               avg(s.score) FILTER (WHERE s.kind = 'contacts') AS score_contacts,
               avg(s.score) FILTER (WHERE s.kind = 'workforce') AS score_workforce
        FROM pg_temp.sub s
        LEFT JOIN pg_temp.trusts t ON t.trust_ods = s.org_code
        CROSS JOIN LATERAL (VALUES (t.icb_ods), ('E92000001')) AS a(icb_ods)
        WHERE s.is_current AND a.icb_ods IS NOT NULL
        GROUP BY s.period, a.icb_ods
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


    -- How much of each trust's data was quarantined (0014).
    WITH current AS (
        SELECT s.period, s.org_code, sum(s.rows_read)::bigint AS rows_read,
               sum(s.rows_quarantined)::bigint AS rows_quarantined,
               bool_or(s.status = 'accepted_needs_attention') AS needs_attention
        FROM audit.submissions s
        WHERE s.is_current AND (touched IS NULL OR s.period = ANY (touched))
        GROUP BY s.period, s.org_code
    )
    UPDATE analysis.completeness_trust c
    SET rows_read = q.rows_read,
        rows_quarantined = q.rows_quarantined,
        rows_quarantined_share = q.rows_quarantined::numeric / NULLIF(q.rows_read, 0),
        needs_attention = q.needs_attention
    FROM current q
    WHERE c.period = q.period AND c.org_code = q.org_code;
END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh_completeness(date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analysis.refresh_completeness(date[]) FROM rehab_loader;
COMMENT ON FUNCTION analysis.refresh_completeness(date[]) IS
    'A unit of analysis.refresh(): replaces analysis.completeness_trust and analysis.completeness_icb (with '
    'England, E92000001, from every trust) for the touched periods (all when NULL), with each trust''s quarantined '
    'share from audit.submissions. Not to be called alone: EXECUTE for its owner only.';

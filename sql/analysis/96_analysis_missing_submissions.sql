-- analysis.missing_submissions: which extracts each trust was expected to send and has not, by period. Built from
-- audit and reference, which analysts may not read, as a view with its owner's rights: it shows codes, kinds and
-- months only, never a row of data.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE VIEW analysis.missing_submissions WITH (security_barrier = true) AS
-- Who owes what: the one rule, reference.expected_extracts (78), for every month anyone sent a file for.
WITH expectation AS (
    SELECT period, org_code, kind, expected_source
    FROM reference.expected_extracts(
        (SELECT array_agg(DISTINCT period) FROM audit.submissions WHERE period IS NOT NULL)
    )
)
SELECT e.period, e.org_code, t.trust_name, t.icb_ods, i.icb_name, e.kind, e.expected_source,
       CASE WHEN EXISTS (SELECT 1 FROM audit.submissions s
                         WHERE s.period = e.period AND s.org_code = e.org_code AND s.kind = e.kind
                           AND s.status = 'rejected')
            THEN 'rejected' ELSE 'not received' END AS state
FROM expectation e
LEFT JOIN reference.trust t ON t.trust_ods = e.org_code
LEFT JOIN reference.icb i ON i.icb_ods = t.icb_ods
WHERE NOT EXISTS (
    SELECT 1 FROM audit.submissions s
    WHERE s.period = e.period AND s.org_code = e.org_code AND s.kind = e.kind AND s.is_current
);
COMMENT ON VIEW analysis.missing_submissions IS
    'Expected submissions with no current (loaded) submission, by period, trust and kind: the submissions behind '
    'analysis.completeness_trust.submissions_missing, by name. Expectations are reference.expected_submissions where '
    'it covers the period, and otherwise every trust that sent any file for the period is assumed to owe all three '
    'kinds (expected_source). Codes, kinds and months only: no patient data. A view with its owner''s rights '
    '(security barrier), so analysts read it without reading audit.';
COMMENT ON COLUMN analysis.missing_submissions.period IS 'Reporting period: the first day of the month.';
COMMENT ON COLUMN analysis.missing_submissions.org_code IS 'ODS code of the trust.';
COMMENT ON COLUMN analysis.missing_submissions.trust_name IS 'The trust''s name (reference.trust); NULL if unknown.';
COMMENT ON COLUMN analysis.missing_submissions.icb_ods IS 'ODS code of the ICB hosting the trust (reference.trust).';
COMMENT ON COLUMN analysis.missing_submissions.icb_name IS 'The ICB''s name (reference.icb).';
COMMENT ON COLUMN analysis.missing_submissions.kind IS 'The extract missing: referrals, contacts or workforce.';
COMMENT ON COLUMN analysis.missing_submissions.expected_source IS
    'reference: reference.expected_submissions says it is due; assumed: the trust sent something else that month.';
COMMENT ON COLUMN analysis.missing_submissions.state IS
    'not received, or rejected (a file arrived but a file-level rule rejected it, so nothing of it was loaded).';
REVOKE ALL ON analysis.missing_submissions FROM PUBLIC;
GRANT SELECT ON analysis.missing_submissions TO rehab_analyst, rehab_loader;

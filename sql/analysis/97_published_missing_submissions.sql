-- published.missing_submissions: analysis.missing_submissions for release. It names trusts, extract kinds and months
-- only (no count of people), so it needs no disclosure control; the national report reads it to tell "not sent"
-- from "suppressed".
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE VIEW published.missing_submissions WITH (security_barrier = true) AS
SELECT period, org_code, trust_name, icb_ods, icb_name, kind, expected_source, state
FROM analysis.missing_submissions;
COMMENT ON VIEW published.missing_submissions IS
    'analysis.missing_submissions, as released: expected extracts with no loaded submission, by period, trust and '
    'kind. No counts of people, so no disclosure control.';
COMMENT ON COLUMN published.missing_submissions.period IS 'As analysis.missing_submissions.period.';
COMMENT ON COLUMN published.missing_submissions.org_code IS 'As analysis.missing_submissions.org_code.';
COMMENT ON COLUMN published.missing_submissions.trust_name IS 'As analysis.missing_submissions.trust_name.';
COMMENT ON COLUMN published.missing_submissions.icb_ods IS 'As analysis.missing_submissions.icb_ods.';
COMMENT ON COLUMN published.missing_submissions.icb_name IS 'As analysis.missing_submissions.icb_name.';
COMMENT ON COLUMN published.missing_submissions.kind IS 'As analysis.missing_submissions.kind.';
COMMENT ON COLUMN published.missing_submissions.expected_source IS 'As analysis.missing_submissions.expected_source.';
COMMENT ON COLUMN published.missing_submissions.state IS 'As analysis.missing_submissions.state.';
REVOKE ALL ON published.missing_submissions FROM PUBLIC;
GRANT SELECT ON published.missing_submissions TO rehab_public, rehab_analyst, rehab_loader;

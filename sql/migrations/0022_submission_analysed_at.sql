-- 0022: which submissions the analysis includes, submission by submission. The high-water mark of 0012
-- (audit.analysis_state.seen_submission_id) missed a submission that committed after a refresh with a smaller id
-- than one the refresh had seen (a load that began before the night and ended after it): ids are given when a
-- load starts, not when it commits. Now every submission the refresh's snapshot saw is marked once the refresh
-- has committed, and the next night refreshes the months of those that are not.

ALTER TABLE audit.submissions ADD COLUMN analysed_at timestamptz;
COMMENT ON COLUMN audit.submissions.analysed_at IS
    'When an analysis refresh that included this submission committed; NULL while the analysis and published '
    'schemas do not yet include it. The next rehabcount run refreshes the months of every submission with NULL here.';
UPDATE audit.submissions s
SET analysed_at = a.refreshed_at
FROM audit.analysis_state a
WHERE a.refreshed_at IS NOT NULL AND s.submission_id <= a.seen_submission_id;
CREATE INDEX submissions_unanalysed_idx ON audit.submissions (submission_id) WHERE analysed_at IS NULL;

COMMENT ON COLUMN audit.analysis_state.seen_submission_id IS
    'The highest audit.submissions.submission_id the last refresh included. Kept for reference: which submissions '
    'are in the analysis is audit.submissions.analysed_at.';
COMMENT ON COLUMN audit.analysis_state.refreshed_at IS
    'When the analysis was last refreshed for every period; NULL before the first. A night after the analysis '
    'definitions (public.rehabcount_definitions) were applied later than this refreshes every period.';

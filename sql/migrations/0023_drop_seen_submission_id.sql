-- 0023: audit.analysis_state.seen_submission_id (0012) is dropped. Since 0022 which submissions the analysis
-- includes is audit.submissions.analysed_at, and the largest of their ids is derived from it when wanted:
--   SELECT max(submission_id) FROM audit.submissions WHERE analysed_at IS NOT NULL;

ALTER TABLE audit.analysis_state DROP COLUMN seen_submission_id;
COMMENT ON TABLE audit.analysis_state IS
    'One row: when the analysis schemas were last refreshed for every period, and by which run. Which submissions '
    'they include is audit.submissions.analysed_at.';

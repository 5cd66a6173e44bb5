-- 0013: a submission that loaded, but quarantined more than the pipeline's share of its rows (quarantine_share,
-- 5% by default), has a status of its own, accepted_needs_attention: its trust's figures miss many records.

ALTER TABLE audit.submissions DROP CONSTRAINT submissions_status_check;
ALTER TABLE audit.submissions ADD CONSTRAINT submissions_status_check
    CHECK (status IN ('accepted', 'accepted_with_warnings', 'accepted_needs_attention', 'rejected'));

COMMENT ON COLUMN audit.submissions.status IS
    'Validation outcome: accepted (no finding), accepted_with_warnings (loaded, with warnings or a few quarantined '
    'rows), accepted_needs_attention (loaded, but more than the pipeline''s quarantine_share of its rows, 5% by '
    'default, were quarantined) or rejected (a file-level rule failed; nothing loaded).';
COMMENT ON COLUMN audit.submissions.score IS
    'Data-quality score, 0-100 (docs/data-quality-score.md): the mean item score over mandatory and required items, '
    'a quarantined row counting as invalid for every item, and never more than 100 x the share of rows not '
    'quarantined. NULL when nothing could be scored.';

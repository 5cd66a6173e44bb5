-- A check is recorded as soon as its file is stored, and waits for a validator in the open: its page says how
-- many checks are ahead of it. A check that cannot be finished says why.
ALTER TABLE portal.checks ADD COLUMN reason text;
COMMENT ON COLUMN portal.checks.status IS
    'queued (stored, waiting for a validator), validating, failed (see reason; nothing to submit), or the '
    'validator''s outcome as audit.submissions.status.';
COMMENT ON COLUMN portal.checks.rows_read IS 'Data rows read; 0 until the check has finished.';
COMMENT ON COLUMN portal.checks.rows_quarantined IS 'Rows the night would hold back; 0 until the check has finished.';
COMMENT ON COLUMN portal.checks.reason IS
    'Why a failed check could not be finished (the portal stopped while it waited, the validator failed); NULL '
    'otherwise.';
CREATE INDEX checks_pending ON portal.checks (checked_at) WHERE status IN ('queued', 'validating');

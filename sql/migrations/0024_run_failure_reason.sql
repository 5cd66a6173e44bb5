-- 0024: a run that fails says why in audit.runs, and the nightly job's lock is held by a session of its own.
--
-- * audit.runs.failure_reason: the reason a failed run ended (its lock lost, the database unreachable, a disk
--   full, or interrupted: its database session ended while it ran). Never row data: the reasons are RehabCount's
--   own messages and the database's generic error summaries.
-- * audit.runs.backend_pid now names the server session that holds the run's lock (the lock has a connection of
--   its own since this migration); the comment says so.

ALTER TABLE audit.runs ADD COLUMN failure_reason text;
COMMENT ON COLUMN audit.runs.failure_reason IS
    'Why a failed run failed, in RehabCount''s words: e.g. "The run lost its lock and stopped: …", or "interrupted: '
    'its database session ended while it ran" (set by the next run). NULL for a run that succeeded or is running.';
COMMENT ON COLUMN audit.runs.backend_pid IS
    'pg_backend_pid() of the session holding the run''s lock (rehabcount run) or of the command''s connection: a '
    'run marked running whose backend no longer exists was interrupted, and the next rehabcount run marks it failed.';

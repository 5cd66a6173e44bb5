-- 0012: what the nightly run needs to finish every run, catch up the analysis, and keep one pseudonymisation key.
--
-- * audit.runs.backend_pid: the server process of the run's connection. A run still marked running whose backend
--   is gone was killed; the next run marks it failed instead of leaving it running for ever.
-- * audit.analysis_state: the highest submission the analysis has seen. Any run that finds a later submission
--   refreshes the analysis, even with an empty inbox, so a night that loaded and then died is caught up.
-- * audit.pseudonym_key: a fingerprint of the key that made every patient_key (an HMAC of a fixed label under the
--   key; never the key). A load under another key is refused: its patient keys would match no earlier month's.

ALTER TABLE audit.runs ADD COLUMN backend_pid integer;
COMMENT ON COLUMN audit.runs.backend_pid IS
    'pg_backend_pid() of the run''s connection while it ran: a run marked running whose backend no longer exists was '
    'interrupted, and the next rehabcount run marks it failed.';

CREATE TABLE audit.analysis_state (
    only_row             boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seen_submission_id   bigint NOT NULL DEFAULT 0,
    refreshed_at         timestamptz,
    run_id               bigint REFERENCES audit.runs (run_id)
);
INSERT INTO audit.analysis_state DEFAULT VALUES;
COMMENT ON TABLE audit.analysis_state IS
    'One row: how far the analysis schemas have caught up with audit.submissions.';
COMMENT ON COLUMN audit.analysis_state.only_row IS 'Always true: the table has one row.';
COMMENT ON COLUMN audit.analysis_state.seen_submission_id IS
    'The highest audit.submissions.submission_id that existed when the analysis was last refreshed. A submission '
    'with a higher id is not yet in analysis or published.';
COMMENT ON COLUMN audit.analysis_state.refreshed_at IS 'When the analysis was last refreshed; NULL before the first.';
COMMENT ON COLUMN audit.analysis_state.run_id IS 'The run that last refreshed the analysis.';

CREATE TABLE audit.pseudonym_key (
    only_row     boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    fingerprint  text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{32}$'),
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    run_id       bigint REFERENCES audit.runs (run_id)
);
COMMENT ON TABLE audit.pseudonym_key IS
    'The fingerprint of the pseudonymisation key under which every patient_key in core was made, recorded by the '
    'first load. rehabcount refuses to load under a key with another fingerprint. See docs/operations.md for how '
    'to change the key on purpose.';
COMMENT ON COLUMN audit.pseudonym_key.only_row IS 'Always true: the table has one row.';
COMMENT ON COLUMN audit.pseudonym_key.fingerprint IS
    'The first 16 bytes, in hex, of HMAC-SHA256(key, ''rehabcount pseudonym key fingerprint v1''). It identifies '
    'the key without revealing it or any pseudonym.';
COMMENT ON COLUMN audit.pseudonym_key.recorded_at IS 'When the fingerprint was recorded.';
COMMENT ON COLUMN audit.pseudonym_key.run_id IS 'The run that recorded it.';

GRANT SELECT, INSERT, UPDATE ON audit.analysis_state, audit.pseudonym_key TO rehab_loader;

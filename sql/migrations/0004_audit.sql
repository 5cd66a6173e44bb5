-- Audit: runs, submissions with their supersession history, rule results and quarantined rows.
--
-- Supersession. A resubmission for the same (trust, kind, period) replaces the earlier one as a whole; the earlier
-- one is never deleted. In audit.submissions:
--   * the CURRENT submission of a (org_code, kind, period) is the one with superseded_by IS NULL and a status other
--     than 'rejected' (column is_current). A partial unique index allows at most one: it is the backstop if two
--     loads of the same submission ever escape the loader's advisory lock.
--   * a rejected submission loads nothing, never becomes current and never supersedes anything: the previous
--     current submission stays current. Its row is kept for the record (its org/kind/period may be unknown).
--   * to load a replacement, in one transaction: take new_id := nextval of the submission_id sequence; UPDATE the
--     current row SET superseded_by = new_id, superseded_at = now(); INSERT the new row with submission_id = new_id;
--     delete the old core rows and insert the new ones. The self-reference is DEFERRABLE INITIALLY DEFERRED so the
--     old row may point at the new id before the new row exists.

CREATE TABLE audit.runs (
    run_id      bigserial PRIMARY KEY,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    command     text NOT NULL,
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    host        text,
    CONSTRAINT runs_finished_after_start CHECK (finished_at IS NULL OR finished_at >= started_at),
    CONSTRAINT runs_finished_iff_not_running CHECK ((status = 'running') = (finished_at IS NULL))
);
COMMENT ON TABLE audit.runs IS
    'One row per run of a rehabcount command that writes to the database (e.g. load, db load-reference). A run left '
    'as running with no finished_at was interrupted (killed or crashed).';
COMMENT ON COLUMN audit.runs.run_id IS 'Run number, assigned from a sequence.';
COMMENT ON COLUMN audit.runs.started_at IS 'When the run started (timestamp with time zone).';
COMMENT ON COLUMN audit.runs.finished_at IS 'When the run finished, successfully or not; NULL while running or if the run was interrupted.';
COMMENT ON COLUMN audit.runs.command IS 'The command and its arguments, e.g. load --report-dir out RX1_referrals_2025-09.csv. Never contains a password or connection string.';
COMMENT ON COLUMN audit.runs.status IS 'running (not finished, or interrupted), succeeded, or failed.';
COMMENT ON COLUMN audit.runs.host IS 'Host name of the machine the run ran on.';

CREATE TABLE audit.submissions (
    submission_id    bigserial PRIMARY KEY,
    run_id           bigint NOT NULL REFERENCES audit.runs (run_id),
    org_code         text,
    kind             text CHECK (kind IN ('referrals', 'contacts', 'workforce')),
    period           date CHECK (extract(day FROM period) = 1),
    file_name        text NOT NULL,
    sha256           char(64) CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    contract_version text NOT NULL,
    ruleset_version  text NOT NULL,
    rows_read        bigint NOT NULL CHECK (rows_read >= 0),
    rows_loaded      bigint NOT NULL CHECK (rows_loaded >= 0),
    rows_quarantined bigint NOT NULL CHECK (rows_quarantined >= 0),
    status           text NOT NULL CHECK (status IN ('accepted', 'accepted_with_warnings', 'rejected')),
    score            numeric CHECK (score BETWEEN 0 AND 100),
    received_at      timestamptz NOT NULL DEFAULT now(),
    superseded_by    bigint REFERENCES audit.submissions (submission_id) DEFERRABLE INITIALLY DEFERRED,
    superseded_at    timestamptz,
    is_current       boolean GENERATED ALWAYS AS (superseded_by IS NULL AND status <> 'rejected') STORED,
    CONSTRAINT submissions_rows_accounted CHECK (rows_read = rows_loaded + rows_quarantined),
    CONSTRAINT submissions_rejected_loads_nothing CHECK (status <> 'rejected' OR rows_loaded = 0),
    CONSTRAINT submissions_loaded_identified CHECK (status = 'rejected' OR (org_code IS NOT NULL AND kind IS NOT NULL AND period IS NOT NULL AND sha256 IS NOT NULL)),
    CONSTRAINT submissions_superseded_pair CHECK ((superseded_by IS NULL) = (superseded_at IS NULL)),
    CONSTRAINT submissions_superseded_by_later CHECK (superseded_by > submission_id),
    CONSTRAINT submissions_rejected_never_superseded CHECK (status <> 'rejected' OR superseded_by IS NULL)
);
CREATE UNIQUE INDEX submissions_one_current_idx
    ON audit.submissions (org_code, kind, period)
    WHERE superseded_by IS NULL AND status <> 'rejected';
CREATE INDEX submissions_history_idx ON audit.submissions (org_code, kind, period, submission_id);
CREATE INDEX submissions_run_id_idx ON audit.submissions (run_id);
CREATE INDEX submissions_superseded_by_idx ON audit.submissions (superseded_by);

COMMENT ON TABLE audit.submissions IS
    'Every submission (one extract file of one trust, kind and month) the loader processed, including rejected and '
    'superseded ones, with its row counts, data-quality score and supersession history. At most one current '
    'submission per (org_code, kind, period): superseded_by IS NULL and not rejected (is_current). Core tables hold '
    'the rows of current submissions only.';
COMMENT ON COLUMN audit.submissions.submission_id IS 'Submission number, assigned from a sequence; core rows carry it. Later submissions have larger numbers.';
COMMENT ON COLUMN audit.submissions.run_id IS 'The run that processed the file: audit.runs.run_id.';
COMMENT ON COLUMN audit.submissions.org_code IS 'ODS code of the submitting trust, from the file name. NULL only for a rejected file whose name could not be read.';
COMMENT ON COLUMN audit.submissions.kind IS 'Extract kind: referrals, contacts or workforce. NULL only for a rejected file whose kind could not be told.';
COMMENT ON COLUMN audit.submissions.period IS 'Reporting period: first day of the month named in the file name (YYYY-MM). NULL only for a rejected file whose name could not be read.';
COMMENT ON COLUMN audit.submissions.file_name IS 'Base name of the submitted file, e.g. RX1_referrals_2025-09.csv (no directory).';
COMMENT ON COLUMN audit.submissions.sha256 IS 'SHA-256 of the file''s bytes, 64 lower-case hex characters. A reload of the current submission''s exact file (same sha256) is a no-op. NULL only for a rejected file that could not be read.';
COMMENT ON COLUMN audit.submissions.contract_version IS 'Version of the extract contract (pipelines/contracts) the file was validated against.';
COMMENT ON COLUMN audit.submissions.ruleset_version IS 'Version of the rule catalogue (pipelines/rules) the file was validated with.';
COMMENT ON COLUMN audit.submissions.rows_read IS 'Data rows read from the file (header and blank lines excluded). Always rows_loaded + rows_quarantined.';
COMMENT ON COLUMN audit.submissions.rows_loaded IS 'Rows loaded into core. 0 for a rejected submission.';
COMMENT ON COLUMN audit.submissions.rows_quarantined IS 'Rows held back: rows a record-level rule rejected, or every row of a rejected submission.';
COMMENT ON COLUMN audit.submissions.status IS 'Validation outcome: accepted (no finding), accepted_with_warnings (loaded, with warnings or quarantined rows) or rejected (a file-level rule failed; nothing loaded).';
COMMENT ON COLUMN audit.submissions.score IS 'Data-quality score of the submission, 0-100 (docs/data-quality-score.md): mean item score over the mandatory and required columns. NULL when no item applied.';
COMMENT ON COLUMN audit.submissions.received_at IS 'When the loader recorded the submission (timestamp with time zone).';
COMMENT ON COLUMN audit.submissions.superseded_by IS 'The later submission of the same trust, kind and period that replaced this one; NULL while this one is current (or if it was rejected).';
COMMENT ON COLUMN audit.submissions.superseded_at IS 'When this submission was replaced; NULL if it has not been.';
COMMENT ON COLUMN audit.submissions.is_current IS 'True for the submission whose rows are in core: not superseded and not rejected. Computed by the database.';

CREATE TABLE audit.rule_results (
    submission_id bigint NOT NULL REFERENCES audit.submissions (submission_id),
    rule_id       text NOT NULL,
    severity      text NOT NULL CHECK (severity IN ('file', 'record', 'warning')),
    failures      bigint NOT NULL CHECK (failures >= 0),
    evaluated     boolean NOT NULL,
    PRIMARY KEY (submission_id, rule_id)
);
COMMENT ON TABLE audit.rule_results IS
    'Outcome of every catalogue rule (pipelines/rules) for every submission: one row per submission and rule, '
    'including rules with no failure.';
COMMENT ON COLUMN audit.rule_results.submission_id IS 'The submission: audit.submissions.submission_id.';
COMMENT ON COLUMN audit.rule_results.rule_id IS 'Catalogue rule id, e.g. REF-DATE-ORDER-01.';
COMMENT ON COLUMN audit.rule_results.severity IS 'Severity of the rule in the ruleset version used: file (whole file refused), record (row quarantined) or warning (row loaded, finding counted).';
COMMENT ON COLUMN audit.rule_results.failures IS 'Number of findings of the rule in the submission (rows failing it, for a row-level rule); 0 when it passed.';
COMMENT ON COLUMN audit.rule_results.evaluated IS 'Whether the rule could be evaluated at all (false, e.g., when the header did not match, so column rules were not run).';

CREATE TABLE audit.quarantine (
    submission_id bigint NOT NULL REFERENCES audit.submissions (submission_id),
    row_number    integer NOT NULL CHECK (row_number >= 1),
    line          integer NOT NULL CHECK (line >= 1),
    reasons       text[] NOT NULL CHECK (cardinality(reasons) >= 1),
    row_data      jsonb NOT NULL,
    PRIMARY KEY (submission_id, row_number)
);
COMMENT ON TABLE audit.quarantine IS
    'Rows held back from core, with the rules they broke, so that trusts can be told exactly what to fix. NHS '
    'numbers in here are already pseudonymised by the loader (keyed HMAC), in the nhs_number column and in any other '
    'field holding ten digits. Contains patient-level data: never granted to analysts.';
COMMENT ON COLUMN audit.quarantine.submission_id IS 'The submission the row came from: audit.submissions.submission_id.';
COMMENT ON COLUMN audit.quarantine.row_number IS 'Data row number in the file, from 1 for the first row after the header.';
COMMENT ON COLUMN audit.quarantine.line IS 'Physical line of the file (1 = the header line) where the row starts, for finding it in a text editor.';
COMMENT ON COLUMN audit.quarantine.reasons IS 'Ids of the catalogue rules the row broke (at least one), e.g. {REF-DATE-ORDER-01}.';
COMMENT ON COLUMN audit.quarantine.row_data IS
    'The raw row as sent, as a JSON object from column name to text value (a JSON array of fields for a row whose '
    'field count did not match the header). NHS numbers already replaced by the loader with their 64-hex pseudonym '
    '(key nhs_number_pseudonym instead of nhs_number); no clear NHS number is ever stored.';

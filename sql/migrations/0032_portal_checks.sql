-- 0032: files checked through the portal, and which of them were submitted. A check's file and reports stay in a
-- private folder of the server's; a submission puts exactly that file's bytes into the night's inbox.

CREATE TABLE portal.checks (
    check_id     text PRIMARY KEY,
    org_code     text NOT NULL,
    actor        text NOT NULL,
    file_name    text NOT NULL,
    bytes        bigint NOT NULL,
    sha256       text NOT NULL,
    status       text NOT NULL,
    rows_read    bigint NOT NULL,
    rows_quarantined bigint NOT NULL,
    checked_at   timestamptz NOT NULL DEFAULT now(),
    submitted_at timestamptz,
    submitted_by text
);
CREATE INDEX checks_org ON portal.checks (org_code, checked_at);
COMMENT ON TABLE portal.checks IS
    'Files a trust checked through the portal or its API, with the validator''s verdict, and when and by whom each '
    'was submitted to the night''s inbox.';
COMMENT ON COLUMN portal.checks.check_id IS 'A random id, 32 hex digits: the check''s address in the portal.';
COMMENT ON COLUMN portal.checks.org_code IS 'The trust the file is named for (always the checker''s own, or central).';
COMMENT ON COLUMN portal.checks.actor IS 'Who checked it: user:<email> or token:<id>.';
COMMENT ON COLUMN portal.checks.file_name IS 'The file''s name, <ORG>_<kind>_<YYYY-MM>.csv or .xlsx.';
COMMENT ON COLUMN portal.checks.bytes IS 'Its size as uploaded.';
COMMENT ON COLUMN portal.checks.sha256 IS 'SHA-256 of its bytes, lower-case hex.';
COMMENT ON COLUMN portal.checks.status IS 'The validator''s outcome, as audit.submissions.status.';
COMMENT ON COLUMN portal.checks.rows_read IS 'Data rows read.';
COMMENT ON COLUMN portal.checks.rows_quarantined IS 'Rows the night would hold back.';
COMMENT ON COLUMN portal.checks.checked_at IS 'When it was checked.';
COMMENT ON COLUMN portal.checks.submitted_at IS 'When it was put into the night''s inbox; NULL if not (yet).';
COMMENT ON COLUMN portal.checks.submitted_by IS 'Who submitted it.';
GRANT SELECT, INSERT, UPDATE, DELETE ON portal.checks TO rehab_portal, rehab_loader;

-- 0028: the trust's data quality, item by item and rule by rule, where ICB analysts can read it.
--
-- * audit.item_quality: each submission's data items (contract columns) with the counts behind completeness and
--   validity as the DQMI measures them, written by the load beside audit.rule_results.
-- * analysis.item_quality (view): each trust's items for the period beside the national and peer (same ICB)
--   figures, over current submissions.
-- * analysis.rule_failures (view): failures by trust x rule x period, with the rule's share of rows, so that an
--   analyst can see which rules drove a trust's score down. Both read audit through the view's owner, so that
--   rehab_analyst needs no access to audit.

CREATE TABLE audit.item_quality (
    submission_id bigint NOT NULL REFERENCES audit.submissions (submission_id),
    column_name   text   NOT NULL,
    status        text   NOT NULL CHECK (status IN ('M', 'R', 'O')),
    applicable    bigint NOT NULL CHECK (applicable >= 0),
    complete      bigint NOT NULL CHECK (complete BETWEEN 0 AND applicable),
    valid_present bigint NOT NULL CHECK (valid_present BETWEEN 0 AND complete),
    valid_loaded  bigint NOT NULL CHECK (valid_loaded BETWEEN 0 AND valid_present),
    defaulted     bigint NOT NULL CHECK (defaulted BETWEEN 0 AND valid_loaded),
    PRIMARY KEY (submission_id, column_name)
);
COMMENT ON TABLE audit.item_quality IS
    'Each submission''s data items (contract columns that applied to at least one row) with the counts behind its '
    'data-quality score (docs/data-quality-score.md): one row per submission and item, written by the load.';
COMMENT ON COLUMN audit.item_quality.submission_id IS 'The submission: audit.submissions.submission_id.';
COMMENT ON COLUMN audit.item_quality.column_name IS 'The data item: the contract column''s name.';
COMMENT ON COLUMN audit.item_quality.status IS 'The item''s contract status: M mandatory, R required, O optional.';
COMMENT ON COLUMN audit.item_quality.applicable IS 'Rows the item applies to (all rows, or those meeting required_when).';
COMMENT ON COLUMN audit.item_quality.complete IS 'Applicable rows with a value (not empty).';
COMMENT ON COLUMN audit.item_quality.valid_present IS
    'Values present that are valid (right type, in the code list, in range), over every row, quarantined or not: '
    'the numerator of DQMI validity.';
COMMENT ON COLUMN audit.item_quality.valid_loaded IS
    'Valid values of the rows loaded (a quarantined row''s values count as not valid): the numerator of the item '
    'score.';
COMMENT ON COLUMN audit.item_quality.defaulted IS 'Valid loaded values that are a "not recorded" code (Z, 99, X).';
GRANT SELECT, INSERT ON audit.item_quality TO rehab_loader;

CREATE VIEW analysis.item_quality AS
WITH current AS (
    SELECT s.period, s.org_code, t.icb_ods, s.kind, q.column_name, q.status, q.applicable, q.complete,
           q.valid_present
    FROM audit.submissions s
    JOIN audit.item_quality q USING (submission_id)
    LEFT JOIN reference.trust t ON t.trust_ods = s.org_code
    WHERE s.is_current AND s.period IS NOT NULL AND s.org_code IS NOT NULL
)
SELECT c.period, c.org_code, c.icb_ods, c.kind, c.column_name, c.status,
       c.applicable, c.complete, c.valid_present,
       c.complete::numeric / NULLIF(c.applicable, 0) AS completeness,
       c.valid_present::numeric / NULLIF(c.complete, 0) AS validity,
       sum(c.complete) OVER national::numeric / NULLIF(sum(c.applicable) OVER national, 0) AS national_completeness,
       sum(c.valid_present) OVER national::numeric / NULLIF(sum(c.complete) OVER national, 0) AS national_validity,
       sum(c.complete) OVER peer::numeric / NULLIF(sum(c.applicable) OVER peer, 0) AS peer_completeness,
       sum(c.valid_present) OVER peer::numeric / NULLIF(sum(c.complete) OVER peer, 0) AS peer_validity,
       count(*) OVER national AS national_trusts,
       count(*) OVER peer AS peer_trusts
FROM current c
WINDOW national AS (PARTITION BY c.period, c.kind, c.column_name),
       peer AS (PARTITION BY c.period, c.kind, c.column_name, c.icb_ods);
COMMENT ON VIEW analysis.item_quality IS
    'Each trust''s data items for the period (its current submission of each kind) beside the national figure (every '
    'trust''s current submission of the kind) and the peer figure (the trusts hosted by the same ICB), as the DQMI '
    'and CSDS data quality reports compare them. Completeness = values present / rows the item applies to; validity '
    '= valid values / values present (DQMI: an item is not less valid because another item of its row failed). '
    'E.g. SELECT org_code, column_name, validity, peer_validity, national_validity FROM analysis.item_quality WHERE '
    'period = ''2025-12-01'' AND kind = ''referrals'' AND validity < national_validity.';
COMMENT ON COLUMN analysis.item_quality.period IS 'Reporting period: the first day of the month.';
COMMENT ON COLUMN analysis.item_quality.org_code IS 'The trust.';
COMMENT ON COLUMN analysis.item_quality.icb_ods IS 'The ICB hosting the trust (reference.trust): its peer group.';
COMMENT ON COLUMN analysis.item_quality.kind IS 'The extract: referrals, contacts or workforce.';
COMMENT ON COLUMN analysis.item_quality.column_name IS 'The data item (contract column).';
COMMENT ON COLUMN analysis.item_quality.status IS 'M mandatory, R required, O optional.';
COMMENT ON COLUMN analysis.item_quality.applicable IS 'Rows the item applies to.';
COMMENT ON COLUMN analysis.item_quality.complete IS 'Applicable rows with a value.';
COMMENT ON COLUMN analysis.item_quality.valid_present IS 'Values present that are valid.';
COMMENT ON COLUMN analysis.item_quality.completeness IS 'complete / applicable, 0-1.';
COMMENT ON COLUMN analysis.item_quality.validity IS 'valid_present / complete, 0-1 (DQMI validity).';
COMMENT ON COLUMN analysis.item_quality.national_completeness IS 'Completeness over every trust''s current submission of the kind.';
COMMENT ON COLUMN analysis.item_quality.national_validity IS 'Validity over every trust''s current submission of the kind.';
COMMENT ON COLUMN analysis.item_quality.peer_completeness IS 'Completeness over the trusts hosted by the same ICB.';
COMMENT ON COLUMN analysis.item_quality.peer_validity IS 'Validity over the trusts hosted by the same ICB.';
COMMENT ON COLUMN analysis.item_quality.national_trusts IS 'Trusts in the national figure.';
COMMENT ON COLUMN analysis.item_quality.peer_trusts IS 'Trusts in the peer figure, the trust included.';

CREATE VIEW analysis.rule_failures AS
SELECT s.period, s.org_code, t.icb_ods, s.kind, r.rule_id, r.severity, r.failures, s.rows_read,
       r.failures::numeric / NULLIF(s.rows_read, 0) AS failures_per_row, s.status AS submission_status,
       s.score AS submission_score, s.submission_id
FROM audit.submissions s
JOIN audit.rule_results r USING (submission_id)
LEFT JOIN reference.trust t ON t.trust_ods = s.org_code
WHERE s.is_current AND s.period IS NOT NULL AND s.org_code IS NOT NULL AND r.failures > 0;
COMMENT ON VIEW analysis.rule_failures IS
    'The catalogue rules each trust''s current submissions failed, by period: one row per submission and rule with '
    'at least one failure. Which rules drove a score down: SELECT rule_id, severity, failures FROM '
    'analysis.rule_failures WHERE org_code = ''RY2'' AND period = ''2025-12-01'' ORDER BY failures DESC. The rule''s '
    'message and guidance are in docs/rule-catalogue.md. No row data: counts only.';
COMMENT ON COLUMN analysis.rule_failures.period IS 'Reporting period: the first day of the month.';
COMMENT ON COLUMN analysis.rule_failures.org_code IS 'The trust.';
COMMENT ON COLUMN analysis.rule_failures.icb_ods IS 'The ICB hosting the trust.';
COMMENT ON COLUMN analysis.rule_failures.kind IS 'The extract: referrals, contacts or workforce.';
COMMENT ON COLUMN analysis.rule_failures.rule_id IS 'Catalogue rule id, e.g. REF-SCORE-END-RANGE-01.';
COMMENT ON COLUMN analysis.rule_failures.severity IS 'file (rejects the file), record (quarantines the row) or warning.';
COMMENT ON COLUMN analysis.rule_failures.failures IS 'Rows (or the file) the rule failed on.';
COMMENT ON COLUMN analysis.rule_failures.rows_read IS 'Data rows of the submission.';
COMMENT ON COLUMN analysis.rule_failures.failures_per_row IS 'failures / rows_read.';
COMMENT ON COLUMN analysis.rule_failures.submission_status IS 'The submission''s status (accepted, rejected, ...).';
COMMENT ON COLUMN analysis.rule_failures.submission_score IS 'The submission''s data-quality score, 0-100.';
COMMENT ON COLUMN analysis.rule_failures.submission_id IS 'audit.submissions.submission_id.';
GRANT SELECT ON analysis.item_quality, analysis.rule_failures TO rehab_analyst, rehab_loader;

-- 0014: the completeness tables show how much of each trust's data was quarantined.
--
-- A trust whose submissions loaded but quarantined many rows used to look complete: its coverage was full and its
-- score (before 0013's cap) high, so the national completeness table was solid green while its figures missed
-- records. Now analysis.completeness_trust and published.completeness_trust carry the share of rows quarantined in
-- the trust's current submissions of the period, and whether any of them is accepted_needs_attention; the
-- national report colours those trusts' rows.
--
-- analysis.refresh() keeps its name and result, as in 0011: it calls analysis.refresh_tables(), rounds the
-- published rates, and now fills these columns from audit.submissions in the same transaction.

ALTER TABLE analysis.completeness_trust
    ADD COLUMN rows_read bigint CHECK (rows_read >= 0),
    ADD COLUMN rows_quarantined bigint CHECK (rows_quarantined >= 0),
    ADD COLUMN rows_quarantined_share numeric CHECK (rows_quarantined_share BETWEEN 0 AND 1),
    ADD COLUMN needs_attention boolean;
COMMENT ON COLUMN analysis.completeness_trust.rows_read IS
    'Data rows read from the trust''s current submissions of the period, all kinds (audit.submissions.rows_read); '
    'NULL when none is current.';
COMMENT ON COLUMN analysis.completeness_trust.rows_quarantined IS
    'Of rows_read, the rows quarantined by record-level rules: in audit.quarantine, missing from every figure.';
COMMENT ON COLUMN analysis.completeness_trust.rows_quarantined_share IS
    'rows_quarantined / rows_read: the share of the trust''s records that the figures miss.';
COMMENT ON COLUMN analysis.completeness_trust.needs_attention IS
    'True when any current submission of the trust for the period is accepted_needs_attention: it quarantined more '
    'than the pipeline''s quarantine_share of its rows (5% by default).';

-- Published: the share (rounded to 0.1 percentage point) and the flag, never the row counts.
ALTER TABLE published.completeness_trust
    ADD COLUMN rows_quarantined_share numeric,
    ADD COLUMN needs_attention boolean;
COMMENT ON COLUMN published.completeness_trust.rows_quarantined_share IS
    'Share of the trust''s rows quarantined in its current submissions of the period, to 3 decimal places '
    '(analysis.completeness_trust.rows_quarantined_share); the counts are not published.';
COMMENT ON COLUMN published.completeness_trust.needs_attention IS
    'As analysis.completeness_trust.needs_attention.';

CREATE OR REPLACE FUNCTION analysis.refresh() RETURNS TABLE (table_name text, rows bigint)
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RETURN QUERY SELECT r.table_name, r.rows FROM analysis.refresh_tables() r;
    UPDATE published.access
    SET dsr = round(dsr, 1), dsr_lower = round(dsr_lower, 1), dsr_upper = round(dsr_upper, 1)
    WHERE dsr IS NOT NULL OR dsr_lower IS NOT NULL OR dsr_upper IS NOT NULL;

    WITH current AS (
        SELECT s.period, s.org_code, sum(s.rows_read)::bigint AS rows_read,
               sum(s.rows_quarantined)::bigint AS rows_quarantined,
               bool_or(s.status = 'accepted_needs_attention') AS needs_attention
        FROM audit.submissions s
        WHERE s.is_current
        GROUP BY s.period, s.org_code
    )
    UPDATE analysis.completeness_trust c
    SET rows_read = q.rows_read,
        rows_quarantined = q.rows_quarantined,
        rows_quarantined_share = q.rows_quarantined::numeric / NULLIF(q.rows_read, 0),
        needs_attention = q.needs_attention
    FROM current q
    WHERE c.period = q.period AND c.org_code = q.org_code;

    UPDATE published.completeness_trust p
    SET rows_quarantined_share = round(c.rows_quarantined_share, 3),
        needs_attention = c.needs_attention
    FROM analysis.completeness_trust c
    WHERE p.period = c.period AND p.org_code = c.org_code;
END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analysis.refresh() TO rehab_loader;
COMMENT ON FUNCTION analysis.refresh() IS
    'Rebuilds every table of the analysis schema, and the published tables from them, from core, audit and '
    'reference, in the caller''s transaction, and returns one row per table with its row count (through '
    'analysis.refresh_tables()); then rounds the published DSRs and their limits to 1 decimal place, and fills the '
    'completeness tables'' quarantine columns from audit.submissions. Reads all its inputs in one snapshot, so a load '
    'committing meanwhile is wholly in or wholly out. Replaces rows with DELETE + INSERT, so readers see the old '
    'figures until it commits. Leaves analysis.inequality''s SII and RII confidence limits NULL for the simulation '
    'stage. One refresh at a time (advisory lock 1380142676, 2). SECURITY DEFINER (runs as the migration owner); '
    'EXECUTE for rehab_loader only. Run by rehabcount analyse.';

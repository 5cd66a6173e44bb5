-- reference.expected_extracts(periods): which extracts each trust owes for each of the given months. The one
-- statement of the rule that analysis.refresh_completeness (86), analysis.missing_submissions (96) and the portal's
-- pages all read, so that they cannot disagree:
--   - where reference.expected_submissions covers a month, it says who owes which kind (expected_source
--     'reference');
--   - where it covers none of the month, every trust that sent any file for the month owes all three kinds
--     (expected_source 'assumed').
--
-- It reads audit.submissions, which analysts and the public may not read, so it runs with its owner's rights and
-- answers codes, kinds and months only: never a row of data.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE FUNCTION reference.expected_extracts(periods date[])
    RETURNS TABLE (period date, org_code text, kind text, expected_source text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH months AS (
        SELECT DISTINCT m AS period FROM unnest(periods) AS m WHERE m IS NOT NULL
    ), listed AS (
        SELECT m.period, e.org_code, e.kind
        FROM months m
        JOIN reference.expected_submissions e
          ON e.period_from <= m.period AND (e.period_to IS NULL OR e.period_to >= m.period)
    )
    SELECT DISTINCT period, org_code, kind, 'reference' FROM listed
    UNION ALL
    SELECT DISTINCT s.period, s.org_code, k.kind, 'assumed'
    FROM months m
    JOIN audit.submissions s ON s.period = m.period AND s.org_code IS NOT NULL
    CROSS JOIN (VALUES ('referrals'), ('contacts'), ('workforce')) AS k(kind)
    WHERE NOT EXISTS (SELECT 1 FROM listed l WHERE l.period = m.period)
$fn$;
COMMENT ON FUNCTION reference.expected_extracts(date[]) IS
    'The extracts each trust owes for each month of periods (first days of months): reference.expected_submissions '
    'where it covers the month (expected_source reference), otherwise all three kinds from every trust that sent '
    'any file for the month (assumed). Codes, kinds and months only; runs with its owner''s rights.';
REVOKE ALL ON FUNCTION reference.expected_extracts(date[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reference.expected_extracts(date[])
    TO rehab_analyst, rehab_loader, rehab_public, rehab_portal;

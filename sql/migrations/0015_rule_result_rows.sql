-- 0015: every finding is kept in audit, compactly: per submission and rule, the data rows where it failed.
--
-- A finding is a rule, a row and a column; the column is the rule's own (audit.rule_results has one row per rule),
-- so a rule's findings are two integer arrays beside its count, rather than a row each. Values are never stored:
-- the trust's X.findings.csv and X.xlsx show those that may be shown.

ALTER TABLE audit.rule_results
    ADD COLUMN row_numbers integer[],
    ADD COLUMN lines integer[],
    ADD CONSTRAINT rule_results_rows_counted CHECK (
        row_numbers IS NULL OR (cardinality(row_numbers) <= failures AND cardinality(lines) = cardinality(row_numbers))
    );
COMMENT ON COLUMN audit.rule_results.row_numbers IS
    'Data row numbers (1 = the first row after the header) where the rule failed, in file order, one per finding: '
    'a row appears once for each column the rule failed on. NULL when it raised no finding on a row (it passed, or '
    'failed on the whole file). Its cardinality is failures less the rule''s file-level findings. '
    'Look a row up with: SELECT unnest(row_numbers) FROM audit.rule_results WHERE ... .';
COMMENT ON COLUMN audit.rule_results.lines IS
    'For each element of row_numbers, the physical line of the file where that record starts (1 = the header line): '
    'the row number a spreadsheet shows.';

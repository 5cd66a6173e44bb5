-- analysis.refresh(touched): the one entry point that rebuilds the analysis and published tables, by calling the
-- per-measure units of files 80-89 in dependency order. Each unit replaces the rows of the periods in `touched`, or
-- of every period when it is NULL; analysis.spc is charted again whole.
--
-- It must run in a REPEATABLE READ (or SERIALIZABLE) transaction, so that every unit reads the same snapshot: a load
-- that commits meanwhile is wholly in the figures or wholly out. `rehabcount analyse` and `rehabcount run` open one.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md). It replaces the
-- analysis.refresh() of migrations 0011 and 0014 and its first step, analysis.refresh_tables() (0009).

CREATE OR REPLACE FUNCTION analysis.refresh(touched date[] DEFAULT NULL)
    RETURNS TABLE (table_name text, rows bigint)
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET jit = off
    SET work_mem = '64MB'
AS $fn$
BEGIN
    IF current_setting('transaction_isolation') NOT IN ('repeatable read', 'serializable') THEN
        RAISE EXCEPTION 'analysis.refresh() must run in a REPEATABLE READ transaction, not %',
                        current_setting('transaction_isolation')
            USING HINT = 'BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT * FROM analysis.refresh(); COMMIT;',
                  ERRCODE = '25001';
    END IF;
    -- Key (1380142676 = 'RCNT', 2): one refresh at a time; held until the caller's transaction ends.
    PERFORM pg_advisory_xact_lock(1380142676, 2);

    PERFORM analysis.refresh_inputs(touched);
    PERFORM analysis.refresh_access(touched);
    PERFORM analysis.refresh_outcome_change(touched);
    PERFORM analysis.refresh_inequality(touched);
    PERFORM analysis.refresh_core20(touched);
    PERFORM analysis.refresh_workforce(touched);
    PERFORM analysis.refresh_completeness(touched);
    PERFORM analysis.refresh_published(touched);
    PERFORM analysis.refresh_spc(touched);
    PERFORM analysis.refresh_names(touched);

    RETURN QUERY
    SELECT v.name, v.n
    FROM (VALUES
        ('analysis.access', (SELECT count(*) FROM analysis.access)),
        ('analysis.outcome_change', (SELECT count(*) FROM analysis.outcome_change)),
        ('analysis.inequality', (SELECT count(*) FROM analysis.inequality)),
        ('analysis.core20', (SELECT count(*) FROM analysis.core20)),
        ('analysis.workforce_trust', (SELECT count(*) FROM analysis.workforce_trust)),
        ('analysis.workforce_icb', (SELECT count(*) FROM analysis.workforce_icb)),
        ('analysis.completeness_trust', (SELECT count(*) FROM analysis.completeness_trust)),
        ('analysis.completeness_icb', (SELECT count(*) FROM analysis.completeness_icb)),
        ('analysis.spc', (SELECT count(*) FROM analysis.spc)),
        ('published.access', (SELECT count(*) FROM published.access)),
        ('published.outcome_change', (SELECT count(*) FROM published.outcome_change)),
        ('published.inequality', (SELECT count(*) FROM published.inequality)),
        ('published.core20', (SELECT count(*) FROM published.core20)),
        ('published.workforce_trust', (SELECT count(*) FROM published.workforce_trust)),
        ('published.workforce_icb', (SELECT count(*) FROM published.workforce_icb)),
        ('published.completeness_trust', (SELECT count(*) FROM published.completeness_trust)),
        ('published.completeness_icb', (SELECT count(*) FROM published.completeness_icb))
    ) AS v(name, n);
END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh(date[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analysis.refresh(date[]) TO rehab_loader;
COMMENT ON FUNCTION analysis.refresh(date[]) IS
    'Rebuilds the analysis tables, and the published tables from them, from core, audit and reference, for the '
    'periods in touched (every period when NULL), and returns one row per table with its row count. Calls one unit '
    'per measure in dependency order (analysis.refresh_inputs, _access, _outcome_change, _inequality, _core20, '
    '_workforce, _completeness, _published, _spc, _names); analysis.spc is charted again over every period. Must run in a '
    'REPEATABLE READ transaction, so every unit reads one snapshot. Replaces rows with DELETE + INSERT, so readers '
    'see the old figures until it commits. Leaves analysis.inequality''s SII and RII confidence limits NULL for the '
    'simulation, which rehabcount runs in the same transaction. One refresh at a time (advisory lock 1380142676, 2). '
    'SECURITY DEFINER (runs as the migration owner); EXECUTE for rehab_loader only. Run by rehabcount analyse and '
    'rehabcount run.';

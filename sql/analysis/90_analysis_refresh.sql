-- analysis.refresh(touched): the one entry point that rebuilds the analysis and published tables: the inputs
-- (analysis.refresh_inputs), then each measure of published.measures in its order: its unit (built_by), its names
-- (analysis.name_rows) and, for a published table, its publication (analysis.publish). Each unit replaces the rows
-- of the periods in `touched`, or of every period when it is NULL; analysis.spc is charted again whole.
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
DECLARE
    unit text;
    measure_name text;
    published_as text;
    counted bigint;
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
    -- The measures in the order of published.measures: each unit builds its measures' analysis tables, which are
    -- then named and published.
    FOR unit IN
        SELECT m.built_by FROM published.measures m WHERE m.built_by IS NOT NULL
        GROUP BY m.built_by ORDER BY min(m.position)
    LOOP
        EXECUTE format('SELECT analysis.%I($1)', unit) USING touched;
        FOR measure_name, published_as IN
            SELECT m.measure, m.published_as FROM published.measures m WHERE m.built_by = unit ORDER BY m.position
        LOOP
            PERFORM analysis.name_rows(measure_name, touched);
            IF published_as = 'table' THEN
                PERFORM analysis.publish(measure_name, touched);
            END IF;
        END LOOP;
    END LOOP;

    FOR measure_name, published_as IN
        SELECT m.measure, m.published_as FROM published.measures m WHERE m.built_by IS NOT NULL ORDER BY m.position
    LOOP
        EXECUTE format('SELECT count(*) FROM analysis.%I', measure_name) INTO counted;
        table_name := 'analysis.' || measure_name;
        rows := counted;
        RETURN NEXT;
    END LOOP;
    FOR measure_name, published_as IN
        SELECT m.measure, m.published_as FROM published.measures m
        WHERE m.built_by IS NOT NULL AND m.published_as IS NOT NULL ORDER BY m.position
    LOOP
        EXECUTE format('SELECT count(*) FROM published.%I', measure_name) INTO counted;
        table_name := 'published.' || measure_name;
        rows := counted;
        RETURN NEXT;
    END LOOP;
END
$fn$;
REVOKE ALL ON FUNCTION analysis.refresh(date[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analysis.refresh(date[]) TO rehab_loader;
COMMENT ON FUNCTION analysis.refresh(date[]) IS
    'Rebuilds the analysis tables, and the published tables from them, from core, audit and reference, for the '
    'periods in touched (every period when NULL), and returns one row per table with its row count. After '
    'analysis.refresh_inputs, takes the measures of published.measures in their order: each one''s unit (built_by), '
    'then analysis.name_rows and, for a published table, analysis.publish; analysis.spc is charted again over every '
    'period. Must run in a '
    'REPEATABLE READ transaction, so every unit reads one snapshot. Replaces rows with DELETE + INSERT, so readers '
    'see the old figures until it commits. Leaves analysis.inequality''s SII and RII confidence limits NULL for the '
    'simulation, which rehabcount runs in the same transaction. One refresh at a time (advisory lock 1380142676, 2). '
    'SECURITY DEFINER (runs as the migration owner); EXECUTE for rehab_loader only. Run by rehabcount analyse and '
    'rehabcount run.';

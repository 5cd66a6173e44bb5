-- Making Data Count statistical process control: XmR charts, as NHS England's "Making Data Count" and the
-- NHSRplotthedots R package (github.com/nhs-r-community/NHSRplotthedots) compute them, callable from SQL.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

-- The points of one series, one row each. Internal: stats.spc() is the interface (a PL/pgSQL function cannot name
-- an input and an output column alike, and the interface names both `value`).
CREATE OR REPLACE FUNCTION stats.spc_points(
    series double precision[],
    improvement text,
    screen_outliers boolean
)
RETURNS TABLE (point integer, value double precision, mean double precision, lpl double precision,
               upl double precision, point_type text)
LANGUAGE plpgsql
IMMUTABLE
STRICT
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    n integer := coalesce(cardinality(series), 0);
    direction integer;
    centre double precision;
    amr double precision;
    kept double precision;
    kept_count integer;
    lower_limit double precision;
    upper_limit double precision;
    near_lower double precision;
    near_upper double precision;
    side integer[];
    outside boolean[];
    near boolean[];
    trend integer[];
    one_side integer[];
    in_trend boolean[];
    in_one_side boolean[];
    in_two_of_three boolean[];
    window_start integer;
    near_count integer;
    side_sum integer;
    slope integer;
    i integer;
    j integer;
    kind integer;
BEGIN
    IF improvement NOT IN ('increase', 'decrease', 'neutral') THEN
        RAISE EXCEPTION 'stats.spc: improvement must be increase, decrease or neutral, not %', improvement
            USING ERRCODE = '22023';
    END IF;
    IF array_position(series, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'stats.spc: the series has a NULL at point %: give a value for every period, or leave the period out',
            array_position(series, NULL)
            USING ERRCODE = '22004';
    END IF;
    IF n = 0 THEN
        RETURN;
    END IF;
    direction := CASE improvement WHEN 'increase' THEN 1 WHEN 'decrease' THEN -1 ELSE 0 END;

    -- Centre line, and the mean moving range; with screening, moving ranges of 3.267 times that mean or more are
    -- left out and the mean taken again (NHSRplotthedots' screen_outliers).
    SELECT avg(x) INTO centre FROM unnest(series) AS x;
    SELECT avg(abs(series[k] - series[k - 1])) INTO amr FROM generate_series(2, n) AS k;
    IF screen_outliers AND amr IS NOT NULL THEN
        SELECT avg(r), count(*) INTO kept, kept_count
        FROM (SELECT abs(series[k] - series[k - 1]) AS r FROM generate_series(2, n) AS k) m
        WHERE r < 3.267 * amr;
        amr := CASE WHEN kept_count > 0 THEN kept END;
    END IF;
    lower_limit := centre - 2.66 * amr;
    upper_limit := centre + 2.66 * amr;
    near_lower := centre - (2 * 2.66 / 3) * amr;
    near_upper := centre + (2 * 2.66 / 3) * amr;

    side := array_fill(0, ARRAY[n]);
    outside := array_fill(false, ARRAY[n]);
    near := array_fill(false, ARRAY[n]);
    trend := array_fill(0, ARRAY[n]);
    one_side := array_fill(0, ARRAY[n]);
    in_trend := array_fill(false, ARRAY[n]);
    in_one_side := array_fill(false, ARRAY[n]);
    in_two_of_three := array_fill(false, ARRAY[n]);

    FOR i IN 1..n LOOP
        side[i] := sign(series[i] - centre)::integer;
        outside[i] := coalesce(series[i] > upper_limit OR series[i] < lower_limit, false);
        near[i] := NOT outside[i] AND coalesce(series[i] < near_lower OR series[i] > near_upper, false);
    END LOOP;

    -- A trend: seven points each above (or each below) the one before. A shift: seven points on one side of the
    -- mean. Both mark the point that completes them; every point of one is then special.
    FOR i IN 7..n LOOP
        slope := sign(series[i] - series[i - 1])::integer;
        IF slope <> 0 THEN
            j := i - 1;
            WHILE j > i - 6 AND sign(series[j] - series[j - 1])::integer = slope LOOP
                j := j - 1;
            END LOOP;
            IF j = i - 6 THEN
                trend[i] := slope;
            END IF;
        END IF;
        IF side[i] <> 0 THEN
            j := i - 1;
            WHILE j >= i - 6 AND side[j] = side[i] LOOP
                j := j - 1;
            END LOOP;
            IF j = i - 7 THEN
                one_side[i] := side[i];
            END IF;
        END IF;
    END LOOP;
    FOR i IN 1..n LOOP
        FOR j IN i..least(i + 6, n) LOOP
            IF trend[j] <> 0 THEN in_trend[i] := true; END IF;
            IF one_side[j] <> 0 THEN in_one_side[i] := true; END IF;
        END LOOP;
    END LOOP;

    -- Two of three points beyond two-thirds of the way to a limit, the three on one side of the mean: the points
    -- that are so near are special.
    FOR i IN 1..n LOOP
        IF near[i] THEN
            FOR window_start IN (i - 2)..i LOOP
                IF window_start >= 1 AND window_start + 2 <= n THEN
                    near_count := 0;
                    side_sum := 0;
                    FOR j IN window_start..(window_start + 2) LOOP
                        IF near[j] THEN near_count := near_count + 1; END IF;
                        side_sum := side_sum + side[j];
                    END LOOP;
                    IF near_count >= 2 AND abs(side_sum) = 3 THEN
                        in_two_of_three[i] := true;
                    END IF;
                END IF;
            END LOOP;
        END IF;
    END LOOP;

    FOR i IN 1..n LOOP
        -- The rules in NHSRplotthedots' order: outside the limits, a trend, two of three near a limit, a shift.
        kind := CASE
            WHEN outside[i] THEN CASE WHEN side[i] = 1 THEN 1 ELSE -1 END
            WHEN in_trend[i] THEN
                -- A point inside a trend takes the direction towards the next point of it; the last, from the one
                -- before; as in NHSRplotthedots, anything but a rise counts as a fall.
                CASE WHEN (CASE WHEN i < n AND in_trend[i + 1] THEN sign(series[i + 1] - series[i])
                                WHEN i > 1 THEN sign(series[i] - series[i - 1])
                                ELSE 0 END) = 1 THEN 1 ELSE -1 END
            WHEN in_two_of_three[i] THEN CASE WHEN side[i] > 0 THEN 1 ELSE -1 END
            WHEN in_one_side[i] THEN CASE WHEN side[i] > 0 THEN 1 ELSE -1 END
            ELSE 0
        END;
        point := i;
        value := series[i];
        mean := centre;
        lpl := lower_limit;
        upl := upper_limit;
        point_type := CASE
            WHEN kind = 0 THEN 'common_cause'
            WHEN direction = 0 THEN CASE WHEN kind > 0 THEN 'special_cause_neutral_high' ELSE 'special_cause_neutral_low' END
            WHEN kind * direction > 0 THEN 'special_cause_improvement'
            ELSE 'special_cause_concern'
        END;
        RETURN NEXT;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION stats.spc_points(double precision[], text, boolean) IS
    'The work of stats.spc(); call that instead.';

-- Rebasing: the chart in phases, each charted alone from its own points (as NHSRplotthedots does with a rebase
-- column: limits and run rules within each rebase group).
CREATE OR REPLACE FUNCTION stats.spc(
    value double precision[],
    improvement text,
    screen_outliers boolean,
    rebase_at integer[]
)
RETURNS TABLE (point integer, value double precision, mean double precision, lpl double precision,
               upl double precision, point_type text, phase integer)
LANGUAGE sql
IMMUTABLE
STRICT
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH starts AS (
        SELECT 1 AS first
        UNION
        SELECT b FROM unnest($4) AS b WHERE b > 1 AND b <= cardinality($1)
    ), phases AS (
        SELECT row_number() OVER (ORDER BY first)::integer AS phase, first,
               coalesce(lead(first) OVER (ORDER BY first) - 1, cardinality($1)) AS last
        FROM starts
    )
    SELECT p.first - 1 + s.point, s.value, s.mean, s.lpl, s.upl, s.point_type, p.phase
    FROM phases p
    CROSS JOIN LATERAL stats.spc_points($1[p.first:p.last], $2, $3) s
    ORDER BY 1
$fn$;
COMMENT ON FUNCTION stats.spc(double precision[], text, boolean, integer[]) IS
    'stats.spc() rebased: rebase_at lists the points (1-based) from which the series is charted afresh, each phase '
    'with its own mean, limits and special causes, computed from its points alone (NHSRplotthedots'' rebase). phase '
    'numbers the phases from 1. Points outside 2..cardinality(value) are ignored. '
    'Example: SELECT * FROM stats.spc(ARRAY[5, 6, 5, 6, 9, 10, 9, 10]::float8[], ''increase'', true, ARRAY[5]).';

CREATE OR REPLACE FUNCTION stats.spc_assurance(
    value double precision[],
    target double precision,
    improvement text,
    screen_outliers boolean,
    rebase_at integer[]
)
RETURNS text
LANGUAGE sql
IMMUTABLE
STRICT
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT CASE
        WHEN improvement = 'neutral' OR s.lpl IS NULL THEN NULL
        WHEN target > s.upl THEN CASE WHEN improvement = 'increase' THEN 'consistent_fail' ELSE 'consistent_pass' END
        WHEN target < s.lpl THEN CASE WHEN improvement = 'increase' THEN 'consistent_pass' ELSE 'consistent_fail' END
        ELSE 'inconsistent'
    END
    FROM stats.spc(value, improvement, screen_outliers, rebase_at) s
    ORDER BY s.point DESC
    LIMIT 1
$fn$;
COMMENT ON FUNCTION stats.spc_assurance(double precision[], double precision, text, boolean, integer[]) IS
    'stats.spc_assurance() of a rebased series: against the limits of its latest phase.';

CREATE OR REPLACE FUNCTION stats.spc_variation(
    value double precision[],
    improvement text,
    screen_outliers boolean,
    rebase_at integer[]
)
RETURNS text
LANGUAGE sql
IMMUTABLE
STRICT
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT s.point_type FROM stats.spc(value, improvement, screen_outliers, rebase_at) s ORDER BY s.point DESC LIMIT 1
$fn$;
COMMENT ON FUNCTION stats.spc_variation(double precision[], text, boolean, integer[]) IS
    'stats.spc_variation() of a rebased series: the point_type of its latest point, within its latest phase.';

CREATE OR REPLACE FUNCTION stats.spc(
    value double precision[],
    improvement text DEFAULT 'increase',
    screen_outliers boolean DEFAULT true
)
RETURNS TABLE (point integer, value double precision, mean double precision, lpl double precision,
               upl double precision, point_type text)
LANGUAGE sql
IMMUTABLE
STRICT
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT * FROM stats.spc_points(value, improvement, screen_outliers)
$fn$;
COMMENT ON FUNCTION stats.spc(double precision[], text, boolean) IS
    'Making Data Count XmR chart of one series, in time order (NHS England; computed as NHSRplotthedots 0.2 does): '
    'one row per point with the mean, the lower and upper process limits (mean -/+ 2.66 x the mean moving range) '
    'and its point_type: common_cause, special_cause_improvement or special_cause_concern (improvement increase or '
    'decrease), special_cause_neutral_high or special_cause_neutral_low (neutral). With screen_outliers (the '
    'default, as NHSRplotthedots; NHS England''s Excel tool does not), moving ranges of 3.267 x their mean or more '
    'are left out of the limits. Special causes, in this order: a point outside the limits; part of 7 points each '
    'rising (or falling); 2 of 3 points beyond two-thirds of the way to a limit, all 3 on one side of the mean; '
    'part of 7 points on one side of the mean. Limits are NULL for a single point. A NULL in the series is an error; '
    'a NULL argument gives no rows (STRICT). '
    'Example: SELECT * FROM stats.spc(ARRAY[12, 14, 13, 15, 19, 18, 21]::float8[], ''decrease'').';

CREATE OR REPLACE FUNCTION stats.spc_assurance(
    value double precision[],
    target double precision,
    improvement text DEFAULT 'increase',
    screen_outliers boolean DEFAULT true
)
RETURNS text
LANGUAGE sql
IMMUTABLE
STRICT
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT stats.spc_assurance(value, target, improvement, screen_outliers, '{}'::integer[])
$fn$;
COMMENT ON FUNCTION stats.spc_assurance(double precision[], double precision, text, boolean) IS
    'Making Data Count assurance of a series against a target, from its latest process limits (as NHSRplotthedots): '
    'consistent_pass when every value within the limits meets the target, consistent_fail when none does, '
    'inconsistent when the target lies between the limits; NULL for a neutral measure, no target, or too few points. '
    'Example: SELECT stats.spc_assurance(ARRAY[12, 14, 13, 15]::float8[], 18, ''decrease'').';

CREATE OR REPLACE FUNCTION stats.spc_variation(
    value double precision[],
    improvement text DEFAULT 'increase',
    screen_outliers boolean DEFAULT true
)
RETURNS text
LANGUAGE sql
IMMUTABLE
STRICT
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT stats.spc_variation(value, improvement, screen_outliers, '{}'::integer[])
$fn$;
COMMENT ON FUNCTION stats.spc_variation(double precision[], text, boolean) IS
    'The variation icon of a series: the point_type of its latest point in stats.spc() (NHSRplotthedots'' '
    'variation_type).';

-- As every function of the schema: the analyst and loader roles only.
REVOKE ALL ON FUNCTION stats.spc(double precision[], text, boolean, integer[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION stats.spc_assurance(double precision[], double precision, text, boolean, integer[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION stats.spc_variation(double precision[], text, boolean, integer[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stats.spc(double precision[], text, boolean, integer[]) TO rehab_analyst, rehab_loader;
GRANT EXECUTE ON FUNCTION stats.spc_assurance(double precision[], double precision, text, boolean, integer[])
    TO rehab_analyst, rehab_loader;
GRANT EXECUTE ON FUNCTION stats.spc_variation(double precision[], text, boolean, integer[])
    TO rehab_analyst, rehab_loader;
REVOKE ALL ON FUNCTION stats.spc_points(double precision[], text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION stats.spc(double precision[], text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION stats.spc_assurance(double precision[], double precision, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION stats.spc_variation(double precision[], text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stats.spc_points(double precision[], text, boolean) TO rehab_analyst, rehab_loader;
GRANT EXECUTE ON FUNCTION stats.spc(double precision[], text, boolean) TO rehab_analyst, rehab_loader;
GRANT EXECUTE ON FUNCTION stats.spc_assurance(double precision[], double precision, text, boolean)
    TO rehab_analyst, rehab_loader;
GRANT EXECUTE ON FUNCTION stats.spc_variation(double precision[], text, boolean) TO rehab_analyst, rehab_loader;

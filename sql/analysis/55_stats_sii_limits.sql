-- Confidence limits of the SII and RII by simulation, callable from SQL, as PHEindicatormethods' phe_sii computes
-- them when given each quantile's confidence limits: each quantile's value is drawn from a normal distribution
-- with the standard error its limits imply, the indices are fitted again for every draw, and the limits are the
-- draws' percentiles. `rehabcount analyse` fills analysis.inequality the same way in Swift, faster; this function
-- lets an analyst do it for any figures.
--
-- The draws come from L'Ecuyer's combined linear congruential generator (CACM 1988;31:742-9), seeded by the
-- caller, so the function is deterministic (IMMUTABLE) and leaves the session's random() alone.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE FUNCTION stats.sii_limits(
    vals numeric[],
    lower_limits numeric[],
    upper_limits numeric[],
    populations numeric[],
    repetitions integer DEFAULT 10000,
    confidence numeric DEFAULT 0.95,
    seed bigint DEFAULT 20191001,
    OUT sii_lower numeric,
    OUT sii_upper numeric,
    OUT rii_lower numeric,
    OUT rii_upper numeric
)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    k integer := cardinality(vals);
    z double precision := -stats.norm_quantile(0.025);  -- the quantiles' limits are 95% limits, as PHE assumes
    se double precision[];
    pops double precision[];
    draw double precision[];
    s1 bigint := 1 + abs(seed) % 2147483562;
    s2 bigint := 1 + abs(seed / 7 + 12345) % 2147483398;
    u1 double precision;
    u2 double precision;
    spare double precision;
    has_spare boolean := false;
    siis double precision[] := '{}';
    riis double precision[] := '{}';
    fit record;
    alpha double precision := (1 - confidence) / 2;
BEGIN
    IF k <> cardinality(lower_limits) OR k <> cardinality(upper_limits) OR k <> cardinality(populations) THEN
        RAISE EXCEPTION 'stats.sii_limits: vals, lower_limits, upper_limits and populations must have the same number of elements'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF repetitions < 100 OR repetitions > 1000000 THEN
        RAISE EXCEPTION 'stats.sii_limits: repetitions must be between 100 and 1000000'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF NOT (confidence > 0 AND confidence < 1) THEN
        RAISE EXCEPTION 'stats.sii_limits: confidence must be strictly between 0 and 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- As stats.sii: no limits with a quantile missing or fewer than 5.
    IF k < 5 OR array_position(vals, NULL) IS NOT NULL OR array_position(lower_limits, NULL) IS NOT NULL
        OR array_position(upper_limits, NULL) IS NOT NULL OR array_position(populations, NULL) IS NOT NULL
        OR EXISTS (SELECT 1 FROM unnest(populations) AS p WHERE p <= 0) THEN
        RETURN;
    END IF;
    SELECT array_agg(((u - l) / (2 * z))::double precision ORDER BY i), array_agg(p::double precision ORDER BY i)
    INTO se, pops
    FROM unnest(lower_limits, upper_limits, populations) WITH ORDINALITY AS t(l, u, p, i);
    draw := array_fill(0::double precision, ARRAY[k]);
    FOR r IN 1..repetitions LOOP
        FOR i IN 1..k LOOP
            IF has_spare THEN
                draw[i] := vals[i] + se[i] * spare;
                has_spare := false;
            ELSE
                -- Two uniforms in (0, 1) from the combined generator, then Box-Muller: two normal draws.
                s1 := (40014 * s1) % 2147483563;
                s2 := (40692 * s2) % 2147483399;
                u1 := (((s1 - s2) % 2147483562 + 2147483562) % 2147483562 + 1) / 2147483563.0;
                s1 := (40014 * s1) % 2147483563;
                s2 := (40692 * s2) % 2147483399;
                u2 := (((s1 - s2) % 2147483562 + 2147483562) % 2147483562 + 1) / 2147483563.0;
                draw[i] := vals[i] + se[i] * sqrt(-2 * ln(u1)) * cos(2 * pi() * u2);
                spare := sqrt(-2 * ln(u1)) * sin(2 * pi() * u2);
                has_spare := true;
            END IF;
        END LOOP;
        SELECT * INTO fit FROM stats.sii_fit(draw, pops);
        siis := siis || fit.slope;
        IF fit.intercept <> 0 THEN
            riis := riis || ((fit.intercept + fit.slope) / fit.intercept);
        END IF;
    END LOOP;
    SELECT percentile_cont(alpha) WITHIN GROUP (ORDER BY v), percentile_cont(1 - alpha) WITHIN GROUP (ORDER BY v)
    INTO sii_lower, sii_upper
    FROM unnest(siis) AS v;
    IF cardinality(riis) = repetitions THEN
        SELECT percentile_cont(alpha) WITHIN GROUP (ORDER BY v), percentile_cont(1 - alpha) WITHIN GROUP (ORDER BY v)
        INTO rii_lower, rii_upper
        FROM unnest(riis) AS v;
    END IF;
END
$fn$;
COMMENT ON FUNCTION stats.sii_limits(numeric[], numeric[], numeric[], numeric[], integer, numeric, bigint) IS
    'Confidence limits of stats.sii''s SII and RII by simulation, as PHEindicatormethods phe_sii when given each '
    'quantile''s 95% limits: standard error (upper - lower) / (2 x 1.96) per quantile, repetitions normal draws of '
    'every quantile, the indices fitted to each draw, and the (1 - confidence)/2 and 1 - (1 - confidence)/2 '
    'percentiles of the draws (R''s type 7). Deterministic for a seed (L''Ecuyer''s combined generator, not the '
    'session''s random()), so the same inputs give the same limits. NULL as stats.sii for missing quantiles; RII '
    'limits NULL if a draw''s intercept is 0. About 0.5 s for 10,000 repetitions of 5 quintiles. '
    'rehabcount analyse fills analysis.inequality''s limits by the same method in Swift. '
    'Example: SELECT * FROM stats.sii_limits(q.dsrs, q.lowers, q.uppers, q.pops).';
REVOKE ALL ON FUNCTION stats.sii_limits(numeric[], numeric[], numeric[], numeric[], integer, numeric, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stats.sii_limits(numeric[], numeric[], numeric[], numeric[], integer, numeric, bigint)
    TO rehab_analyst, rehab_loader;

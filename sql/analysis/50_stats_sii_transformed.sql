-- The slope and relative indices of inequality of rates (log) and proportions (logit), as PHEindicatormethods'
-- phe_sii with transform = TRUE (R/SII_function.R): the regression is fitted to the transformed values and its
-- ends transformed back.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE FUNCTION stats.sii_fit(vals double precision[], populations double precision[],
                                         OUT slope double precision, OUT intercept double precision)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    k integer := cardinality(vals);
    a double precision[];
    b double precision[];
    total double precision;
    cumulative double precision := 0;
    mean_b double precision := 0;
    mean_y double precision := 0;
    sxx double precision := 0;
    sxy double precision := 0;
BEGIN
    SELECT sum(p) INTO total FROM unnest(populations) AS p;
    a := array_fill(0::double precision, ARRAY[k]);
    b := array_fill(0::double precision, ARRAY[k]);
    FOR i IN 1..k LOOP
        a[i] := populations[i] / total;
        b[i] := cumulative + a[i] / 2;
        cumulative := cumulative + a[i];
        mean_b := mean_b + a[i] * b[i];
        mean_y := mean_y + a[i] * vals[i];
    END LOOP;
    FOR i IN 1..k LOOP
        sxx := sxx + a[i] * (b[i] - mean_b) ^ 2;
        sxy := sxy + a[i] * (b[i] - mean_b) * (vals[i] - mean_y);
    END LOOP;
    slope := sxy / sxx;
    intercept := mean_y - slope * mean_b;
END
$fn$;
COMMENT ON FUNCTION stats.sii_fit(double precision[], double precision[]) IS
    'Helper for stats.sii_transformed: the population-weighted least-squares line of vals on the mid-point of each '
    'quantile''s cumulative population share (as stats.sii), its slope and its value at the most deprived end.';

CREATE OR REPLACE FUNCTION stats.sii_transformed(
    vals numeric[],
    populations numeric[],
    value_type text,
    multiplier numeric DEFAULT 1,
    OUT sii numeric,
    OUT rii numeric,
    OUT intercept numeric
)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    k integer := cardinality(vals);
    y double precision[];
    fit record;
    low double precision;
    high double precision;
BEGIN
    IF value_type NOT IN ('rate', 'proportion') THEN
        RAISE EXCEPTION 'stats.sii_transformed: value_type must be rate (log) or proportion (logit)'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF k <> cardinality(populations) THEN
        RAISE EXCEPTION 'stats.sii_transformed: vals and populations must have the same number of elements'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF multiplier = 0 THEN
        RAISE EXCEPTION 'stats.sii_transformed: multiplier must not be 0' USING ERRCODE = 'invalid_parameter_value';
    ELSIF EXISTS (SELECT 1 FROM unnest(vals) AS v
                  WHERE v <= 0 OR (value_type = 'proportion' AND v >= 1)) THEN
        RAISE EXCEPTION 'stats.sii_transformed: every value must be above 0 (and below 1 for a proportion) to be transformed'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- As stats.sii: no index with a quantile missing or fewer than 5.
    IF k < 5 OR array_position(vals, NULL) IS NOT NULL OR array_position(populations, NULL) IS NOT NULL
        OR EXISTS (SELECT 1 FROM unnest(populations) AS p WHERE p <= 0) THEN
        RETURN;
    END IF;
    SELECT array_agg(CASE WHEN value_type = 'rate' THEN ln(v::double precision)
                          ELSE ln(v::double precision / (1 - v::double precision)) END ORDER BY i)
    INTO y
    FROM unnest(vals) WITH ORDINALITY AS u(v, i);
    SELECT * INTO fit
    FROM stats.sii_fit(y, (SELECT array_agg(p::double precision ORDER BY i)
                           FROM unnest(populations) WITH ORDINALITY AS u(p, i)));
    -- Back to the values' scale at the two ends: b = 0 (most deprived) and b = 1 (least deprived).
    low := CASE WHEN value_type = 'rate' THEN exp(fit.intercept) ELSE 1 / (1 + exp(-fit.intercept)) END;
    high := CASE WHEN value_type = 'rate' THEN exp(fit.intercept + fit.slope)
                 ELSE 1 / (1 + exp(-(fit.intercept + fit.slope))) END;
    sii := (high - low) * multiplier;
    rii := CASE WHEN multiplier < 0 THEN low / high ELSE high / low END;
    intercept := low * abs(multiplier);
END
$fn$;
COMMENT ON FUNCTION stats.sii_transformed(numeric[], numeric[], text, numeric) IS
    'Slope and relative index of inequality of rates or proportions fitted on a transformed scale, as '
    'PHEindicatormethods phe_sii with transform = TRUE (value_type 1 for rates: log; 2 for proportions: logit): the '
    'population-weighted regression of the transformed values on relative rank (as stats.sii), whose fitted values '
    'at the most (b = 0) and least (b = 1) deprived ends are transformed back; sii = (end at 1 - end at 0) x '
    'multiplier, rii = end at 1 / end at 0 (inverted for a negative multiplier), intercept = end at 0 x '
    '|multiplier|. Suits indicators whose gap is multiplicative. vals are ordered from the most deprived quantile. '
    'NULLs and fewer than 5 quantiles give NULL, as stats.sii; values must be positive (and below 1 for a '
    'proportion). Simulated confidence limits are not computed. Reference: Low A, Low A, J Public Health '
    '2004;26:388-95; Fingertips Public Health Technical Guidance (SII).';
REVOKE ALL ON FUNCTION stats.sii_fit(double precision[], double precision[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION stats.sii_transformed(numeric[], numeric[], text, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stats.sii_fit(double precision[], double precision[]) TO rehab_analyst, rehab_loader;
GRANT EXECUTE ON FUNCTION stats.sii_transformed(numeric[], numeric[], text, numeric) TO rehab_analyst, rehab_loader;

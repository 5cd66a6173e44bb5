-- Indirectly standardised ratios and rates (SMR, ISR), as PHEindicatormethods' calculate_ISRatio and
-- calculate_ISRate (R/ISRatio.R, R/ISRate.R).
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE FUNCTION stats.isr(
    observed numeric,
    populations numeric[],
    reference_counts numeric[],
    reference_populations numeric[],
    multiplier numeric DEFAULT 100000,
    confidence numeric DEFAULT 0.95,
    OUT expected numeric,
    OUT reference_rate numeric,
    OUT ratio numeric,
    OUT ratio_lower numeric,
    OUT ratio_upper numeric,
    OUT rate numeric,
    OUT rate_lower numeric,
    OUT rate_upper numeric
)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    limits record;
BEGIN
    IF cardinality(populations) IS DISTINCT FROM cardinality(reference_counts)
        OR cardinality(populations) IS DISTINCT FROM cardinality(reference_populations)
        OR cardinality(populations) = 0
    THEN
        RAISE EXCEPTION 'stats.isr: populations, reference_counts and reference_populations must have the same, non-zero number of elements'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF observed < 0 THEN
        RAISE EXCEPTION 'stats.isr: observed must not be negative' USING ERRCODE = 'invalid_parameter_value';
    ELSIF EXISTS (SELECT 1 FROM unnest(populations) AS p WHERE p < 0) THEN
        RAISE EXCEPTION 'stats.isr: populations must not be negative' USING ERRCODE = 'invalid_parameter_value';
    ELSIF EXISTS (SELECT 1 FROM unnest(reference_populations) AS p WHERE p IS NULL OR p <= 0) THEN
        RAISE EXCEPTION 'stats.isr: every reference population must be greater than zero'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF NOT (confidence > 0 AND confidence < 1) THEN
        RAISE EXCEPTION 'stats.isr: confidence must be strictly between 0 and 1'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF multiplier <= 0 THEN
        RAISE EXCEPTION 'stats.isr: multiplier must be greater than zero' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Expected events: each band's reference rate applied to the area's population; a missing count or population
    -- counts as 0, as PHE's na.zero.
    SELECT sum(coalesce(rc, 0) / rp * coalesce(p, 0)), sum(coalesce(rc, 0)) / sum(rp) * multiplier
    INTO expected, reference_rate
    FROM unnest(populations, reference_counts, reference_populations) AS u(p, rc, rp);
    IF expected = 0 THEN
        RAISE EXCEPTION 'stats.isr: no events are expected (all populations or reference counts are 0)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Limits of the observed count: exact below 10 events, Byar's from 10 (PHE).
    IF observed < 10 THEN
        SELECT * INTO limits FROM stats.poisson_exact_ci(observed, confidence);
    ELSE
        SELECT * INTO limits FROM stats.byar_ci(observed, confidence);
    END IF;
    ratio := observed / expected;
    ratio_lower := limits.lower / expected;
    ratio_upper := limits.upper / expected;
    rate := ratio * reference_rate;
    rate_lower := ratio_lower * reference_rate;
    rate_upper := ratio_upper * reference_rate;
END
$fn$;
COMMENT ON FUNCTION stats.isr(numeric, numeric[], numeric[], numeric[], numeric, numeric) IS
    'Indirect standardisation, as PHEindicatormethods calculate_ISRatio and calculate_ISRate: expected = sum over '
    'bands (age bands, say) of reference_counts / reference_populations x populations; ratio = observed / expected '
    '(the SMR; x 100 for the usual scale) and rate = ratio x reference_rate, reference_rate being sum(reference_counts) '
    '/ sum(reference_populations) x multiplier. Limits from those of the observed count: exact (chi-squared) below '
    '10 events, Byar''s from 10, divided by expected. A NULL band count or population counts as 0, as PHE''s '
    'na.zero. References: Breslow NE, Day NE, Statistical methods in cancer research vol. II (IARC 1987); '
    'Fingertips Public Health Technical Guidance, "Indirectly standardised ratios". '
    'Example: SELECT * FROM stats.isr(42, ARRAY[500, 300]::numeric[], ARRAY[90, 210]::numeric[], '
    'ARRAY[20000, 15000]::numeric[]).';
REVOKE ALL ON FUNCTION stats.isr(numeric, numeric[], numeric[], numeric[], numeric, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stats.isr(numeric, numeric[], numeric[], numeric[], numeric, numeric)
    TO rehab_analyst, rehab_loader;

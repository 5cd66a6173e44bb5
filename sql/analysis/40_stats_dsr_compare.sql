-- The ratio and the difference of two directly standardised rates, with confidence limits.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE FUNCTION stats.dsr_compare(
    counts_a numeric[], populations_a numeric[],
    counts_b numeric[], populations_b numeric[],
    standard numeric[],
    multiplier numeric DEFAULT 100000,
    confidence numeric DEFAULT 0.95,
    OUT ratio numeric, OUT ratio_lower numeric, OUT ratio_upper numeric,
    OUT difference numeric, OUT difference_lower numeric, OUT difference_upper numeric
)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    a record;
    b record;
    z double precision;
    rate_a double precision;
    rate_b double precision;
    variance_a double precision;
    variance_b double precision;
    log_se double precision;
    difference_se double precision;
BEGIN
    IF NOT (confidence > 0 AND confidence < 1) THEN
        RAISE EXCEPTION 'stats.dsr_compare: confidence must be strictly between 0 and 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Each rate and its variance, sum((w_i / n_i)^2 x_i) (multiplier / sum(w))^2, the variance stats.dsr's
    -- Dobson limits are built on; stats.dsr also checks the arguments and gives NULL below 10 events.
    SELECT d.value INTO rate_a FROM stats.dsr(counts_a, populations_a, standard, multiplier, confidence) d;
    SELECT d.value INTO rate_b FROM stats.dsr(counts_b, populations_b, standard, multiplier, confidence) d;
    IF rate_a IS NULL OR rate_b IS NULL THEN
        RETURN;
    END IF;
    SELECT sum(coalesce(x, 0) * (w / n) ^ 2) * (multiplier / sum(w)) ^ 2 INTO variance_a
    FROM unnest(counts_a, populations_a, standard) AS u(x, n, w);
    SELECT sum(coalesce(x, 0) * (w / n) ^ 2) * (multiplier / sum(w)) ^ 2 INTO variance_b
    FROM unnest(counts_b, populations_b, standard) AS u(x, n, w);
    z := -stats.norm_quantile(((1 - confidence) / 2)::double precision);

    difference := rate_a - rate_b;
    difference_se := sqrt(variance_a + variance_b);
    difference_lower := difference - z * difference_se;
    difference_upper := difference + z * difference_se;
    IF rate_b > 0 AND rate_a > 0 THEN
        ratio := rate_a / rate_b;
        log_se := sqrt(variance_a / rate_a ^ 2 + variance_b / rate_b ^ 2);
        ratio_lower := exp(ln(ratio) - z * log_se);
        ratio_upper := exp(ln(ratio) + z * log_se);
    END IF;
END
$fn$;
COMMENT ON FUNCTION stats.dsr_compare(numeric[], numeric[], numeric[], numeric[], numeric[], numeric, numeric) IS
    'Compares two directly standardised rates, a and b, on the same standard: ratio = DSR_a / DSR_b with limits '
    'exp(ln ratio -/+ z sqrt(var_a / DSR_a^2 + var_b / DSR_b^2)), and difference = DSR_a - DSR_b with limits '
    'difference -/+ z sqrt(var_a + var_b), z the 1 - (1 - confidence)/2 normal quantile and var the variance of '
    'each DSR, sum over strata of (w_i / n_i)^2 x_i x (multiplier / sum w)^2 (the variance behind stats.dsr''s '
    'Dobson limits). The normal approximation on the log scale for the ratio and on the rate scale for the '
    'difference: Breslow NE, Day NE. Statistical methods in cancer research, volume II. Lyon: IARC 1987, section '
    '2.3 (comparison of directly standardised rates); Clayton D, Hills M. Statistical Models in Epidemiology. OUP '
    '1993, chapter 15. Both rates must come from independent counts. NULL (all outputs) when either DSR is NULL '
    '(fewer than 10 events, as stats.dsr); the ratio and its limits are NULL when either rate is 0. Arguments are '
    'checked as by stats.dsr (22023).';
REVOKE ALL ON FUNCTION stats.dsr_compare(numeric[], numeric[], numeric[], numeric[], numeric[], numeric, numeric)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stats.dsr_compare(numeric[], numeric[], numeric[], numeric[], numeric[], numeric, numeric)
    TO rehab_analyst, rehab_loader;

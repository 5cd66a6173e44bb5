-- stats.wilson_ci, as 0007 defined it, but confidence = 1 gives [0, 1] as PHEindicatormethods' wilson_lower and
-- wilson_upper do (their tests, tests/testthat/testWilson.R): the limits of a certain interval.

CREATE OR REPLACE FUNCTION stats.wilson_ci(x numeric, n numeric, confidence numeric DEFAULT 0.95,
                                           OUT lower numeric, OUT upper numeric)
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    xd  double precision := x;
    nd  double precision := n;
    z   double precision;
    z2  double precision;
    s   double precision;
BEGIN
    IF x < 0 THEN
        RAISE EXCEPTION 'stats.wilson_ci: x must not be negative' USING ERRCODE = 'invalid_parameter_value';
    ELSIF n <= 0 THEN
        RAISE EXCEPTION 'stats.wilson_ci: n must be greater than zero' USING ERRCODE = 'invalid_parameter_value';
    ELSIF x > n THEN
        RAISE EXCEPTION 'stats.wilson_ci: x must not be greater than n' USING ERRCODE = 'invalid_parameter_value';
    ELSIF NOT (confidence > 0 AND confidence <= 1) THEN
        RAISE EXCEPTION 'stats.wilson_ci: confidence must be greater than 0 and at most 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF confidence = 1 THEN
        -- z is infinite: the limits are the whole range.
        lower := 0;
        upper := 1;
        RETURN;
    END IF;
    z := -stats.norm_quantile(((1 - confidence) / 2)::double precision);
    z2 := z * z;
    s := sqrt(z2 + 4 * xd * (1 - xd / nd));
    -- PHE: (2x + z^2 -/+ z s) / 2 / (n + z^2). The lower limit is rearranged to 2x^2 / (n (2x + z^2 + z s)), equal
    -- algebraically but free of cancellation for small x.
    lower := CASE WHEN x = 0 THEN 0 ELSE 2 * xd * xd / (nd * (2 * xd + z2 + z * s)) END;
    upper := CASE WHEN x = n THEN 1 ELSE (2 * xd + z2 + z * s) / 2 / (nd + z2) END;
END
$fn$;
COMMENT ON FUNCTION stats.wilson_ci(numeric, numeric, numeric) IS
    'Wilson score confidence interval for the proportion x/n, on the 0-1 scale, without continuity correction: '
    'lower, upper = (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2)), z the 1 - (1 - confidence)/2 normal '
    'quantile. As PHEindicatormethods phe_proportion (internal wilson_lower/wilson_upper, R/utils.R). '
    'References: Wilson EB. Probable inference, the law of succession, and statistical inference. J Am Stat Assoc '
    '1927;22:209-12. Newcombe RG, Altman DG. Proportions and their differences. In: Altman DG et al. (eds), '
    'Statistics with confidence, 2nd edn. BMJ Books 2000:46-8. Fingertips Public Health Technical Guidance / APHO '
    'Technical Briefing 3, "Confidence intervals" (Wilson score method). '
    'x = 0 gives lower exactly 0 and x = n upper exactly 1; confidence = 1 gives 0 and 1, as PHE. x need not be a '
    'whole number. NULL in any argument (including an explicit NULL confidence) gives NULL lower and upper. Raises '
    '22023 (message naming the argument) for x < 0, n <= 0, x > n, or confidence not greater than 0 and at most 1.';

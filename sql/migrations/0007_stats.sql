-- Statistical functions for indicators: confidence intervals for proportions, counts and rates, directly
-- standardised rates and the slope and relative indices of inequality, in a schema of their own, `stats`.
--
-- They follow the R package PHEindicatormethods (Public Health England, then UKHSA, now DHSC; v2.1.1, sources at
-- github.com/dhsc-govuk/PHEindicatormethods, earlier github.com/ukhsa-collaboration/PHEindicatormethods) and the
-- Fingertips Public Health Technical Guidance ("Confidence intervals", "Rates", "DSRs") that it implements, so
-- that RehabCount figures can be compared with published PHE/OHID indicators. Each function's COMMENT names the R
-- function it matches, the method and its reference, and where it deliberately differs.
--
-- Conventions shared by every public function here:
--   - Arguments and results are numeric; the arithmetic is done in double precision (about 15 significant digits,
--     far more than any indicator is published with). confidence is a fraction in (0, 1), e.g. 0.95 or 0.998;
--     PHE's "95 means 95%" shorthand is not accepted.
--   - STRICT: a NULL argument gives NULL results, without an error. That includes an explicit NULL for an argument
--     that has a DEFAULT (the default applies only when the argument is left out).
--   - A value outside the domain (a negative count, confidence not strictly between 0 and 1, arrays of different
--     lengths, ...) raises SQLSTATE 22023 (invalid_parameter_value) with a message that starts with the function's
--     name and names the argument. Messages do not quote the offending value.
--   - IMMUTABLE and PARALLEL SAFE; every reference to another function here is schema-qualified, so no
--     search_path is set (built-in functions and operators always resolve in pg_catalog first).
--
-- PostgreSQL 15 has no normal or chi-squared quantile, so the helpers below implement them: the normal quantile by
-- Wichura's AS 241 (PPND16), and the chi-squared quantile by inverting the regularised incomplete gamma function
-- (series and continued fraction, Numerical Recipes 6.2, with Loader's saddle-point form of the leading factor for
-- large shapes) with safeguarded Newton steps. Checked against SciPy 1.17 (scipy.stats.chi2.ppf/isf, norm.ppf):
-- within 1e-12 relative for x = 0..10^6 and confidence 0.8..0.999; see Tests/IntegrationTests/StatsTests.swift.
-- The cost of an exact Poisson limit grows as the square root of x (about 10 ms for both limits at x = 10^6).
--
-- Privileges: USAGE on the schema and EXECUTE on its functions for rehab_analyst and rehab_loader (roles from
-- 0006_roles.sql); EXECUTE is revoked from PUBLIC, as for the other schemas. A view in `published` that calls these
-- functions needs EXECUTE granted to rehab_public as well (functions in a view run with the caller's privileges).

CREATE SCHEMA stats;
COMMENT ON SCHEMA stats IS
    'Statistical functions compatible with PHEindicatormethods (PHE/OHID Fingertips methods): Wilson, Byar''s and '
    'exact Poisson confidence intervals, crude rates, directly standardised rates (Dobson limits) and the slope and '
    'relative indices of inequality, plus the normal and chi-squared quantile helpers they need. Pure functions '
    'of their arguments, no tables. Usable by rehab_analyst and rehab_loader.';

-- Helpers ---------------------------------------------------------------------------------------------------------

CREATE FUNCTION stats.norm_quantile(p double precision) RETURNS double precision
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    q double precision := p - 0.5;
    r double precision;
    v double precision;
BEGIN
    IF p IS NULL OR NOT (p >= 0 AND p <= 1) THEN  -- also rejects NaN
        RAISE EXCEPTION 'stats.norm_quantile: p must be between 0 and 1'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF p = 0 THEN
        RETURN '-Infinity';
    ELSIF p = 1 THEN
        RETURN 'Infinity';
    END IF;
    IF abs(q) <= 0.425 THEN
        r := 0.180625 - q * q;
        RETURN q * (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r
                        + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                        + 133.14166789178437745) * r + 3.387132872796366608)
                 / (((((((5226.495278852854561 * r + 28729.085735721942674) * r + 39307.89580009271061) * r
                        + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                        + 42.313330701600911252) * r + 1.0);
    END IF;
    r := sqrt(-ln(least(p, 1 - p)));
    IF r <= 5 THEN
        r := r - 1.6;
        v := (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                  + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                  + 4.6303378461565452959) * r + 1.42343711074968357734)
           / (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                  + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                  + 2.05319162663775882187) * r + 1.0);
    ELSE
        r := r - 5;
        v := (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
                  + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                  + 5.4637849111641143699) * r + 6.6579046435011037772)
           / (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                  + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                  + 0.59983220655588793769) * r + 1.0);
    END IF;
    RETURN CASE WHEN q < 0 THEN -v ELSE v END;
END
$fn$;
COMMENT ON FUNCTION stats.norm_quantile(double precision) IS
    'Quantile of the standard normal distribution: the z with P(Z <= z) = p, e.g. 1.959963984540054 for p = 0.975. '
    'Wichura MJ. Algorithm AS 241: the percentage points of the normal distribution. Applied Statistics '
    '1988;37:477-84 (PPND16, relative accuracy about 1e-16; the algorithm of R''s qnorm). p = 0 and 1 give -Infinity '
    'and Infinity; p outside [0, 1] raises 22023. Helper for the confidence interval functions.';

CREATE FUNCTION stats.ln_gamma(a double precision) RETURNS double precision
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    shift double precision := 0;
    r     double precision;
BEGIN
    IF NOT (a > 0) OR a = 'Infinity' THEN
        RAISE EXCEPTION 'stats.ln_gamma: a must be positive and finite'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    WHILE a < 15 LOOP  -- ln Gamma(a) = ln Gamma(a + 1) - ln a, until Stirling's series is exact to double precision
        shift := shift + ln(a);
        a := a + 1;
    END LOOP;
    r := 1 / (a * a);
    RETURN (a - 0.5) * ln(a) - a + 0.91893853320467274178  -- ln sqrt(2 pi)
        + (1.0 / 12 - r * (1.0 / 360 - r * (1.0 / 1260 - r * (1.0 / 1680 - r * (1.0 / 1188 - r * (691.0 / 360360
            - r * (1.0 / 156))))))) / a
        - shift;
END
$fn$;
COMMENT ON FUNCTION stats.ln_gamma(double precision) IS
    'Natural logarithm of the gamma function for a > 0 (PostgreSQL 15 has no lgamma): Stirling''s series to the '
    'a^-13 term for a >= 15, the recurrence Gamma(a + 1) = a Gamma(a) below that; absolute error below 1e-14. '
    'Raises 22023 for a <= 0. Helper for stats.gamma_regularised.';

CREATE FUNCTION stats.gamma_log_kernel(a double precision, x double precision) RETURNS double precision
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    t    double precision;
    term double precision;
    bd   double precision;
    k    integer;
    r    double precision;
BEGIN
    IF NOT (a > 0) OR NOT (x >= 0) THEN
        RAISE EXCEPTION 'stats.gamma_log_kernel: a must be positive and x non-negative'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF x = 0 THEN
        RETURN '-Infinity';
    ELSIF a < 15 THEN
        RETURN a * ln(x) - x - stats.ln_gamma(a);
    END IF;
    -- Large a: a ln x - x - ln Gamma(a) = -a (t - ln(1 + t)) + ln(a) / 2 - ln sqrt(2 pi) - S(a), t = (x - a) / a,
    -- S(a) Stirling's correction (Loader 2000), which avoids cancelling terms of order a ln a.
    t := (x - a) / a;
    IF abs(t) < 0.1 THEN
        bd := 0;  -- t - ln(1 + t) = t^2/2 - t^3/3 + t^4/4 - ...: term k is (-t)^k
        term := -t;
        k := 1;
        LOOP
            k := k + 1;
            term := -term * t;
            bd := bd + term / k;
            EXIT WHEN abs(term / k) <= abs(bd) * 1e-17;
        END LOOP;
    ELSE
        bd := t - ln(1 + t);
    END IF;
    r := 1 / (a * a);
    RETURN -a * bd + 0.5 * ln(a) - 0.91893853320467274178
        - (1.0 / 12 - r * (1.0 / 360 - r * (1.0 / 1260 - r * (1.0 / 1680 - r * (1.0 / 1188 - r * (691.0 / 360360
            - r * (1.0 / 156))))))) / a;
END
$fn$;
COMMENT ON FUNCTION stats.gamma_log_kernel(double precision, double precision) IS
    'ln(x^a e^-x / Gamma(a)) for a > 0, x >= 0: the leading factor of the regularised incomplete gamma function '
    '(and x times the gamma density). Direct for a < 15; for larger a in the saddle-point form of Loader C, Fast and '
    'accurate computation of binomial probabilities (2000), accurate to about 1e-15 even for a = 10^6. -Infinity at '
    'x = 0. Raises 22023 outside the domain. Helper for stats.gamma_regularised and stats.gamma_quantile.';

CREATE FUNCTION stats.gamma_regularised(a double precision, x double precision,
                                        OUT p double precision, OUT q double precision)
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    max_iterations constant integer := 1000000;
    tiny           constant double precision := 1e-300;
    lead double precision;  -- ln(x^a e^-x / Gamma(a))
    s    double precision;
    del  double precision;
    ap   double precision;
    b    double precision;
    c    double precision;
    d    double precision;
    h    double precision;
    an   double precision;
    i    integer := 0;
BEGIN
    IF NOT (a > 0) OR a = 'Infinity' OR NOT (x >= 0) THEN
        RAISE EXCEPTION 'stats.gamma_regularised: a must be positive and finite and x non-negative'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF x = 0 THEN
        p := 0;
        q := 1;
        RETURN;
    ELSIF x = 'Infinity' THEN
        p := 1;
        q := 0;
        RETURN;
    END IF;
    lead := stats.gamma_log_kernel(a, x);
    IF x < a + 1 THEN
        -- Series: P = x^a e^-x / Gamma(a) * sum over n >= 0 of x^n / (a (a + 1) ... (a + n)).
        ap := a;
        del := 1 / a;
        s := del;
        LOOP
            i := i + 1;
            ap := ap + 1;
            del := del * x / ap;
            s := s + del;
            EXIT WHEN del <= s * 1e-17;
            IF i >= max_iterations THEN
                RAISE EXCEPTION 'stats.gamma_regularised: the series did not converge (a too large)'
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
        END LOOP;
        -- PostgreSQL raises an error where a float operation underflows to 0, so tiny results are set to 0 here.
        p := CASE WHEN lead + ln(s) < -700 THEN 0 ELSE exp(lead + ln(s)) END;
        q := 1 - p;
    ELSE
        -- Continued fraction for Q, evaluated by the modified Lentz method.
        b := x + 1 - a;
        c := 1 / tiny;
        d := 1 / b;
        h := d;
        LOOP
            i := i + 1;
            an := -i * (i - a);
            b := b + 2;
            d := an * d + b;
            IF abs(d) < tiny THEN d := tiny; END IF;
            c := b + an / c;
            IF abs(c) < tiny THEN c := tiny; END IF;
            d := 1 / d;
            del := d * c;
            h := h * del;
            EXIT WHEN abs(del - 1) <= 4e-16;
            IF i >= max_iterations THEN
                RAISE EXCEPTION 'stats.gamma_regularised: the continued fraction did not converge (a too large)'
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
        END LOOP;
        q := CASE WHEN lead + ln(h) < -700 THEN 0 ELSE exp(lead + ln(h)) END;
        p := 1 - q;
    END IF;
END
$fn$;
COMMENT ON FUNCTION stats.gamma_regularised(double precision, double precision) IS
    'Regularised incomplete gamma functions P(a, x) = gamma(a, x) / Gamma(a) (the gamma distribution function with '
    'shape a, scale 1) and Q(a, x) = 1 - P(a, x), for a > 0, x >= 0. The smaller of the two is computed directly '
    '(series when x < a + 1, Lentz continued fraction otherwise: Press et al., Numerical Recipes, 3rd edn, 6.2) and '
    'is accurate to about 1e-14 relative; the other is 1 minus it. Iterations grow as sqrt(a). Raises 22023 outside '
    'the domain. Helper for stats.gamma_quantile.';

CREATE FUNCTION stats.gamma_quantile(p double precision, shape double precision, lower_tail boolean DEFAULT true)
    RETURNS double precision
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    target  double precision;  -- lower-tail probability of the answer
    z       double precision;
    v       double precision;
    x       double precision;
    x_next  double precision;
    f       double precision;
    density double precision;
    lo      double precision := 0;
    hi      double precision := 'Infinity';
    g       record;
BEGIN
    IF NOT (p >= 0 AND p <= 1) THEN
        RAISE EXCEPTION 'stats.gamma_quantile: p must be between 0 and 1'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF NOT (shape > 0) OR shape = 'Infinity' THEN
        RAISE EXCEPTION 'stats.gamma_quantile: shape must be positive and finite'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    target := CASE WHEN lower_tail THEN p ELSE 1 - p END;
    IF (lower_tail AND p = 0) OR (NOT lower_tail AND p = 1) THEN
        RETURN 0;
    ELSIF (lower_tail AND p = 1) OR (NOT lower_tail AND p = 0) THEN
        RETURN 'Infinity';
    END IF;
    -- Starting point: Wilson-Hilferty for shape >= 1, else (or if that is not positive) the small-x approximation
    -- P(a, x) ~ x^a / Gamma(a + 1).
    z := CASE WHEN lower_tail THEN stats.norm_quantile(p) ELSE -stats.norm_quantile(p) END;
    IF shape >= 1 THEN
        v := 1 / (9 * shape);
        x := 1 - v + z * sqrt(v);
        x := CASE WHEN x > 0 THEN shape * x * x * x END;
    END IF;
    IF x IS NULL OR NOT (x > 0) OR x = 'Infinity' THEN
        x := exp((ln(target) + stats.ln_gamma(shape + 1)) / shape);
        IF NOT (x > 0) OR x = 'Infinity' THEN
            x := shape;
        END IF;
    END IF;
    -- Newton steps on F(x) = P(shape, x) - p (or p - Q(shape, x) for the upper tail, which keeps small upper tails
    -- accurate), falling back to bisection of the bracket [lo, hi] whenever a step would leave it.
    FOR iteration IN 1..400 LOOP
        g := stats.gamma_regularised(shape, x);
        f := CASE WHEN lower_tail THEN g.p - p ELSE p - g.q END;
        IF f = 0 THEN
            RETURN x;
        ELSIF f < 0 THEN
            lo := x;
        ELSE
            hi := x;
        END IF;
        density := stats.gamma_log_kernel(shape, x) - ln(x);  -- ln of the density at x
        density := CASE WHEN density < -700 THEN 0 ELSE exp(density) END;
        x_next := CASE WHEN density > 0 AND density < 'Infinity' THEN x - f / density END;
        IF abs(x_next - x) <= 1e-13 * x THEN
            RETURN x_next;  -- converged: the next step would be smaller than the noise in F
        ELSIF x_next IS NULL OR NOT (x_next > lo AND x_next < hi) THEN
            x_next := CASE WHEN hi = 'Infinity' THEN 2 * x + 1 ELSE lo + (hi - lo) / 2 END;
        END IF;
        IF hi < 'Infinity' AND hi - lo <= 1e-15 * hi THEN
            RETURN x_next;
        END IF;
        x := x_next;
    END LOOP;
    RAISE EXCEPTION 'stats.gamma_quantile: no convergence'
        USING ERRCODE = 'invalid_parameter_value';
END
$fn$;
COMMENT ON FUNCTION stats.gamma_quantile(double precision, double precision, boolean) IS
    'Quantile of the gamma distribution with the given shape and scale 1: the x with P(shape, x) = p, or with '
    'Q(shape, x) = p when lower_tail is false (more accurate for small upper-tail probabilities). Safeguarded Newton '
    'iteration on stats.gamma_regularised from a Wilson-Hilferty start; relative accuracy about 1e-13. p = 0 and 1 '
    'give 0 and Infinity (or the reverse for the upper tail). Raises 22023 for p outside [0, 1] or shape <= 0. '
    'Helper for stats.chisq_quantile.';

CREATE FUNCTION stats.chisq_quantile(p double precision, df double precision, lower_tail boolean DEFAULT true)
    RETURNS double precision
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
BEGIN
    IF NOT (p >= 0 AND p <= 1) THEN
        RAISE EXCEPTION 'stats.chisq_quantile: p must be between 0 and 1'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF NOT (df >= 0) OR df = 'Infinity' THEN
        RAISE EXCEPTION 'stats.chisq_quantile: df must be non-negative and finite'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF df = 0 THEN
        RETURN 0;  -- all the mass at 0, as R's qchisq(p, 0)
    END IF;
    RETURN 2 * stats.gamma_quantile(p, df / 2, lower_tail);
END
$fn$;
COMMENT ON FUNCTION stats.chisq_quantile(double precision, double precision, boolean) IS
    'Quantile of the chi-squared distribution with df degrees of freedom (R''s qchisq(p, df, lower.tail), Excel''s '
    'CHIINV(1 - p, df)): twice the gamma quantile with shape df/2. df = 0 gives 0 as in R. With lower_tail false, '
    'p is the upper-tail probability. Relative accuracy about 1e-13 (checked against scipy.stats.chi2 for df up to '
    '2 000 002). Raises 22023 for p outside [0, 1] or df < 0. Helper for stats.poisson_exact_ci.';

-- Confidence intervals ----------------------------------------------------------------------------------------------

CREATE FUNCTION stats.wilson_ci(x numeric, n numeric, confidence numeric DEFAULT 0.95,
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
    ELSIF NOT (confidence > 0 AND confidence < 1) THEN
        RAISE EXCEPTION 'stats.wilson_ci: confidence must be strictly between 0 and 1'
            USING ERRCODE = 'invalid_parameter_value';
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
    'x = 0 gives lower exactly 0 and x = n upper exactly 1; x need not be a whole number. NULL in any argument '
    '(including an explicit NULL confidence) gives NULL lower and upper. Raises 22023 (message naming the argument) '
    'for x < 0, n <= 0, x > n, or confidence not strictly between 0 and 1.';

CREATE FUNCTION stats.byar_ci(x numeric, confidence numeric DEFAULT 0.95, OUT lower numeric, OUT upper numeric)
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    xd double precision := x;
    z  double precision;
    l  double precision;
BEGIN
    IF x < 0 THEN
        RAISE EXCEPTION 'stats.byar_ci: x must not be negative' USING ERRCODE = 'invalid_parameter_value';
    ELSIF NOT (confidence > 0 AND confidence < 1) THEN
        RAISE EXCEPTION 'stats.byar_ci: confidence must be strictly between 0 and 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    z := -stats.norm_quantile(((1 - confidence) / 2)::double precision);
    IF x = 0 THEN
        lower := 0;
    ELSE
        l := 1 - 1 / (9 * xd) - z / (3 * sqrt(xd));
        l := xd * l * l * l;
        lower := CASE WHEN l >= 0 THEN l END;  -- PHE byars_lower: negative limits become NA
    END IF;
    upper := (xd + 1) * power(1 - 1 / (9 * (xd + 1)) + z / (3 * sqrt(xd + 1)), 3);
END
$fn$;
COMMENT ON FUNCTION stats.byar_ci(numeric, numeric) IS
    'Byar''s approximation to the exact Poisson confidence limits of an observed count x: '
    'lower = x (1 - 1/(9x) - z/(3 sqrt x))^3, upper = (x + 1)(1 - 1/(9(x + 1)) + z/(3 sqrt(x + 1)))^3, z the '
    '1 - (1 - confidence)/2 normal quantile. As PHEindicatormethods byars_lower/byars_upper (R/utils.R). '
    'Reference: Breslow NE, Day NE. Statistical methods in cancer research, volume II: the design and analysis of '
    'cohort studies. Lyon: IARC (WHO) 1987; Fingertips Public Health Technical Guidance, "Confidence intervals" '
    '(Byar''s method; within 0.2% of the exact limits for counts of 10 or more at 95%). '
    'lower is NULL where the formula is negative (very small x at high confidence, e.g. x = 1 at 0.999), as PHE '
    'returns NA; x = 0 gives lower 0 (where R gives NaN). Use stats.poisson_exact_ci for small counts. NULL in any '
    'argument gives NULL limits. Raises 22023 for x < 0 or confidence not strictly between 0 and 1.';

CREATE FUNCTION stats.poisson_exact_ci(x numeric, confidence numeric DEFAULT 0.95,
                                       OUT lower numeric, OUT upper numeric)
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    half double precision;
BEGIN
    IF x < 0 THEN
        RAISE EXCEPTION 'stats.poisson_exact_ci: x must not be negative' USING ERRCODE = 'invalid_parameter_value';
    ELSIF NOT (confidence > 0 AND confidence < 1) THEN
        RAISE EXCEPTION 'stats.poisson_exact_ci: confidence must be strictly between 0 and 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    half := ((1 - confidence) / 2)::double precision;
    lower := CASE WHEN x = 0 THEN 0 ELSE stats.chisq_quantile(half, (2 * x)::double precision) / 2 END;
    -- qchisq(1 - half, 2x + 2) / 2, taken from the upper tail so that a small half keeps its precision.
    upper := stats.chisq_quantile(half, (2 * x + 2)::double precision, false) / 2;
END
$fn$;
COMMENT ON FUNCTION stats.poisson_exact_ci(numeric, numeric) IS
    'Exact (chi-squared) Poisson confidence limits of an observed count x: lower = qchisq(alpha/2, 2x)/2 (0 when '
    'x = 0), upper = qchisq(1 - alpha/2, 2x + 2)/2, alpha = 1 - confidence; the limits PHEindicatormethods phe_rate '
    '(R/Rates.R) uses for counts below 10. Reference: Armitage P, Berry G. Statistical methods in medical research, '
    '4th edn. Oxford: Blackwell 2002; Fingertips Public Health Technical Guidance, "Confidence intervals" '
    '(chi-squared exact method). Computed with stats.chisq_quantile: relative error below 1e-12 for x = 0..10^6 and '
    'confidence 0.8..0.999 (cost grows as sqrt(x), about 10 ms at 10^6). x need not be a whole number. NULL in '
    'any argument gives NULL limits. Raises 22023 for x < 0 or confidence not strictly between 0 and 1.';

-- Rates -----------------------------------------------------------------------------------------------------------

CREATE FUNCTION stats.rate_ci(x numeric, denominator numeric, multiplier numeric DEFAULT 100000,
                              confidence numeric DEFAULT 0.95,
                              OUT value numeric, OUT lower numeric, OUT upper numeric)
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    limits record;
BEGIN
    IF x < 0 THEN
        RAISE EXCEPTION 'stats.rate_ci: x must not be negative' USING ERRCODE = 'invalid_parameter_value';
    ELSIF denominator <= 0 THEN
        RAISE EXCEPTION 'stats.rate_ci: denominator must be greater than zero'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF multiplier <= 0 THEN
        RAISE EXCEPTION 'stats.rate_ci: multiplier must be greater than zero'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF NOT (confidence > 0 AND confidence < 1) THEN
        RAISE EXCEPTION 'stats.rate_ci: confidence must be strictly between 0 and 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF x < 10 THEN
        limits := stats.poisson_exact_ci(x, confidence);
    ELSE
        limits := stats.byar_ci(x, confidence);
    END IF;
    value := x / denominator * multiplier;
    lower := limits.lower / denominator * multiplier;
    upper := limits.upper / denominator * multiplier;
END
$fn$;
COMMENT ON FUNCTION stats.rate_ci(numeric, numeric, numeric, numeric) IS
    'Crude rate x / denominator * multiplier (default per 100 000) with confidence limits: the exact Poisson limits '
    '(stats.poisson_exact_ci) when x < 10, Byar''s (stats.byar_ci) otherwise, each divided by the denominator and '
    'multiplied. As PHEindicatormethods phe_rate (R/Rates.R, method "Exact" or "Byars"). References: Breslow NE, Day '
    'NE 1987 (Byar''s method); Armitage P, Berry G 2002 (exact method); Fingertips Public Health Technical Guidance, '
    '"Rates". x = 0 gives value and lower 0. NULL in any argument (including an explicit NULL multiplier or '
    'confidence) gives NULL value and limits. Raises 22023 for x < 0, denominator <= 0, multiplier <= 0, or '
    'confidence not strictly between 0 and 1.';

CREATE FUNCTION stats.dsr(counts numeric[], populations numeric[], standard numeric[],
                          multiplier numeric DEFAULT 100000, confidence numeric DEFAULT 0.95,
                          OUT value numeric, OUT lower numeric, OUT upper numeric)
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    stratum   record;
    total     double precision := 0;  -- sum of counts
    weights   double precision := 0;  -- sum of the standard population
    weighted  double precision := 0;  -- sum of x_i w_i / n_i
    variance  double precision := 0;  -- sum of x_i (w_i / n_i)^2
    dsr_value double precision;
    scale     double precision;
    count_ci  record;
BEGIN
    IF array_ndims(counts) > 1 OR array_ndims(populations) > 1 OR array_ndims(standard) > 1 THEN
        RAISE EXCEPTION 'stats.dsr: counts, populations and standard must be one-dimensional arrays'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF cardinality(counts) <> cardinality(populations) OR cardinality(counts) <> cardinality(standard) THEN
        RAISE EXCEPTION 'stats.dsr: counts, populations and standard must have the same number of elements'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF multiplier <= 0 THEN
        RAISE EXCEPTION 'stats.dsr: multiplier must be greater than zero' USING ERRCODE = 'invalid_parameter_value';
    ELSIF NOT (confidence > 0 AND confidence < 1) THEN
        RAISE EXCEPTION 'stats.dsr: confidence must be strictly between 0 and 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR stratum IN SELECT u.x, u.n, u.w FROM unnest(counts, populations, standard) AS u(x, n, w) LOOP
        IF stratum.x < 0 THEN
            RAISE EXCEPTION 'stats.dsr: counts must not be negative' USING ERRCODE = 'invalid_parameter_value';
        ELSIF stratum.n IS NULL OR stratum.n <= 0 THEN
            RAISE EXCEPTION 'stats.dsr: populations must all be present and greater than zero'
                USING ERRCODE = 'invalid_parameter_value';
        ELSIF stratum.w IS NULL OR stratum.w < 0 THEN
            RAISE EXCEPTION 'stats.dsr: standard populations must all be present and not negative'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        total := total + coalesce(stratum.x, 0);  -- PHE: a missing count is a zero count
        weights := weights + stratum.w;
        weighted := weighted + coalesce(stratum.x, 0) * stratum.w / stratum.n;
        variance := variance + coalesce(stratum.x, 0) * (stratum.w / stratum.n) ^ 2;
    END LOOP;
    IF cardinality(counts) > 0 AND weights = 0 THEN
        RAISE EXCEPTION 'stats.dsr: standard populations must not all be zero'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF total < 10 THEN
        RETURN;  -- PHE: not calculated (all NULL) when the total count is below 10
    END IF;
    dsr_value := weighted / weights * multiplier;
    variance := variance / (weights * weights);
    count_ci := stats.byar_ci(total::numeric, confidence);
    scale := sqrt(variance / total) * multiplier;
    value := dsr_value;
    lower := dsr_value + scale * (count_ci.lower - total);
    upper := dsr_value + scale * (count_ci.upper - total);
END
$fn$;
COMMENT ON FUNCTION stats.dsr(numeric[], numeric[], numeric[], numeric, numeric) IS
    'Directly standardised rate: sum(x_i w_i / n_i) / sum(w_i) * multiplier, with x_i the counts, n_i the '
    'populations and w_i the standard population (e.g. reference.esp2013) of each stratum, matched by array '
    'position. Confidence limits by Dobson''s method using Byar''s limits of the total count X = sum(x_i): '
    'DSR + sqrt(var / X) (Byar(X) - X) * multiplier, var = sum(x_i (w_i / n_i)^2) / sum(w_i)^2; exactly as '
    'PHEindicatormethods calculate_dsr / phe_dsr (v2.1.1, R/DSR.R dsr_inner: byars_lower/byars_upper of the total, '
    'independent events), which never uses exact Poisson limits because value and limits are all NULL when X < 10 '
    '(the PHE tool likewise: "DSRs use Byar''s CI method for numerators >= 10 and are not calculated for numerators '
    '< 10"). References: Dobson AJ, Kuulasmaa K, Eberle E, Scherer J. Confidence intervals for weighted sums of '
    'Poisson parameters. Stat Med 1991;10:457-62; Breslow NE, Day NE 1987 (Byar''s method); Fingertips Public Health '
    'Technical Guidance, "DSRs"; Morris JK, Tan J, Fryers P, Bestwick J. Evaluation of stability of directly '
    'standardized rates for sparse data using simulation methods. Popul Health Metr 2018 (the threshold of 10). '
    'As in PHE, a NULL element of counts counts as 0; a NULL, zero or negative population, a NULL or negative '
    'standard population, a negative count, standard populations all zero, arrays of different lengths or of more '
    'than one dimension, multiplier <= 0, or confidence not strictly between 0 and 1 raise 22023. Empty arrays '
    'give NULLs (total 0). A NULL array or other argument gives NULL value and limits.';

-- Inequality --------------------------------------------------------------------------------------------------------

CREATE FUNCTION stats.sii(vals numeric[], populations numeric[], OUT sii numeric, OUT rii numeric)
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    k          integer := cardinality(vals);
    y          double precision[];
    a          double precision[];
    b          double precision[];
    total      double precision := 0;
    cumulative double precision := 0;
    mean_b     double precision := 0;
    mean_y     double precision := 0;
    sxx        double precision := 0;
    sxy        double precision := 0;
    slope      double precision;
    intercept  double precision;
BEGIN
    IF array_ndims(vals) > 1 OR array_ndims(populations) > 1 THEN
        RAISE EXCEPTION 'stats.sii: vals and populations must be one-dimensional arrays'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF k <> cardinality(populations) THEN
        RAISE EXCEPTION 'stats.sii: vals and populations must have the same number of elements'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF k > 100 THEN
        RAISE EXCEPTION 'stats.sii: at most 100 quantiles (vals and populations have more elements)'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF EXISTS (SELECT FROM unnest(populations) AS u(n) WHERE u.n < 0) THEN
        RAISE EXCEPTION 'stats.sii: populations must not be negative' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- A missing quantile (NULL value or population, zero population) or fewer than 5 quantiles: no SII.
    IF k < 5 OR array_position(vals, NULL) IS NOT NULL OR array_position(populations, NULL) IS NOT NULL
        OR array_position(populations, 0::numeric) IS NOT NULL THEN
        RETURN;
    END IF;
    SELECT array_agg(u.v::double precision ORDER BY u.i), array_agg(u.n::double precision ORDER BY u.i),
           sum(u.n::double precision)
        INTO y, a, total
        FROM unnest(vals, populations) WITH ORDINALITY AS u(v, n, i);  -- indexed from 1 whatever the input bounds
    b := array_fill(0::double precision, ARRAY[k]);
    FOR i IN 1..k LOOP
        a[i] := a[i] / total;                -- share of the population
        b[i] := cumulative + a[i] / 2;       -- mid-point of the quantile's range of cumulative share
        cumulative := cumulative + a[i];
        mean_b := mean_b + a[i] * b[i];
        mean_y := mean_y + a[i] * y[i];
    END LOOP;
    FOR i IN 1..k LOOP
        sxx := sxx + a[i] * (b[i] - mean_b) ^ 2;
        sxy := sxy + a[i] * (b[i] - mean_b) * (y[i] - mean_y);
    END LOOP;
    slope := sxy / sxx;
    intercept := mean_y - slope * mean_b;
    sii := slope;
    rii := CASE WHEN intercept <> 0 THEN (intercept + slope) / intercept END;
END
$fn$;
COMMENT ON FUNCTION stats.sii(numeric[], numeric[]) IS
    'Slope index of inequality (SII) and relative index of inequality (RII) of an indicator across deprivation '
    'quantiles, as PHEindicatormethods phe_sii (R/SII_function.R, value_type 0, no transform, multiplier 1; its '
    'simulated confidence limits are not computed). vals[i] is the indicator value and populations[i] the population '
    'of quantile i, ordered from the most deprived (first element, e.g. IMD quintile 1) to the least deprived. Each '
    'quantile gets the relative rank b_i = mid-point of its range of cumulative population share (a_i = its share), '
    'and the values are regressed on b by least squares weighted by a (PHE: lm(y sqrt(a) ~ sqrt(a) + b sqrt(a) - 1)). '
    'SII is the slope: the fitted value at the least deprived end (b = 1) minus that at the most deprived end '
    '(b = 0), so it is positive when the value rises from most to least deprived (e.g. life expectancy) and negative '
    'when it falls (e.g. mortality rates); multiply by -1 for the opposite polarity. RII is PHE''s ratio of the '
    'fitted values at b = 1 and b = 0, (intercept + SII) / intercept (NULL if the intercept is 0). References: Low A, '
    'Low A. Measuring the gap: quantifying and comparing local health inequalities. J Public Health 2004;26:388-95 '
    '(the reference phe_sii cites); Fingertips Public Health Technical Guidance (slope index of inequality). '
    'Missing quantiles: PHE needs every quantile and drops an area with one missing, so sii and rii are NULL when any '
    'element of vals or populations is NULL, a population is 0, or there are fewer than 5 elements (PHE''s minimum). '
    'The function cannot see a quantile that was left out of arrays of 5 or more elements: build them over the full '
    'list of quantiles (e.g. generate_series LEFT JOIN the data, array_agg(... ORDER BY quantile)), so that a gap is '
    'a NULL. Raises 22023 for arrays of different lengths or more than one dimension, more than 100 elements, or a '
    'negative population. A NULL array gives NULL sii and rii.';

-- Privileges --------------------------------------------------------------------------------------------------------

REVOKE ALL ON SCHEMA stats FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT USAGE ON SCHEMA stats TO rehab_analyst, rehab_loader;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO rehab_analyst, rehab_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA stats GRANT EXECUTE ON FUNCTIONS TO rehab_analyst, rehab_loader;

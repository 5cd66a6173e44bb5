-- Funnel plot control limits, as PHEindicatormethods' calculate_funnel_limits (R/Funnels.R, with poisson_cis,
-- poisson_funnel and sigma_adjustment of R/utils.R, themselves ports of PHE's funnel plot Excel tool). The limits
-- are the 95% (2 sigma) and 99.8% (3 sigma) bounds around the overall average, at 100 points along the axis.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

-- The number of characters R's as.character gives a whole number (nchar() in signif.floor and signif.ceiling):
-- R writes it in fixed notation unless scientific is shorter (100000 is "1e+05").
CREATE OR REPLACE FUNCTION stats.r_nchar(x double precision)
RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    digits text := trim(to_char(abs(x), 'FM999999999999999999990'));
    fixed integer := length(digits) + CASE WHEN x < 0 THEN 1 ELSE 0 END;
    significant integer := length(rtrim(digits, '0'));
    exponent integer := length(digits) - 1;
    scientific integer;
BEGIN
    IF x = 0 THEN
        RETURN 1;
    END IF;
    scientific := CASE WHEN significant = 1 THEN 1 ELSE significant + 1 END
        + 2 + greatest(length(exponent::text), 2) + CASE WHEN x < 0 THEN 1 ELSE 0 END;
    RETURN CASE WHEN scientific < fixed THEN scientific ELSE fixed END;
END
$fn$;
COMMENT ON FUNCTION stats.r_nchar(double precision) IS
    'Helper for the funnel functions: the length of a whole number as R prints it (fixed, or scientific when that '
    'is shorter, as 1e+05), which PHEindicatormethods'' axis rounding depends on.';

-- The sum of Poisson(z) probabilities for counts from x_a to x_b (PHE's poisson_cis).
CREATE OR REPLACE FUNCTION stats.poisson_tail(z double precision, x_a double precision, x_b double precision)
RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    q double precision := 1;
    tot double precision := 0;
    s double precision := 0;
    k double precision := 0;
BEGIN
    -- PostgreSQL raises an error where R quietly underflows to 0, so terms too small to count are made 0 first.
    WHILE k <= z OR q > tot * 1e-10 LOOP
        tot := tot + q;
        IF k >= x_a AND k <= x_b THEN s := s + q; END IF;
        IF tot > 1e30 THEN
            s := CASE WHEN s < 1e-250 THEN 0 ELSE s / 1e30 END;
            tot := tot / 1e30;
            q := CASE WHEN q < 1e-250 THEN 0 ELSE q / 1e30 END;
        END IF;
        k := k + 1;
        q := CASE WHEN q < 1e-250 THEN 0 ELSE q * z / k END;
    END LOOP;
    RETURN CASE WHEN s < tot * 1e-250 THEN 0 ELSE s / tot END;
END
$fn$;
COMMENT ON FUNCTION stats.poisson_tail(double precision, double precision, double precision) IS
    'Helper for the funnel functions: P(x_a <= X <= x_b) for X ~ Poisson(z), summed term by term as '
    'PHEindicatormethods'' poisson_cis (R/utils.R).';

-- The Poisson mean at which obs lies on a limit of tail probability p (PHE's poisson_funnel), found by bisection.
CREATE OR REPLACE FUNCTION stats.poisson_funnel(obs double precision, p double precision, side text)
RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v double precision := 0.5;
    dv double precision := 0.5;
BEGIN
    IF side NOT IN ('low', 'high') THEN
        RAISE EXCEPTION 'stats.poisson_funnel: side must be low or high' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    WHILE dv > 1e-7 LOOP
        dv := dv / 2;
        IF side = 'low' THEN
            IF stats.poisson_tail((1 + obs) * v / (1 - v), obs, 10000000000) > p THEN v := v - dv; ELSE v := v + dv; END IF;
        ELSE
            IF stats.poisson_tail((1 + obs) * v / (1 - v), 0, obs) < p THEN v := v - dv; ELSE v := v + dv; END IF;
        END IF;
    END LOOP;
    RETURN (1 + obs) * v / (1 - v);
END
$fn$;
COMMENT ON FUNCTION stats.poisson_funnel(double precision, double precision, text) IS
    'Helper for the funnel functions: the Poisson mean for which obs events lie at tail probability p, below '
    '(side high) or above (side low), by bisection to 1e-7 as PHEindicatormethods'' poisson_funnel (R/utils.R).';

-- The proportion at which a population of this size lies on the limit (PHE's sigma_adjustment), times multiplier.
CREATE OR REPLACE FUNCTION stats.funnel_proportion_limit(
    p double precision, population double precision, average double precision, side text,
    multiplier double precision)
RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    z2 double precision := stats.norm_quantile(p) ^ 2;
    first_part double precision := average * (population / z2 + 1);
    adjustment double precision;
    last_part double precision := 1 / z2 + 1 / population;
BEGIN
    adjustment := sqrt((-8 * average * (population / z2 + 1)) ^ 2
        - 64 * (1 / z2 + 1 / population) * average
          * (population * (average * (population / z2 + 2) - 1) + z2 * (average - 1)));
    RETURN (CASE WHEN side = 'low' THEN first_part - adjustment / 8 ELSE first_part + adjustment / 8 END)
        / last_part / population * multiplier;
END
$fn$;
COMMENT ON FUNCTION stats.funnel_proportion_limit(double precision, double precision, double precision, text, double precision) IS
    'Helper for stats.funnel_proportion: the Wilson-score limit of a proportion around average for a denominator '
    'of population, at normal quantile p (0.975 for 95%, 0.999 for 99.8%), as PHEindicatormethods'' '
    'sigma_adjustment (R/utils.R), times multiplier.';

-- The 100 axis points of a funnel (PHE's first_col), from a rounded axis minimum to a rounded axis maximum.
CREATE OR REPLACE FUNCTION stats.funnel_axis(axis_minimum double precision, axis_maximum double precision,
                                             ratio boolean DEFAULT false)
RETURNS SETOF double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    x double precision := greatest(1, axis_minimum);
    j integer;
BEGIN
    RETURN NEXT x;
    FOR j IN 2..100 LOOP
        x := greatest(round((axis_maximum / x) ^ (1.0 / (101 - (CASE WHEN ratio THEN j - 1 ELSE j END))) * x), x + 1);
        RETURN NEXT x;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION stats.funnel_axis(double precision, double precision, boolean) IS
    'Helper for the funnel functions: the 100 denominators (or event counts) at which limits are drawn, closer '
    'together where the funnel is narrow, as PHEindicatormethods'' calculate_funnel_limits.';

-- R's signif.floor and signif.ceiling of calculate_funnel_limits: the axis ends, rounded to look neat.
CREATE OR REPLACE FUNCTION stats.funnel_floor(x double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT CASE WHEN x = 0 THEN 0
        ELSE floor(x * 0.95 / 10 ^ (stats.r_nchar(floor(x * 0.95)) - 1)) * 10 ^ (stats.r_nchar(floor(x * 0.95)) - 1) END
$fn$;
COMMENT ON FUNCTION stats.funnel_floor(double precision) IS
    'Helper for the funnel functions: 95% of x rounded down to its leading digit (PHE''s signif.floor).';

CREATE OR REPLACE FUNCTION stats.funnel_ceiling(x double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT CASE WHEN x = 0 THEN 0
        ELSE ceiling(x * 1.05 / 10 ^ (stats.r_nchar(ceiling(x * 1.05)) - 2))
             * 10 ^ (stats.r_nchar(ceiling(x * 1.05)) - 2) END
$fn$;
COMMENT ON FUNCTION stats.funnel_ceiling(double precision) IS
    'Helper for the funnel functions: 105% of x rounded up to its two leading digits (PHE''s signif.ceiling).';

CREATE OR REPLACE FUNCTION stats.funnel_proportion(
    numerators numeric[],
    denominators numeric[],
    multiplier numeric DEFAULT 100
)
RETURNS TABLE (population double precision, lower_2s double precision, upper_2s double precision,
               lower_3s double precision, upper_3s double precision, baseline double precision)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    average double precision;
    smallest double precision;
    largest double precision;
    axis_minimum double precision;
BEGIN
    IF cardinality(numerators) IS DISTINCT FROM cardinality(denominators) OR cardinality(numerators) = 0 THEN
        RAISE EXCEPTION 'stats.funnel_proportion: numerators and denominators must have the same, non-zero number of elements'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF array_position(numerators, NULL) IS NOT NULL OR array_position(denominators, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'stats.funnel_proportion: numerators and denominators must be given for every unit, even when zero'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT sum(n)::double precision / sum(d)::double precision, min(d), max(d)
    INTO average, smallest, largest
    FROM unnest(numerators, denominators) AS u(n, d);
    axis_minimum := CASE WHEN largest > 2 * smallest THEN 0 ELSE stats.funnel_floor(smallest) END;
    RETURN QUERY
    SELECT a.x,
           greatest(0, stats.funnel_proportion_limit(0.975, a.x, average, 'low', multiplier)),
           least(100, stats.funnel_proportion_limit(0.975, a.x, average, 'high', multiplier)),
           greatest(0, stats.funnel_proportion_limit(0.999, a.x, average, 'low', multiplier)),
           least(100, stats.funnel_proportion_limit(0.999, a.x, average, 'high', multiplier)),
           average * multiplier
    FROM stats.funnel_axis(axis_minimum, stats.funnel_ceiling(largest)) AS a(x);
END
$fn$;
COMMENT ON FUNCTION stats.funnel_proportion(numeric[], numeric[], numeric) IS
    'Funnel plot limits for proportions, as PHEindicatormethods calculate_funnel_limits(statistic = "proportion"): '
    '100 rows along the denominator axis (population), each with the 95% (2s) and 99.8% (3s) Wilson-score limits '
    'around the overall proportion sum(numerators) / sum(denominators) (baseline), times multiplier; limits are '
    'kept within 0 and 100, as PHE''s. Units whose point lies outside the 99.8% limits at their own denominator '
    'differ from the average by more than chance. Reference: Spiegelhalter DJ. Funnel plots for comparing '
    'institutional performance. Stat Med 2005;24:1185-1202; PHE/APHO funnel plot tool. '
    'Example: SELECT * FROM stats.funnel_proportion(ARRAY[45, 80]::numeric[], ARRAY[100, 120]::numeric[]).';

CREATE OR REPLACE FUNCTION stats.funnel_rate(
    numerators numeric[],
    rates numeric[],
    multiplier numeric,
    years_of_data numeric,
    rate_type text,
    denominators numeric[]
)
RETURNS TABLE (events double precision, lower_2s_population_1_year double precision, lower_2s double precision,
               upper_2s_population_1_year double precision, upper_2s double precision,
               lower_3s_population_1_year double precision, lower_3s double precision,
               upper_3s_population_1_year double precision, upper_3s double precision,
               baseline double precision)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    average double precision;
    smallest double precision;
    largest double precision;
    axis_minimum double precision;
    axis_maximum double precision;
    m double precision := multiplier;
    years double precision := years_of_data;
BEGIN
    IF rate_type NOT IN ('dsr', 'crude') THEN
        RAISE EXCEPTION 'stats.funnel_rate: rate_type must be dsr or crude' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF cardinality(numerators) IS DISTINCT FROM cardinality(rates)
        OR (cardinality(denominators) > 0 AND cardinality(denominators) IS DISTINCT FROM cardinality(numerators))
        OR cardinality(numerators) = 0
    THEN
        RAISE EXCEPTION 'stats.funnel_rate: numerators, rates (and denominators) must have the same, non-zero number of elements'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Each unit's denominator, from its rate: multiplier x events / rate. A crude rate with no events takes its
    -- given denominator; a DSR with no events adds none (PHE).
    SELECT sum(n)::double precision / sum(d), min(d), max(d)
    INTO average, smallest, largest
    FROM (
        SELECT u.n,
               CASE WHEN u.n = 0 THEN CASE WHEN rate_type = 'crude' THEN u.den::double precision END
                    ELSE m * u.n / u.r END AS d
        FROM unnest(numerators, rates,
                    CASE WHEN cardinality(denominators) > 0 THEN denominators
                         ELSE array_fill(NULL::numeric, ARRAY[cardinality(numerators)]) END) AS u(n, r, den)
    ) x;
    axis_minimum := CASE WHEN largest > 2 * smallest THEN 0 ELSE stats.funnel_floor(smallest / years) * years END;
    axis_maximum := stats.funnel_ceiling(largest / years) * years;
    axis_minimum := floor(axis_minimum * average);
    axis_maximum := ceiling(axis_maximum * average);
    RETURN QUERY
    SELECT a.x,
           l2 / years, a.x / l2 * m,
           u2 / years, a.x / u2 * m,
           l3 / years, a.x / l3 * m,
           u3 / years, a.x / u3 * m,
           average * m
    FROM stats.funnel_axis(axis_minimum, axis_maximum) AS a(x)
    CROSS JOIN LATERAL (
        SELECT stats.poisson_funnel(a.x, 0.025, 'high') / average AS l2,
               stats.poisson_funnel(a.x, 0.025, 'low') / average AS u2,
               stats.poisson_funnel(a.x, 0.001, 'high') / average AS l3,
               stats.poisson_funnel(a.x, 0.001, 'low') / average AS u3
    ) p;
END
$fn$;
CREATE OR REPLACE FUNCTION stats.funnel_rate(
    numerators numeric[],
    rates numeric[],
    multiplier numeric,
    years_of_data numeric,
    rate_type text DEFAULT 'dsr'
)
RETURNS TABLE (events double precision, lower_2s_population_1_year double precision, lower_2s double precision,
               upper_2s_population_1_year double precision, upper_2s double precision,
               lower_3s_population_1_year double precision, lower_3s double precision,
               upper_3s_population_1_year double precision, upper_3s double precision,
               baseline double precision)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT * FROM stats.funnel_rate(numerators, rates, multiplier, years_of_data, rate_type, '{}'::numeric[])
$fn$;
COMMENT ON FUNCTION stats.funnel_rate(numeric[], numeric[], numeric, numeric, text) IS
    'stats.funnel_rate without denominators: every unit has at least one event.';

COMMENT ON FUNCTION stats.funnel_rate(numeric[], numeric[], numeric, numeric, text, numeric[]) IS
    'Funnel plot limits for rates, as PHEindicatormethods calculate_funnel_limits(statistic = "rate"): 100 rows '
    'along the axis of event counts, each with the 95% (2s) and 99.8% (3s) exact Poisson limits of the rate around '
    'the overall rate (baseline, per multiplier), and the population a year at which that many events would lie on '
    'the limit. Each unit''s denominator is derived from its rate (multiplier x events / rate); rate_type is dsr or '
    'crude, and for a crude rate with 0 events its denominator (in denominators, empty when none is given) is used. years_of_data is the number of years '
    'the rates cover. Reference: PHE funnel plot tool; Spiegelhalter DJ, Stat Med 2005;24:1185-1202.';

DO $grants$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'stats.r_nchar(double precision)',
        'stats.poisson_tail(double precision, double precision, double precision)',
        'stats.poisson_funnel(double precision, double precision, text)',
        'stats.funnel_proportion_limit(double precision, double precision, double precision, text, double precision)',
        'stats.funnel_axis(double precision, double precision, boolean)',
        'stats.funnel_floor(double precision)',
        'stats.funnel_ceiling(double precision)',
        'stats.funnel_proportion(numeric[], numeric[], numeric)',
        'stats.funnel_rate(numeric[], numeric[], numeric, numeric, text, numeric[])',
        'stats.funnel_rate(numeric[], numeric[], numeric, numeric, text)'
    ] LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO rehab_analyst, rehab_loader', f);
    END LOOP;
END
$grants$;

-- Funnel plots with overdispersion: Spiegelhalter's multiplicative and additive random-effects adjustments of the
-- limits, from winsorised z-scores, as NHS-R's FunnelPlotR (R/od_adjustment.R, R/calculate_limits.R) computes them.
-- Two kinds of data:
--   proportion: numerators of denominators (outcome recorded of discharges); arcsine square-root scale,
--               y = asin(sqrt(p)), s = 1 / (2 sqrt(n)), target asin(sqrt(sum(x) / sum(n))) (FunnelPlotR's "PR");
--   rate:       events over populations (new referrals over residents); each unit's expected count is the overall
--               rate times its population, and the ratio observed / expected is read on the log scale,
--               y = log(O / E), s = 1 / sqrt(E) (FunnelPlotR's "SR" with sr_method "SHMI").
-- z_i = (y_i - target) / s_i, winsorised at trim_by and 1 - trim_by (R's quantile type 7); phi = mean(z_w^2);
-- tau2 = max(0, (N phi - (N - 1)) / (sum(w) - sum(w^2) / sum(w))), w = 1 / s^2, or 0 when N phi < N - 1.
-- Multiplicative limits: target -/+ q sqrt(phi) s; additive: target -/+ q sqrt(s^2 + tau2), back on the data's scale.
--
-- Re-applied by `rehabcount db migrate` whenever this file changes (sql/analysis/README.md).

CREATE OR REPLACE FUNCTION stats.funnel_dispersion(
    numerators numeric[],
    denominators numeric[],
    kind text,
    trim_by double precision DEFAULT 0.1
)
RETURNS TABLE (units integer, target double precision, phi double precision, tau2 double precision,
               overdispersed boolean)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    overall double precision;
    n integer;
    lz double precision;
    uz double precision;
    sum_w double precision;
    sum_w2 double precision;
    zs double precision[];
    ss double precision[];
BEGIN
    IF kind NOT IN ('proportion', 'rate') THEN
        RAISE EXCEPTION 'stats.funnel_dispersion: kind must be proportion or rate, not %', kind
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF cardinality(numerators) IS DISTINCT FROM cardinality(denominators) OR cardinality(numerators) = 0 THEN
        RAISE EXCEPTION 'stats.funnel_dispersion: numerators and denominators must have the same, non-zero number of elements'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF trim_by < 0 OR trim_by >= 0.5 THEN
        RAISE EXCEPTION 'stats.funnel_dispersion: trim_by must be at least 0 and below 0.5'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT sum(x)::double precision / sum(d)::double precision INTO overall
    FROM unnest(numerators, denominators) AS u(x, d) WHERE d > 0;
    IF overall IS NULL OR overall <= 0 OR (kind = 'proportion' AND overall >= 1) THEN
        RETURN;  -- nothing to compare: no unit with a denominator, or every unit at 0 (or 100%)
    END IF;
    -- The units' z-scores; a rate unit with no event has no log, and is left out of the dispersion (as FunnelPlotR
    -- cannot use it either).
    IF kind = 'proportion' THEN
        SELECT array_agg((asin(sqrt(x::double precision / d)) - asin(sqrt(overall))) * (2 * sqrt(d::double precision))),
               array_agg(1 / (2 * sqrt(d::double precision)))
        INTO zs, ss
        FROM unnest(numerators, denominators) AS u(x, d) WHERE d > 0 AND x >= 0 AND x <= d;
    ELSE
        SELECT array_agg(sqrt(overall * d) * ln(x / (overall * d))), array_agg(1 / sqrt(overall * d))
        INTO zs, ss
        FROM unnest(numerators, denominators) AS u(x, d) WHERE d > 0 AND x > 0;
    END IF;
    SELECT count(*), percentile_cont(trim_by) WITHIN GROUP (ORDER BY z),
           percentile_cont(1 - trim_by) WITHIN GROUP (ORDER BY z),
           sum(1 / s ^ 2), sum((1 / s ^ 2) ^ 2)
    INTO n, lz, uz, sum_w, sum_w2
    FROM unnest(zs, ss) AS u(z, s);
    IF n = 0 THEN
        RETURN;
    END IF;
    units := n;
    target := overall;
    SELECT avg(greatest(lz, least(uz, z)) ^ 2) INTO phi FROM unnest(zs) AS u(z);
    tau2 := CASE WHEN n * phi < n - 1 OR sum_w - sum_w2 / sum_w <= 0 THEN 0
                 ELSE greatest(0, (n * phi - (n - 1)) / (sum_w - sum_w2 / sum_w)) END;
    overdispersed := phi > 1;
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION stats.funnel_dispersion(numeric[], numeric[], text, double precision) IS
    'Overdispersion of a funnel plot''s units (Spiegelhalter 2005, as FunnelPlotR): kind proportion (numerators of '
    'denominators, arcsine square-root scale) or rate (events over populations, log ratio to the expected count); '
    'z-scores winsorised at trim_by (default 10%) at each end; phi, the mean squared winsorised z (above 1: '
    'overdispersed); tau2, the between-unit variance of the additive random-effects model (0 when N phi < N - 1); '
    'target, the overall proportion or rate. No row when no unit has a denominator or every unit is at 0. '
    'References: Spiegelhalter DJ. Handling over-dispersion of performance indicators. Qual Saf Health Care '
    '2005;14:347-51; NHS-R FunnelPlotR. Example: SELECT * FROM stats.funnel_dispersion(ARRAY[40, 80, 20]::numeric[], '
    'ARRAY[100, 120, 90]::numeric[], ''proportion'').';

-- One limit at denominator x: q is the normal quantile (1.959964 for 95%, 3.090232 for 99.8%), negative below.
CREATE OR REPLACE FUNCTION stats.funnel_od_limit(
    kind text,
    target double precision,
    x double precision,
    q double precision,
    method text,
    phi double precision,
    tau2 double precision
)
RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT CASE
        WHEN x <= 0 THEN NULL
        WHEN kind = 'proportion' THEN
            sin(least(pi() / 2, greatest(0, asin(sqrt(target)) + q * (
                CASE method WHEN 'multiplicative' THEN sqrt(greatest(phi, 1)) / (2 * sqrt(x))
                            WHEN 'additive' THEN sqrt(1 / (4 * x) + tau2)
                            ELSE 1 / (2 * sqrt(x)) END)))) ^ 2
        ELSE
            target * exp(q * (
                CASE method WHEN 'multiplicative' THEN sqrt(greatest(phi, 1) / (target * x))
                            WHEN 'additive' THEN sqrt(1 / (target * x) + tau2)
                            ELSE sqrt(1 / (target * x)) END))
    END
$fn$;
COMMENT ON FUNCTION stats.funnel_od_limit(text, double precision, double precision, double precision, text,
                                          double precision, double precision) IS
    'One funnel limit at denominator (or population) x, on the data''s scale (a proportion 0-1, or a rate per 1): '
    'target -/+ q sqrt(phi) s (method multiplicative), target -/+ q sqrt(s^2 + tau2) (additive) or target -/+ q s '
    '(none), on the arcsine square-root scale (proportion) or the log scale (rate); q negative gives the lower limit.';

CREATE OR REPLACE FUNCTION stats.funnel_overdispersed(
    numerators numeric[],
    denominators numeric[],
    kind text,
    method text DEFAULT 'additive',
    multiplier numeric DEFAULT 1,
    trim_by double precision DEFAULT 0.1
)
RETURNS TABLE (denominator double precision, lower_2s double precision, upper_2s double precision,
               lower_3s double precision, upper_3s double precision, baseline double precision,
               phi double precision, tau2 double precision, method_used text)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    d record;
    smallest double precision;
    largest double precision;
    used text;
BEGIN
    IF method NOT IN ('additive', 'multiplicative', 'none') THEN
        RAISE EXCEPTION 'stats.funnel_overdispersed: method must be additive, multiplicative or none, not %', method
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO d FROM stats.funnel_dispersion(numerators, denominators, kind, trim_by);
    IF d.target IS NULL THEN
        RETURN;
    END IF;
    -- Adjusted only where the data are overdispersed (phi > 1), as FunnelPlotR.
    used := CASE WHEN method = 'none' OR NOT d.overdispersed THEN 'none' ELSE method END;
    SELECT min(u.x), max(u.x) INTO smallest, largest
    FROM unnest(denominators) AS u(x) WHERE u.x > 0;
    RETURN QUERY
    SELECT a.x,
           multiplier * stats.funnel_od_limit(kind, d.target, a.x, -1.959964, used, d.phi, d.tau2),
           multiplier * stats.funnel_od_limit(kind, d.target, a.x, 1.959964, used, d.phi, d.tau2),
           multiplier * stats.funnel_od_limit(kind, d.target, a.x, -3.090232, used, d.phi, d.tau2),
           multiplier * stats.funnel_od_limit(kind, d.target, a.x, 3.090232, used, d.phi, d.tau2),
           multiplier * d.target, d.phi, d.tau2, used
    FROM stats.funnel_axis(CASE WHEN largest > 2 * smallest THEN 1 ELSE stats.funnel_floor(smallest) END,
                           stats.funnel_ceiling(largest)) AS a(x);
END
$fn$;
COMMENT ON FUNCTION stats.funnel_overdispersed(numeric[], numeric[], text, text, numeric, double precision) IS
    'Funnel plot limits adjusted for overdispersion (Spiegelhalter 2005, as FunnelPlotR): 100 rows along the '
    'denominator (proportion) or population (rate) axis with the 95% (2s) and 99.8% (3s) limits around the overall '
    'proportion or rate (baseline), times multiplier. method additive (random effects, FunnelPlotR''s default), '
    'multiplicative (phi), or none; the adjustment is made only when the units are overdispersed (phi > 1), and '
    'method_used says what was drawn. phi and tau2 are those of stats.funnel_dispersion. Example: SELECT * FROM '
    'stats.funnel_overdispersed(ARRAY[40, 80, 20]::numeric[], ARRAY[100, 120, 90]::numeric[], ''proportion'').';

REVOKE ALL ON FUNCTION stats.funnel_dispersion(numeric[], numeric[], text, double precision) FROM PUBLIC;
REVOKE ALL ON FUNCTION stats.funnel_od_limit(text, double precision, double precision, double precision, text,
                                             double precision, double precision) FROM PUBLIC;
REVOKE ALL ON FUNCTION stats.funnel_overdispersed(numeric[], numeric[], text, text, numeric, double precision)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stats.funnel_dispersion(numeric[], numeric[], text, double precision)
    TO rehab_analyst, rehab_loader;
GRANT EXECUTE ON FUNCTION stats.funnel_od_limit(text, double precision, double precision, double precision, text,
                                                double precision, double precision) TO rehab_analyst, rehab_loader;
GRANT EXECUTE ON FUNCTION stats.funnel_overdispersed(numeric[], numeric[], text, text, numeric, double precision)
    TO rehab_analyst, rehab_loader;

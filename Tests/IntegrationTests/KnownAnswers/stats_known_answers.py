#!/usr/bin/env python3
"""Known answers for the `stats` schema (sql/migrations/0007_stats.sql), computed independently of its SQL.

Run:  python3 Tests/IntegrationTests/KnownAnswers/stats_known_answers.py

It prints one line per case in the form StatsTests.swift embeds:

    ("<function>", "<SQL arguments>", [<expected outputs>]),

with every float as Python's repr (the shortest decimal that round-trips a double), and nil for an expected NULL.
Tested with Python 3, SciPy 1.17 and NumPy 2.4. Nothing here calls PostgreSQL or reads the SQL file: the normal
and chi-squared quantiles come from scipy.stats (norm.ppf, chi2.ppf, chi2.isf), the regression from
numpy.linalg.lstsq, and the rest are the textbook formulas written out again below.

Formulas (as PHEindicatormethods implements them, see the COMMENTs in 0007_stats.sql for the sources):
  z           = the (1 - alpha/2) standard normal quantile, alpha = 1 - confidence
  Wilson      = (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))                       Wilson 1927
  Byar        = x (1 - 1/(9x) - z/(3 sqrt x))^3 and (x+1)(1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3  Breslow & Day 1987
  exact       = chi2.ppf(alpha/2, 2x)/2 (0 when x = 0) and chi2.ppf(1 - alpha/2, 2x + 2)/2
  rate        = x/n * multiplier, limits exact when x < 10 and Byar's otherwise, divided by n, times multiplier
  DSR         = sum(x_i w_i / n_i) / sum(w_i) * multiplier; var = sum(x_i (w_i / n_i)^2) / sum(w_i)^2;
                limits = DSR + sqrt(var / X) (Byar(X) - X) * multiplier with X = sum(x_i)          Dobson et al. 1991
                (NULL when X < 10)
  SII / RII   = weighted least squares of y on the mid-point b of each quantile's cumulative population share,
                fitted as PHE's lm(y sqrt(a) ~ sqrt(a) + b sqrt(a) - 1); SII = slope, RII = (intercept + slope)
                / intercept                                                                       Low & Low 2004

Sources of the worked inputs:
  - PHEindicatormethods tests/testthat/testByars.R and testWilson.R (ukhsa-collaboration/PHEindicatormethods):
    Byar's x = 65, 1045, 1 at 95% and 65, 1045, 10 at 99.8%; Wilson x/n = 65/100, 1045/5000, 0.445/1.
  - PHEindicatormethods R/Rates.R and R/Proportions.R @examples: obs = 82, 9, 48, 6500, 8200, 10000, 10000, 8,
    7, 750, 900 with pop = 100, 100, 10000, 10000, 10000, 10000, 10000, 10000, 10000, 10000, 10000.
  - PHEindicatormethods vignettes/DSR-vignette.Rmd, "Zero deaths for a specific age band": pops2/deaths2 with
    the 2013 European Standard Population (esp2013), missing death counts read as 0 as the vignette does.
  - PHEindicatormethods R/SII_function.R @examples: deciles of Area1 and Area2; tests/testthat/DSR_testdata.csv:
    2010 quintile values and populations.
  - Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven methods.
    Stat Med 1998;17:857-872, Table II, method 3 (Wilson score, no continuity correction), published to
    4 decimal places: 81/263 -> 0.2553, 0.3662; 15/148 -> 0.0624, 0.1605; 0/20 -> 0, 0.1611; 1/29 -> 0.0061,
    0.1718. Asserted below to 4 d.p. against the formula, so the printed full-precision values reproduce them.
"""

from math import sqrt

import numpy as np
from scipy.stats import chi2, norm

ESP2013 = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500, 5000, 4000,
           2500, 1500, 1000]


def z_of(confidence):
    return norm.ppf(1 - (1 - confidence) / 2)


def wilson(x, n, confidence=0.95):
    z = z_of(confidence)
    lower = 0.0 if x == 0 else (2 * x + z * z - z * sqrt(z * z + 4 * x * (1 - x / n))) / 2 / (n + z * z)
    upper = 1.0 if x == n else (2 * x + z * z + z * sqrt(z * z + 4 * x * (1 - x / n))) / 2 / (n + z * z)
    return [lower, upper]


def byar(x, confidence=0.95):
    z = z_of(confidence)
    if x == 0:
        lower = 0.0
    else:
        lower = x * (1 - 1 / (9 * x) - z / (3 * sqrt(x))) ** 3
        if lower < 0:
            lower = None  # PHE: byars_lower sets negative limits to NA
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * sqrt(x + 1))) ** 3
    return [lower, upper]


def exact(x, confidence=0.95):
    alpha = 1 - confidence
    lower = 0.0 if x == 0 else chi2.ppf(alpha / 2, 2 * x) / 2
    upper = chi2.isf(alpha / 2, 2 * x + 2) / 2  # = chi2.ppf(1 - alpha/2, 2x + 2)/2 without the cancellation
    return [lower, upper]


def rate(x, n, multiplier=100000, confidence=0.95):
    lower, upper = exact(x, confidence) if x < 10 else byar(x, confidence)
    return [x / n * multiplier, None if lower is None else lower / n * multiplier, upper / n * multiplier]


def dsr(counts, pops, standard, multiplier=100000, confidence=0.95):
    counts = [0 if c is None else c for c in counts]
    total = sum(counts)
    if total < 10:
        return [None, None, None]
    w = sum(standard)
    value = sum(c * s / p for c, s, p in zip(counts, standard, pops)) / w * multiplier
    var = sum(c * (s / p) ** 2 for c, s, p in zip(counts, standard, pops)) / w ** 2
    lo, hi = byar(total, confidence)
    scale = sqrt(var / total) * multiplier
    return [value, None if lo is None else value + scale * (lo - total), value + scale * (hi - total)]


def sii(values, pops):
    pops = np.asarray(pops, dtype=float)
    y = np.asarray(values, dtype=float)
    a = pops / pops.sum()
    b = np.cumsum(a) - a / 2  # mid-point of each quantile's share of the cumulative population
    design = np.column_stack([np.sqrt(a), b * np.sqrt(a)])  # PHE: lm(yvals ~ sqrt_a + b_sqrt_a - 1)
    (intercept, slope), *_ = np.linalg.lstsq(design, y * np.sqrt(a), rcond=None)
    return [slope, (intercept + slope) / intercept]


def fmt(v):
    return "nil" if v is None else repr(float(v))


def line(function, arguments, outputs):
    print(f'("{function}", "{arguments}", [{", ".join(fmt(v) for v in outputs)}]),')


def array(values):
    return "ARRAY[" + ", ".join("NULL" if v is None else repr(v) for v in values) + "]::numeric[]"


# Newcombe 1998, Table II, method 3: the formula reproduces the published 4 d.p. figures.
for (x, n), published in {(81, 263): (0.2553, 0.3662), (15, 148): (0.0624, 0.1605), (0, 20): (0.0, 0.1611),
                          (1, 29): (0.0061, 0.1718)}.items():
    assert [round(v, 4) for v in wilson(x, n)] == list(published), (x, n)

print("// helpers")
for p in [0.5, 0.975, 0.0005, 1e-10, 0.9999995, 0.3, 0.02425, 0.97575]:
    line("norm_quantile", f"{p!r}", [norm.ppf(p)])
for p, df, lower_tail in [(0.025, 2, True), (0.975, 20, True), (0.0005, 1, True), (0.025, 2000000, True),
                          (0.001, 7.5, False), (0.1, 0.5, True)]:
    value = chi2.ppf(p, df) if lower_tail else chi2.isf(p, df)
    line("chisq_quantile", f"{p!r}, {df!r}, {str(lower_tail).lower()}", [value])

print("// wilson_ci")
for x, n, c in [(65, 100, 0.95), (1045, 5000, 0.95), (0.445, 1, 0.95), (65, 100, 0.998), (1045, 5000, 0.998),
                (0.445, 1, 0.998), (81, 263, 0.95), (15, 148, 0.95), (0, 20, 0.95), (1, 29, 0.95), (20, 20, 0.95),
                (10000, 10000, 0.95), (82, 100, 0.8), (3, 7, 0.999)]:
    line("wilson_ci", f"{x!r}, {n!r}, {c!r}", wilson(x, n, c))

print("// byar_ci")
for x, c in [(65, 0.95), (1045, 0.95), (1, 0.95), (65, 0.998), (1045, 0.998), (10, 0.998), (0, 0.95),
             (1, 0.999), (250000, 0.9)]:
    line("byar_ci", f"{x!r}, {c!r}", byar(x, c))

print("// poisson_exact_ci")
for x in [0, 1, 2, 5, 9, 10, 50, 389, 1000, 12345, 100000, 1000000]:
    for c in [0.8, 0.95, 0.999]:
        line("poisson_exact_ci", f"{x!r}, {c!r}", exact(x, c))
for x, c in [(3.5, 0.9), (250, 0.998), (777, 0.99)]:
    line("poisson_exact_ci", f"{x!r}, {c!r}", exact(x, c))

print("// rate_ci")
for x, n in [(82, 100), (9, 100), (48, 10000), (6500, 10000), (8200, 10000), (10000, 10000), (8, 10000),
             (7, 10000), (750, 10000), (900, 10000)]:
    line("rate_ci", f"{x!r}, {n!r}", rate(x, n))
line("rate_ci", "0, 5000", rate(0, 5000))
line("rate_ci", "9, 1000, 1000, 0.998", rate(9, 1000, 1000, 0.998))
line("rate_ci", "10, 1000, 1000, 0.998", rate(10, 1000, 1000, 0.998))

print("// dsr")
vignette_pops = [30, 35, 35, 35, 40, 40, 45, 50, 50, 50, 60, 60, 70, 75, 70, 60, 20, 20, 15]
vignette_deaths = [1, 1, 0, 0, 0, 1, 1, 3, 3, 3, 3, 10, 10, 10, 10, 8, 8, 8, 8]
line("dsr", f"{array(vignette_deaths)}, {array(vignette_pops)}, {array(ESP2013)}",
     dsr(vignette_deaths, vignette_pops, ESP2013))
line("dsr", f"{array(vignette_deaths)}, {array(vignette_pops)}, {array(ESP2013)}, 100000, 0.998",
     dsr(vignette_deaths, vignette_pops, ESP2013, 100000, 0.998))
counts = [12, 25, 40]
pops = [5000, 12000, 3000]
standard = [5500, 12500, 3500]
line("dsr", f"{array(counts)}, {array(pops)}, {array(standard)}, 1000", dsr(counts, pops, standard, 1000))
line("dsr", f"{array([4, None, 6])}, {array(pops)}, {array(standard)}", dsr([4, None, 6], pops, standard))
line("dsr", f"{array([4, 0, 5])}, {array(pops)}, {array(standard)}", dsr([4, 0, 5], pops, standard))
line("dsr", f"{array([10, 0, 0])}, {array(pops)}, {array([5500, 0, 3500])}", dsr([10, 0, 0], pops, [5500, 0, 3500]))

print("// sii")
decile_pops_1 = [7291, 7997, 6105, 7666, 5790, 6934, 5918, 5974, 7147, 7534]
decile_vals_1 = [75.9, 78.3, 83.8, 83.6, 80.5, 81.1, 81.7, 84.2, 80.6, 86.3]
decile_pops_2 = [21675, 20065, 19750, 24713, 20112, 19618, 22408, 19752, 18939, 19312]
decile_vals_2 = [70.5, 71.6, 72.5, 73.5, 73.1, 76.2, 78.7, 80.6, 80.9, 80]
quintile_vals = [150.2200205, 131.0221747, 127.4954973, 130.494241, 135.4664241]
quintile_pops = [1434002, 1450590, 1453827, 1440980, 1457780]
for vals, pops in [(decile_vals_1, decile_pops_1), (decile_vals_2, decile_pops_2), (quintile_vals, quintile_pops),
                   ([5, 4, 3, 2, 1], [100, 100, 100, 100, 100]), ([-2, -1, 0, 1, 2], [1, 2, 3, 2, 1])]:
    line("sii", f"{array(vals)}, {array(pops)}", sii(vals, pops))

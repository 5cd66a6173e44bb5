#!/usr/bin/env python3
"""Fallback generator of a synthetic `referrals` extract (contract v1) for
trying the Frictionless baseline. Standard library only.

The real benchmark input comes from `rehabcount sample`; use this only when
that binary is not available.

Usage: make_referrals.py N [OUT.csv] [--seed S] [--defect-rate R]

Writes N data rows plus the header, in the column order of
pipelines/contracts/referrals.yaml, with about R (default 2%) of rows carrying
one deliberate defect. Deterministic for a given seed. ORG is RX1, period
2025-09. No field contains a comma, quote or line break, so `wc -l` - 1 is
the row count.
"""

import argparse
import datetime as dt
import random
import sys

HEADER = [
    "org_code", "referral_id", "nhs_number", "patient_id", "age_at_referral",
    "sex", "ethnic_category", "lsoa_code", "referral_received_date",
    "referral_source", "service_line", "priority", "first_contact_date",
    "discharge_date", "referral_outcome", "outcome_tool",
    "outcome_score_start", "outcome_score_end",
]

SEX = ["1", "2", "9", "X"]
ETHNIC = ["A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N",
          "P", "R", "S", "Z", "99"]
SOURCE = ["gp", "self", "acute_discharge", "social_care",
          "community_service", "other"]
SERVICE = ["stroke", "cardiac", "pulmonary", "msk", "falls_frailty", "neuro",
           "intermediate_care", "long_covid", "cancer", "general"]
PRIORITY = ["urgent", "routine"]
OUTCOME = ["open", "discharged", "rejected", "did_not_attend", "withdrawn"]
# tool -> (min, max, decimals)
TOOLS = {"barthel": (0, 20, 0), "eq5d5l": (-0.594, 1.0, 3), "toms": (0, 5, 1),
         "psfs": (0, 10, 1), "mrs": (0, 6, 0), "other": (0, 100, 0)}

PERIOD_START = dt.date(2025, 9, 1)
PERIOD_END = dt.date(2025, 9, 30)
ORG = "RX1"

# Defects: each breaks exactly one rule that a Table Schema can express, so
# both validators should see them (see Benchmarks/compare-validate.sh).
DEFECTS = ["missing_service_line", "bad_sex", "age_out_of_range",
           "bad_lsoa", "bad_date", "duplicate_id", "bad_nhs_number",
           "long_referral_id", "bad_org", "bad_age_type"]


def nhs_number(rng):
    """A 10-digit number with a valid Modulus 11 check digit."""
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        if digits[0] == 0:
            continue
        total = sum(d * w for d, w in zip(digits, range(10, 1, -1)))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check == 10:
            continue
        return "".join(map(str, digits)) + str(check)


def fmt_score(rng, tool):
    lo, hi, dp = TOOLS[tool]
    v = rng.uniform(lo, hi)
    return str(int(round(v))) if dp == 0 else f"{v:.{dp}f}"


def make_row(rng, i):
    received = PERIOD_START - dt.timedelta(days=rng.randrange(0, 400))
    outcome = rng.choices(OUTCOME, weights=[50, 35, 5, 5, 5])[0]
    first = ""
    discharge = ""
    if outcome in ("open", "discharged") and rng.random() < 0.9:
        f = received + dt.timedelta(days=rng.randrange(0, 60))
        if f <= PERIOD_END:
            first = f.isoformat()
    if outcome == "discharged":
        base = dt.date.fromisoformat(first) if first else received
        d = min(base + dt.timedelta(days=rng.randrange(0, 120)), PERIOD_END)
        discharge = d.isoformat()
    tool = score_start = score_end = ""
    if outcome == "discharged":
        tool = rng.choice(list(TOOLS) + ["none"])
        if tool != "none":
            score_start = fmt_score(rng, tool)
            score_end = fmt_score(rng, tool)
    has_nhs = rng.random() < 0.85
    return [
        ORG,
        f"REF{i:09d}",
        nhs_number(rng) if has_nhs else "",
        f"P{rng.randrange(10**8):08d}" if (not has_nhs or rng.random() < 0.5) else "",
        str(rng.randrange(18, 100)) if rng.random() < 0.98 else "",
        rng.choices(SEX, weights=[48, 50, 1, 1])[0],
        rng.choice(ETHNIC) if rng.random() < 0.95 else "",
        f"E01{rng.randrange(1, 35000):06d}" if rng.random() < 0.97 else "",
        received.isoformat(),
        rng.choice(SOURCE) if rng.random() < 0.97 else "",
        rng.choice(SERVICE),
        rng.choice(PRIORITY) if rng.random() < 0.7 else "",
        first,
        discharge,
        outcome,
        tool,
        score_start,
        score_end,
    ]


def apply_defect(rng, row, i):
    kind = rng.choice(DEFECTS)
    c = HEADER.index
    if kind == "missing_service_line":
        row[c("service_line")] = ""
    elif kind == "bad_sex":
        row[c("sex")] = rng.choice(["M", "F", "0", "male"])
    elif kind == "age_out_of_range":
        row[c("age_at_referral")] = rng.choice(["-1", "121", "150"])
    elif kind == "bad_lsoa":
        row[c("lsoa_code")] = rng.choice(["E0100001", "W01000123", "e01000001"])
    elif kind == "bad_date":
        row[c("referral_received_date")] = rng.choice(
            ["2025-02-30", "31/08/2025", "2025/08/31", "not a date"])
    elif kind == "duplicate_id" and i > 1:
        row[c("referral_id")] = f"REF{rng.randrange(1, i):09d}"
    elif kind == "bad_nhs_number":
        row[c("nhs_number")] = rng.choice(["12345", "123456789X", "94347659190"])
    elif kind == "long_referral_id":
        row[c("referral_id")] = "R" * 65
    elif kind == "bad_org":
        row[c("org_code")] = rng.choice(["rx1", "RX", "RX1AAA"])
    elif kind == "bad_age_type":
        row[c("age_at_referral")] = rng.choice(["forty", "40.5"])
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", type=int)
    ap.add_argument("out", nargs="?", default="-")
    ap.add_argument("--seed", type=int, default=20250930)
    ap.add_argument("--defect-rate", type=float, default=0.02)
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)
    out = sys.stdout if a.out == "-" else open(a.out, "w", newline="", encoding="utf-8")
    try:
        out.write(",".join(HEADER) + "\n")
        buf = []
        for i in range(1, a.rows + 1):
            row = make_row(rng, i)
            if rng.random() < a.defect_rate:
                row = apply_defect(rng, row, i)
            buf.append(",".join(row))
            if len(buf) >= 10000:
                out.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            out.write("\n".join(buf) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# national-year.sh — a generated national year, run through the nightly pipeline month by month, as a board
# would see it: twelve months of extracts from many trusts, with planted gaps and changes in quality.
#
#   scripts/national-year.sh [--trusts N] [--out DIR] [--first YYYY-MM]
#
# Defaults: 200 trusts, 2025-01 to 2025-12, into var/national-year/. The database is DATABASE_URL (or libpq's PG*
# variables); when neither is set the private local cluster of scripts/pg-local.sh is started. The year is loaded
# into a database of its own, rehabcount_national_year, made afresh on the same server.
#
# What is planted, so that the report has something true to say:
#   - missing files: about one trust in 40 sends no referrals in a given month, and in the last month two trusts
#     of NHS Cheshire and Merseyside (QYG) send nothing at all (the ICB is then under-covered);
#   - changes in quality: the first three trusts (R1D, RDR, RY2) send cleaner files month by month for six months
#     and then their defect rate doubles each month, while every other trust stays at the default rate; R1D's
#     score is rebased from the seventh month, with a reason, and the pipeline sets targets for four series.
#
# It leaves the national report of each month in DIR/reports, the trusts' reports in DIR/outbox, and prints the
# report of the last month. Look at it in a browser, or render it headless:
#   chromium --headless --screenshot=/tmp/year.png --window-size=1280,4000 DIR/reports/national-gap-report-2025-12.html
set -euo pipefail
cd "$(dirname "$0")/.."
trusts=200 out=var/national-year first=2025-01
while [ $# -gt 0 ]; do
    case "$1" in
        --trusts) trusts=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --first) first=$2; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "national-year: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$trusts" in ''|*[!0-9]*) echo "national-year: --trusts takes a number" >&2; exit 2 ;; esac

bin=.build/release/rehabcount
[ -x "$bin" ] || swift build -c release --product rehabcount >&2
if [ -z "${DATABASE_URL:-}" ] && [ -z "${PGHOST:-}${PGDATABASE:-}${PGSERVICE:-}" ]; then
    eval "$(scripts/pg-local.sh start)"
fi
: "${DATABASE_URL:?set DATABASE_URL, or leave it and PG* unset to use the local cluster}"
base=${DATABASE_URL%%\?*}; query=${DATABASE_URL#"$base"}; server=${base%/*}
url="$server/rehabcount_national_year$query"
psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS rehabcount_national_year" \
    -c "CREATE DATABASE rehabcount_national_year" >/dev/null
"$bin" db migrate --database "$url" >/dev/null
"$bin" db load-reference --database "$url" >/dev/null
if [ -z "${REHABCOUNT_PSEUDONYM_KEY:-}" ] && [ -z "${REHABCOUNT_PSEUDONYM_KEY_FILE:-}" ]; then
    export REHABCOUNT_PSEUDONYM_KEY=national-year-sample-key-not-for-real-data
fi

rm -rf "$out" && mkdir -p "$out"/{months,inbox,extra}
out=$(cd "$out" && pwd)
# The months, in order.
months=()
y=${first%-*} m=$((10#${first#*-}))
for _ in $(seq 12); do
    months+=("$(printf '%04d-%02d' "$y" "$m")")
    m=$((m + 1)); [ "$m" -gt 12 ] && { m=1; y=$((y + 1)); }
done
last=${months[11]}

# Who is expected: every trust the generator writes, from the first month.
"$bin" sample --out "$out/months/${months[0]}" --period "${months[0]}" --trusts "$trusts" --seed 2025 >/dev/null
{
    echo "name: national-year"
    echo "inbox: $out/inbox"
    echo "archive: $out/archive"
    echo "outbox: $out/outbox"
    echo "reports: $out/reports"
    echo "metrics: $out/metrics/rehabcount.prom"
    echo "workers: 2"
    echo "stages: [validate, load, analyse, report]"
    echo "thresholds: {sii_repetitions: 1000}"
    echo "analysis:"
    echo "  coverage_threshold: 0.95"
    echo "  targets: {waiting_over_18w_share: 0.05, outcome_recorded_share: 0.85, median_wait_days: 28, data_quality_score: 95}"
    echo "  rebase:"
    echo "    - {series: data_quality_score, area: R1D, from: ${months[6]}, reason: \"the trust changed its patient record system (planted in this sample)\"}"
    echo "expected:"
    for f in "$out/months/${months[0]}"/*_referrals_*.csv; do
        org=$(basename "$f"); org=${org%%_*}
        echo "  - {org: $org, from: ${months[0]}}"
    done
} > "$out/pipeline.yaml"

# Two trusts of Cheshire and Merseyside among those generated, if there are two.
qyg=$(awk -F, 'NR > 1 && $0 ~ /,QYG,/ { print $1 }' sample-data/reference/nhs_trusts_etr_2025.csv | sort \
    | while read -r org; do [ -f "$out/months/${months[0]}/${org}_referrals_${months[0]}.csv" ] && echo "$org"; done \
    | head -2)

for i in "${!months[@]}"; do
    month=${months[$i]}
    dir="$out/months/$month"
    [ -d "$dir" ] || "$bin" sample --out "$dir" --period "$month" --trusts "$trusts" --seed 2025 >/dev/null
    # The first three trusts: cleaner, then worse (rates 0.04 → 0.005, then doubling from 0.02).
    rate=$(awk -v i="$i" 'BEGIN { r = i < 6 ? 0.04 / 2 ^ (i / 2) : 0.02 * 2 ^ (i - 6); if (r > 0.6) r = 0.6; print r }')
    "$bin" sample --out "$out/extra" --period "$month" --trusts 3 --seed 2025 --defect-rate "$rate" >/dev/null
    mv "$out/extra"/*.csv "$dir/"
    # About one trust in 40 misses its referrals this month.
    for f in "$dir"/*_referrals_*.csv; do
        org=$(basename "$f"); org=${org%%_*}
        [ $(( $(printf '%s %s' "$org" "$month" | cksum | cut -d' ' -f1) % 40 )) -eq 0 ] && rm -f "$f"
    done
    if [ "$month" = "$last" ]; then
        for org in $qyg; do rm -f "$dir/${org}"_*.csv; done
    fi
    cp "$dir"/*.csv "$out/inbox/"
    echo "== $month: $(ls "$dir" | wc -l) files" >&2
    "$bin" run "$out/pipeline.yaml" --database "$url" > "$out/run-$month.txt" 2>"$out/run-$month.log" || {
        status=$?
        # 1: some file could not be processed; the night goes on, as it would.
        [ "$status" -eq 1 ] || { tail -5 "$out/run-$month.log" >&2; exit "$status"; }
    }
done
echo "$out/reports/national-gap-report-$last.html"

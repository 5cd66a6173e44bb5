#!/usr/bin/env bash
# national.sh — the nightly pipeline on a national-size month, against `psql \copy` of the same files.
#
#   Benchmarks/national.sh [RUNS]        (default 1 run of each)
#   WORKERS=4 Benchmarks/national.sh     (the pipeline's `workers:`, default 2)
#
# Needs: a release build (swift build -c release --product rehabcount) and a running server in DATABASE_URL
# (e.g. eval "$(scripts/pg-local.sh start --dir /tmp/bench-pg)"). Generates, once, 200 trusts x 10,000
# referrals (2M), 3 contacts per referral (about 6M) and about 100,000 workforce rows into
# Benchmarks/.data/national (gitignored). Then, per run:
#   1. baseline: psql \copy of every file into three unindexed tables of text columns (one psql session, one
#      \copy per file);
#   2. rehabcount run on a pipeline whose inbox holds the same files, into a fresh database (migrations and
#      reference data loaded beforehand, not timed): validation, load, archive, analysis, national report.
# Prints wall-clock seconds of each, the ratio, and the stage times from the run's metrics file.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1}
data=Benchmarks/.data/national
bin=.build/release/rehabcount
: "${DATABASE_URL:?set DATABASE_URL to a server to benchmark against}"
export REHABCOUNT_LOG_FORMAT=json
if [ ! -f "$data/.complete" ]; then
    rm -rf "$data" && mkdir -p "$data"
    /usr/bin/time -f "generated the month in %e s" \
        "$bin" sample --out "$data" --period 2025-09 --trusts 200 --seed 2025 \
        --referrals-per-trust 10000 --contacts-per-referral 3 >/dev/null
    touch "$data/.complete"
fi
for kind in referrals contacts workforce; do
    printf '%s: %s files, %s rows, %s\n' "$kind" "$(ls "$data"/*_"$kind"_*.csv | wc -l)" \
        "$(cat "$data"/*_"$kind"_*.csv | wc -l)" "$(du -ch "$data"/*_"$kind"_*.csv | tail -1 | cut -f1)"
done
key=$(mktemp) && head -c 48 /dev/urandom | base64 > "$key"
export REHABCOUNT_PSEUDONYM_KEY_FILE=$key
base=${DATABASE_URL%%\?*}; query=${DATABASE_URL#"$base"}; server=${base%/*}
url() { echo "$server/$1$query"; }

for run in $(seq 1 "$runs"); do
    echo "== run $run, workers ${WORKERS:-2} (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    # 1. baseline
    psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS bench_copy" -c "CREATE DATABASE bench_copy"
    for kind in referrals contacts workforce; do
        cols=$(head -1 "$(ls "$data"/*_"$kind"_*.csv | head -1)" | sed 's/,/ text, /g; s/$/ text/')
        psql "$(url bench_copy)" -qc "CREATE TABLE $kind ($cols)"
    done
    script=$(mktemp)
    for f in "$data"/*.csv; do
        echo "\\copy $(basename "$f" | cut -d_ -f2) from '$PWD/$f' csv header" >> "$script"
    done
    start=$(date +%s.%N)
    psql "$(url bench_copy)" -q -v ON_ERROR_STOP=1 -f "$script"
    copy=$(echo "$(date +%s.%N) - $start" | bc)
    rm -f "$script"
    echo "psql \\copy of every file: $copy s"

    # 2. the pipeline
    work=$(mktemp -d)
    mkdir -p "$work/inbox" && cp "$data"/*.csv "$work/inbox/"
    cat > "$work/nightly.yaml" <<YAML
name: national-benchmark
inbox: $work/inbox
archive: $work/archive
outbox: $work/outbox
reports: $work/reports
metrics: $work/metrics/rehabcount.prom
stages: [validate, load, analyse, report]
workers: ${WORKERS:-2}
YAML
    psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS bench_run" -c "CREATE DATABASE bench_run"
    "$bin" db migrate --database "$(url bench_run)" >/dev/null 2>&1
    "$bin" db load-reference --database "$(url bench_run)" >/dev/null 2>&1
    sync
    start=$(date +%s.%N)
    /usr/bin/time -f "rehabcount run: %e s wall, %M KB peak RSS, %P CPU" \
        "$bin" run "$work/nightly.yaml" --database "$(url bench_run)" 2>"$work/run.log" >"$work/summary.txt" || true
    tail -1 "$work/run.log"
    pipeline=$(echo "$(date +%s.%N) - $start" | bc)
    echo "rehabcount run: $pipeline s; ratio to psql \\copy: $(echo "scale=2; $pipeline / $copy" | bc)"
    grep '^rehabcount_last_run_stage_seconds\|^rehabcount_last_run_submissions\|^rehabcount_last_run_rows' \
        "$work/metrics/rehabcount.prom" | grep -v ' 0$'
    # The analysis refresh alone, again (issue 4's figure), on the loaded month.
    /usr/bin/time -f "rehabcount analyse alone: %e s wall" "$bin" analyse --database "$(url bench_run)" 2>&1 \
        | grep -v '^{' | tail -2
    rm -rf "$work"
done
rm -f "$key"

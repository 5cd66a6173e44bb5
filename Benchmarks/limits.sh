#!/usr/bin/env bash
# limits.sh — RehabCount against the machine's limit, on the same 1M-row files, in one go.
#
#   Benchmarks/limits.sh [RUNS]        (default 1 run of each; alternated when more)
#
# For each of two files of 1M referrals from `rehabcount sample` (seed 7): "2%", the default defect rate, and
# "30%", `--defect-rate 0.75` (about 31% of rows quarantined), it times
#   1. `rehabcount validate` with every report written (HTML, JSON, findings CSV, quarantine CSV, workbook);
#   2. DuckDB's parse of the same CSV on one thread: SELECT count(*) FROM read_csv(…, all_varchar = true);
#   3. `rehabcount load` into a fresh database (migrations and reference data loaded beforehand, not timed);
#   4. `psql \copy` of the same file into an unindexed table of text columns;
# and prints the ratios validate ÷ DuckDB and load ÷ \copy, with each command's peak RSS (GNU time's %M). Then the
# peak RSS of validate and load of the 2% generator's files at 3M and 5M referrals (once, whatever RUNS).
# Targets (issue 18): validate ≤ 3× DuckDB, load ≤ 1.5× \copy, validate < 64 MB and load < 100 MB peak RSS.
#
# Needs: a release build (swift build -c release --product rehabcount), a running server in DATABASE_URL
# (e.g. eval "$(scripts/pg-local.sh start --dir /tmp/bench-pg)"), GNU time, and Python 3 with pip: DuckDB comes
# from PyPI into Benchmarks/.python (gitignored) the first time. The files go to Benchmarks/.data/limits.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1}
bin=${BIN:-$PWD/.build/release/rehabcount}
data=$PWD/Benchmarks/.data/limits
python_dir=$PWD/Benchmarks/.python
: "${DATABASE_URL:?set DATABASE_URL to a server to benchmark against}"
[ -x "$bin" ] || { echo "limits.sh: no release build at $bin (swift build -c release --product rehabcount)" >&2; exit 2; }

if ! PYTHONPATH="$python_dir" python3 -c 'import duckdb' 2>/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check --target "$python_dir" 'duckdb==2.0.1'
fi
# shellcheck source=Benchmarks/limits-data.sh
. Benchmarks/limits-data.sh
limits_data "$bin" "$data"

key=$(mktemp) && head -c 48 /dev/urandom | base64 > "$key"
scratch=$(mktemp -d)
trap 'rm -rf "$key" "$scratch"' EXIT
export REHABCOUNT_PSEUDONYM_KEY_FILE=$key REHABCOUNT_LOG_FORMAT=json
base=${DATABASE_URL%%\?*}; query=${DATABASE_URL#"$base"}; server=${base%/*}
target="$server/bench_limits$query"
q() { PGOPTIONS='-c client_min_messages=warning' psql "$@"; }
# Seconds and peak KiB of a command, as "seconds kib".
timed() { /usr/bin/time -f "%e %M" -o "$scratch/time" "$@" >/dev/null 2>"$scratch/stderr" || {
    cat "$scratch/stderr" >&2; return 1; }; cat "$scratch/time"; }
mib() { echo "scale=1; $1 / 1024" | bc; }

printf '%-4s %-3s %10s %10s %8s %10s %10s %8s %12s %12s\n' rate run validate duckdb ratio load copy ratio \
    'validate MiB' 'load MiB'
for run in $(seq 1 "$runs"); do
    for rate in 2 30; do
        file=$(ls "$data/$rate"/*_referrals_*.csv)
        rm -rf "$scratch/reports" && mkdir "$scratch/reports"
        read -r validate validate_kib < <(timed "$bin" validate --report-dir "$scratch/reports" "$file")
        # The query alone, timed inside Python: Python's and DuckDB's start-up (about 0.3 s) left out.
        duckdb=$(PYTHONPATH="$python_dir" python3 -c "
import duckdb, sys, time
c = duckdb.connect()
c.execute('SET threads = 1')
start = time.perf_counter()
c.execute(\"SELECT count(*) FROM read_csv(?, all_varchar = true, header = true)\", [sys.argv[1]]).fetchone()
print(f'{time.perf_counter() - start:.3f}')
" "$file")

        q "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS bench_limits" -c "CREATE DATABASE bench_limits"
        "$bin" db migrate --database "$target" >/dev/null 2>&1
        "$bin" db load-reference --database "$target" >/dev/null 2>&1
        sync
        read -r load load_kib < <(timed "$bin" load --database "$target" "$file")

        cols=$(head -1 "$file" | sed 's/,/ text, /g; s/$/ text/')
        q "$target" -qc "DROP TABLE IF EXISTS bench_copy" -c "CREATE TABLE bench_copy ($cols)"
        sync
        start=$(date +%s.%N)
        q "$target" -qc "\\copy bench_copy from '$file' csv header"
        copy=$(echo "$(date +%s.%N) - $start" | bc)

        printf '%-4s %-3s %9.2fs %9.2fs %7.2fx %9.2fs %9.2fs %7.2fx %12s %12s\n' "$rate%" "$run" "$validate" \
            "$duckdb" "$(echo "$validate / $duckdb" | bc -l)" "$load" "$copy" "$(echo "$load / $copy" | bc -l)" \
            "$(mib "$validate_kib")" "$(mib "$load_kib")"
    done
done

# Memory at larger sizes: the 2% file's generator at 3M and 5M referrals, validated with every report and loaded.
printf '\n%-10s %14s %14s %10s %10s\n' rows 'validate MiB' 'load MiB' validate load
for rows in 3000000 5000000; do
    dir="$data/2-$rows"
    if [ ! -f "$dir/.complete" ]; then
        rm -rf "$dir" && mkdir -p "$dir"
        "$bin" sample --out "$dir" --period 2025-09 --trusts 1 --seed 7 --referrals-per-trust "$rows" \
            --contacts-per-referral 0 >/dev/null
        rm -f "$dir"/*_contacts_*.csv "$dir"/*_workforce_*.csv
        touch "$dir/.complete"
    fi
    file=$(ls "$dir"/*_referrals_*.csv)
    rm -rf "$scratch/reports" && mkdir "$scratch/reports"
    read -r validate validate_kib < <(timed "$bin" validate --report-dir "$scratch/reports" "$file")
    q "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS bench_limits" -c "CREATE DATABASE bench_limits"
    "$bin" db migrate --database "$target" >/dev/null 2>&1
    "$bin" db load-reference --database "$target" >/dev/null 2>&1
    read -r load load_kib < <(timed "$bin" load --database "$target" "$file")
    printf '%-10s %14s %14s %9.2fs %9.2fs\n' "$rows" "$(mib "$validate_kib")" "$(mib "$load_kib")" "$validate" "$load"
done
q "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS bench_limits"

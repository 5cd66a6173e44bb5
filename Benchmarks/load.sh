#!/usr/bin/env bash
# load.sh — `rehabcount load` of one file against `psql \copy` of the same file, alternated.
#
#   Benchmarks/load.sh FILE [RUNS]          (default 3 runs)
#
# Needs: a release build (swift build -c release --product rehabcount) and a running server in DATABASE_URL
# (e.g. eval "$(scripts/pg-local.sh start --dir /tmp/bench-pg)"). Each run:
#   1. baseline: `psql \copy` of FILE into bench_copy, an unindexed table of text columns (one per header
#      name, created once in the DATABASE_URL database, truncated before each run);
#   2. a fresh database, bench_load, with the migrations and the reference data (not timed);
#   3. the timed `rehabcount load` of FILE into it.
# Prints both times, the ratio, the load's CPU and its peak RSS (GNU time's %M, KiB).
#
# To compare another build in the same session, alternate runs with BIN (its executable) and ROOT (the checkout
# whose pipelines/ and sql/ it uses), e.g. a `git worktree` of an earlier commit:
#   BIN=/tmp/old/.build/release/rehabcount ROOT=/tmp/old Benchmarks/load.sh FILE 1
set -euo pipefail
file=$(realpath "${1:?usage: Benchmarks/load.sh FILE [RUNS]}")
runs=${2:-3}
root=$(realpath "${ROOT:-$(dirname "$0")/..}")
bin=$(realpath "${BIN:-$root/.build/release/rehabcount}")
: "${DATABASE_URL:?set DATABASE_URL to a server to benchmark against}"
cd "$root"
key=$(mktemp) && head -c 48 /dev/urandom | base64 > "$key"
trap 'rm -f "$key"' EXIT
export REHABCOUNT_PSEUDONYM_KEY_FILE=$key
base=${DATABASE_URL%%\?*}; query=${DATABASE_URL#"$base"}; server=${base%/*}
target="$server/bench_load$query"
q() { PGOPTIONS='-c client_min_messages=warning' psql "$@"; }

cols=$(head -1 "$file" | sed 's/,/ text, /g; s/$/ text/')
q "$DATABASE_URL" -qc "DROP TABLE IF EXISTS bench_copy" -c "CREATE TABLE bench_copy ($cols)"
for run in $(seq 1 "$runs"); do
    q "$DATABASE_URL" -qc "TRUNCATE bench_copy"
    start=$(date +%s.%N)
    q "$DATABASE_URL" -qc "\\copy bench_copy from '$file' csv header"
    copy=$(echo "$(date +%s.%N) - $start" | bc)

    q "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS bench_load" -c "CREATE DATABASE bench_load"
    "$bin" db migrate --database "$target" >/dev/null 2>&1
    "$bin" db load-reference --database "$target" >/dev/null 2>&1
    stats=$(mktemp) && log=$(mktemp)
    if ! /usr/bin/time -o "$stats" -f "%e %U %S %M" "$bin" load --database "$target" "$file" >/dev/null 2>"$log"; then
        cat "$log" >&2
        exit 1
    fi
    read -r wall user sys rss < "$stats" && rm -f "$stats" "$log"
    printf 'run %s: psql \\copy %.2f s, rehabcount load %.2f s (user %s s, sys %s s, peak RSS %s KiB), ratio %.2f\n' \
        "$run" "$copy" "$wall" "$user" "$sys" "$rss" "$(echo "$wall / $copy" | bc -l)"
done
q "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS bench_load" -c "DROP TABLE IF EXISTS bench_copy"

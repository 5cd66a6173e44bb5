#!/usr/bin/env bash
# Compare `rehabcount validate` with `frictionless validate` on one referrals CSV.
#
# Usage: Benchmarks/compare-validate.sh FILE [REHABCOUNT_BINARY]
#
#   FILE               a contract-v1 referrals CSV (e.g. from `rehabcount sample`;
#                      fallback: Benchmarks/frictionless/make_referrals.py N FILE)
#   REHABCOUNT_BINARY  default .build/release/rehabcount (skipped if missing)
#
# Environment: RUNS (default 3) runs per tool.
#
# Each run is timed with GNU `/usr/bin/time -f '%e %M'` (wall seconds, peak RSS
# KB). Validator output goes to files in a temp dir; validators exit non-zero
# when they find errors and that is not a failure of this script.
#
# Frictionless flags (checked against frictionless 5.21):
#   --limit-errors 0  the default cap is 1000 errors, and on reaching it
#                     frictionless STOPS READING rows (report is partial, with
#                     warning "reached error limit: 1000"); 0 disables the cap.
#   no --limit-rows   so every row is validated (sampling only affects schema
#                     inference, which --schema bypasses).
#   --trusted         otherwise an absolute/outside path is refused as "not safe".
#   --json            machine-readable report (the default rich table output
#                     adds rendering time that grows with the error count).
# The first frictionless run's JSON report is checked: rows validated, errors,
# and warnings are printed, so a partial validation shows up.
set -euo pipefail

usage() { echo "usage: $0 FILE [REHABCOUNT_BINARY]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage

abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }

FILE=$(abspath "$1")
[[ -f "$FILE" ]] || { echo "no such file: $1" >&2; exit 2; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ $# -ge 2 ]]; then BIN=$(abspath "$2"); else BIN="$REPO/.build/release/rehabcount"; fi
SCHEMA="Benchmarks/frictionless/referrals.schema.json"
RUNS=${RUNS:-3}

command -v frictionless >/dev/null || { echo "frictionless not on PATH (pip install frictionless)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "GNU /usr/bin/time is required" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/compare-validate.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

cd "$REPO"

# Row count: physical lines minus the header (+1 if the last line has no
# newline). Assumes no quoted field contains a line break; the first
# frictionless report's row count is printed below as a cross-check.
LINES=$(wc -l < "$FILE")
if [[ -s "$FILE" && -n "$(tail -c1 "$FILE")" ]]; then LINES=$((LINES + 1)); fi
ROWS=$((LINES - 1))
BYTES=$(stat -c %s "$FILE")

cat "$FILE" > /dev/null   # warm the page cache so run 1 is not a cold read

RESULTS="$TMP/results.tsv"   # tool run seconds rss_kb
: > "$RESULTS"

# run TOOL N CMD... : time one run, append to RESULTS
run() {
    local tool=$1 n=$2; shift 2
    local out="$TMP/$tool.$n.out" err="$TMP/$tool.$n.err" tf="$TMP/$tool.$n.time"
    local rc=0
    /usr/bin/time -f '%e %M' -o "$tf" "$@" > "$out" 2> "$err" || rc=$?
    # With a non-zero exit, GNU time writes "Command exited with ..." first.
    local secs rss
    read -r secs rss < <(tail -n1 "$tf")
    printf '%s\t%s\t%s\t%s\t%s\n' "$tool" "$n" "$secs" "$rss" "$rc" >> "$RESULTS"
    echo "  $tool run $n: ${secs}s, ${rss} KB, exit $rc" >&2
}

echo "# validate benchmark: $(basename "$FILE")" >&2
echo "rows (wc -l - 1): $ROWS, bytes: $BYTES" >&2

FR_VERSION=$(frictionless --version 2>/dev/null | tail -n1)
echo "frictionless $FR_VERSION" >&2
for n in $(seq 1 "$RUNS"); do
    run frictionless "$n" frictionless validate --trusted --json --limit-errors 0 \
        --schema "$SCHEMA" "$FILE"
done
python3 - "$TMP/frictionless.1.out" "$ROWS" >&2 <<'PY' || echo "  (could not parse the frictionless JSON report)" >&2
import json, sys
r = json.load(open(sys.argv[1]))
t = r["tasks"][0]
s = t["stats"]
print(f"  frictionless report: rows validated {s.get('rows')}, errors {s.get('errors')}, "
      f"warnings {t.get('warnings') or 'none'}, valid {r.get('valid')}")
if s.get("rows") != int(sys.argv[2]):
    print(f"  WARNING: frictionless row count {s.get('rows')} != wc -l count {sys.argv[2]} "
          "(partial validation, or quoted line breaks in the file)")
PY

HAVE_RC=0
if [[ -x "$BIN" ]]; then
    HAVE_RC=1
    echo "rehabcount: $BIN" >&2
    for n in $(seq 1 "$RUNS"); do
        mkdir -p "$TMP/rc-report.$n"
        run rehabcount "$n" "$BIN" validate --report-dir "$TMP/rc-report.$n" "$FILE"
    done
else
    echo "rehabcount binary not found at $BIN: skipping rehabcount runs" >&2
fi

# Markdown table on stdout.
awk -F'\t' -v rows="$ROWS" -v bytes="$BYTES" -v have_rc="$HAVE_RC" '
function line(tool, run, s, kb) {
    printf "| %s | %s | %.2f | %s | %.1f | %.1f |\n", tool, run, s,
        (s > 0 ? sprintf("%.0f", rows / s) : "n/a"),
        (s > 0 ? bytes / 1e6 / s : 0), kb / 1024
}
function median(arr, n,    i, j, t) {
    for (i = 2; i <= n; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j+1] = arr[j]; arr[j+1] = t }
    return (n % 2) ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
{
    line($1, $2, $3, $4)
    n[$1]++; secs[$1, n[$1]] = $3; rss[$1, n[$1]] = $4
}
BEGIN {
    printf "\nrows: %d (wc -l minus header), size: %.1f MB\n\n", rows, bytes / 1e6
    print "| tool | run | seconds | rows/s | MB/s | peak RSS MB |"
    print "|---|---|---:|---:|---:|---:|"
}
END {
    for (tool in n) {
        delete a; delete b
        for (i = 1; i <= n[tool]; i++) { a[i] = secs[tool, i]; b[i] = rss[tool, i] }
        med[tool] = median(a, n[tool]); medrss[tool] = median(b, n[tool])
    }
    if ("frictionless" in n) line("frictionless", "median", med["frictionless"], medrss["frictionless"])
    if ("rehabcount" in n)   line("rehabcount", "median", med["rehabcount"], medrss["rehabcount"])
    print ""
    if (have_rc && med["rehabcount"] > 0)
        printf "speed ratio (median frictionless s / median rehabcount s): %.1fx\n", med["frictionless"] / med["rehabcount"]
    else
        print "speed ratio: n/a (rehabcount not run)"
    print "MB = 10^6 bytes; peak RSS MB = max resident set / 1024 KB; medians over the runs."
}' "$RESULTS"

#!/usr/bin/env bash
# ab-validate.sh — two rehabcount builds' `validate`, alternated on the same files, with their reports compared.
#
#   Benchmarks/ab-validate.sh BEFORE AFTER [RUNS]     (default 5 runs of each, alternated)
#
# For the 1M-row referrals files of Benchmarks/limits.sh at 2% and 30% defects (made by it, or by this script the
# same way), each run times `validate` with every report written, BEFORE then AFTER (then AFTER first on the next
# run, so that neither always goes first). It prints each time, the median of each, and AFTER ÷ BEFORE. Once per
# file it checks that the two builds wrote the same findings CSV, quarantine CSV and JSON report (less the run's
# own time and date), so that a change meant to be invisible is.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 BEFORE AFTER [RUNS]" >&2; exit 2; }
before=$1 after=$2 runs=${3:-5}
data=$PWD/Benchmarks/.data/limits
# shellcheck source=Benchmarks/limits-data.sh
. Benchmarks/limits-data.sh
limits_data "$after" "$data"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
key="$scratch/key" && head -c 48 /dev/urandom | base64 > "$key"
export REHABCOUNT_PSEUDONYM_KEY_FILE=$key REHABCOUNT_LOG_FORMAT=json

# Seconds of one validate with every report, into $scratch/<label>.
run() {
    rm -rf "${scratch:?}/$1" && mkdir "$scratch/$1"
    /usr/bin/time -f "%e" -o "$scratch/time" "$2" validate --report-dir "$scratch/$1" "$3" >/dev/null 2>&1 || true
    cat "$scratch/time"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

for rate in 2 30; do
    file=$(ls "$data/$rate"/*_referrals_*.csv)
    : > "$scratch/b" && : > "$scratch/a"
    for i in $(seq 1 "$runs"); do
        if [ $((i % 2)) = 1 ]; then
            run before "$before" "$file" >> "$scratch/b"; run after "$after" "$file" >> "$scratch/a"
        else
            run after "$after" "$file" >> "$scratch/a"; run before "$before" "$file" >> "$scratch/b"
        fi
    done
    same=yes
    for report in "$scratch"/before/*; do
        name=$(basename "$report")
        case "$name" in
            *.json) cmp -s <(grep -v '"seconds"\|"validated_at"\|"generated_at"' "$report") \
                <(grep -v '"seconds"\|"validated_at"\|"generated_at"' "$scratch/after/$name") || same="no ($name)" ;;
            *.csv) cmp -s "$report" "$scratch/after/$name" || same="no ($name)" ;;
        esac
    done
    b=$(median < "$scratch/b") a=$(median < "$scratch/a")
    printf '%s%%: before %s s (median %s), after %s s (median %s), after/before %.3f; same reports: %s\n' "$rate" \
        "$(paste -sd' ' "$scratch/b")" "$b" "$(paste -sd' ' "$scratch/a")" "$a" "$(echo "$a / $b" | bc -l)" "$same"
done

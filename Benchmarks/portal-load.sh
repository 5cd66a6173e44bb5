#!/usr/bin/env bash
# portal-load.sh — the portal under load: 50 sessions reading a trust's page while 5 uploads of about 100 MB are
# checked (Benchmarks/portal_load.py), against a release build, its own PostgreSQL and the sample month, analysed so
# that the page's figures and chart are there to read.
#
#   Benchmarks/portal-load.sh [SESSIONS] [UPLOADS] [SECONDS]      (default 50 5 60)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
if [ -z "${DATABASE_URL:-}" ]; then exec "$root/scripts/with-pg.sh" "$0" "$@"; fi
bin=$(realpath "${BIN:-$root/.build/release/rehabcount}")
work=$(mktemp -d "${TMPDIR:-/tmp}/rehabcount-portal-load.XXXXXXXX")
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf -- "$work"' EXIT
cd "$root"
head -c 48 /dev/urandom | base64 >"$work/key"
"$bin" db migrate >/dev/null 2>&1
"$bin" db load-reference >/dev/null 2>&1
"$bin" load --pseudonym-key-file "$work/key" sample-data/inbox/*.csv >/dev/null 2>&1
"$bin" analyse >/dev/null 2>&1
# About 100 MB of referrals for one trust (the generator's first, R1D), with its default defects.
"$bin" sample --out "$work/big" --period 2025-09 --trusts 1 --seed 5 --referrals-per-trust 900000 \
    --contacts-per-referral 0 >/dev/null 2>&1
file=$(ls "$work"/big/*_referrals_2025-09.csv)
password="load test passphrase $(head -c 6 /dev/urandom | base64)"
echo "$password" | "$bin" portal user add lead@central.example --central >/dev/null
cat >"$work/p.yaml" <<YAML
name: load
inbox: $work/inbox
archive: $work/archive
outbox: $work/outbox
reports: $work/reports
workers: 2
portal: {listen: 127.0.0.1:18090, max_upload: 512MiB}
YAML
"$bin" serve "$work/p.yaml" >"$work/serve.log" 2>&1 &
server=$!
sleep 2
printf 'file %s: %s bytes\n' "$(basename "$file")" "$(stat -c %s "$file")"
python3 Benchmarks/portal_load.py http://127.0.0.1:18090 "$server" "$file" lead@central.example "$password" "$@"

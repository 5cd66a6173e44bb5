#!/usr/bin/env bash
# The trust portal on the sample data, in one command.
#
#   scripts/portal.sh
#
# Runs the main job (scripts/nightly.sh) when the database has no submissions yet, makes one portal user for each
# trust of the sample month (analyst@<trust>.example, e.g. analyst@ry2.example) and a central one
# (lead@central.example), all with one new password printed here, and starts `rehabcount serve
# pipelines/nightly.yaml` on http://127.0.0.1:8080 until Ctrl-C. The database is the main job's: DATABASE_URL, PG*
# variables, or the private local cluster it started (scripts/pg-local.sh). docs/portal.md says more.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DATABASE_URL:-}" ] && [ -z "${PGHOST:-}${PGDATABASE:-}${PGSERVICE:-}" ]; then
    eval "$(scripts/pg-local.sh start)"
    export DATABASE_URL
fi
rehabcount=.build/release/rehabcount
if [ ! -x "$rehabcount" ] || ! "$rehabcount" db migrate >/dev/null 2>&1 ||
    [ "$(psql "$DATABASE_URL" -Atc 'SELECT count(*) FROM audit.submissions')" = 0 ]; then
    scripts/nightly.sh >/dev/null
fi
password=$(head -c 18 /dev/urandom | base64 | tr '/+' '_-')
for org in RY2 RDR R1D; do
    lower=$(echo "$org" | tr 'A-Z' 'a-z')
    echo "$password" | "$rehabcount" portal user add "analyst@$lower.example" --org "$org" >/dev/null 2>&1 ||
        echo "$password" | "$rehabcount" portal user reset-password "analyst@$lower.example" >/dev/null
done
echo "$password" | "$rehabcount" portal user add lead@central.example --central >/dev/null 2>&1 ||
    echo "$password" | "$rehabcount" portal user reset-password lead@central.example >/dev/null
cat >&2 <<TEXT
portal: http://127.0.0.1:8080 — log in as analyst@ry2.example (or rdr, r1d) or lead@central.example
portal: password for all of them, this time: $password
TEXT
exec "$rehabcount" serve pipelines/nightly.yaml

#!/usr/bin/env bash
# The main job: validate and load every extract in the inbox into PostgreSQL, and write the reports.
#
#   scripts/nightly.sh [INBOX] [REPORT_DIR]
#
# Defaults: sample-data/inbox and reports/. The database is DATABASE_URL, or libpq's PG* variables; when
# neither is set, a private local cluster is started (scripts/pg-local.sh) and kept for analysts to query:
#   eval "$(scripts/pg-local.sh env)" && psql "$DATABASE_URL"
# The pseudonymisation key is REHABCOUNT_PSEUDONYM_KEY or REHABCOUNT_PSEUDONYM_KEY_FILE; when neither is set,
# one is made once in ~/.config/rehabcount/pseudonym.key (mode 600) and reused, so patient keys stay stable.
#
# Exit codes are those of `rehabcount load`: 0 every file processed (validation may reject some),
# 1 a file could not be loaded, 2 usage or configuration error.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/git-safe-mirrors.sh
inbox="${1:-sample-data/inbox}"
reports="${2:-reports}"

swift build -c release --product rehabcount >&2
rm -f "${rehabcount_gitconfig:-}"
rehabcount=.build/release/rehabcount

if [ -z "${DATABASE_URL:-}" ] && [ -z "${PGHOST:-}${PGDATABASE:-}${PGSERVICE:-}" ]; then
    eval "$(scripts/pg-local.sh start)"
    export DATABASE_URL
fi

if [ -z "${REHABCOUNT_PSEUDONYM_KEY:-}" ] && [ -z "${REHABCOUNT_PSEUDONYM_KEY_FILE:-}" ]; then
    key="${XDG_CONFIG_HOME:-$HOME/.config}/rehabcount/pseudonym.key"
    if [ ! -f "$key" ]; then
        mkdir -p "$(dirname "$key")"
        (umask 077 && head -c 48 /dev/urandom | base64 > "$key")
        echo "nightly: made a pseudonymisation key in $key; keep it: patient keys depend on it" >&2
    fi
    export REHABCOUNT_PSEUDONYM_KEY_FILE="$key"
fi

"$rehabcount" db migrate
"$rehabcount" db load-reference >/dev/null

shopt -s nullglob
files=("$inbox"/*.csv "$inbox"/*.xlsx)
if [ ${#files[@]} -eq 0 ]; then
    echo "nightly: no extracts in $inbox" >&2
    exit 0
fi
exec "$rehabcount" load --report-dir "$reports" "${files[@]}"

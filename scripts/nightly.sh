#!/usr/bin/env bash
# The main job: the nightly pipeline (pipelines/nightly.yaml) on the sample extracts, end to end.
#
#   scripts/nightly.sh [SOURCE_DIR]
#
# Copies the extracts of SOURCE_DIR (default sample-data/inbox) into the pipeline's inbox (var/inbox), then runs
# `rehabcount run pipelines/nightly.yaml`: validate, load, archive (var/archive), trust reports (var/outbox),
# analysis, national report (var/reports) and metrics (var/metrics). Run it again: the files are already
# archived, so the second run loads nothing. In production, cron or systemd runs `rehabcount run` itself
# (docs/operations.md).
#
# The database is DATABASE_URL, or libpq's PG* variables; when
# neither is set, a private local cluster is started (scripts/pg-local.sh) and kept for analysts to query:
#   eval "$(scripts/pg-local.sh env)" && psql "$DATABASE_URL"
# The pseudonymisation key is REHABCOUNT_PSEUDONYM_KEY or REHABCOUNT_PSEUDONYM_KEY_FILE; when neither is set,
# one is made once in ~/.config/rehabcount/pseudonym.key (mode 600) and reused, so patient keys stay stable.
#
# Exit codes are those of `rehabcount run`: 0 every file processed (validation may reject some),
# 1 a file could not be processed, 2 usage or configuration error, 3 another run holds the lock.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/git-safe-mirrors.sh
source_dir="${1:-sample-data/inbox}"
pipeline=pipelines/nightly.yaml

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
files=("$source_dir"/*.csv "$source_dir"/*.xlsx)
mkdir -p var/inbox
if [ ${#files[@]} -gt 0 ]; then
    cp -- "${files[@]}" var/inbox/
fi
exec "$rehabcount" run "$pipeline"

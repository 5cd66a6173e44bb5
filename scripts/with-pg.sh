#!/usr/bin/env bash
# with-pg.sh — run a command against a THROWAWAY PostgreSQL cluster.
#
# Usage: scripts/with-pg.sh COMMAND [ARGS...]      e.g.  scripts/with-pg.sh swift test
#
# Creates a fresh cluster in a new temp directory (via scripts/pg-local.sh: Unix socket only, trust auth,
# role and database `rehabcount`, a free port), exports DATABASE_URL, runs COMMAND, then stops and deletes
# the cluster whatever happens (success, failure, Ctrl-C), and exits with COMMAND's status.
# Works as root (the server runs as `postgres` or `rehabcount-pg`) and as a normal user.
# Diagnostics go to stderr; COMMAND's output is left alone.
set -euo pipefail

if [ $# -eq 0 ]; then
    sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
    exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
pg_local=$here/pg-local.sh

# Root: the server user must be able to reach the dir, so use /tmp (world-traversable), not $TMPDIR.
if [ "$(id -u)" -eq 0 ]; then
    tmpdir=$(mktemp -d /tmp/rehabcount-pg.XXXXXXXX)
else
    tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/rehabcount-pg.XXXXXXXX")
fi
touch "$tmpdir/.rehabcount-pg-local"   # marks it as ours for `pg-local.sh destroy`

cleaned=0
cleanup() {
    [ "$cleaned" -eq 0 ] || return 0
    cleaned=1
    "$pg_local" destroy --dir "$tmpdir" >/dev/null 2>&1 || "$pg_local" stop --dir "$tmpdir" >&2 || true
    rm -rf -- "$tmpdir"
}
trap cleanup EXIT
trap 'cleanup; trap - INT; kill -INT $$' INT
trap 'cleanup; exit 143' TERM
trap 'cleanup; exit 129' HUP

# The throwaway cluster ignores REHABCOUNT_PG_DIR; REHABCOUNT_PG_PORT is honoured if set.
env_line=$(REHABCOUNT_PG_DIR= "$pg_local" start --dir "$tmpdir")
eval "$env_line"
export DATABASE_URL
echo "with-pg: DATABASE_URL=$DATABASE_URL" >&2

set +e
"$@"
status=$?
set -e
cleanup
exit "$status"

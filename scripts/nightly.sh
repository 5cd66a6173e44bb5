#!/usr/bin/env bash
# The main job: validate every extract in the inbox and write the reports.
#
#   scripts/nightly.sh [INBOX] [REPORT_DIR]
#
# Defaults: sample-data/inbox and reports/. Exit codes are those of `rehabcount validate`:
# 0 nothing reached --fail-on, 1 something did, 2 usage or configuration error.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/git-safe-mirrors.sh
inbox="${1:-sample-data/inbox}"
reports="${2:-reports}"
swift build -c release --product rehabcount >&2
rm -f "${rehabcount_gitconfig:-}"
shopt -s nullglob
files=("$inbox"/*.csv "$inbox"/*.xlsx)
if [ ${#files[@]} -eq 0 ]; then
    echo "nightly: no extracts in $inbox" >&2
    exit 0
fi
exec .build/release/rehabcount validate --report-dir "$reports" "${files[@]}"

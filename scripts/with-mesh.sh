#!/usr/bin/env bash
# with-mesh.sh — run a command against a THROWAWAY MESH server: NHS England's mesh-sandbox, with full
# authentication, on a free local port.
#
# Usage: scripts/with-mesh.sh COMMAND [ARGS...]      e.g.  scripts/with-mesh.sh swift test
#
# The sandbox and NHS England's Python client, mesh-client, come pinned from PyPI into .build/python (as the
# workbook tests' openpyxl does). Its mailboxes are the sandbox's own (X26ABC1, X26ABC2, X26ABC3 …, password
# "password"); the shared key is made afresh. Exports REHABCOUNT_TEST_MESH_URL and
# REHABCOUNT_TEST_MESH_SHARED_KEY, runs COMMAND, then stops the server and deletes its store whatever happens,
# and exits with COMMAND's status.
set -euo pipefail

if [ $# -eq 0 ]; then
    sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
    exit 2
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
python_path=${REHABCOUNT_TEST_PYTHONPATH:-$root/.build/python}
if ! PYTHONPATH="$python_path" python3 -c 'import mesh_sandbox, mesh_client, uvicorn' 2>/dev/null; then
    packages=('mesh-sandbox==1.0.137' 'mesh-client==5.0.2')
    # Into a folder of its own: a Debian python3 that marks itself externally managed allows that with the flag.
    python3 -m pip install --quiet --disable-pip-version-check --target "$python_path" "${packages[@]}" >&2 ||
        python3 -m pip install --quiet --disable-pip-version-check --break-system-packages \
            --target "$python_path" "${packages[@]}" >&2
fi

store=$(mktemp -d "${TMPDIR:-/tmp}/rehabcount-mesh.XXXXXXXX")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
key=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
server=""
cleanup() {
    [ -z "$server" ] || kill "$server" 2>/dev/null || true
    [ -z "$server" ] || wait "$server" 2>/dev/null || true
    rm -rf -- "$store"
}
trap cleanup EXIT

(
    cd "$store"
    exec env PYTHONPATH="$python_path" AUTH_MODE=full STORE_MODE=file MAILBOXES_DATA_DIR="$store/mailboxes" \
        SHARED_KEY="$key" python3 -m uvicorn mesh_sandbox.api:app --host 127.0.0.1 --port "$port" \
        --log-level warning
) >"$store.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=1)" \
        2>/dev/null; then
        break
    fi
    if ! kill -0 "$server" 2>/dev/null; then
        echo "with-mesh: the MESH sandbox did not start:" >&2
        cat "$store.log" >&2
        exit 1
    fi
    sleep 0.2
done
echo "with-mesh: MESH sandbox on http://127.0.0.1:$port (log $store.log)" >&2

export REHABCOUNT_TEST_MESH_URL="http://127.0.0.1:$port"
export REHABCOUNT_TEST_MESH_SHARED_KEY="$key"
export REHABCOUNT_TEST_PYTHONPATH="$python_path"
set +e
"$@"
status=$?
set -e
exit "$status"

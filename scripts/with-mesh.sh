#!/usr/bin/env bash
# with-mesh.sh — run a command against a THROWAWAY MESH server: NHS England's mesh-sandbox, with full
# authentication, on a free local port.
#
# Usage: scripts/with-mesh.sh COMMAND [ARGS...]      e.g.  scripts/with-mesh.sh swift test
#
# The sandbox and NHS England's Python client, mesh-client, come pinned from PyPI into .build/python (as the
# workbook tests' openpyxl does). Its mailboxes are the sandbox's own (X26ABC1, X26ABC2, X26ABC3 …, password
# "password"); the shared key is made afresh. A second sandbox serves HTTPS and requires a client certificate, as
# live MESH does, with a CA, a server and a client certificate made here by openssl. Exports
# REHABCOUNT_TEST_MESH_URL, REHABCOUNT_TEST_MESH_TLS_URL, REHABCOUNT_TEST_MESH_TLS (the folder with ca.pem,
# client.pem, client.key and other-ca.pem, a CA that signed nothing) and REHABCOUNT_TEST_MESH_SHARED_KEY, runs
# COMMAND, then stops the servers and deletes their stores whatever happens, and exits with COMMAND's status.
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
key=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
servers=()
cleanup() {
    for server in "${servers[@]}"; do kill "$server" 2>/dev/null || true; done
    for server in "${servers[@]}"; do wait "$server" 2>/dev/null || true; done
    rm -rf -- "$store" "$store".*.log
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Certificates for the HTTPS sandbox: a CA, the server's (for 127.0.0.1), a client's, and a CA that signed nothing.
tls=$store/tls
mkdir -p "$tls"
(
    cd "$tls"
    for ca in ca other-ca; do
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=RehabCount test $ca" \
            -keyout "$ca.key" -out "$ca.pem" 2>/dev/null
    done
    printf 'subjectAltName = IP:127.0.0.1, DNS:localhost\n' >server.ext
    for who in server client; do
        openssl req -newkey rsa:2048 -nodes -subj "/CN=RehabCount test $who" -keyout "$who.key" -out "$who.csr" \
            2>/dev/null
        openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out "$who.pem" \
            $([ "$who" = server ] && echo -extfile server.ext) 2>/dev/null
    done
)

# start NAME SCHEME PORT [uvicorn TLS options…]: one sandbox, with its own store, waited for until it answers.
start() {
    local name=$1 scheme=$2 port=$3
    shift 3
    mkdir -p "$store/$name"
    (
        cd "$store/$name"
        exec env PYTHONPATH="$python_path" AUTH_MODE=full STORE_MODE=file \
            MAILBOXES_DATA_DIR="$store/$name/mailboxes" SHARED_KEY="$key" \
            python3 -m uvicorn mesh_sandbox.api:app --host 127.0.0.1 --port "$port" --log-level warning "$@"
    ) >"$store.$name.log" 2>&1 &
    servers+=($!)
    for _ in $(seq 1 100); do
        if python3 -c "import ssl, urllib.request
context = ssl.create_default_context(cafile='$tls/ca.pem')
context.load_cert_chain('$tls/client.pem', '$tls/client.key')
urllib.request.urlopen('$scheme://127.0.0.1:$port/health', timeout=1, context=context)" 2>/dev/null; then
            echo "with-mesh: MESH sandbox on $scheme://127.0.0.1:$port (log $store.$name.log)" >&2
            return 0
        fi
        if ! kill -0 "${servers[-1]}" 2>/dev/null; then break; fi
        sleep 0.2
    done
    echo "with-mesh: the MESH sandbox ($name) did not start:" >&2
    cat "$store.$name.log" >&2
    exit 1
}
port=$(free_port)
start plain http "$port"
tls_port=$(free_port)
# --ssl-cert-reqs 2: a client certificate is required (ssl.CERT_REQUIRED), as live MESH requires one.
start tls https "$tls_port" --ssl-certfile "$tls/server.pem" --ssl-keyfile "$tls/server.key" \
    --ssl-ca-certs "$tls/ca.pem" --ssl-cert-reqs 2

export REHABCOUNT_TEST_MESH_URL="http://127.0.0.1:$port"
export REHABCOUNT_TEST_MESH_TLS_URL="https://127.0.0.1:$tls_port"
export REHABCOUNT_TEST_MESH_TLS="$tls"
export REHABCOUNT_TEST_MESH_SHARED_KEY="$key"
export REHABCOUNT_TEST_PYTHONPATH="$python_path"
set +e
"$@"
status=$?
set -e
exit "$status"

#!/usr/bin/env bash
# mesh-collect.sh — the collect stage taking a large extract from MESH, against `curl` fetching the same chunks from
# the same server, alternated.
#
#   Benchmarks/mesh-collect.sh [SIZE_MIB] [RUNS] [CHUNK_MIB]       (default 1024 MiB, 3 runs, 50 MiB chunks)
#
# Needs a release build (swift build -c release --product rehabcount). It starts its own PostgreSQL and MESH
# sandbox (scripts/with-pg.sh, scripts/with-mesh.sh) unless DATABASE_URL and REHABCOUNT_TEST_MESH_URL are set.
# Each run:
#   - a trust (NHS England's mesh-client) sends a SIZE_MIB file in CHUNK_MIB chunks (not timed);
#   - curl fetches every chunk of it into one file, with a fresh NHSMESH header for each (timed);
#   - `rehabcount run` with `stages: [collect]` downloads, checks, records and acknowledges it (timed, with its peak
#     RSS from GNU time), and the file it collected is compared with the one sent.
# Odd runs time curl first, even runs RehabCount first (the file is then sent again for curl, and acknowledged
# after), so that neither always meets the server's cold cache. Prints each time, RehabCount's peak RSS, and the
# ratio to the curl time of the same run.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REHABCOUNT_TEST_MESH_URL:-}" ]; then
    exec "$root/scripts/with-pg.sh" "$root/scripts/with-mesh.sh" "$0" "$@"
fi
size=${1:-1024}
runs=${2:-3}
chunk=${3:-50}
bin=$(realpath "${BIN:-$root/.build/release/rehabcount}")
work=$(mktemp -d "${TMPDIR:-/tmp}/rehabcount-mesh-bench.XXXXXXXX")
trap 'rm -rf -- "$work"' EXIT
export PYTHONPATH=${REHABCOUNT_TEST_PYTHONPATH:-$root/.build/python}
export REHABCOUNT_MESH_PASSWORD=password REHABCOUNT_MESH_SHARED_KEY=$REHABCOUNT_TEST_MESH_SHARED_KEY
head -c 48 /dev/urandom | base64 >"$work/key"

# The extract: CSV-like lines, SIZE_MIB MiB.
file=$work/RY2_referrals_2025-09.csv
python3 - "$file" "$size" <<'EOF'
import random, sys
path, size = sys.argv[1], int(sys.argv[2]) << 20
random.seed(7)
line = "".join(f"RY2,RY2-R{random.randrange(10**7):07d},2025-09-{random.randrange(1, 29):02d},{random.randrange(1000)}\n"
               for _ in range(20000)).encode()
with open(path, "wb") as out:
    written = 0
    while written < size:
        part = line[: size - written]
        out.write(part)
        written += len(part)
EOF

mkdir -p "$work/inbox"
cat >"$work/bench.yaml" <<EOF
name: mesh-bench
inbox: $work/inbox
archive: $work/archive
outbox: $work/outbox
reports: $work/reports
metrics: $work/rehabcount.prom
stages: [collect]
mesh:
  url: $REHABCOUNT_TEST_MESH_URL
  mailbox: X26ABC2
  extract_workflow: BENCH_EXTRACT
  feedback_workflow: BENCH_FEEDBACK
  max_message_size: 4GiB
  senders: {X26ABC1: RY2}
EOF
"$bin" db migrate --database "$DATABASE_URL" >/dev/null 2>&1

send() {
    python3 "$root/Tests/Tools/mesh_trust.py" send X26ABC1 X26ABC2 BENCH_EXTRACT "$file" --chunk-size $((chunk << 20))
}

# curl_fetch ID: every chunk of message ID into one file, as RehabCount does; seconds on standard output.
curl_fetch() {
    local id=$1 chunks=$(((size + chunk - 1) / chunk)) start
    rm -f "$work/curl.out"
    start=$(date +%s.%N)
    for n in $(seq 1 "$chunks"); do
        local suffix=""
        [ "$n" -gt 1 ] && suffix="/$n"
        local header
        header=$(python3 -c "
import os, sys
from mesh_client import AuthTokenGenerator
print(AuthTokenGenerator(os.environ['REHABCOUNT_MESH_SHARED_KEY'].encode(), 'X26ABC2', 'password')())")
        # The same request as RehabCount's: API v2, gzip accepted (the sandbox, like MESH, then compresses
        # each chunk on the way), inflated as it arrives.
        curl -sf --compressed -H "Authorization: $header" -H 'Accept: application/vnd.mesh.v2+json' \
            "$REHABCOUNT_TEST_MESH_URL/messageexchange/X26ABC2/inbox/$id$suffix" >>"$work/curl.out"
    done
    echo "$(date +%s.%N) - $start" | bc
}

# collect: the night with stages [collect]; "seconds peak_kib".
collect() {
    local start seconds
    start=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$work/time" "$bin" run "$work/bench.yaml" --database "$DATABASE_URL" \
        --pseudonym-key-file "$work/key" >/dev/null 2>"$work/run.log" || {
        cat "$work/run.log" >&2
        exit 1
    }
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    cmp -s "$file" "$work/inbox/RY2_referrals_2025-09.csv" || {
        echo "mesh-collect: the collected file differs from the one sent" >&2
        exit 1
    }
    rm -f "$work/inbox/RY2_referrals_2025-09.csv"
    echo "$seconds $(cat "$work/time")"
}

printf 'file %d MiB in %d MiB chunks\n' "$size" "$chunk"
printf '%-4s %-8s %10s %10s %14s %8s\n' run order curl_s collect_s collect_MiB ratio
for run in $(seq 1 "$runs"); do
    id=$(send)
    if [ $((run % 2)) -eq 1 ]; then
        order=curl-first
        c=$(curl_fetch "$id")
        read -r r kib <<<"$(collect)"
    else
        # RehabCount first: curl then needs the message again, so it is sent twice.
        order=rc-first
        read -r r kib <<<"$(collect)"
        id=$(send)
        c=$(curl_fetch "$id")
        python3 - "$id" <<'EOF'
import os, sys
from mesh_client import MeshClient
with MeshClient(os.environ["REHABCOUNT_TEST_MESH_URL"], "X26ABC2", "password",
                shared_key=os.environ["REHABCOUNT_MESH_SHARED_KEY"].encode(), verify=False) as mesh:
    mesh.acknowledge_message(sys.argv[1])
EOF
    fi
    cmp -s "$file" "$work/curl.out" || echo "mesh-collect: curl's copy differs" >&2
    printf '%-4s %-8s %10.2f %10.2f %14.1f %8.2f\n' "$run" "$order" "$c" "$r" "$(echo "$kib / 1024" | bc -l)" \
        "$(echo "$r / $c" | bc -l)"
done

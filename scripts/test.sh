#!/usr/bin/env bash
# Runs every RehabCount test. Works from a fresh clone, as root or as a normal user.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test "$@"

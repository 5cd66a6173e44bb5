#!/usr/bin/env bash
# Runs every RehabCount test, the integration tests against a throwaway PostgreSQL cluster it starts.
# Works from a fresh clone, as root or as a normal user.
#
#   scripts/test.sh              every test
#   scripts/test.sh --unit       only the tests that need no database (no PostgreSQL is started)
#   scripts/test.sh --filter X   any other arguments go to `swift test`
set -euo pipefail
cd "$(dirname "$0")/.."
unit=false
if [ "${1:-}" = "--unit" ]; then
    unit=true
    shift
fi
. scripts/git-safe-mirrors.sh
# Every module a target imports is one it declares (SwiftPM lets transitive imports through).
python3 scripts/check-imports.py
swift build --build-tests

# The workbook tests open X.xlsx with openpyxl, a real reader: from PyPI into .build/python when python3 lacks it.
export REHABCOUNT_TEST_PYTHONPATH="$PWD/.build/python"
if ! PYTHONPATH="$REHABCOUNT_TEST_PYTHONPATH" python3 -c 'import openpyxl' 2>/dev/null; then
    # Into a folder of its own: a Debian python3 that marks itself externally managed allows that with the flag.
    python3 -m pip install --quiet --disable-pip-version-check --target "$REHABCOUNT_TEST_PYTHONPATH" 'openpyxl==3.1.5' ||
        python3 -m pip install --quiet --disable-pip-version-check --break-system-packages \
            --target "$REHABCOUNT_TEST_PYTHONPATH" 'openpyxl==3.1.5'
fi
# The accessibility test runs axe-core in headless Chromium on the reports: PyPI's axe-playwright-python carries a
# current axe.min.js (only the script is used, so its dependencies are not installed).
if [ ! -f "$REHABCOUNT_TEST_PYTHONPATH/axe_playwright_python/axe.min.js" ]; then
    python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$REHABCOUNT_TEST_PYTHONPATH" \
        'axe-playwright-python==0.1.8' || echo "test.sh: axe-core not installed; the accessibility test will say so" >&2
fi

# The portal's browser test drives Chromium with Selenium (and Debian's chromium-driver), from PyPI. Its API test
# fuzzes the API with schemathesis, from PyPI into a folder of its own (.build/python-fuzz), so that its
# dependencies never replace the MESH sandbox's.
pip_into() {
    local target=$1
    shift
    python3 -m pip install --quiet --disable-pip-version-check --target "$target" "$@" ||
        python3 -m pip install --quiet --disable-pip-version-check --break-system-packages --target "$target" "$@"
}
if ! PYTHONPATH="$REHABCOUNT_TEST_PYTHONPATH" python3 -c 'import selenium' 2>/dev/null; then
    pip_into "$REHABCOUNT_TEST_PYTHONPATH" 'selenium==4.27.1'
fi
export REHABCOUNT_TEST_FUZZPATH="$PWD/.build/python-fuzz"
if ! PYTHONPATH="$REHABCOUNT_TEST_FUZZPATH" python3 -c 'import schemathesis' 2>/dev/null; then
    pip_into "$REHABCOUNT_TEST_FUZZPATH" 'schemathesis==4.32.5'
fi

log=$(mktemp)
trap 'rm -f "$log" "${rehabcount_gitconfig:-}"' EXIT
set +e
if $unit; then
    # The integration tests need PostgreSQL, and the MESH sandbox tests the sandbox: without them, neither is
    # started.
    swift test --skip-build --skip IntegrationTests --skip MESHSandboxTests --skip MESHCommandSandboxTests "$@" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
else
    # Integration tests need PostgreSQL, and the MESH tests NHS England's MESH sandbox: a throwaway cluster and a
    # throwaway sandbox live exactly as long as the test run.
    scripts/with-pg.sh scripts/with-mesh.sh swift test --skip-build "$@" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
fi
set -e
# XCTest prints "Executed 0 tests" before Swift Testing's summary; end on one plain line that says what ran.
summary=$(grep -E "Test run with [0-9]+ tests?" "$log" | tail -n 1 || true)
if [[ $summary =~ with\ ([0-9]+)\ tests? ]]; then
    if [ "$status" -eq 0 ]; then
        echo "tests: ${BASH_REMATCH[1]} passed, 0 failed"
    else
        echo "tests: some of ${BASH_REMATCH[1]} failed (see above)"
    fi
fi
exit "$status"

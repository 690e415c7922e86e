#!/usr/bin/env bash
# Run tests/orchestration/ inside the orchestration venvs (built/refreshed first, idempotently).
#
# Each orchestrator's tests run in its own venv with tests/orchestration/pytest.ini, so the main
# suite's pytest configuration (and its --ignore of this folder) does not apply here.
#
# Usage: orchestration/run_tests.sh [airflow] [dagster] [-- extra pytest args]
# Exit status: non-zero if setup or any test run failed (all requested runs are attempted).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEST_TIMEOUT="${TEST_TIMEOUT:-900}"

names=()
while [ "$#" -gt 0 ]; do
    if [ "$1" = "--" ]; then
        shift
        break
    fi
    names+=("$1")
    shift
done
if [ "${#names[@]}" -eq 0 ]; then
    names=(airflow dagster)
fi

bash "$ROOT/orchestration/setup_venvs.sh" "${names[@]}" || exit $?

# `timeout` is GNU coreutils (Linux, CI); elsewhere run without the guard.
with_timeout() {
    if command -v timeout >/dev/null 2>&1; then timeout "$@"; else shift; "$@"; fi
}

status=0
cd "$ROOT"
for name in "${names[@]}"; do
    echo "[run_tests] tests/orchestration/${name}_tests in .venv-$name"
    if ! with_timeout "$TEST_TIMEOUT" "$ROOT/.venv-$name/bin/python" -m pytest \
        -c "$ROOT/tests/orchestration/pytest.ini" --rootdir "$ROOT/tests/orchestration" \
        "$ROOT/tests/orchestration/${name}_tests" "$@"; then
        echo "[run_tests] $name: FAILED" >&2
        status=1
    fi
done
exit "$status"

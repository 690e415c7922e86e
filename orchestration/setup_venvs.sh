#!/usr/bin/env bash
# Create or refresh the orchestration virtual environments (.venv-airflow, .venv-dagster).
#
# Airflow and Dagster pin many packages and conflict with each other, so each lives in its own
# venv next to the main .venv: `pip install -e .` of dlt-atlassian + the orchestrator + pytest,
# constrained by our own frozen constraints file (Airflow's official ones live on GitHub, which
# CI cannot reach).
#
# Idempotent: a venv is rebuilt from scratch only when the hash of its inputs (requirements,
# constraints, pyproject's [project] table, this script, the Python version) differs from the
# stamp written after its last successful install; otherwise it is left alone (well under a
# second).
#
# Usage: orchestration/setup_venvs.sh [airflow] [dagster]     (default: both)
# Env:   PYTHON=python3.11 (interpreter for the venvs), SETUP_TIMEOUT=1800 (seconds per venv)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/orchestration"
PYTHON="${PYTHON:-python3}"
SETUP_TIMEOUT="${SETUP_TIMEOUT:-1800}"

if [ "$#" -eq 0 ]; then
    set -- airflow dagster
fi

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi
}

# `timeout` is GNU coreutils (Linux, CI); elsewhere run without the guard.
with_timeout() {
    if command -v timeout >/dev/null 2>&1; then timeout "$@"; else shift; "$@"; fi
}

inputs_hash() {
    local name="$1"
    {
        cat "$HERE/$name-requirements.txt" "$HERE/$name-constraints.txt" "${BASH_SOURCE[0]}"
        # Only pyproject's [project] table (dependencies, scripts) matters to the venv; edits to
        # tool settings (ruff, pytest) must not trigger a rebuild.
        "$PYTHON" -c 'import json, sys, tomllib
print(sys.version)
print(json.dumps(tomllib.load(open(sys.argv[1], "rb"))["project"], sort_keys=True))' \
            "$ROOT/pyproject.toml"
    } | sha256 | cut -d' ' -f1
}

setup_one() {
    local name="$1"
    local venv="$ROOT/.venv-$name"
    local stamp="$venv/.orchestration-stamp"
    local want
    want="$(inputs_hash "$name")"

    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ]; then
        echo "[setup_venvs] .venv-$name is up to date"
        return 0
    fi

    echo "[setup_venvs] building .venv-$name (inputs changed or first run)"
    local started=$SECONDS
    # A half-built or stale venv is removed, never patched: leftovers from an older pin set
    # would make the environment differ from what the constraints describe.
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    # The grep drops pip's per-package notices about unreadable find-links/extra-index
    # directories (machine-level pip config); pipefail still reports pip's own exit status.
    with_timeout "$SETUP_TIMEOUT" "$venv/bin/python" -m pip install --quiet \
        -e "$ROOT" \
        -r "$HERE/$name-requirements.txt" \
        -c "$HERE/$name-constraints.txt" 2>&1 |
        { grep -v "^WARNING: Location 'file:" || true; }
    echo "$want" > "$stamp"
    echo "[setup_venvs] .venv-$name ready in $((SECONDS - started))s"
}

# Serialise concurrent invocations (e.g. `make -j`): two pips writing one venv corrupt it.
exec 9>"$ROOT/.venv-orchestration.lock"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi

for name in "$@"; do
    case "$name" in
        airflow | dagster) setup_one "$name" ;;
        *)
            echo "[setup_venvs] unknown environment '$name' (expected airflow or dagster)" >&2
            exit 2
            ;;
    esac
done

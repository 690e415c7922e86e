#!/usr/bin/env bash
# Regenerate orchestration/<name>-constraints.txt after changing <name>-requirements.txt.
#
# Resolves the requirements (plus dlt-atlassian itself) without constraints in a throw-away
# venv and freezes the result. Review the diff before committing: it is the exact set CI installs.
#
# Usage: orchestration/freeze_constraints.sh airflow|dagster      Env: PYTHON=python3.11
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/orchestration"
PYTHON="${PYTHON:-python3}"
name="${1:?usage: freeze_constraints.sh airflow|dagster}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$PYTHON" -m venv "$tmp/venv"
timeout 1800 "$tmp/venv/bin/python" -m pip install --quiet -e "$ROOT" -r "$HERE/$name-requirements.txt"
{
    echo "# Full resolved set for .venv-$name (pip freeze of a clean install, $("$PYTHON" -V))."
    echo "# Regenerate: orchestration/freeze_constraints.sh $name"
    "$tmp/venv/bin/python" -m pip freeze --exclude-editable | grep -v '^#'
} > "$HERE/$name-constraints.txt"
echo "wrote $HERE/$name-constraints.txt"

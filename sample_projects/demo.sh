#!/usr/bin/env bash
# The main job on the hello sample: build its wheel with pip (isolated, as a packager
# would), install it in a fresh virtual environment and run the native executable.
set -euo pipefail
cd "$(dirname "$0")/.."
source sample_projects/setup-venv.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The isolated build environment must get this checkout's backend, not one from an index.
"$VENV/bin/python" -m pip wheel -q --no-deps -w "$work/wheelhouse" .
echo "== building the hello wheel with pip"
PIP_FIND_LINKS="$work/wheelhouse" "$VENV/bin/python" -m pip wheel --no-deps -w "$work/dist" sample_projects/hello
wheel="$(ls "$work"/dist/*.whl)"
echo "== built $(basename "$wheel")"

echo "== installing it in a fresh virtual environment"
"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps "$wheel"

echo "== running $work/venv/bin/hello"
file "$work/venv/bin/hello" 2>/dev/null || true
"$work/venv/bin/hello"
"$work/venv/bin/hello" from a native WASI executable
set +e
"$work/venv/bin/hello" --exit 3
echo "exit code: $?"

#!/usr/bin/env bash
# Set up everything the tests need (a venv at .venv with the backend and test tools)
# and run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source sample_projects/setup-venv.sh
exec "$VENV/bin/python" -m pytest -n "${PYTEST_WORKERS:-2}" "$@"

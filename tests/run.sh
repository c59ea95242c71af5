#!/usr/bin/env bash
# Set up everything the tests need and run the whole test suite: the system tools that run
# other platforms' executables (when run as root with apt-get; see
# tests/install-system-tools.sh), a venv at .venv with the backend and the test tools.
# Extra arguments go to pytest. The WASI conformance tests read the suite at
# ../shared/wasi-testsuite, or where WBB_WASI_TESTSUITE says.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-system-tools.sh
source sample_projects/setup-venv.sh
exec "$VENV/bin/python" -m pytest -n "${PYTEST_WORKERS:-2}" "$@"

"""The WASI test suite on executables built by this backend: one pytest test per suite test.

The engine and target default to the build machine's wasmtime executables; set
WBB_TESTSUITE_ENGINE and WBB_TESTSUITE_TARGET (a wheel platform tag) to test others.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import wasi_testsuite as suite

from wasm_build_backend.target import parse_tag

_MISSING = f"the WASI test suite is absent: no {suite.SUITE_ROOT}"

# Collected at import so that every test is reported under its own id.
TESTS = suite.discover() if suite.SUITE_ROOT.is_dir() else []
PARAMS = [pytest.param(t, id=t.id) for t in TESTS] or [
    pytest.param(None, id="absent", marks=pytest.mark.skip(reason=_MISSING))
]


@pytest.fixture(scope="session")
def runner(tmp_path_factory: pytest.TempPathFactory) -> suite.Runner:
    """One build folder and one private copy of the suite per session (per xdist worker)."""
    tag = os.environ.get("WBB_TESTSUITE_TARGET")
    scratch: Path = tmp_path_factory.mktemp("wasi-testsuite")
    return suite.make_runner(
        scratch,
        engine=os.environ.get("WBB_TESTSUITE_ENGINE", "wasmtime"),
        target=parse_tag(tag) if tag else None,
    )


@pytest.mark.parametrize("test", PARAMS)
def test_wasi_testsuite(test: suite.WasiTest, runner: suite.Runner) -> None:
    outcome = runner.check(test)
    assert outcome.passed, f"{test.id}:\n  " + "\n  ".join(outcome.problems)

"""The WASI test suite on executables built by this backend: one pytest test per suite test.

The engine and target default to the build machine's wasmtime executables; set
WBB_TESTSUITE_ENGINE and WBB_TESTSUITE_TARGET (a wheel platform tag) to test others.
The `c` and `assemblyscript` folders also run on executables cross-built for other
platforms, under qemu-user and Wine (see emulation.py): skipped only where the
emulator is missing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import wasi_testsuite as suite

from wasm_build_backend.target import Target, parse_tag

_MISSING = f"the WASI test suite is absent: no {suite.SUITE_ROOT}"

# Collected at import so that every test is reported under its own id.
TESTS = suite.discover() if suite.SUITE_ROOT.is_dir() else []
PARAMS = [pytest.param(t, id=t.id) for t in TESTS] or [
    pytest.param(None, id="absent", marks=pytest.mark.skip(reason=_MISSING))
]

# (target, precompile mode): each target with the default mode (native code, made under
# the emulator), and the two other modes once each.
CROSS_RUNS = (
    ("manylinux_2_17_aarch64", None),
    ("musllinux_1_2_aarch64", None),
    ("musllinux_1_2_x86_64", None),
    ("win_amd64", None),
    ("manylinux_2_17_aarch64", "first-run"),
    ("win_amd64", "pulley"),
)
CROSS_SUITES = ("c", "assemblyscript")
CROSS_PARAMS = [
    pytest.param(tag, mode, t, id=f"{tag}{'-' + mode if mode else ''}/{t.id}")
    for tag, mode in CROSS_RUNS
    for t in TESTS
    if t.suite in CROSS_SUITES
] or [pytest.param(None, None, None, id="absent", marks=pytest.mark.skip(reason=_MISSING))]


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


@pytest.fixture(scope="session")
def cross_runner(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[Target, str | None], suite.Runner]:
    """A runner per cross target and mode, made when first asked for (emulators start
    slowly)."""
    runners: dict[tuple[Target, str | None], suite.Runner | str] = {}

    def get(target: Target, mode: str | None) -> suite.Runner:
        if (target, mode) not in runners:
            scratch = tmp_path_factory.mktemp(f"wasi-testsuite-{target.platform_tag()}")
            try:
                runner = suite.make_runner(scratch, target=target, precompile=mode)
                runners[target, mode] = runner
            except suite.RunnerError as e:
                runners[target, mode] = str(e)
        found = runners[target, mode]
        if isinstance(found, str):
            pytest.skip(found)
        return found

    return get


@pytest.mark.parametrize("test", PARAMS)
def test_wasi_testsuite(test: suite.WasiTest, runner: suite.Runner) -> None:
    outcome = runner.check(test)
    assert outcome.passed, f"{test.id}:\n  " + "\n  ".join(outcome.problems)


@pytest.mark.parametrize(("tag", "mode", "test"), CROSS_PARAMS)
def test_wasi_testsuite_cross(
    tag: str,
    mode: str | None,
    test: suite.WasiTest,
    cross_runner: Callable[[Target, str | None], suite.Runner],
) -> None:
    outcome = cross_runner(parse_tag(tag), mode).check(test)
    assert outcome.passed, f"{tag} {mode} {test.id}:\n  " + "\n  ".join(outcome.problems)

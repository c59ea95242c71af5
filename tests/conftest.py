"""Shared test machinery: real frontends, real venvs, real executables.

A session wheelhouse holds this backend's own wheel and every wheel it depends on, so
isolated builds by pip, build and uv install from it with no index: the sample
projects' `requires = ["wasm-build-backend"]` resolves to this checkout, never to
anything on an index.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _pytest.terminal import TerminalReporter

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_projects"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXE = ".exe" if sys.platform == "win32" else ""


def run(cmd: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a command, failing the test with its output if it fails."""
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if proc.returncode != 0:
        pytest.fail(
            f"{cmd} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    return proc  # type: ignore[no-any-return]


def assert_flat_scripts(wheel: Path) -> None:
    """The wheel's `.data/scripts/` holds plain files only, none in a sub-folder and no
    folder entry: uv (and `uv tool`, and pipx through it) refuse the whole wheel otherwise."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    scripts = [n.split("/", 2) for n in names if n.split("/")[0].endswith(".data")]
    bad = [
        "/".join(parts)
        for parts in scripts
        if len(parts) == 3 and parts[1] == "scripts" and (not parts[2] or "/" in parts[2])
    ]
    assert not bad, f"{wheel.name}: not a plain file directly in .data/scripts/: {bad}"
    assert any(len(p) == 3 and p[1] == "scripts" for p in scripts), f"{wheel.name}: no scripts"


def unpack_wheel(wheel: Path, prefix: Path) -> Path:
    """The wheel laid out below `prefix` as an installer's POSIX scheme would lay it out
    (`.data/scripts/` in `bin/`, `.data/data/` in `prefix`, the rest in `site/`), without
    an installer: for executables of other platforms. Returns the scripts folder."""
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            parts = info.filename.split("/")
            if parts[0].endswith(".data") and parts[1] == "scripts":
                dest = prefix / "bin" / "/".join(parts[2:])
            elif parts[0].endswith(".data") and parts[1] == "data":
                dest = prefix / "/".join(parts[2:])
            else:
                dest = prefix / "site" / info.filename
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(zf.read(info))
            if info.external_attr >> 16 & 0o111:
                dest.chmod(0o755)
    return prefix / "bin"


def copy_checkout(dest: Path) -> Path:
    """The checkout's files as a fresh clone has them: no venv, build output or caches."""
    ignored = shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "wheelhouse", "*.egg-info", "__pycache__", ".*_cache"
    )
    shutil.copytree(ROOT, dest, ignore=ignored)
    return dest


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    house = tmp_path_factory.mktemp("wheelhouse")
    # From a private copy: setuptools builds in the tree's build/ folder, which the other
    # xdist workers (and other test runs) would be writing at the same time.
    source = copy_checkout(tmp_path_factory.mktemp("backend-source") / "wasm-build-backend")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", house, source])
    backend = next(house.glob("wasm_build_backend-*.whl"))
    run([sys.executable, "-m", "pip", "download", "-q", "-d", house, backend])
    return house


@pytest.fixture(scope="session")
def offline_env(wheelhouse: Path) -> dict[str, str]:
    """Environment for frontends: build dependencies come from the wheelhouse only."""
    env = dict(os.environ)
    env.update(
        PIP_FIND_LINKS=str(wheelhouse),
        PIP_NO_INDEX="1",
        UV_FIND_LINKS=str(wheelhouse),
        UV_NO_INDEX="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


@dataclass
class Venv:
    path: Path

    @property
    def bin(self) -> Path:
        return self.path / ("Scripts" if sys.platform == "win32" else "bin")

    @property
    def python(self) -> Path:
        return self.bin / ("python" + EXE)

    def script(self, name: str) -> Path:
        return self.bin / (name + EXE)

    def pip(
        self, *args: str | Path, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return run([self.python, "-m", "pip", "-q", *args], env=env)


@pytest.fixture
def make_venv(tmp_path: Path) -> Iterator[type[Venv]]:
    counter = iter(range(1000))

    class _Factory(Venv):
        def __init__(self) -> None:
            path = tmp_path / f"venv{next(counter)}"
            venv.create(path, with_pip=True, symlinks=sys.platform != "win32")
            super().__init__(path)

    yield _Factory


@pytest.fixture
def sample(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A private copy of a sample project (tests may write into it)."""
    name = request.param if hasattr(request, "param") else "hello"
    dest = tmp_path / "src" / name
    shutil.copytree(SAMPLES / name, dest, ignore=shutil.ignore_patterns("dist", "build"))
    return dest


def reference_run(
    module: Path,
    args: list[str],
    *,
    argv0: str,
    cwd: Path,
    stdin: str = "",
    env: dict[str, str] | None = None,
    dirs: list[tuple[str, str]] | None = None,
) -> subprocess.CompletedProcess[str]:
    script = Path(__file__).resolve().parent / "reference_run.py"
    cmd = [sys.executable, str(script), "--argv0", argv0]
    for host, guest in dirs if dirs is not None else [(".", ".")]:
        cmd += ["--dir", f"{host}::{guest}"]
    cmd += [str(module), *args]
    return subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, text=True, env=env)


@pytest.fixture(scope="session")
def wasmtime_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pinned `wasmtime` wheel of every supported platform, downloaded once per session
    (pip's own cache makes later sessions cheap): `-C runtime=` for offline cross builds."""
    from wasm_build_backend.targets.target import wasmtime_targets
    from wasm_build_backend.toolchain.runtime import RUNTIME_VERSION, pip_platforms

    house = tmp_path_factory.mktemp("wasmtime-wheels")
    download = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:"]
    for target in wasmtime_targets():
        for part in target.slices:
            platforms = [a for p in pip_platforms(part) for a in ("--platform", p)]
            run([*download, *platforms, "-d", house, f"wasmtime=={RUNTIME_VERSION}"])
    return house


@pytest.fixture(scope="session")
def wasmtime_any_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `py3-none-any` wasmtime wheel, which pip falls back to for a platform with no wheel
    of its own (it holds the Windows x86_64 DLL)."""
    from wasm_build_backend.toolchain.runtime import RUNTIME_VERSION

    house = tmp_path_factory.mktemp("wasmtime-any")
    download = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:"]
    run([*download, "--platform", "linux_armv7l", "-d", house, f"wasmtime=={RUNTIME_VERSION}"])
    (wheel,) = house.glob("*.whl")
    assert wheel.name.endswith("-py3-none-any.whl"), wheel.name
    return wheel


# ---- what was skipped, and what enables it ----

# A skip reason's pattern, what the skipped tests lacked, and the one command that gives it.
ENABLERS = (
    (
        re.compile(r"qemu|wine|musl loader|sysroot|cannot run .* executables here"),
        "qemu-user, Wine or musl, which run other platforms' executables",
        "sudo bash tests/install-system-tools.sh   (bash tests/run.sh does it when run as root)",
    ),
    (
        re.compile(r"WASI test suite"),
        "the WASI test suite",
        "WBB_WASI_TESTSUITE=/path/to/wasi-testsuite bash tests/run.sh   "
        "(or put it at ../shared/wasi-testsuite)",
    ),
    (
        re.compile(r"npm"),
        "npm, which fetches jco's WASI preview1 adapter for the test suite's components",
        "sudo bash tests/install-system-tools.sh   (or install Node.js with npm)",
    ),
    (
        re.compile(r"wabt|wasm2c engine needs|Python 3\.11"),
        "the wasm2c engine, whose WABT wheels need Python 3.11+",
        "rm -rf .venv && PYTHON=python3.11 bash tests/run.sh",
    ),
)


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    """A plain summary of the skipped tests, grouped by what they lacked, with the command
    that makes them run."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    lacking: dict[int, int] = {}
    other: dict[str, int] = {}
    for report in skipped:
        reason = _skip_reason(report)
        for i, (pattern, _, _) in enumerate(ENABLERS):
            if pattern.search(reason):
                lacking[i] = lacking.get(i, 0) + 1
                break
        else:
            other[reason] = other.get(reason, 0) + 1
    terminalreporter.section("skipped tests, and how to run them")
    for i, count in sorted(lacking.items()):
        _, what, command = ENABLERS[i]
        terminalreporter.line(f"{count} skipped for lack of {what}; to run them:")
        terminalreporter.line(f"    {command}")
    for reason, count in sorted(other.items()):
        terminalreporter.line(f"{count} skipped: {reason}")

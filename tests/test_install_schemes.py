"""The runtime library ships where the launcher finds it, in every install scheme the README claims.

One wheel per sample is built with `pip wheel` (isolated, offline) with the wasmtime engine
(whose executables need that library; the wasm2c engine's are one file) and installed for real into
a venv, with `--user`, `--prefix` and `--target`; the executable is then run from wherever the
scheme put it, found through the installed RECORD rather than guessed. Its companion files
(the runtime library) are in the scheme's data root, `share/wasm-build-backend/{dist}/`.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import EXE, SAMPLES, Venv, run

HELLO = "wbb_sample_hello"
FILETOOL = "wbb_sample_filetool"
# Below the install root (the data scheme), which holds `bin/` in every POSIX scheme.
SUPPORT = {d: Path("share", "wasm-build-backend", d) for d in (HELLO, FILETOOL)}

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX install schemes")


@pytest.fixture(scope="module")
def wheels(
    tmp_path_factory: pytest.TempPathFactory, offline_env: dict[str, str]
) -> dict[str, Path]:
    """The hello and filetool wheels, each built once for this module."""
    built = {}
    for sample, dist in (("hello", HELLO), ("filetool", FILETOOL)):
        src = tmp_path_factory.mktemp("src") / sample
        shutil.copytree(SAMPLES / sample, src)
        out = tmp_path_factory.mktemp("wheels")
        pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-C", "engine=wasmtime"]
        run([*pip, "-w", out, src], env=offline_env)
        (built[dist],) = out.glob("*.whl")
    return built


def installed_files(root: Path, dist: str, outside_base: Path | None = None) -> list[Path]:
    """Every file the installer recorded for `dist` somewhere below `root`, as absolute paths.

    RECORD paths are relative to the folder that holds the .dist-info. `pip install --target`
    installs into a home scheme first and then moves `lib/python/*` up into the target without
    rewriting RECORD, so there the paths that leave the folder (`../../bin/...`) are relative to
    `outside_base`, the home scheme's library folder.
    """
    records = list(root.rglob(f"{dist}-*.dist-info/RECORD"))
    assert len(records) == 1, f"expected one installed RECORD of {dist} below {root}: {records}"
    site = records[0].parent.parent
    files = []
    with records[0].open(newline="") as f:
        for row in csv.reader(f):
            if row:
                base = outside_base if outside_base and row[0].startswith("../") else site
                files.append(Path(os.path.normpath(base / row[0])))
    return files


def installed_script(root: Path, dist: str, name: str, outside_base: Path | None = None) -> Path:
    matches = [p for p in installed_files(root, dist, outside_base) if p.name == name + EXE]
    assert len(matches) == 1, f"{name} in the RECORD of {dist}: {matches}"
    return matches[0]


def run_exe(
    exe: Path | str, *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, env=env)


def check_hello(exe: Path | str, cwd: Path, env: dict[str, str] | None = None) -> None:
    """The installed hello behaves as hello.wasm does, run from an unrelated folder."""
    cwd.mkdir(parents=True, exist_ok=True)
    proc = run_exe(exe, cwd=cwd, env=env)
    assert (proc.returncode, proc.stdout) == (0, "Hello, world!\n"), proc.stderr
    proc = run_exe(exe, "big", "world", cwd=cwd, env=env)
    assert (proc.returncode, proc.stdout) == (0, "Hello, big world!\n"), proc.stderr
    proc = run_exe(exe, "--exit", "5", cwd=cwd, env=env)
    assert proc.returncode == 5, proc.stderr


def check_filetool(exe: Path, cwd: Path) -> None:
    cwd.mkdir(parents=True, exist_ok=True)
    proc = run_exe(exe, "write", "out.txt", "side by side", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    assert (cwd / "out.txt").read_text() == "side by side\n"
    proc = run_exe(exe, "cat", "out.txt", cwd=cwd)
    assert (proc.returncode, proc.stdout) == (0, "side by side\n"), proc.stderr


def tree(root: Path) -> set[str]:
    """Every path below `root` (files, folders, links), bytecode caches left out."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if "__pycache__" not in p.parts}


# Folders every distribution built by this backend shares: pip (like uv) removes the files
# and each distribution's own folder, and leaves these empty, as it leaves `share/man/`.
SHARED_FOLDERS = {"share", "share/wasm-build-backend"}


def assert_nothing_left(root: Path, before: set[str]) -> None:
    """Everything below `root` that is not in `before` is an empty shared folder."""
    left = tree(root) - before
    assert left <= SHARED_FOLDERS, f"left behind: {sorted(left)}"
    assert all((root / p).is_dir() for p in left), sorted(left)


@dataclass
class Installed:
    root: Path  # where the .dist-info is looked for
    scripts: Path  # where the scheme puts scripts
    outside_base: Path | None = None  # see installed_files

    @property
    def data(self) -> Path:
        """The scheme's data root: the folder that holds the scripts folder."""
        return self.scripts.parent


def scheme_install(
    scheme: str, wheel: Path, tmp_path: Path, make_venv: Callable[[], Venv], env: dict[str, str]
) -> Installed:
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps"]
    if scheme == "venv":
        v = make_venv()
        v.pip("install", "--no-deps", wheel, env=env)
        return Installed(v.path, v.bin)
    if scheme == "user":
        # pip refuses --user in a venv that cannot see user site-packages; one with the
        # system site-packages can, and PYTHONUSERBASE keeps the install in the test folder.
        path = tmp_path / "user-venv"
        venv.create(path, with_pip=True, system_site_packages=True, symlinks=True)
        user_base = tmp_path / "userbase"
        run(
            [path / "bin" / "python", *pip[1:], "--user", wheel],
            env={**env, "PYTHONUSERBASE": str(user_base)},
        )
        scheme_vars = {"userbase": str(user_base)}
        return Installed(
            user_base, Path(sysconfig.get_path("scripts", "posix_user", vars=scheme_vars))
        )
    if scheme == "prefix":
        prefix = tmp_path / "prefix"
        run([*pip, "--prefix", prefix, wheel], env=env)
        scheme_vars = {"base": str(prefix), "platbase": str(prefix)}
        return Installed(
            prefix, Path(sysconfig.get_path("scripts", "posix_prefix", vars=scheme_vars))
        )
    if scheme == "target":
        target = tmp_path / "target"
        run([*pip, "--target", target, wheel], env=env)
        scheme_vars = {"base": str(target), "platbase": str(target)}
        return Installed(
            target,
            Path(sysconfig.get_path("scripts", "posix_home", vars=scheme_vars)),
            Path(sysconfig.get_path("purelib", "posix_home", vars=scheme_vars)),
        )
    raise AssertionError(scheme)


@pytest.mark.parametrize("scheme", ["venv", "user", "prefix", "target"])
def test_scheme_runs_installed_executable(
    scheme: str,
    wheels: dict[str, Path],
    tmp_path: Path,
    make_venv: Callable[[], Venv],
    offline_env: dict[str, str],
) -> None:
    inst = scheme_install(scheme, wheels[HELLO], tmp_path, make_venv, offline_env)
    files = installed_files(inst.root, HELLO, inst.outside_base)
    exe = installed_script(inst.root, HELLO, "hello", inst.outside_base)
    assert exe == inst.scripts / "hello", (
        f"{scheme}: hello recorded at {exe}, not in {inst.scripts}"
    )
    assert all(p.is_file() for p in files), [p for p in files if not p.is_file()]
    assert exe.read_bytes()[:4] == b"\x7fELF", exe
    # Nothing but the executable in the scripts folder.
    assert [p for p in files if inst.scripts in p.parents] == [exe], files
    # The runtime library is one of the installed (recorded) files, in the data root.
    companions = inst.data / SUPPORT[HELLO]
    support = [p for p in files if companions in p.parents]
    assert support, f"{scheme}: no file of {companions} in the RECORD"
    assert all(p.parent == companions for p in support), support
    # Run it from an unrelated folder, with no venv activated and nothing on PATH for it.
    check_hello(exe, tmp_path / "elsewhere")

    # It runs because of the runtime library installed with it: without it, it cannot start.
    companions.rename(companions.with_name("moved"))
    proc = run_exe(exe, cwd=tmp_path / "elsewhere")
    assert (proc.returncode, proc.stdout) == (1, ""), proc
    looked = f"{inst.scripts}/../{SUPPORT[HELLO].as_posix()}"
    assert looked in proc.stderr, proc.stderr  # says where it looked
    assert proc.stderr.count("\n") == 1, proc.stderr
    companions.with_name("moved").rename(companions)
    check_hello(exe, tmp_path / "elsewhere")


def test_symlink_elsewhere_runs(
    wheels: dict[str, Path],
    tmp_path: Path,
    make_venv: Callable[[], Venv],
    offline_env: dict[str, str],
) -> None:
    """As pipx does: a symlink in another bin folder to the executable inside the venv."""
    v = make_venv()
    v.pip("install", "--no-deps", wheels[HELLO], env=offline_env)
    local_bin = tmp_path / "local" / "bin"
    local_bin.mkdir(parents=True)
    link = local_bin / "hello"
    link.symlink_to(v.script("hello"))
    assert not (local_bin.parent / SUPPORT[HELLO]).exists()
    check_hello(link, tmp_path / "elsewhere")
    # Found through PATH, and through a chain of two links, one of them relative.
    env = {**os.environ, "PATH": f"{local_bin}{os.pathsep}{os.environ['PATH']}"}
    check_hello("hello", tmp_path / "elsewhere", env=env)
    second = tmp_path / "second" / "hi"
    second.parent.mkdir()
    second.symlink_to(os.path.relpath(link, second.parent))
    check_hello(second, tmp_path / "elsewhere")


def test_uninstall_removes_every_file(
    wheels: dict[str, Path],
    tmp_path: Path,
    make_venv: Callable[[], Venv],
    offline_env: dict[str, str],
) -> None:
    v = make_venv()
    before = tree(v.path)
    v.pip("install", "--no-deps", wheels[HELLO], env=offline_env)
    hidden = v.path / SUPPORT[HELLO]
    assert hidden.is_dir(), sorted(tree(v.path) - before)
    assert any(hidden.iterdir())
    recorded = installed_files(v.path, HELLO)
    added = {p.relative_to(v.path).as_posix() for p in recorded}
    assert added <= tree(v.path) - before, "RECORD lists files the install did not add"
    check_hello(v.script("hello"), tmp_path / "elsewhere")

    v.pip("uninstall", "-y", "wbb-sample-hello")
    assert not hidden.exists(), f"{hidden} left behind: {sorted(tree(hidden))}"
    assert not v.script("hello").exists()
    assert_nothing_left(v.path, before)


def test_two_distributions_share_no_path(
    wheels: dict[str, Path],
    tmp_path: Path,
    make_venv: Callable[[], Venv],
    offline_env: dict[str, str],
) -> None:
    v = make_venv()
    v.pip("install", "--no-deps", wheels[HELLO], wheels[FILETOOL], env=offline_env)
    hello_files = set(installed_files(v.path, HELLO))
    filetool_files = set(installed_files(v.path, FILETOOL))
    assert hello_files and filetool_files
    assert not hello_files & filetool_files, sorted(hello_files & filetool_files)
    # Not even a folder of one is a file of the other, or the other way round.
    for mine, theirs in ((hello_files, filetool_files), (filetool_files, hello_files)):
        folders = {parent for p in mine for parent in p.parents if parent.is_relative_to(v.path)}
        assert not folders & theirs
    hello, filetool = v.script("hello"), v.script("filetool")
    check_hello(hello, tmp_path / "a")
    check_filetool(filetool, tmp_path / "b")

    v.pip("uninstall", "-y", "wbb-sample-hello")
    assert not any(p.exists() for p in hello_files), sorted(p for p in hello_files if p.exists())
    assert not (v.path / SUPPORT[HELLO]).exists()
    assert all(p.exists() for p in filetool_files)
    check_filetool(filetool, tmp_path / "c")

    # And the other way round.
    v.pip("install", "--no-deps", wheels[HELLO], env=offline_env)
    v.pip("uninstall", "-y", "wbb-sample-filetool")
    assert not any(p.exists() for p in filetool_files)
    assert not (v.path / SUPPORT[FILETOOL]).exists()
    assert all(p.exists() for p in hello_files)
    check_hello(hello, tmp_path / "d")

"""First-run compilation (`precompile=first-run`): the executable carries the .wasm, compiles it on
its first start into a per-user cache, and maps the cached code on every later start.

The cache file is named by module hash, Wasmtime version, engine settings and machine (CPU and
runtime library); it is written atomically (a temporary file, then a rename), so racing first
runs never see part of one, and a cached file the runtime cannot load is compiled again and
replaced. These run on this machine's own platform; test_targets.py runs first-run executables
for other platforms under emulators.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import EXE, FIXTURES, SAMPLES, run

from wasm_build_backend.toolchain.runtime import RUNTIME_VERSION

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the cache location checked here is Linux's"
)


def create_exe(module: Path, out: Path, cache: Path, *extra: str) -> Path:
    cli = [sys.executable, "-m", "wasm_build_backend", "create-exe", "--engine", "wasmtime"]
    run([*cli, module, "-o", out, "--precompile", "first-run", "--cache-dir", cache, *extra])
    return out.with_name(out.name + EXE)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "XDG_CACHE_HOME"}
    env["HOME"] = str(home)
    return env


def modules_dir(home: Path) -> Path:
    return home / ".cache" / "wasm-build-backend" / "modules"


def cached(home: Path) -> list[Path]:
    folder = modules_dir(home)
    return sorted(folder.iterdir()) if folder.is_dir() else []


def hello(exe: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(exe), *args], env=env_for(home), capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def hello_exe(tmp_path: Path) -> Path:
    return create_exe(SAMPLES / "hello" / "hello.wasm", tmp_path / "out" / "hello", tmp_path / "c")


def test_first_run_compiles_into_the_cache_and_later_runs_reuse_it(
    hello_exe: Path, home: Path
) -> None:
    proc = hello(hello_exe, home, "first")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "Hello, first!\n", ""), proc
    (entry,) = cached(home)
    assert entry.name.endswith(".cwasm") and f"-wasmtime-{RUNTIME_VERSION}-" in entry.name
    assert oct(entry.stat().st_mode & 0o777) == "0o600", "the user's code cache is private"
    assert oct(modules_dir(home).stat().st_mode & 0o777) == "0o700"
    before = entry.stat()
    for i in range(3):
        proc = hello(hello_exe, home, str(i))
        # Silent on later runs too, and the file is neither rewritten nor replaced.
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"Hello, {i}!\n", ""), proc
    (again,) = cached(home)
    after = again.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        before.st_ino,
        before.st_mtime_ns,
        before.st_size,
    )


def test_xdg_cache_home_is_honoured(hello_exe: Path, home: Path, tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    env = {**env_for(home), "XDG_CACHE_HOME": str(xdg)}
    proc = subprocess.run([str(hello_exe)], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc
    assert len(list((xdg / "wasm-build-backend" / "modules").iterdir())) == 1
    assert not cached(home)


def test_racing_first_runs_all_succeed_and_leave_one_whole_file(
    hello_exe: Path, home: Path
) -> None:
    with ThreadPoolExecutor(8) as pool:
        procs = list(pool.map(lambda i: hello(hello_exe, home, f"racer {i}"), range(16)))
    for i, proc in enumerate(procs):
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"Hello, racer {i}!\n", "")
    # One cache file, no temporary files left behind, and it loads.
    (entry,) = cached(home)
    assert hello(hello_exe, home, "after").stdout == "Hello, after!\n"
    assert cached(home) == [entry]


def test_a_different_module_or_settings_get_their_own_file(
    hello_exe: Path, home: Path, tmp_path: Path
) -> None:
    assert hello(hello_exe, home).returncode == 0
    other = create_exe(FIXTURES / "exit7.wasm", tmp_path / "out2" / "exit7", tmp_path / "c")
    assert hello(other, home).returncode == 7
    # The same module with other engine settings (a timeout compiles in epoch checks).
    timed = create_exe(
        SAMPLES / "hello" / "hello.wasm",
        tmp_path / "out3" / "hello",
        tmp_path / "c",
        "--timeout",
        "30",
    )
    assert hello(timed, home, "timed").stdout == "Hello, timed!\n"
    names = [p.name for p in cached(home)]
    assert len(names) == 3, names
    assert len({n.split("-")[0] for n in names}) == 2, "two modules, two module hashes"


def test_a_different_runtime_library_gets_its_own_file(hello_exe: Path, home: Path) -> None:
    assert hello(hello_exe, home).returncode == 0
    (first,) = cached(home)
    # Another build of the runtime beside the executable (here: the same library with
    # trailing bytes, which the loader ignores) must not reuse code compiled by the first.
    (runtime,) = hello_exe.parent.glob(f".{hello_exe.stem}.wasm/wasmtime-*")
    with open(runtime, "ab") as f:
        f.write(b"\0" * 4096)
    assert hello(hello_exe, home, "new runtime").stdout == "Hello, new runtime!\n"
    assert len(cached(home)) == 2 and first in cached(home)


@pytest.mark.parametrize("content", [b"", b"not compiled code at all", "other settings"])
def test_a_cache_file_that_does_not_load_is_compiled_again_and_replaced(
    hello_exe: Path, home: Path, tmp_path: Path, content: bytes | str
) -> None:
    assert hello(hello_exe, home).returncode == 0
    (entry,) = cached(home)
    good = entry.read_bytes()
    if content == "other settings":
        # Valid compiled code of the same module, but for an engine configured otherwise
        # (epoch checks for a timeout), as a runtime differing in what the name does not
        # capture would have made it.
        hello_wasm = SAMPLES / "hello" / "hello.wasm"
        timed = create_exe(hello_wasm, tmp_path / "o" / "hello", tmp_path / "c2", "--timeout", "9")
        other_home = tmp_path / "other-home"
        assert hello(timed, other_home).returncode == 0
        (other_entry,) = cached(other_home)
        shutil.copyfile(other_entry, entry)
    else:
        assert isinstance(content, bytes)
        entry.write_bytes(content)
    proc = hello(hello_exe, home, "repaired")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "Hello, repaired!\n", ""), proc
    assert cached(home) == [entry]
    assert entry.read_bytes() == good
    assert hello(hello_exe, home, "again").stdout == "Hello, again!\n"


def test_without_a_home_folder_it_compiles_every_time(hello_exe: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_CACHE_HOME")}
    proc = subprocess.run([str(hello_exe), "homeless"], env=env, capture_output=True, text=True)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "Hello, homeless!\n", ""), proc


def test_a_cache_folder_that_cannot_be_made_is_no_error(hello_exe: Path, home: Path) -> None:
    # A file where the cache folder should be: nothing can be stored, but the program runs.
    blocker = home / ".cache" / "wasm-build-backend"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("in the way")
    proc = hello(hello_exe, home, "blocked")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "Hello, blocked!\n", ""), proc
    assert blocker.read_text() == "in the way"

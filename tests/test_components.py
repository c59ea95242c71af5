"""wasi:cli/command components as scripts: exit codes, traps and every sandbox option.

The frontend tests run the component-hello sample's cases against wasmtime-py; these
check what a reference run cannot show (sandbox options) and the run-time edges of the
component path in the launcher, each against `reference_run.py` where it can say.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, SAMPLES, reference_run, run
from emulation import Unavailable, emulation
from test_sandbox import create_exe, launch

from wasm_build_backend.targets.target import parse_tag

GREET = SAMPLES / "component-hello" / "greet.wasm"


@pytest.mark.parametrize(
    ("fixture", "code"), [("component-fail", 1), ("component-grow", 0), ("component-trap", 134)]
)
def test_exit_status_as_wasmtime(tmp_path: Path, fixture: str, code: int) -> None:
    """`run` returning an error is exit status 1; a trap is 134; both as wasmtime-py."""
    module = FIXTURES / f"{fixture}.wasm"
    exe = create_exe(module, tmp_path / fixture)
    native = launch(exe, cwd=tmp_path)
    reference = reference_run(module, [], argv0=str(exe), cwd=tmp_path)
    assert native.returncode == reference.returncode == code, (native.stderr, reference.stderr)


def test_trap_message(tmp_path: Path) -> None:
    """As `wasmtime run` reports a component's trap: under `run`, with the backtrace."""
    exe = create_exe(FIXTURES / "component-trap.wasm", tmp_path / "trap")
    proc = launch(exe, cwd=tmp_path)
    assert proc.returncode == 134
    assert proc.stderr == (
        "Error: failed to run main module `component-trap.wasm`\n\n"
        "Caused by:\n"
        "    0: failed to invoke `run` function\n"
        "    1: error while executing at wasm backtrace:\n"
        "           0:     0x30 - m!<wasm function 0>\n"
        "    2: wasm trap: wasm `unreachable` instruction executed\n"
    )


def test_max_memory(tmp_path: Path) -> None:
    """The component's core memories are limited as a module's: growing past fails (with
    no limit it succeeds: test_exit_status_as_wasmtime)."""
    exe = create_exe(FIXTURES / "component-grow.wasm", tmp_path / "grow", "--max-memory", "32MiB")
    assert launch(exe, cwd=tmp_path).returncode == 1


def test_timeout(tmp_path: Path) -> None:
    exe = create_exe(FIXTURES / "component-spin.wasm", tmp_path / "spin", "--timeout", "0.5")
    proc = launch(exe, cwd=tmp_path)
    assert proc.returncode == 134
    assert proc.stderr.endswith("    2: wasm trap: interrupt\n"), proc.stderr


@pytest.mark.parametrize("mode", ["first-run", "pulley"])
def test_precompile_modes(tmp_path: Path, mode: str) -> None:
    """Compiled on first start into the cache, or Pulley bytecode: the same behaviour."""
    exe = create_exe(GREET, tmp_path / "greet", "--precompile", mode)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for _ in range(2):  # the second start of first-run loads the cached code
        proc = launch(exe, "a", "b", cwd=tmp_path, env=env)
        assert (proc.returncode, proc.stdout) == (0, "Hello, a b!\n"), proc.stderr
    cached = list((tmp_path / "cache").rglob("*.cwasm"))
    assert len(cached) == (1 if mode == "first-run" else 0)


# Native code made under the target's emulator, and the first-run mode on another target.
CROSS = [
    ("manylinux_2_17_aarch64", "native"),
    ("win_amd64", "native"),
    ("musllinux_1_2_aarch64", "first-run"),
]


@pytest.mark.parametrize(("tag", "mode"), CROSS)
def test_other_platforms(tmp_path: Path, tag: str, mode: str) -> None:
    """Components build for other targets and run there (under qemu-user and Wine)."""
    target = parse_tag(tag)
    try:
        emulator = emulation(target, tmp_path / "emulation")
    except Unavailable as e:
        pytest.skip(str(e))
    exe = create_exe(
        GREET, tmp_path / ("greet" + target.exe_suffix), "--target", tag, "--precompile", mode
    )
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    wrote = emulator.run(
        [exe, "--write", "out.txt", "made elsewhere"], cwd=work, env=env, stdin=subprocess.DEVNULL
    )
    assert wrote.returncode == 0, wrote.stderr
    assert (work / "out.txt").read_text() == "made elsewhere\n"
    said = emulator.run([exe, "a", "b"], cwd=work, env=env, stdin=subprocess.DEVNULL)
    assert (said.returncode, said.stdout) == (0, b"Hello, a b!\n"), said.stderr
    failed = emulator.run([exe, "--exit", "4"], cwd=work, env=env, stdin=subprocess.DEVNULL)
    assert failed.returncode == 1


PYPROJECT = """\
[project]
name = "sandboxed-greet"
version = "1"

[tool.wasm-build-backend.scripts.greet-ro]
module = "greet.wasm"
dirs = [{ host = "box", guest = "/box", read-only = true }]
env = "none"

[tool.wasm-build-backend.scripts.greet-data]
module = "greet.wasm"
dirs = []
data = { "/share" = "share" }
tmp = "/tmp"
env = ["GREETING"]
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of two scripts running the same component under different sandboxes."""
    tmp = tmp_path_factory.mktemp("components")
    project = tmp / "project"
    (project / "share").mkdir(parents=True)
    (project / "share" / "greeting.txt").write_text("shipped with the wheel\n")
    (project / "greet.wasm").write_bytes(GREET.read_bytes())
    (project / "pyproject.toml").write_text(PYPROJECT)
    run([sys.executable, "-m", "wasm_build_backend", "build", project, "-o", tmp / "dist"])
    wheel = next((tmp / "dist").glob("*.whl"))
    target = tmp / "installed"
    run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, wheel])
    return target / "bin"


def test_read_only_dir_and_no_env(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "box").mkdir()
    (tmp_path / "box" / "in.txt").write_text("readable\n")
    exe = installed / "greet-ro"
    assert launch(exe, "--read", "/box/in.txt", cwd=tmp_path).stdout == "readable\n"
    write = launch(exe, "--write", "/box/new.txt", "x", cwd=tmp_path)
    assert write.returncode == 1 and not (tmp_path / "box" / "new.txt").exists()
    env = {**os.environ, "GREETING": "hi"}
    assert launch(exe, "--env", "GREETING", cwd=tmp_path, env=env).stdout == "GREETING is unset\n"


def test_data_tmp_and_env_list(installed: Path, tmp_path: Path) -> None:
    exe = installed / "greet-data"
    shown = launch(exe, "--read", "/share/greeting.txt", cwd=tmp_path)
    assert shown.stdout == "shipped with the wheel\n", shown.stderr
    assert launch(exe, "--write", "/share/x.txt", "no", cwd=tmp_path).returncode == 1
    # No host directory: the cwd is not visible.
    (tmp_path / "here.txt").write_text("host\n")
    assert launch(exe, "--read", "here.txt", cwd=tmp_path).returncode == 1
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir), "GREETING": "hi", "OTHER": "x"}
    wrote = launch(exe, "--write", "/tmp/x.txt", "temporary", cwd=tmp_path, env=env)
    assert wrote.returncode == 0, wrote.stderr
    assert list(tmpdir.iterdir()) == []  # the private folder is gone after exit
    assert launch(exe, "--env", "GREETING", cwd=tmp_path, env=env).stdout == "GREETING=hi\n"
    assert launch(exe, "--env", "OTHER", cwd=tmp_path, env=env).stdout == "OTHER is unset\n"


def test_inspect_shows_the_world() -> None:
    cli = [sys.executable, "-m", "wasm_build_backend", "inspect"]
    text = run([*cli, GREET]).stdout
    assert text.startswith(f"component: {GREET}\n"), text
    assert "WASI:     0.2 (preview2)\n" in text
    assert "command:  yes (exports wasi:cli/run@0.2.12)\n" in text
    assert "engines:  wasmtime (not wasm2c: it is a WebAssembly component" in text
    assert 'default:  wasmtime (engine = "auto": wasm2c cannot build it: it is a WebAssemb' in text
    assert "imports:  15\n  wasi:cli/environment@0.2.12\n" in text
    assert text.endswith("exports:  1\n  wasi:cli/run@0.2.12\n"), text
    data = json.loads(run([*cli, "--json", GREET]).stdout)
    run_export = "wasi:cli/run@0.2.12"
    assert (data["kind"], data["run"], data["command"]) == ("component", run_export, True)
    preopens = {"module": "wasi:filesystem/preopens@0.2.12", "name": "", "kind": "instance"}
    assert preopens in data["imports"]
    text = run([*cli, FIXTURES / "component-http.wasm"]).stdout
    assert "engines:  none (it imports what the WASI 0.2 runtime lacks: wasi:http/outgoing" in text
    text = run([*cli, FIXTURES / "component-library.wasm"]).stdout
    assert "command:  no: nothing to run\nengines:  none\n" in text
    assert text.endswith("exports:  1\n  add (func)\n"), text

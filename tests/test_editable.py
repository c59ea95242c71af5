"""Editable installs (PEP 660) run the source tree's module, data and Python packages.

`pip install -e` (isolated, offline) into a fresh venv; then the source tree is changed
and the installed scripts run again with no reinstall: the change must show.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, SAMPLES, Venv, run

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths and tools")

SECOND_PROGRAM = r"""
#include <stdio.h>
int main(int argc, char **argv) {
    printf("second module, %d argument(s):", argc - 1);
    for (int i = 1; i < argc; i++) printf(" [%s]", argv[i]);
    printf("\n");
    return 3;
}
"""


def editable_install(name: str, tmp_path: Path, venv: Venv, env: dict[str, str]) -> Path:
    """A private copy of sample `name`, installed editable into `venv`; returns the copy."""
    src = tmp_path / "src" / name
    shutil.copytree(SAMPLES / name, src)
    venv.pip("install", "--no-deps", "-e", src, env=env)
    return src


def run_script(exe: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True)


def test_hello_runs_the_source_trees_module(
    tmp_path: Path, offline_env: dict[str, str], make_venv: Callable[[], Venv]
) -> None:
    venv = make_venv()
    src = editable_install("hello", tmp_path, venv, offline_env)
    exe = venv.script("hello")
    assert exe.read_bytes()[:4] == b"\x7fELF", exe
    installed = exe.read_bytes()
    work = tmp_path / "work"

    proc = run_script(exe, "big", "world", cwd=work)
    assert (proc.returncode, proc.stdout) == (0, "Hello, big world!\n"), proc.stderr

    # Another module built from C, copied over the source tree's hello.wasm.
    (tmp_path / "second.c").write_text(SECOND_PROGRAM)
    second = tmp_path / "second.wasm"
    zig_cc: list[str | Path] = [sys.executable, "-m", "ziglang", "cc", "--target=wasm32-wasi"]
    run([*zig_cc, "-O2", "-s", "-o", second, tmp_path / "second.c"])
    shutil.copyfile(second, src / "hello.wasm")
    proc = run_script(exe, "big", "world", cwd=work)
    assert (proc.returncode, proc.stdout) == (
        3,
        "second module, 2 argument(s): [big] [world]\n",
    ), proc.stderr
    # Twice: the second start may come from Wasmtime's cache; it must be the same module.
    proc = run_script(exe, cwd=work)
    assert (proc.returncode, proc.stdout) == (3, "second module, 0 argument(s):\n"), proc.stderr

    # And a hand-written one: exits 7 through proc_exit.
    shutil.copyfile(FIXTURES / "exit7.wasm", src / "hello.wasm")
    proc = run_script(exe, cwd=work)
    assert (proc.returncode, proc.stdout) == (7, ""), proc.stderr

    # Back to the original: the cache must not keep serving the last module.
    shutil.copyfile(SAMPLES / "hello" / "hello.wasm", src / "hello.wasm")
    proc = run_script(exe, cwd=work)
    assert (proc.returncode, proc.stdout) == (0, "Hello, world!\n"), proc.stderr

    # An edit that keeps the file's size and time (a same-length string changed and rebuilt
    # within the same second) is still a new module, not the last compile of the old one.
    module = src / "hello.wasm"
    before = module.stat()
    data = module.read_bytes()
    assert data.count(b"Hello, world!") == 1
    module.write_bytes(data.replace(b"Hello, world!", b"Howdy, world!"))
    os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns))
    proc = run_script(exe, cwd=work)
    assert (proc.returncode, proc.stdout) == (0, "Howdy, world!\n"), proc.stderr

    # None of this touched the installed executable.
    assert exe.read_bytes() == installed

    # With no module in the source tree, it says which file it could not open.
    (src / "hello.wasm").unlink()
    proc = run_script(exe, cwd=work)
    assert proc.returncode == 1 and str(src / "hello.wasm") in proc.stderr, proc


def test_multi_package_and_data_come_from_the_source_tree(
    tmp_path: Path, offline_env: dict[str, str], make_venv: Callable[[], Venv]
) -> None:
    venv = make_venv()
    src = editable_install("multi", tmp_path, venv, offline_env)
    work = tmp_path / "work"

    # The Python package is imported from the source tree, and edits show at once.
    probe = "import multi_helpers; print(multi_helpers.__file__); print(multi_helpers.version())"
    proc = run([venv.python, "-c", probe], cwd=work.parent)
    assert proc.stdout.splitlines() == [str(src / "multi_helpers" / "__init__.py"), "1.0.0"]
    init = src / "multi_helpers" / "__init__.py"
    init.write_text(init.read_text().replace('return "1.0.0"', 'return "2.0.0.dev0"'))
    proc = run([venv.python, "-c", probe], cwd=work.parent)
    assert proc.stdout.splitlines()[1] == "2.0.0.dev0"

    # multi-data shows the source tree's share/greeting.txt, as it is now.
    exe = venv.script("multi-data")
    proc = run_script(exe, "show", cwd=work)
    greeting = (src / "share" / "greeting.txt").read_text()
    assert (proc.returncode, proc.stdout) == (0, greeting), proc.stderr
    (src / "share" / "greeting.txt").write_text("Edited in the source tree.\n")
    proc = run_script(exe, "show", cwd=work)
    assert (proc.returncode, proc.stdout) == (0, "Edited in the source tree.\n"), proc.stderr
    # The data folder is not copied into the environment.
    assert not list(venv.path.rglob("greeting.txt"))

    # The other scripts of the same module still work, and so does the private /tmp.
    proc = subprocess.run(
        [str(venv.script("upper"))], input="Hello\n", cwd=work, capture_output=True, text=True
    )
    assert (proc.returncode, proc.stdout) == (0, "HELLO\n"), proc.stderr
    proc = run_script(exe, "tmpwrite", cwd=work)
    assert (proc.returncode, proc.stdout) == (0, "written to /tmp/x.txt and read back\n"), proc

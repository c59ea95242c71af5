"""Every mistake a user can make gets one line: the exact message, exit status 1, no
traceback, nothing left in the output folder or the cache; through the command line
and, where the mistake can reach it, through `python -m build` (the real PEP 517 hooks
in a subprocess). The numbers a user gives are checked against the module and target;
a value that is only raised or capped is built with a warning that says so."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES
from wasmgen import command_module, memory_limits

from wasm_build_backend.targets.host import host_target

CLI = [sys.executable, "-m", "wasm_build_backend"]
HOST_TAG = host_target().platform_tag()
SCRIPTS = "[tool.wasm-build-backend.scripts]"
WHERE = "[tool.wasm-build-backend.scripts.hello]"


def run(cmd: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [str(c) for c in cmd], capture_output=True, text=True, **kwargs
    )


def python_build(
    project: Path, out: Path, *settings: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    configs = [a for s in settings for a in ("-C", s)]
    build = [sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", out]
    return run([*build, *configs, project], env=env)


def assert_one_line(
    proc: subprocess.CompletedProcess[str], message: str, *left_empty: Path
) -> None:
    """One error line, exactly `message`, exit status 1, no traceback, and nothing in
    the `left_empty` folders (if they exist)."""
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if "wasm-build-backend: error" in ln]
    assert errors == [f"wasm-build-backend: error: {message}"], proc.stderr
    for folder in left_empty:
        leftovers = sorted(p.name for p in folder.rglob("*")) if folder.exists() else []
        assert not leftovers, f"left behind in {folder}: {leftovers}"


def hello_project(tmp_path: Path, script: str = 'hello = "hello.wasm"', extra: str = "") -> Path:
    project = tmp_path / "hello"
    shutil.copytree(SAMPLES / "hello", project, ignore=shutil.ignore_patterns("dist", "build"))
    text = (project / "pyproject.toml").read_text()
    head = text[: text.index("[tool.wasm-build-backend]")]  # without its sdist-include
    (project / "pyproject.toml").write_text(f"{head}{extra}{SCRIPTS}\n{script}\n")
    for package in ("a/pkg", "b/pkg"):  # for the packages cases
        (project / package).mkdir(parents=True)
        (project / package / "__init__.py").write_text("")
    return project


def read_only(cmd: list[str | Path], folder: Path) -> list[str | Path]:
    """`cmd` run with `folder` read-only: a read-only bind mount for root (whom file
    modes do not stop), the folder's mode for anyone else."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return cmd
    if shutil.which("unshare") is None or run(["unshare", "-m", "true"]).returncode != 0:
        pytest.skip("root without mount namespaces: no way to make a folder read-only")
    script = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && shift && exec "$@"'
    return ["unshare", "-m", "sh", "-c", script, "sh", folder, *cmd]


# ---- mistakes in pyproject.toml: the command line and python -m build ----

# id: (the script's line, what else goes in pyproject.toml, the message after "FILE: ")
PROJECT_CASES = {
    "max-memory-integer-too-large": (
        'hello = { module = "hello.wasm", max-memory = 99999999999999999999999 }',
        "",
        f"{WHERE} max-memory 99999999999999999999999 bytes (86736.2 EiB) is more than the "
        "32-bit memory of hello.wasm can address: at most 4294967296 bytes (4 GiB)",
    ),
    "max-memory-size-too-large": (
        'hello = { module = "hello.wasm", max-memory = "99999999999999TiB" }',
        "",
        f"{WHERE} max-memory {99999999999999 * 2**40} bytes (95367431.6 EiB) is more "
        "than the 32-bit memory of hello.wasm can address: at most 4294967296 bytes (4 GiB)",
    ),
    "max-memory-beyond-32-bit": (
        'hello = { module = "hello.wasm", max-memory = "1000TiB" }',
        "",
        f"{WHERE} max-memory 1099511627776000 bytes (1000 TiB) is more than the 32-bit "
        "memory of hello.wasm can address: at most 4294967296 bytes (4 GiB)",
    ),
    "max-memory-below-the-minimum": (
        'hello = { module = "hello.wasm", max-memory = "1KiB" }',
        "",
        f"{WHERE} max-memory 1024 bytes (1 KiB) is below the 16842752 bytes (16.1 MiB, "
        "257 pages) of memory that hello.wasm starts with, so the program could never start",
    ),
    "timeout-inf": (
        'hello = { module = "hello.wasm", timeout = inf }',
        "",
        f"{WHERE} timeout must be a finite number of seconds, not inf; leave it out for no "
        "time limit",
    ),
    "timeout-1e400": (
        'hello = { module = "hello.wasm", timeout = 1e400 }',
        "",
        f"{WHERE} timeout must be a finite number of seconds, not inf; leave it out for no "
        "time limit",
    ),
    "timeout-integer-too-large": (
        'hello = { module = "hello.wasm", timeout = 99999999999999999999999 }',
        "",
        f"{WHERE} timeout 1e+23 s is longer than the executables' timer on {HOST_TAG} can "
        "wait (9223372036854775 s, about 292,271,023 years); leave it out for no time limit",
    ),
    "python-script-of-the-same-name": (
        'hello = "hello.wasm"',
        '[project.scripts]\nhello = "hello_py:main"\n\n',
        "[project.scripts] 'hello' and [tool.wasm-build-backend.scripts] 'hello' would be "
        "the same file in bin/: the installer's Python launcher would replace the native "
        "executable; rename one of them",
    ),
    "data-is-the-project": (
        'hello = { module = "hello.wasm", data = { "share" = "." } }',
        "",
        f"{WHERE} data.share: '.' is the whole project folder; name a folder or file inside it",
    ),
    # Of the same kinds, beyond the list: a name cut short in C, two preopens at
    # one guest path, a module path that is the project.
    "nul-in-a-variable-name": (
        'hello = { module = "hello.wasm", env = ["A\\u0000B"] }',
        "",
        f'{WHERE} env must be "all", "none" or a list of variable names, not [\'A\\x00B\']',
    ),
    "one-guest-path-twice": (
        'hello = { module = "hello.wasm", dirs = [".", "/tmp::."] }',
        "",
        f"{WHERE}: the guest path '.' is given twice (in dirs, data or tmp); each "
        "preopened folder needs a path of its own",
    ),
    "two-packages-of-one-name": (
        'hello = "hello.wasm"',
        '[tool.wasm-build-backend]\npackages = ["a/pkg", "b/pkg"]\n\n',
        "[tool.wasm-build-backend] packages: 'a/pkg' and 'b/pkg' would both be installed as "
        "the package 'pkg'",
    ),
    "sdist-include-outside-the-project": (
        'hello = "hello.wasm"',
        '[tool.wasm-build-backend]\nsdist-include = ["../*.c"]\n\n',
        "[tool.wasm-build-backend] sdist-include: '../*.c' must be a pattern inside the project",
    ),
    "module-is-the-project": (
        'hello = { module = "." }',
        "",
        f"{WHERE} module: '.' is the whole project folder; name a folder or file inside it",
    ),
}


@pytest.mark.parametrize("case", sorted(PROJECT_CASES))
def test_project_mistake(case: str, tmp_path: Path) -> None:
    script, extra, message = PROJECT_CASES[case]
    project = hello_project(tmp_path, script, extra)
    expected = f"{project / 'pyproject.toml'}: {message}"
    cache = tmp_path / "cache"
    out = tmp_path / "dist"
    proc = run([*CLI, "build", project, "-o", out, "--cache-dir", cache])
    assert_one_line(proc, expected)
    assert not out.exists()  # not even an empty folder
    assert not [p for p in cache.rglob(".*")] if cache.exists() else True
    out2 = tmp_path / "dist2"
    assert_one_line(python_build(project, out2, f"cache-dir={cache}"), expected, out2)


def test_timeout_beyond_the_windows_timer(tmp_path: Path) -> None:
    """Windows' timer waits at most 2**32 - 2 ms; POSIX ones far longer."""
    project = hello_project(tmp_path, 'hello = { module = "hello.wasm", timeout = 5000000 }')
    out = tmp_path / "dist"
    proc = python_build(project, out, "target=win_amd64", "precompile=first-run")
    assert_one_line(
        proc,
        f"{project / 'pyproject.toml'}: {WHERE} timeout 5e+06 s is longer than the "
        "executables' timer on win_amd64 can wait (4294967 s, about 49.7 days); leave it "
        "out for no time limit",
        out,
    )


# ---- paths given on the command line ----


def test_output_folder_that_cannot_be_written(tmp_path: Path) -> None:
    project = hello_project(tmp_path)
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    proc = run([*CLI, "build", project, "-o", a_file])
    assert_one_line(
        proc, f"{a_file}: cannot be used as the output folder (-o): it is a file, not a folder"
    )
    read_only_dir = tmp_path / "read-only"
    read_only_dir.mkdir()
    out = read_only_dir / "dist"
    proc = run(read_only([*CLI, "build", project, "-o", out], read_only_dir))
    reason = "Read-only file system" if os.geteuid() == 0 else "Permission denied"
    assert_one_line(proc, f"{out}: cannot be used as the output folder (-o): {reason}")
    assert not any(read_only_dir.iterdir())


def test_project_path_that_is_not_a_project_folder(tmp_path: Path) -> None:
    project = hello_project(tmp_path)
    toml = project / "pyproject.toml"
    proc = run([*CLI, "build", toml, "-o", tmp_path / "dist"])
    assert_one_line(
        proc,
        f"{toml}: is a file, not a project folder; give the folder that holds it, {project}",
        tmp_path / "dist",
    )
    proc = run([*CLI, "build", tmp_path / "nowhere", "-o", tmp_path / "dist"])
    assert_one_line(proc, f"{tmp_path / 'nowhere'}: no such project folder", tmp_path / "dist")


def test_create_exe_where_a_folder_is_in_the_way(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "hello" / "hello.wasm", tmp_path / "mytool.wasm")
    (tmp_path / "mytool").mkdir()
    proc = run([*CLI, "create-exe", "mytool.wasm"], cwd=tmp_path)
    assert_one_line(
        proc,
        f"{tmp_path / 'mytool'}: is a folder, but without -o, create-exe writes the "
        f"executable file itself; give -o {tmp_path / 'mytool' / 'mytool'} to put it in "
        "that folder",
        tmp_path / "mytool",
    )
    proc = run([*CLI, "create-exe", "mytool.wasm", "-o", "ce/"], cwd=tmp_path)
    assert_one_line(
        proc,
        f"{tmp_path / 'ce'}: is a folder, but -o names the executable file itself; give -o "
        f"{tmp_path / 'ce' / 'mytool'} to put it in that folder",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mytool", "mytool.wasm"]


def test_cache_that_cannot_be_written(tmp_path: Path) -> None:
    """A cache the user named is an error naming the setting to change."""
    project = hello_project(tmp_path)
    out = tmp_path / "dist"
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    proc = run([*CLI, "build", project, "-o", out, "--cache-dir", a_file])
    assert_one_line(
        proc,
        f"{a_file}: the build cache cannot be written (it is a file, not a folder); set "
        "--cache-dir to a writable folder",
        out,
    )
    env = {**os.environ, "WASM_BUILD_BACKEND_CACHE": "/proc/wasm-build-backend-cache"}
    proc = run([*CLI, "build", project, "-o", out], env=env)
    assert_one_line(
        proc,
        "/proc/wasm-build-backend-cache: the build cache cannot be written (a folder cannot "
        "be created there); set WASM_BUILD_BACKEND_CACHE to a writable folder",
        out,
    )
    read_only_dir = tmp_path / "read-only"
    read_only_dir.mkdir()
    proc = run(
        read_only([*CLI, "build", project, "-o", out, "--cache-dir", read_only_dir], read_only_dir)
    )
    reason = "Read-only file system" if os.geteuid() == 0 else "Permission denied"
    assert_one_line(
        proc,
        f"{read_only_dir}: the build cache cannot be written ({reason}); set --cache-dir to "
        "a writable folder",
        out,
        read_only_dir,
    )
    proc = python_build(project, out, f"cache-dir={a_file}")
    assert_one_line(
        proc,
        f"{a_file}: the build cache cannot be written (it is a file, not a folder); set "
        "-C cache-dir to a writable folder",
        out,
    )


def test_default_cache_that_cannot_be_written_falls_back(tmp_path: Path) -> None:
    """The default cache under a read-only XDG_CACHE_HOME: pip's build gets a private
    temporary cache (zig too) with one warning, and leaves no temporary files."""
    project = hello_project(tmp_path)
    xdg = tmp_path / "xdg-cache"
    xdg.mkdir()
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("WASM_BUILD_BACKEND_CACHE", "ZIG_GLOBAL_CACHE_DIR")
    }
    env.update(XDG_CACHE_HOME=str(xdg), TMPDIR=str(temp), PIP_NO_INDEX="1")
    # The wasmtime engine: with zig's cache private too, wasm2c's static musl would be
    # compiled from scratch (minutes), and the cache's handling is the same for both.
    pip = [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-v"]
    pip += ["--config-settings", "engine=wasmtime"]
    proc = run(read_only([*pip, "-w", tmp_path / "dist", project], xdg), env=env)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    warnings = [
        ln.strip()
        for ln in (proc.stdout + proc.stderr).splitlines()
        if "wasm-build-backend: warning" in ln
    ]
    reason = "Read-only file system" if os.geteuid() == 0 else "Permission denied"
    assert warnings == [
        f"wasm-build-backend: warning: the build cache {xdg / 'wasm-build-backend'} cannot be "
        f"written ({reason}); this build uses a private temporary cache instead, so nothing "
        "is reused next time: set WASM_BUILD_BACKEND_CACHE or -C cache-dir to a writable "
        "folder to keep it"
    ]
    assert len(list((tmp_path / "dist").glob("*.whl"))) == 1
    assert not any(xdg.iterdir())
    assert not [p.name for p in temp.iterdir() if p.name.startswith("wasm-build-backend")]


# ---- targets ----


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        (
            "macosx_10_5_x86_64",
            "'macosx_10_5_x86_64' is for macOS 10.5, older than the oldest macOS the C "
            "compiler (zig) builds for, 10.7; give macosx_10_7_x86_64 or later",
        ),
        (
            "macosx_10_4_universal2",
            "'macosx_10_4_universal2' is for macOS 10.4, older than the oldest macOS the C "
            "compiler (zig) builds for, 10.7; give macosx_10_7_universal2 or later",
        ),
        (
            "macosx_100_0_x86_64",
            "'macosx_100_0_x86_64' is for macOS 100.0, which the C compiler (zig) cannot "
            "target: major and minor versions go up to 99",
        ),
        (
            "all",
            "'all' builds one wheel per platform, which only the command line does "
            "(wasm-build-backend build --target all); a frontend builds one wheel per call, "
            "so give one platform tag",
        ),
    ],
)
def test_target_that_cannot_be_built(tag: str, message: str, tmp_path: Path) -> None:
    project = hello_project(tmp_path)
    out = tmp_path / "dist"
    assert_one_line(
        python_build(project, out, f"target={tag}"), f"config setting target: {message}", out
    )
    if tag != "all":
        proc = run([*CLI, "build", project, "-o", out, "--target", tag])
        assert_one_line(proc, f"--target: {message}", out)
    else:
        exe = tmp_path / "exe" / "hello"
        proc = run(
            [*CLI, "create-exe", SAMPLES / "hello" / "hello.wasm", "-o", exe, "--target", "all"]
        )
        assert_one_line(
            proc,
            "--target: create-exe makes one executable for one platform; 'all' is for build, "
            "which makes a wheel for each",
            exe.parent,
        )


def test_source_date_epoch_that_is_no_time(tmp_path: Path) -> None:
    """clang reads it too: a bad value was zig's error, from the middle of the build."""
    project = hello_project(tmp_path)
    out = tmp_path / "dist"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1e9"}
    message = (
        "SOURCE_DATE_EPOCH='1e9' must be a whole number of seconds since 1970 (from 0 to "
        "253402300799)"
    )
    cache = tmp_path / "cache"
    assert_one_line(
        run([*CLI, "build", project, "-o", out, "--cache-dir", cache], env=env), message, out
    )
    assert_one_line(python_build(project, out, f"cache-dir={cache}", env=env), message, out)


# ---- what is raised or capped is said; inspect; -v and -q ----


def test_capped_and_raised_values_are_said(tmp_path: Path) -> None:
    """A 64-bit memory takes a limit beyond 4 GiB; one beyond what the engines hold is
    capped, a timeout under a millisecond raised, each with one warning; -v shows the
    compiler commands, -q only the warnings."""
    module = tmp_path / "m64.wasm"
    module.write_bytes(command_module(memory=memory_limits(1, is64=True)))
    exe = tmp_path / "out" / "m64"
    cache = tmp_path / "cache"
    base = [*CLI, "create-exe", module, "-o", exe, "--cache-dir", cache]
    too_much = run([*base, "--max-memory", "16777217TiB"])
    assert_one_line(
        too_much,
        "--max-memory 18446745173221179392 bytes (16 EiB) is more than the 64-bit memory of "
        "m64.wasm can address: at most 18446744073709551616 bytes (16 EiB)",
        exe.parent,
    )
    limits = ["--max-memory", "16777216TiB", "--timeout", "1e-9"]
    warnings = [
        "wasm-build-backend: warning: --max-memory 18446744073709551616 bytes (16 EiB) is "
        "capped to 9223372036854775807 bytes, the largest limit the engines take (no machine "
        "has that much address space)",
        "wasm-build-backend: warning: --timeout 1e-09 s is raised to 0.001 s, the timer's "
        "resolution",
    ]
    verbose = run([*base, *limits, "-v"])
    assert verbose.returncode == 0, verbose.stderr
    lines = verbose.stderr.splitlines()
    assert [ln for ln in lines if "warning" in ln] == warnings
    assert any(ln.startswith("wasm-build-backend: running ") and "ziglang cc" in ln for ln in lines)
    quiet = run([*base, *limits, "-q"])
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr.splitlines() == warnings
    assert run([exe]).returncode == 0


def test_inspect_shows_memory_and_speaks_json(tmp_path: Path) -> None:
    hello = SAMPLES / "hello" / "hello.wasm"
    text = run([*CLI, "inspect", hello])
    assert text.returncode == 0, text.stderr
    assert (
        "memory:   minimum 257 pages = 16842752 bytes (16.1 MiB), maximum none (a 32-bit "
        "memory addresses up to 4 GiB)"
    ) in text.stdout.splitlines()
    report = json.loads(run([*CLI, "inspect", "--json", hello]).stdout)
    assert report["memories"] == [
        {
            "index": "i32",
            "page_size": 65536,
            "minimum_pages": 257,
            "minimum_bytes": 16842752,
            "maximum_pages": None,
            "maximum_bytes": None,
            "addressable_bytes": 2**32,
            "shared": False,
            "imported": False,
        }
    ]
    assert {name: e["builds"] for name, e in report["engines"].items()} == {
        "wasmtime": True,
        "wasm2c": True,
    }
    assert report["command"] is True and report["wasi"] == "preview1"
    assert {"module": "wasi_snapshot_preview1", "name": "fd_write", "kind": "func"} in report[
        "imports"
    ]
    none = tmp_path / "none.wasm"
    none.write_bytes(command_module())
    assert "memory:   none" in run([*CLI, "inspect", none]).stdout.splitlines()
    assert json.loads(run([*CLI, "inspect", "--json", none]).stdout)["memories"] == []


# ---- Ctrl-C and SIGTERM while a build runs ----


def _processes_marked(mark: str) -> list[str]:
    """The command lines of the processes whose environment holds `mark` (every child
    of a build inherits it: zig, and the clang processes zig starts)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if mark.encode() in environ and cmdline:
            found.append(cmdline)
    return found


def _wait_for(predicate: object, proc: subprocess.Popen[str], what: str) -> None:
    import time

    for _ in range(1200):  # 2 minutes at most: a busy machine is slow, never this slow
        if predicate():  # type: ignore[operator]
            return
        assert proc.poll() is None, f"the build ended before {what}: {proc.communicate()}"
        time.sleep(0.1)
    pytest.fail(f"no {what} within 2 minutes")


@pytest.fixture(scope="module")
def big_module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 390 KB module (two C files for wasm2c) that keeps zig busy for many seconds."""
    path = tmp_path_factory.mktemp("big") / "big.wasm"
    path.write_bytes(command_module(300, 100))
    return path


def _big_project(folder: Path, module: Path) -> Path:
    folder.mkdir()
    shutil.copy(module, folder / "big.wasm")
    (folder / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["wasm-build-backend"]\nbuild-backend = "wasm_build_backend"'
        '\n\n[project]\nname = "big"\nversion = "1.0"\n\n'
        '[tool.wasm-build-backend.scripts]\nbig = "big.wasm"\n'
    )
    return folder


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find the compilers")
@pytest.mark.parametrize(
    ("door", "engine", "signal_name"),
    [
        ("build", "wasm2c", "SIGINT"),
        ("create-exe", "wasmtime", "SIGINT"),
        ("create-exe", "wasm2c", "SIGTERM"),
        ("python -m build", "wasm2c", "SIGINT"),
    ],
)
def test_interrupted_build_stops_cleanly(
    door: str, engine: str, signal_name: str, big_module: Path, tmp_path: Path
) -> None:
    """Interrupted while zig compiles the module's C (wasm2c) or while the module is
    precompiled (wasmtime): one line, exit status 128 + the signal, no compiler left
    running, nothing half-written in the cache or the output folder. Through
    `python -m build`, Ctrl-C reaches the frontend's whole process group, as from a
    terminal."""
    import signal
    import uuid

    signum = getattr(signal, signal_name)
    mark = uuid.uuid4().hex
    env = {**os.environ, "WBB_TEST_MARK": mark}
    cache = tmp_path / "cache"
    out = tmp_path / "out"
    if door == "create-exe":
        cmd = [*CLI, "create-exe", str(big_module), "-o", str(out / "big"), "--engine", engine]
        cmd += ["--cache-dir", str(cache)]
    elif door == "build":
        project = _big_project(tmp_path / "big", big_module)
        cmd = [*CLI, "build", str(project), "-o", str(out), "--engine", engine]
        cmd += ["--cache-dir", str(cache)]
    else:
        project = _big_project(tmp_path / "big", big_module)
        cmd = [sys.executable, "-m", "build", "--no-isolation", "--wheel", "-o", str(out)]
        cmd += ["-C", f"engine={engine}", "-C", f"cache-dir={cache}", str(project)]
    proc = subprocess.Popen(
        cmd,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
        start_new_session=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # the frontend says a few things of its own first
        if line.startswith("wasm-build-backend: building big ("):
            break
    else:
        pytest.fail(f"the build never started: exit status {proc.wait()}")
    if engine == "wasm2c":

        def compiling_module() -> bool:
            marked = _processes_marked(f"WBB_TEST_MARK={mark}")
            return any(f"{cache / 'wasm2c-c'}/" in c and " -c " in c for c in marked)

        _wait_for(compiling_module, proc, "zig compiling the module's C")
    if door == "python -m build":
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    rest = proc.stderr.read()
    proc.wait(timeout=120)
    message = "interrupted" if signum == signal.SIGINT else "terminated"
    ours = [ln for ln in rest.splitlines() if ln.startswith("wasm-build-backend:")]
    # Progress lines that were on their way, then one line: what stopped the build
    # and, when a script was being built, which.
    assert re.fullmatch(
        rf"wasm-build-backend: {message}( after \d+\.\d s while building \w+ \(.*\))?",
        ours[-1],
    ), rest
    assert not [ln for ln in ours[:-1] if re.search("error|interrupted|terminated", ln)], rest
    if door == "python -m build":
        # The frontend got Ctrl-C too, and may print its own KeyboardInterrupt; no frame
        # of the backend's is in the output.
        assert "wasm_build_backend" not in rest, rest
        assert proc.returncode != 0
    else:
        assert "Traceback" not in rest
        assert proc.returncode == 128 + signum
    assert _processes_marked(f"WBB_TEST_MARK={mark}") == []
    assert not out.exists() or not any(out.iterdir())
    half_written = [p for p in cache.rglob("*") if p.name.startswith(".")]
    assert half_written == []
    unfinished = [p for p in cache.glob("*/*") if not (p / "key.json").is_file()]
    assert unfinished == []


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find the compilers")
def test_killed_build_leaves_nothing_after_the_next(big_module: Path, tmp_path: Path) -> None:
    """A build killed outright (SIGKILL: nothing of it runs again) leaves its temporary
    folder in the cache; the next build that writes beside it removes it."""
    import signal
    import time
    import uuid

    mark = f"WBB_TEST_MARK={uuid.uuid4().hex}"
    env = {**os.environ, mark.split("=")[0]: mark.split("=")[1]}
    cache = tmp_path / "cache"
    cmd = [*CLI, "create-exe", str(big_module), "-o", str(tmp_path / "big"), "--engine", "wasm2c"]
    proc = subprocess.Popen(
        [*cmd, "--cache-dir", str(cache)], stderr=subprocess.DEVNULL, text=True, env=env
    )

    def compiling_module() -> bool:
        marked = _processes_marked(mark)
        return any(f"{cache / 'wasm2c-c'}/" in c and " -c " in c for c in marked)

    _wait_for(compiling_module, proc, "zig compiling the module's C")
    proc.kill()
    proc.wait()
    for _ in range(50):  # zig, orphaned in its own process group, is the test's to end
        for line in subprocess.run(
            ["pgrep", "-f", "ziglang|zig "], capture_output=True, text=True
        ).stdout.split():
            try:
                if mark.encode() in Path(f"/proc/{line}/environ").read_bytes().split(b"\0"):
                    os.kill(int(line), signal.SIGKILL)
            except OSError:
                pass
        if not _processes_marked(mark):
            break
        time.sleep(0.1)
    left = [p.relative_to(cache).as_posix() for p in cache.glob("*/.*")]
    assert left, "the killed build left no temporary folder: nothing to test"
    again = run(
        [
            *CLI,
            "create-exe",
            SAMPLES / "hello" / "hello.wasm",
            "-o",
            tmp_path / "hello",
            "--engine",
            "wasm2c",
            "--cache-dir",
            cache,
        ]
    )
    assert again.returncode == 0, again.stderr
    assert [p.relative_to(cache).as_posix() for p in cache.glob("*/.*")] == []


def test_raised_target_versions_are_said(capsys: pytest.CaptureFixture[str]) -> None:
    from wasm_build_backend.targets.target import parse_tag

    assert parse_tag("macosx_10_9_arm64").macos == (11, 0)
    assert parse_tag("musllinux_1_1_aarch64").platform_tag() == "musllinux_1_2_aarch64"
    assert capsys.readouterr().err.splitlines() == [
        "wasm-build-backend: warning: 'macosx_10_9_arm64': macOS on arm64 starts at 11.0, so "
        "the wheel is for 11.0",
        "wasm-build-backend: warning: 'musllinux_1_1_aarch64': the executables need musl 1.2, "
        "so the wheel is tagged musllinux_1_2",
    ]

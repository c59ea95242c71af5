"""Every sample, built by every frontend, installed in a fresh venv, behaves as under Wasmtime.

The samples name no engine, so this is the default, `engine = "auto"`, which gives each of
them the wasm2c engine; one build with the wasmtime engine named checks that engine's
wheels the same way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import EXE, SAMPLES, Venv, assert_flat_scripts, reference_run, run

FRONTENDS = {
    "pip": lambda src, out: [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", out, src],
    "build": lambda src, out: [sys.executable, "-m", "build", "--outdir", out, src],
    "uv": lambda src, out: [sys.executable, "-m", "uv", "build", "--out-dir", out, src],
}


@dataclass
class Case:
    script: str
    args: list[str] = field(default_factory=list)
    stdin: str = ""
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # created in the cwd first
    expect_stdout: str | None = None  # where no reference can say it (sandbox options)


CASES: dict[str, list[Case]] = {
    # A wasi:cli/command component, against wasmtime-py's component linker.
    "component-hello": [
        Case("greet"),
        Case("greet", ["big", "world"]),
        Case("greet", ["--exit", "0"]),
        Case("greet", ["--exit", "3"]),
        Case("greet", ["--argv0"]),
        Case("greet", ["--write", "out.txt", "some text"]),
        Case("greet", ["--read", "in.txt"], files={"in.txt": "line 1\nline 2\n"}),
        Case("greet", ["--read", "missing.txt"]),
        Case("greet", ["--read", "../outside.txt"]),
        Case("greet", ["--stdin"], stdin="one two\nthree\n"),
        Case("greet", ["--env", "GREETING"], env={"GREETING": "hi"}),
    ],
    "hello": [
        Case("hello"),
        Case("hello", ["big", "world"]),
        Case("hello", ["--exit", "5"]),
        Case("hello", ["--exit", "x"]),
        Case("hello", ["--argv0"]),
    ],
    "filetool": [
        Case("filetool", ["write", "out.txt", "some text"]),
        Case("filetool", ["cat", "in.txt"], files={"in.txt": "line 1\nline 2\n"}),
        Case("filetool", ["copy", "in.txt", "copy.txt"], files={"in.txt": "data\n"}),
        Case("filetool", ["ls", "."], files={"b.txt": "", "a.txt": ""}),
        Case("filetool", ["cat", "missing.txt"]),
        Case("filetool", ["cat", "../outside.txt"]),
    ],
    "stdin-env": [
        Case("wcenv", ["GREETING", "UNSET_VAR"], stdin="one two\nthree\n", env={"GREETING": "hi"}),
        Case(
            "wcenv-noenv",
            ["GREETING"],
            stdin="x",
            env={"GREETING": "hi"},
            expect_stdout="lines=0 words=1 bytes=1\nGREETING is unset\n",
        ),
    ],
    "multi": [
        Case("upper", stdin="Hello\nWorld\n"),
        Case("lower", stdin="Hello\nWorld\n"),
        Case("rev", stdin="abc\nxyz\n"),
        Case(
            "multi-data", ["show"], expect_stdout=(SAMPLES / "multi/share/greeting.txt").read_text()
        ),
        Case("multi-data", ["tmpwrite"], expect_stdout=None),
    ],
}

# Samples whose module is a component, which only the wasmtime engine runs.
COMPONENT_SAMPLES = frozenset({"component-hello"})

MODULES = {
    "component-hello": "greet.wasm",
    "hello": "hello.wasm",
    "filetool": "filetool.wasm",
    "stdin-env": "wcenv.wasm",
    "multi": "multi.wasm",
}


# A reference run and the files it left in its folder, with their contents.
Reference = tuple["subprocess.CompletedProcess[str]", list[tuple[str, bytes]]]


def _left_in(folder: Path) -> list[tuple[str, bytes]]:
    return sorted((p.name, p.read_bytes() if p.is_file() else b"") for p in folder.iterdir())


def _case_folder(folder: Path, case: Case) -> Path:
    folder.mkdir(parents=True)
    for name, text in case.files.items():
        (folder / name).write_text(text)
    return folder


def check_cases(
    sample: str,
    scripts: Path,
    work: Path,
    *,
    from_path: bool = False,
    references: dict[tuple[str, int], Reference] | None = None,
) -> None:
    """Run each case with the scripts installed in `scripts` (a venv's `bin/`, or a bin
    folder of links to them) and through the reference, and compare.

    With `from_path`, a script runs by its bare name, found through PATH as a user runs a
    tool, so its argv[0] is the same wherever it is installed and `references` (shared
    between calls) need hold each case's reference run only once."""
    module = SAMPLES / sample / MODULES[sample]
    for i, case in enumerate(CASES[sample]):
        env = {**os.environ, **case.env}
        if from_path:
            env["PATH"] = f"{scripts}{os.pathsep}{env.get('PATH', '')}"
            argv0 = case.script
        else:
            argv0 = str(scripts / (case.script + EXE))
        cwd = _case_folder(work / f"case{i}-native", case)
        native = subprocess.run(
            [argv0, *case.args], cwd=cwd, input=case.stdin, capture_output=True, text=True, env=env
        )
        native_files = _left_in(cwd)
        where = f"{sample}: {case.script} {case.args}"
        if case.expect_stdout is not None:
            assert native.stdout == case.expect_stdout, where
            assert native.returncode == 0, f"{where}: {native.stderr}"
            continue
        if case.script == "multi-data":
            assert native.returncode == 0 and native.stdout, f"{where}: {native.stderr}"
            continue
        memo = references if from_path and references is not None else {}
        if (sample, i) not in memo:
            ref_cwd = _case_folder(work / f"case{i}-reference", case)
            ref = reference_run(
                module, case.args, argv0=argv0, cwd=ref_cwd, stdin=case.stdin, env=env
            )
            memo[sample, i] = (ref, _left_in(ref_cwd))
        ref, ref_files = memo[sample, i]
        assert (native.returncode, native.stdout, native.stderr) == (
            ref.returncode,
            ref.stdout,
            ref.stderr,
        ), where
        assert native_files == ref_files, where


def wheel_tag(wheel: Path) -> str:
    return wheel.name[:-4].split("-", 2)[2]


def scripts(sample: str) -> list[str]:
    return sorted({case.script for case in CASES[sample]})


@pytest.mark.parametrize(
    ("sample", "frontend", "engine"),
    [(sample, frontend, None) for sample in sorted(CASES) for frontend in sorted(FRONTENDS)]
    + [("multi", "build", "wasmtime")],
)
def test_sample_builds_installs_and_runs(
    sample: str,
    frontend: str,
    engine: str | None,
    tmp_path: Path,
    offline_env: dict[str, str],
    make_venv: type[Venv],
) -> None:
    src = tmp_path / sample
    shutil.copytree(SAMPLES / sample, src)
    out = tmp_path / "dist"
    cmd = FRONTENDS[frontend](src, out)
    if engine is not None:
        cmd[-1:-1] = ["-C", f"engine={engine}"]
    proc = run(cmd, env=offline_env)
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    assert wheel_tag(wheels[0]).startswith("py3-none-manylinux_2_"), wheels[0].name
    if frontend == "build":
        assert len(list(out.glob("*.tar.gz"))) == 1
    names = zipfile.ZipFile(wheels[0]).namelist()
    runtime = [n for n in names if n.rsplit("/", 1)[-1].startswith("wasmtime-")]
    if engine is None and sample in COMPONENT_SAMPLES:
        # The default gave a component the wasmtime engine, the only one that runs it.
        if frontend != "pip":
            output = proc.stdout + proc.stderr
            for script in scripts(sample):
                note = f'wasm-build-backend: {script}: wasmtime engine (engine = "auto": '
                assert output.count(note) == 1, output
        assert runtime, names
    elif engine is None:
        # The default gave every script the wasm2c engine, said so once per script in the
        # build's output (pip shows a backend's output only with -v), and nothing else
        # is in the wheel: no runtime library.
        if frontend != "pip":
            output = proc.stdout + proc.stderr
            for script in scripts(sample):
                note = f'wasm-build-backend: {script}: wasm2c engine (engine = "auto": '
                assert output.count(note) == 1, output
        assert not runtime, names
    else:
        assert runtime, names

    venv = make_venv()
    venv.pip("install", "--no-index", "--no-deps", wheels[0])
    for case in CASES[sample]:
        exe = venv.script(case.script)
        # Native: an ELF file, not a Python wrapper script.
        assert exe.read_bytes()[:4] == b"\x7fELF", exe
    assert_flat_scripts(wheels[0])
    check_cases(sample, venv.bin, tmp_path / "work")


def test_python_package_beside_scripts(
    tmp_path: Path, offline_env: dict[str, str], make_venv: type[Venv]
) -> None:
    out = tmp_path / "dist"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", out, SAMPLES / "multi"],
        env=offline_env,
    )
    wheel = next(out.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "multi_helpers/__init__.py" in names
    venv = make_venv()
    venv.pip("install", "--no-index", "--no-deps", wheel)
    proc = run([venv.python, "-c", "import multi_helpers; print(multi_helpers.version())"])
    assert proc.stdout.strip() == "1.0.0"

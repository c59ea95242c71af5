"""Generated modules for the differential fuzzer (see fuzz.py).

`wasm-tools smith` makes a valid core module from a seed, limited to the proposals
both engines translate and to sizes that build quickly. `command_wat` turns it into a
WASI command: its `_start` calls every exported function with fixed arguments and
prints the results, then every global, a checksum of every memory and every table's
size. A process started with K arguments skips the first K-1 calls, so one build
shows what each function does even when an earlier one traps.
"""

from __future__ import annotations

import random
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

# What smith may generate: the proposals Wasmtime runs by default and wasm2c translates
# (no GC, exceptions, memory64, threads, tail calls, wide arithmetic, custom page
# sizes, relaxed SIMD, whose results may differ by design), with termination
# ensured by a fuel global, NaNs canonicalised (their bits are not deterministic
# otherwise) and bounded memories and tables so that checksums stay cheap.
SMITH_OPTIONS: tuple[str, ...] = (
    "--ensure-termination",
    "--fuel=2000",
    "--export-everything=true",
    "--max-imports=0",
    "--min-funcs=1",
    "--max-funcs=8",
    "--max-instructions=200",
    "--allow-start-export=false",
    "--canonicalize-nans=true",
    "--exceptions-enabled=false",
    "--gc-enabled=false",
    "--memory64-enabled=false",
    "--threads-enabled=false",
    "--tail-call-enabled=false",
    "--wide-arithmetic-enabled=false",
    "--custom-page-sizes-enabled=false",
    "--relaxed-simd-enabled=false",
    "--max-memories=1",
    "--max-memory32-bytes=262144",
    "--memory-max-size-required=true",
    "--max-tables=2",
    "--max-table-elements=64",
    "--table-max-size-required=true",
)

# Seed bytes per module: smith's choices come from them, so more bytes, bigger modules.
SEED_BYTES = (256, 1536)
MAX_RUNS = 6  # processes per module (each starts at a later call)


def seed_bytes(seed: int) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.getrandbits(8) for _ in range(rng.randint(*SEED_BYTES)))


def smith(wasm_tools: str, seed: int, out: Path) -> bool:
    """Generate the module of `seed` into `out`; False if smith could not (exit 2)."""
    data = seed_bytes(seed)
    # Every other module cannot trap, so its calls run to the end and their results show.
    traps = f"--disallow-traps={'true' if seed % 2 else 'false'}"
    for attempt in range(4):
        # A seed smith cannot use gets its bytes doubled, deterministically.
        proc = subprocess.run(
            [wasm_tools, "smith", *SMITH_OPTIONS, traps, "-o", str(out)],
            input=data * (2**attempt),
            capture_output=True,
        )
        if proc.returncode == 0:
            return True
        if proc.returncode != 2:
            raise RuntimeError(f"wasm-tools smith failed: {proc.stderr.decode(errors='replace')}")
    return False


# ---- the command wrapper ----

_INT_ARGS = {
    "i32": ("0", "1", "-1", "2", "0x7fffffff", "0x80000000", "65535", "-100", "16", "3"),
    "i64": ("0", "1", "-1", "0x7fffffffffffffff", "0x8000000000000000", "4294967296", "7", "-3"),
}
_FLOAT_ARGS = ("0", "1.5", "-1", "inf", "-0", "nan", "3.0e9", "-inf", "0x1p-149", "100")
_REF_NULL = {"funcref": "ref.null func", "externref": "ref.null extern"}
_TOP = re.compile(r"^  \((type|func|global|memory|table|export|import) ")


@dataclass(frozen=True)
class Shape:
    """What the wrapper needs to know of the generated module."""

    calls: list[tuple[str, list[str], list[str]]]  # (function name, params, results)
    globals: list[tuple[str, str]]  # (global name, value type)
    memories: list[str]
    tables: list[str]


def _types(text: str) -> list[str]:
    return re.findall(r"\b(i32|i64|f32|f64|v128|funcref|externref)\b", text)


def _func_type(sig: str) -> tuple[list[str], list[str]]:
    params = [t for p in re.findall(r"\(param ([^()]*)\)", sig) for t in _types(p)]
    results = [t for r in re.findall(r"\(result ([^()]*)\)", sig) for t in _types(r)]
    return params, results


def shape(wat: str) -> Shape:
    """Read the module printed by `wasm-tools print --name-unnamed` (top-level fields
    are at two spaces' indent, one per line, every item named `$#kindN`)."""
    types: dict[str, tuple[list[str], list[str]]] = {}
    funcs: dict[str, tuple[list[str], list[str]]] = {}
    exported: list[str] = []  # exports come before the functions they name
    globals_: list[tuple[str, str]] = []
    memories: list[str] = []
    tables: list[str] = []
    for line in wat.splitlines():
        if not _TOP.match(line):
            continue
        m = re.match(r"  \((\w+) (\$#\w+)", line)
        kind = line[3:].split(" ", 1)[0]
        if kind == "type" and m:
            # `(param $#local0 f64)` names appear only in funcs; types list bare types.
            types[m.group(2)] = _func_type(line.split("(func", 1)[1] if "(func" in line else "")
        elif kind == "func" and m:
            ref = re.search(r"\(type (\$#\w+)\)", line)
            if ref and ref.group(1) in types:
                funcs[m.group(2)] = types[ref.group(1)]
            else:
                params = re.findall(r"\(param (?:\$#\w+ )?([^()]*)\)", line)
                res = re.findall(r"\(result ([^()]*)\)", line)
                funcs[m.group(2)] = (
                    [t for p in params for t in _types(p)],
                    [t for r in res for t in _types(r)],
                )
        elif kind == "global" and m:
            rest = line.split("(;", 1)[1].split(";)", 1)[1]
            found = _types(rest)
            if found:
                globals_.append((m.group(2), found[0]))
        elif kind == "memory" and m:
            memories.append(m.group(2))
        elif kind == "table" and m:
            tables.append(m.group(2))
        elif kind == "export":
            fm = re.search(r"\(func (\$#\w+)\)\)$", line)
            if fm and fm.group(1) not in exported:
                exported.append(fm.group(1))
    calls = [(name, *funcs[name]) for name in exported if name in funcs]
    return Shape(calls, globals_, memories, tables)


def _arg(ty: str, n: int) -> str:
    if ty in _INT_ARGS:
        pool = _INT_ARGS[ty]
        return f"{ty}.const {pool[n % len(pool)]}"
    if ty in ("f32", "f64"):
        return f"{ty}.const {_FLOAT_ARGS[n % len(_FLOAT_ARGS)]}"
    if ty == "v128":
        a, b = _INT_ARGS["i64"][n % 8], _INT_ARGS["i64"][(n + 3) % 8]
        return f"v128.const i64x2 {a} {b}"
    return _REF_NULL[ty]


def _print_value(ty: str, get: str) -> list[str]:
    """Instructions printing the value that `get` pushes, then a space."""
    if ty == "i32":
        return [get, "i64.extend_i32_u", "i32.const 8", "call $__hex"]
    if ty == "i64":
        return [get, "i32.const 16", "call $__hex"]
    if ty == "f32":
        return [get, "i32.reinterpret_f32", "i64.extend_i32_u", "i32.const 8", "call $__hex"]
    if ty == "f64":
        return [get, "i64.reinterpret_f64", "i32.const 16", "call $__hex"]
    if ty == "v128":
        return [
            *(get, "i64x2.extract_lane 1", "i32.const 16", "call $__hex"),
            *(get, "i64x2.extract_lane 0", "i32.const 16", "call $__hex"),
        ]
    return [get, "ref.is_null", "i64.extend_i32_u", "i32.const 1", "call $__hex"]


_RUNTIME = """
  (import "wasi_snapshot_preview1" "fd_write"
    (func $__fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $__args_sizes_get (param i32 i32) (result i32)))
"""

_HELPERS = """
  (memory $__out 1)
  (export "memory" (memory $__out))
  (global $__pos (mut i32) (i32.const 16))
  (func $__byte (param $b i32)
    global.get $__pos
    local.get $b
    i32.store8 $__out
    global.get $__pos
    i32.const 1
    i32.add
    global.set $__pos)
  (func $__hex (param $v i64) (param $digits i32)
    (local $n i32)
    loop $next
      local.get $v
      local.get $digits
      i32.const 1
      i32.sub
      local.tee $digits
      i32.const 4
      i32.mul
      i64.extend_i32_u
      i64.shr_u
      i32.wrap_i64
      i32.const 15
      i32.and
      local.tee $n
      i32.const 48
      i32.const 87
      local.get $n
      i32.const 10
      i32.lt_u
      select
      i32.add
      call $__byte
      local.get $digits
      br_if $next
    end
    i32.const 32
    call $__byte)
  (func $__label (param $c i32) (param $n i32)
    local.get $c
    call $__byte
    local.get $n
    i64.extend_i32_u
    i32.const 2
    call $__hex)
  (func $__flush
    i32.const 10
    call $__byte
    i32.const 0
    i32.const 16
    i32.store $__out
    i32.const 4
    global.get $__pos
    i32.const 16
    i32.sub
    i32.store $__out
    i32.const 1
    i32.const 0
    i32.const 1
    i32.const 8
    call $__fd_write
    drop
    i32.const 16
    global.set $__pos)
"""


def _checksum(mem: str) -> list[str]:
    """FNV-1a over a memory's 8-byte words, then its size in pages."""
    return [
        "i64.const 0xcbf29ce484222325",
        "local.set $__h",
        "i32.const 0",
        "local.set $__i",
        "block $done",
        "loop $words",
        f"local.get $__i memory.size {mem} i32.const 16 i32.shl i32.ge_u br_if $done",
        f"local.get $__h local.get $__i i64.load {mem} i64.xor",
        "i64.const 0x100000001b3 i64.mul local.set $__h",
        "local.get $__i i32.const 8 i32.add local.set $__i br $words",
        "end",
        "end",
        "local.get $__h i32.const 16 call $__hex",
        f"memory.size {mem} i64.extend_i32_u i32.const 8 call $__hex",
    ]


def command_wat(wat: str) -> str:
    """The generated module (printed with --name-unnamed) as a WASI command."""
    sh = shape(wat)
    lines = wat.rstrip().splitlines()
    assert lines[0].startswith("(module") and lines[-1].endswith(")"), "unexpected print format"
    # Wasmtime runs a command only if it exports nothing but functions (and a few names
    # toolchains use), so the generated globals, tables and memories are not exported.
    # Its functions stay exported (which declares them for `ref.func`), renamed if they
    # clash with ours or are named "" (Wasmtime's default export, called instead of _start).
    body = [
        re.sub(r'^  \(export "(memory|_start|)"', r'  (export "smith-\1"', line)
        for line in lines[1:]
        if not re.match(r"  \(export .*\((global|table|memory) \$#\w+\)\)$", line)
    ]
    body[-1] = body[-1][:-1]  # the module's closing parenthesis
    start: list[str] = [
        "  (func $__start",
        "    (local $__skip i32) (local $__h i64) (local $__i i32)",
    ]
    for i, (_, _, results) in enumerate(sh.calls):
        for j, ty in enumerate(results):
            start.append(f"    (local $__r{i}_{j} {ty})")
    start += [
        "    i32.const 0 i32.const 4 call $__args_sizes_get drop",
        "    i32.const 0 i32.load $__out local.set $__skip",
    ]
    for i, (name, params, results) in enumerate(sh.calls):
        start.append(f"    local.get $__skip i32.const {i + 1} i32.le_u")
        start.append("    if")
        start.append(f"      i32.const 99 i32.const {i} call $__label call $__flush")
        start += [f"      {_arg(ty, i + k)}" for k, ty in enumerate(params)]
        start.append(f"      call {name}")
        start += [f"      local.set $__r{i}_{j}" for j in reversed(range(len(results)))]
        start.append(f"      i32.const 114 i32.const {i} call $__label")
        for j, ty in enumerate(results):
            start += ["      " + x for x in _print_value(ty, f"local.get $__r{i}_{j}")]
        start.append("      call $__flush")
        start.append("    end")
    for k, (name, ty) in enumerate(sh.globals):
        start.append(f"    i32.const 103 i32.const {k} call $__label")
        start += ["    " + x for x in _print_value(ty, f"global.get {name}")]
        start.append("    call $__flush")
    for k, mem in enumerate(sh.memories):
        start.append(f"    i32.const 109 i32.const {k} call $__label")
        start += ["    " + x for x in _checksum(mem)]
        start.append("    call $__flush")
    for k, table in enumerate(sh.tables):
        start.append(f"    i32.const 116 i32.const {k} call $__label")
        start.append(f"    table.size {table} i64.extend_i32_u i32.const 8 call $__hex")
        start.append("    call $__flush")
    start.append("  )")
    start.append('  (export "_start" (func $__start))')
    return "\n".join(["(module", _RUNTIME.strip("\n"), *body, _HELPERS.strip("\n"), *start, ")"])


def runs_for(wat: str) -> int:
    """How many processes show every call: the Kth starts at call K."""
    return max(1, min(MAX_RUNS, len(shape(wat).calls)))


def make_command(wasm_tools: str, module: Path, out: Path) -> int:
    """Write the command made of `module` to `out`; returns how many runs it takes."""
    printed = subprocess.run(
        [wasm_tools, "print", "--name-unnamed", str(module)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wat = command_wat(printed)
    subprocess.run(
        [wasm_tools, "parse", "-", "-o", str(out)],
        input=wat,
        text=True,
        check=True,
        capture_output=True,
    )
    return runs_for(printed)

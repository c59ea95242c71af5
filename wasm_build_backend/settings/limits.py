"""The numbers a script's sandbox gives, checked against what can really happen.

`max-memory` against the module's memories (their minimum and what their index type
can address) and the engines (an `int64_t` in both runtimes); `timeout` against the
timer of the executables for the target. A value outside what the target can do is an
error naming the setting; a value that is only rounded or capped is taken with one
warning line saying so.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import BuildError
from ..formats.wasmfile import Memory, WasmModule
from ..jobs.progress import warn
from ..targets.target import Target
from .pyproject import Script

# Both runtimes hold the limit in an int64_t (launcher.h, wbb_w2c.h; Wasmtime's
# wasmtime_store_limiter takes one too).
ENGINE_MEMORY_LIMIT = 2**63 - 1

# The executables' timers (start_timer in c/launcher.c and c/wasm2c/runtime.c): Windows'
# Sleep takes a DWORD of milliseconds, whose largest value means "forever"; POSIX
# nanosleep takes a 64-bit time_t of seconds, and the script holds milliseconds in a
# uint64_t, kept within int64 here.
_TIMER_MS = {"windows": 2**32 - 2}
_TIMER_MS_POSIX = 2**63 - 1


def size_text(n: int) -> str:
    """`n` bytes as people read them: 16.1 MiB, 4 GiB, 1000 bytes."""
    for unit, size in (("EiB", 2**60), ("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= size:
            value = n / size
            return f"{value:.1f}".removesuffix(".0") + f" {unit}"
    if n >= 1024:
        return f"{n / 1024:.1f}".removesuffix(".0") + " KiB"
    return f"{n} bytes"


def bytes_text(n: int) -> str:
    """`n` bytes, exactly and as people read them: 16842752 bytes (16.1 MiB)."""
    return f"{n} bytes" if n < 1024 else f"{n} bytes ({size_text(n)})"


def _duration_text(seconds: float) -> str:
    days = seconds / 86_400
    if days >= 3650:
        return f"about {days / 365.25:,.0f} years"
    return f"about {days:,.1f} days"


def _memory_limit(script: Script, module: WasmModule) -> int | None:
    limit = script.sandbox.max_memory
    if limit is None:
        return None
    where, path = script.origin.max_memory, script.origin.file
    said = f"{path}: {where}" if path else where
    memories = module.memories
    if module.is_component:  # its memories are inside its core modules, not read here
        memories = [Memory(0, None, is64=True)]
    if not memories:
        warn(f"{said}: {module.path.name} has no linear memory, so the limit has no effect")
        return limit
    for memory in memories:
        least = memory.minimum * memory.page_size
        if least > limit:
            raise BuildError(
                f"{where} {bytes_text(limit)} is below the {least} bytes "
                f"({size_text(least)}, {memory.minimum} pages) of memory that "
                f"{module.path.name} starts with, so the program could never start",
                path,
            )
    most = max(m.address_limit for m in memories)
    if limit > most:
        bits = 64 if most == 2**64 else 32
        raise BuildError(
            f"{where} {bytes_text(limit)} is more than the {bits}-bit memory of "
            f"{module.path.name} can address: at most {bytes_text(most)}",
            path,
        )
    if limit > ENGINE_MEMORY_LIMIT:
        warn(
            f"{said} {bytes_text(limit)} is capped to {ENGINE_MEMORY_LIMIT} bytes, the "
            "largest limit the engines take (no machine has that much address space)"
        )
        return ENGINE_MEMORY_LIMIT
    return limit


def _timeout(script: Script, target: Target) -> float | None:
    seconds = script.sandbox.timeout
    if seconds is None:
        return None
    where, path = script.origin.timeout, script.origin.file
    said = f"{path}: {where}" if path else where
    ms = round(seconds * 1000)
    most = _TIMER_MS.get(target.os, _TIMER_MS_POSIX)
    if ms > most:
        raise BuildError(
            f"{where} {seconds:g} s is longer than the executables' timer on "
            f"{target.platform_tag()} can wait ({most // 1000} s, "
            f"{_duration_text(most / 1000)}); "
            "leave it out for no time limit",
            path,
        )
    if ms < 1:
        warn(f"{said} {seconds:g} s is raised to 0.001 s, the timer's resolution")
        return 0.001
    return seconds


def checked_script(script: Script, module: WasmModule, target: Target) -> Script:
    """The script with its limits checked, and capped or raised where that is said."""
    sandbox = replace(
        script.sandbox,
        max_memory=_memory_limit(script, module),
        timeout=_timeout(script, target),
    )
    return replace(script, sandbox=sandbox)

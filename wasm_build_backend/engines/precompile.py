"""Precompiled code for the wasmtime engine: made in this process, or under an emulator.

In this process the `wasmtime` package compiles, which it can only do for its own
platform (or for Pulley). For another CPU or OS, an emulator runs a compile-only build
of the launcher (`WBB_CODE_COMPILER`) with the target's own Wasmtime library and the
script's settings. Either way the product is cached by module hash, Wasmtime version,
triple and engine settings, so both ways share entries and the benchmarks find the
artifact at `artifacts/<key>/module.cwasm`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import BuildError
from ..formats.wasmfile import WasmModule
from ..jobs import processes
from ..jobs.cache import Cache
from ..settings.pyproject import Sandbox
from ..targets.emulators import Emulator
from ..targets.target import Target
from ..toolchain.runtime import RUNTIME_VERSION
from ..toolchain.zig import zig_cc, zig_version
from .launcher import COMPILER, Code, ScriptSource, Setting, c_sources, link, script_source

# Generous: a large module compiles in well under a minute even under qemu; this only
# stops a hung emulator.
_EMULATED_TIMEOUT = 1800
# The compiler runs no guest code: it needs no directories and no environment.
_NO_SANDBOX = Sandbox(dirs=(), env="none")


def python_engine(settings: tuple[Setting, ...], triple: str | None) -> object:
    """A `wasmtime.Engine` configured with `settings`, compiling for `triple` if given."""
    import wasmtime
    from wasmtime import _bindings as ffi

    config = wasmtime.Config()
    for s in settings:
        function = getattr(ffi, s.function)
        if isinstance(s.value, str):
            if function(config.ptr(), s.value.encode()):
                raise BuildError(f"Wasmtime refuses {s.function}({s.value!r})")
        else:
            function(config.ptr(), s.value)
    # Naming the triple gives a baseline-CPU artifact that loads on every machine
    # of the architecture, not just on CPUs like the build machine's.
    if triple is not None and ffi.wasmtime_config_target_set(config.ptr(), triple.encode()):
        raise BuildError(f"Wasmtime cannot compile for {triple}")
    return wasmtime.Engine(config)


def first_lines(message: str) -> str:
    return " ".join(line.strip() for line in message.strip().splitlines() if line.strip())


def _key(module: WasmModule, triple: str, settings: tuple[Setting, ...]) -> dict[str, object]:
    return {
        "module": module.sha256,
        "wasmtime": RUNTIME_VERSION,
        "triple": triple,
        "settings": [[s.function, s.value] for s in settings],
    }


def in_process(
    module: WasmModule, settings: tuple[Setting, ...], triple: str | None, cache: Cache
) -> Path:
    """The artifact compiled by the `wasmtime` package; `triple` None: the settings name it."""
    named = [s.value for s in settings if s.function == "wasmtime_config_target_set"]
    key_triple = triple or str(named[0])

    def produce(folder: Path) -> None:
        import wasmtime
        import wasmtime.component

        engine = python_engine(settings, triple)
        compiled: wasmtime.Module | wasmtime.component.Component
        try:
            if module.is_component:
                compiled = wasmtime.component.Component(engine, module.data)  # type: ignore[arg-type]
            else:
                compiled = wasmtime.Module(engine, module.data)  # type: ignore[arg-type]
        except wasmtime.WasmtimeError as e:
            message = first_lines(str(e))
            if key_triple == "pulley64" and "threads" in message:
                message += " (Pulley has no threads: use precompile=native or first-run)"
            raise BuildError(f"cannot compile: {message}", module.path) from None
        (folder / "module.cwasm").write_bytes(compiled.serialize())

    return cache.entry("artifacts", _key(module, key_triple, settings), produce) / "module.cwasm"


def wine_stub(cache: Cache) -> Path:
    """ProcessPrng for Wine releases without bcryptprimitives.dll (see the C file)."""
    c_dir, _ = c_sources()
    source = c_dir / "wine_bcryptprimitives.c"
    key = {"source": source.read_text(), "zig": zig_version()}

    def produce(folder: Path) -> None:
        dll = folder / "bcryptprimitives.dll"
        flags = ["-target", "x86_64-windows-gnu", "-std=c11", "-Wall", "-Wextra", "-Werror"]
        zig_cc(
            [*flags, "-shared", "-O2", str(source), "-o", str(dll), "-ladvapi32"],
            what="building the ProcessPrng stub for Wine",
        )

    return cache.entry("emulators", key, produce) / "bcryptprimitives.dll"


def _place(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)


@contextmanager
def _exclusive(emulator: Emulator, cache: Cache) -> Iterator[None]:
    """One Wine at a time per prefix: two first starts racing to create it break it."""
    if emulator.name != "wine" or sys.platform == "win32":
        yield
        return
    import fcntl

    lock_path = cache.root / "emulators" / "wine.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def emulated(
    module: WasmModule,
    settings: tuple[Setting, ...],
    target: Target,
    emulator: Emulator,
    runtime: Path,
    cache: Cache,
) -> Path:
    """The artifact compiled by the target's own runtime, run under `emulator`.

    `runtime` is the library for `emulator.runs` (a glibc one for a musl target: the
    code Wasmtime compiles does not depend on the libc).
    """
    helper_target = emulator.runs
    compile_settings = (*settings, Setting("wasmtime_config_target_set", target.wasmtime_triple))
    runtime_rel = "runtime/" + helper_target.wasmtime_library
    source = script_source(
        ScriptSource(
            helper_target,
            helper_target.wasmtime_library,
            ("runtime",),
            RUNTIME_VERSION,
            module.path.name,
            compile_settings,
            Code(COMPILER),
        ),
        _NO_SANDBOX,
    )

    def produce(folder: Path) -> None:
        helper = link(helper_target, source, Code(COMPILER), cache)
        work = folder / "work"
        exe = work / ("compile" + helper_target.exe_suffix)
        _place(helper, exe)
        _place(runtime, work / runtime_rel)
        if helper_target.os == "windows":
            _place(wine_stub(cache), work / "runtime" / "bcryptprimitives.dll")
        (work / "module.wasm").write_bytes(module.data)
        cmd = [*emulator.command, str(exe), "module.wasm", "module.cwasm"]
        # Output goes to a file, not a pipe: Wine's server outlives the program and
        # holds a pipe open for seconds after it exits.
        with _exclusive(emulator, cache), tempfile.TemporaryFile() as output:
            try:
                proc = processes.run(
                    cmd,
                    cwd=work,
                    env=emulator.environment(),
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=output,
                    timeout=_EMULATED_TIMEOUT,
                )
            except subprocess.TimeoutExpired:
                raise BuildError(
                    f"precompiling under {emulator.name} took over {_EMULATED_TIMEOUT} s"
                ) from None
            output.seek(0)
            said = output.read().decode(errors="replace")
        if proc.returncode != 0 or not (work / "module.cwasm").is_file():
            last = "\n".join(said.strip().splitlines()[-5:])
            raise BuildError(
                f"precompiling for {target.wasmtime_triple} under {emulator.name} failed "
                f"(exit status {proc.returncode}):\n{last}"
            )
        os.replace(work / "module.cwasm", folder / "module.cwasm")
        shutil.rmtree(work)

    key = _key(module, target.wasmtime_triple, settings)
    return cache.entry("artifacts", key, produce) / "module.cwasm"

"""The `wasmtime` engine: a small C launcher that runs the module with Wasmtime's C API.

The launcher loads the Wasmtime library of the same version, shipped with it, and
must configure its engine exactly as the build did, or precompiled code will not load:
`engine_settings` is the one list that both sides apply by name.

What the executable carries depends on the precompile mode:

- `native`: machine code for the target, compiled by the `wasmtime` package when the
  target is this machine's platform, else by the target's runtime under an emulator;
- `first-run`: the validated .wasm, compiled on the user's machine at its first start
  into a per-user cache (when nothing here can produce the target's machine code);
- `pulley`: Pulley bytecode, which any platform's runtime interprets (slower).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

from ..distribution import notices
from ..errors import BuildError
from ..formats.macho import fat
from ..formats.wasmfile import WasmModule
from ..jobs.cache import Cache
from ..jobs.progress import say
from ..settings.pyproject import Sandbox
from ..targets.emulators import Emulator, find_emulator
from ..targets.host import Machine, build_machine
from ..targets.target import Target
from ..toolchain.runtime import RUNTIME_VERSION, runtime_library
from ..toolchain.unwinder import needs_unwinder, unwinder
from . import BuildRequest, Executable
from .launcher import ARTIFACT, MODULE, PATH, Code, ScriptSource, Setting, link, script_source
from .precompile import emulated, first_lines, in_process, python_engine

__all__ = ["RUNTIME_VERSION", "Setting", "WasmtimeEngine", "engine_settings", "validate"]

# Every proposal Wasmtime 50 supports on all its platforms, as `wasmtime run` would
# accept them. Stack switching is left out: it is not available on every target.
_FEATURES = (
    "threads",
    "tail_call",
    "reference_types",
    "simd",
    "bulk_memory",
    "multi_value",
    "multi_memory",
    "memory64",
    "relaxed_simd",
    "exceptions",
    "function_references",
    "gc",
    "wide_arithmetic",
    "custom_page_sizes",
)

PULLEY = "pulley64"

# The wasm stack, in bytes of native stack: twice Wasmtime's default. Precompiled code
# is for the platform tag's baseline CPU, whose frames are larger than those
# `wasmtime run` compiles for the CPU it runs on (a fifth larger on one generated
# module, which ran out of stack where `wasmtime run` did not); twice the room keeps
# every recursion that works under `wasmtime run` working. The main thread's native
# stack (8 MiB on Linux and macOS; the Windows launcher reserves as much) holds it.
WASM_STACK = 1024 * 1024


# Pulley has no threads: Wasmtime refuses (aborts) to create such an engine.
_NOT_ON_PULLEY = ("threads",)


def engine_settings(sandbox: Sandbox, precompile: str = "native") -> tuple[Setting, ...]:
    """The engine configuration for a script, the same at compile time and at run time."""
    features = [f for f in _FEATURES if precompile != "pulley" or f not in _NOT_ON_PULLEY]
    settings: list[Setting] = [Setting(f"wasmtime_config_wasm_{f}_set", True) for f in features]
    settings.append(Setting("wasmtime_config_max_wasm_stack_set", WASM_STACK))
    if precompile != "pulley":
        settings.append(Setting("wasmtime_config_shared_memory_set", True))
    # A wall-clock limit needs epoch checks compiled into the code; they cost a
    # little speed, so only scripts with a timeout get them.
    if sandbox.timeout is not None:
        settings.append(Setting("wasmtime_config_epoch_interruption_set", True))
    if precompile == "pulley":
        # The runtime must interpret, not compile natively, to load Pulley bytecode.
        settings.append(Setting("wasmtime_config_target_set", PULLEY))
    return tuple(settings)


def validate(module: WasmModule, cache: Cache | None = None) -> None:
    """Wasmtime's validation, with every proposal the launcher enables.

    A component cannot be validated without compiling it, which takes seconds for a
    large one: with `cache`, a component that passed once is not compiled again."""
    if module.is_component and cache is not None:
        settings = [[s.function, s.value] for s in engine_settings(Sandbox())]
        key = {"sha256": module.sha256, "wasmtime": RUNTIME_VERSION, "settings": settings}
        cache.entry("valid-components", key, lambda _folder: _validate(module))
        return
    _validate(module)


def _validate(module: WasmModule) -> None:
    import wasmtime
    import wasmtime.component

    engine = python_engine(engine_settings(Sandbox()), None)
    try:
        if module.is_component:
            wasmtime.component.Component(engine, module.data)  # type: ignore[arg-type]
        else:
            wasmtime.Module.validate(engine, module.data)  # type: ignore[arg-type]
    except wasmtime.WasmtimeError as e:
        what = "component" if module.is_component else "module"
        raise BuildError(
            f"invalid WebAssembly {what}: {first_lines(str(e))}", module.path
        ) from None


@dataclass(frozen=True)
class Plan:
    """How a script's code is produced for a target."""

    mode: str  # "native", "first-run" or "pulley"
    emulator: Emulator | None = None  # native code made under this emulator


def plan_precompile(
    target: Target, requested: str | None, machine: Machine, cache_root: Path
) -> Plan:
    """The precompile mode: as requested, or native when this machine can make it."""
    if requested in ("first-run", "pulley"):
        return Plan(requested)
    if (target.os, target.arch) == (machine.os, machine.arch):
        return Plan("native")
    emulator = find_emulator(target, machine, cache_root)
    if emulator is not None:
        return Plan("native", emulator)
    if requested == "native":
        raise BuildError(
            f"cannot precompile machine code for {target.platform_tag()} on this "
            f"{machine.os} {machine.arch} machine: the wasmtime package compiles only for its "
            "own platform, and no emulator for the target was found (qemu-user with a glibc "
            "sysroot for Linux, Wine for Windows x86_64); use -C precompile=first-run or "
            "-C precompile=pulley"
        )
    return Plan("first-run")


def _module_file(module: WasmModule, cache: Cache) -> Path:
    """The validated module's bytes in the cache: what a first-run executable embeds."""

    def produce(folder: Path) -> None:
        (folder / "module.wasm").write_bytes(module.data)

    return cache.entry("modules", {"sha256": module.sha256}, produce) / "module.wasm"


def first_run_cache_name(module: WasmModule, settings: tuple[Setting, ...]) -> str:
    """The first-run cache file's name, less the part the launcher adds for the machine."""
    listed = json.dumps([[s.function, s.value] for s in settings])
    digest = hashlib.sha256(listed.encode()).hexdigest()[:12]
    return f"{module.sha256[:32]}-wasmtime-{RUNTIME_VERSION}-{digest}"


def _fat_file(parts: list[Path], name: str, cache: Cache) -> Path:
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in parts]

    def produce(folder: Path) -> None:
        (folder / name).write_bytes(fat([p.read_bytes() for p in parts]))

    return cache.entry("universal", {"slices": digests, "name": name}, produce) / name


class WasmtimeEngine:
    name = "wasmtime"

    def _code(
        self, request: BuildRequest, settings: tuple[Setting, ...], plan: Plan, machine: Machine
    ) -> Code:
        module, target, cache = request.module, request.target, request.cache
        if plan.mode == "first-run":
            return Code(
                MODULE,
                _module_file(module, cache),
                cache_name=first_run_cache_name(module, settings),
            )
        if plan.mode == "pulley":
            return Code(ARTIFACT, in_process(module, settings, None, cache))
        if plan.emulator is None:
            return Code(ARTIFACT, in_process(module, settings, target.wasmtime_triple, cache))
        helper_runtime = runtime_library(plan.emulator.runs, cache, request.runtime, machine)
        artifact = emulated(module, settings, target, plan.emulator, helper_runtime, cache)
        return Code(ARTIFACT, artifact)

    def build(self, request: BuildRequest) -> Executable:
        target = request.target
        if len(target.slices) > 1:
            return self._build_universal(request)
        machine = build_machine()
        sandbox = request.script.sandbox
        runtime = runtime_library(target, request.cache, request.runtime, machine)
        if request.editable:
            settings = engine_settings(sandbox)
            code = Code(PATH, module_path=str(request.module.path))
        else:
            plan = plan_precompile(target, request.precompile, machine, request.cache.root)
            settings = engine_settings(sandbox, plan.mode)
            try:
                code = self._code(request, settings, plan, machine)
            except BuildError as e:
                if plan.emulator is None or request.precompile == "native":
                    raise
                # The emulator was only a way to do better than compiling on first run.
                say(f"cannot precompile under {plan.emulator.name} ({e}); compiling on first run")
                plan = Plan("first-run")
                settings = engine_settings(sandbox, plan.mode)
                code = self._code(request, settings, plan, machine)
            if plan.emulator is not None:
                say(f"{request.script.name}: precompiled under {plan.emulator.name}")
            elif plan.mode == "first-run":
                say(f"{request.script.name}: compiled on its first run on each machine")
        rel_runtime = request.layout.runtime_library(target, RUNTIME_VERSION)
        support = {rel_runtime: runtime}
        preload = None
        if needs_unwinder(target):
            preload = request.layout.preload_library()
            support[preload] = unwinder(target, request.cache)
        source = script_source(
            ScriptSource(
                target,
                rel_runtime,
                request.layout.search,
                RUNTIME_VERSION,
                request.module.path.name,
                settings,
                code,
                preload,
                request.module.run_export if request.module.is_component else None,
            ),
            sandbox,
            request.data_dirs,
            data_from_host=request.editable,
        )
        exe = link(target, source, code, request.cache)
        licences = {**notices.toolchain(target, static_libc=False), **notices.wasmtime()}
        if preload is not None:
            licences.update(notices.libunwind())
        return Executable(exe, support, licences)

    def _build_universal(self, request: BuildRequest) -> Executable:
        """One build per slice, joined into fat files: each slice keeps its own signature."""
        parts = [self.build(replace(request, target=t)) for t in request.target.slices]
        exe = _fat_file([p.path for p in parts], parts[0].path.name, request.cache)
        support = {
            rel: _fat_file([p.support[rel] for p in parts], Path(rel).name, request.cache)
            for rel in parts[0].support
        }
        return Executable(exe, support, parts[0].notices)

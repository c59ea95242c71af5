"""The `wasmtime` engine: a precompiled module in a small C launcher.

The module is compiled ahead of time with the `wasmtime` package and embedded in
the launcher at link time (never appended afterwards: that would break macOS code
signatures). The launcher loads the Wasmtime library of the same version, shipped
beside it, and must configure its engine exactly as the build did, or the artifact
will not load: `engine_settings` is the one list that both sides apply by name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

from ..config import Sandbox
from ..errors import BuildError
from ..target import Target, host_target
from ..wasmfile import WasmModule
from ..zig import zig_cc, zig_version
from . import BuildRequest, Executable

RUNTIME_VERSION = version("wasmtime")

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


@dataclass(frozen=True)
class Setting:
    function: str  # a `wasmtime_config_*_set` function taking (config, bool)
    value: bool


def engine_settings(sandbox: Sandbox) -> tuple[Setting, ...]:
    """The engine configuration for a script, the same at compile time and at run time."""
    settings = [Setting(f"wasmtime_config_wasm_{f}_set", True) for f in _FEATURES]
    settings.append(Setting("wasmtime_config_shared_memory_set", True))
    # A wall-clock limit needs epoch checks compiled into the code; they cost a
    # little speed, so only scripts with a timeout get them.
    if sandbox.timeout is not None:
        settings.append(Setting("wasmtime_config_epoch_interruption_set", True))
    return tuple(settings)


def _python_engine(settings: tuple[Setting, ...], target: Target | None) -> object:
    import wasmtime
    from wasmtime import _bindings as ffi

    config = wasmtime.Config()
    for s in settings:
        getattr(ffi, s.function)(config.ptr(), s.value)
    if target is not None:
        # Naming the triple gives a baseline-CPU artifact that loads on every
        # machine of the architecture, not just on CPUs like the build machine's.
        error = ffi.wasmtime_config_target_set(config.ptr(), target.wasmtime_triple.encode())
        if error:
            raise BuildError(f"Wasmtime cannot compile for {target.wasmtime_triple}")
    return wasmtime.Engine(config)


def validate(module: WasmModule) -> None:
    """Wasmtime's validation, with every proposal the launcher enables."""
    import wasmtime

    engine = _python_engine(engine_settings(Sandbox()), None)
    try:
        wasmtime.Module.validate(engine, module.data)  # type: ignore[arg-type]
    except wasmtime.WasmtimeError as e:
        raise BuildError(
            f"invalid WebAssembly module: {_first_lines(str(e))}", module.path
        ) from None


def _first_lines(message: str) -> str:
    return " ".join(line.strip() for line in message.strip().splitlines() if line.strip())


def runtime_library(target: Target) -> Path:
    """The Wasmtime C API library for the target, from the `wasmtime` package."""
    import wasmtime

    path = Path(wasmtime.__file__).parent / target.wasmtime_dir / target.wasmtime_library
    if not path.is_file():
        raise BuildError(
            f"no Wasmtime {RUNTIME_VERSION} runtime library for {target.platform_tag()} "
            f"(looked for {path}); building for another platform than the build machine's "
            "is not supported yet"
        )
    return path


@cache
def _c_sources() -> tuple[Path, str]:
    """The launcher's C folder and a hash of its sources, for cache keys."""
    folder = Path(str(files("wasm_build_backend") / "c"))
    digest = hashlib.sha256()
    for name in ("launcher.c", "launcher.h", "wasmtime_api.h"):
        digest.update((folder / name).read_bytes())
    return folder, digest.hexdigest()


def _c_string(value: str) -> str:
    out = []
    for byte in value.encode():
        ch = chr(byte)
        out.append(ch if 32 <= byte < 127 and ch not in '"\\?' else f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def _embed_asm(target: Target, artifact: Path) -> str:
    """Assembly that places the artifact's bytes in the executable's read-only data."""
    section = {
        "elf": '.section .rodata,"a"',
        "macho": ".section __TEXT,__const",
        "coff": '.section .rdata,"dr"',
    }[target.object_format]
    symbol = "_wbb_artifact" if target.object_format == "macho" else "wbb_artifact"
    path = artifact.as_posix().replace("\\", "\\\\").replace('"', '\\"')
    lines = [section, ".p2align 4", f".globl {symbol}", f"{symbol}:", f'.incbin "{path}"', ".text"]
    return (
        "__asm__(\n"
        + "".join(
            f'    "{line.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}\\n"\n'
            for line in lines
        )
        + ");\n"
    )


def script_source(
    request: BuildRequest, settings: tuple[Setting, ...], artifact: Path | None
) -> str:
    """The C file that gives the launcher its script: policy, settings and module."""
    sandbox = request.script.sandbox
    dirs = [
        f"{{WBB_DIR_HOST, {_c_string(d.host)}, {_c_string(d.guest)}, {int(d.writable)}}}"
        for d in sandbox.dirs
    ]
    for guest, host in request.data_dirs.items():
        kind = "WBB_DIR_HOST" if request.editable else "WBB_DIR_DATA"
        dirs.append(f"{{{kind}, {_c_string(host)}, {_c_string(guest)}, 0}}")
    if sandbox.tmp is not None:
        dirs.append(f'{{WBB_DIR_TMP, "", {_c_string(sandbox.tmp)}, 1}}')
    env_names: tuple[str, ...] = () if isinstance(sandbox.env, str) else sandbox.env
    env_mode = {"all": "WBB_ENV_ALL", "none": "WBB_ENV_NONE"}.get(str(sandbox.env), "WBB_ENV_LIST")
    runtime = request.layout.runtime_library(request.target, RUNTIME_VERSION)
    module_path = _c_string(str(request.module.path)) if request.editable else "NULL"

    out = ['#include "launcher.h"', ""]
    if artifact is not None:
        out += [
            _embed_asm(request.target, artifact),
            "extern const unsigned char wbb_artifact[];",
            "",
        ]
    out.append("static const struct wbb_setting settings[] = {")
    out += [f"    {{{_c_string(s.function)}, WBB_SET_BOOL, {int(s.value)}}}," for s in settings]
    out.append("};")
    out.append("static const struct wbb_dir dirs[] = {")
    out += [f"    {d}," for d in dirs] or ['    {WBB_DIR_HOST, "", "", 0},']
    out.append("};")
    out.append("static const char *const env_names[] = {")
    out += [f"    {_c_string(n)}," for n in env_names] or ['    "",']
    out.append("};")
    memory = -1 if sandbox.max_memory is None else sandbox.max_memory
    timeout_ms = 0 if sandbox.timeout is None else max(1, round(sandbox.timeout * 1000))
    out += [
        "const struct wbb_script wbb_script = {",
        f"    .runtime_library = {_c_string(runtime)},",
        f"    .wasmtime_version = {_c_string(RUNTIME_VERSION)},",
        f"    .module_name = {_c_string(request.module.path.name)},",
        f"    .artifact = {'wbb_artifact' if artifact else 'NULL'},",
        f"    .artifact_size = {artifact.stat().st_size if artifact else 0},",
        f"    .module_path = {module_path},",
        f"    .env_mode = {env_mode},",
        "    .env_names = env_names,",
        f"    .env_count = {len(env_names)},",
        "    .dirs = dirs,",
        f"    .dir_count = {len(dirs)},",
        "    .settings = settings,",
        f"    .setting_count = {len(settings)},",
        f"    .max_memory = {memory},",
        f"    .timeout_ms = {timeout_ms},",
        "};",
        "",
    ]
    return "\n".join(out)


class WasmtimeEngine:
    name = "wasmtime"

    def precompile(self, request: BuildRequest, settings: tuple[Setting, ...]) -> Path:
        target = request.target
        host = host_target()
        if (target.os, target.arch) != (host.os, host.arch):
            raise BuildError(
                f"the wasmtime engine cannot yet precompile for {target.platform_tag()} "
                f"on this {host.platform_tag()} machine"
            )
        key = {
            "module": request.module.sha256,
            "wasmtime": RUNTIME_VERSION,
            "triple": target.wasmtime_triple,
            "settings": [[s.function, s.value] for s in settings],
        }

        def produce(folder: Path) -> None:
            import wasmtime

            engine = _python_engine(settings, target)
            try:
                module = wasmtime.Module(engine, request.module.data)  # type: ignore[arg-type]
            except wasmtime.WasmtimeError as e:
                raise BuildError(
                    f"cannot compile: {_first_lines(str(e))}", request.module.path
                ) from None
            (folder / "module.cwasm").write_bytes(module.serialize())

        return request.cache.entry("artifacts", key, produce) / "module.cwasm"

    def launcher_object(self, request: BuildRequest) -> Path:
        c_dir, c_hash = _c_sources()
        target = request.target
        key = {"launcher": c_hash, "zig": zig_version(), "triple": target.zig_triple}

        def produce(folder: Path) -> None:
            zig_cc(
                [
                    "-target",
                    target.zig_triple,
                    "-std=c11",
                    "-O2",
                    "-Wall",
                    "-Wextra",
                    "-Werror",
                    "-c",
                    str(c_dir / "launcher.c"),
                    "-o",
                    str(folder / "launcher.o"),
                ],
                what=f"compiling the launcher for {target.zig_triple}",
            )

        return request.cache.entry("launchers", key, produce) / "launcher.o"

    def build(self, request: BuildRequest) -> Executable:
        settings = engine_settings(request.script.sandbox)
        artifact = None if request.editable else self.precompile(request, settings)
        launcher = self.launcher_object(request)
        source = script_source(request, settings, artifact)
        target = request.target
        exe_name = "program" + target.exe_suffix
        key = {
            "launcher": str(launcher.parent.name),
            "script": hashlib.sha256(source.encode()).hexdigest(),
            "artifact": str(artifact.parent.name) if artifact else None,
            "zig": zig_version(),
            "triple": target.zig_triple,
        }

        def produce(folder: Path) -> None:
            c_dir, _ = _c_sources()
            (folder / "script.c").write_text(source)
            zig_cc(
                [
                    "-target",
                    target.zig_triple,
                    "-std=c11",
                    "-O2",
                    "-s",
                    "-Wall",
                    "-Wextra",
                    "-I",
                    str(c_dir),
                    str(launcher),
                    "script.c",
                    "-o",
                    exe_name,
                    *(f"-l{lib}" for lib in target.system_libraries),
                ],
                cwd=folder,
                what=f"linking the executable for {target.zig_triple}",
            )

        exe = request.cache.entry("executables", key, produce) / exe_name
        runtime = request.layout.runtime_library(target, RUNTIME_VERSION)
        return Executable(exe, {runtime: runtime_library(target)})

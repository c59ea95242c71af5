"""The C side of the wasmtime engine: the launcher object, each script's C file, and linking.

The launcher (`c/launcher.c`, with `c/host.c`) is compiled once per target; each
executable then links it with a generated `script.c` that defines `wbb_script` (policy,
engine settings, runtime library path) and embeds the code it runs with `.incbin`: part
of the link, never appended afterwards, because macOS arm64 code signatures cover the
whole file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

from ..jobs.cache import Cache
from ..settings.pyproject import Sandbox
from ..targets.target import Target
from ..toolchain import musl
from ..toolchain.zig import zig_cc, zig_version
from .policy_c import c_string, policy_c

# What the executable carries (enum wbb_code_kind in launcher.h).
ARTIFACT = "WBB_CODE_ARTIFACT"
MODULE = "WBB_CODE_MODULE"
PATH = "WBB_CODE_PATH"
COMPILER = "WBB_CODE_COMPILER"


@dataclass(frozen=True)
class Setting:
    """One `wasmtime_config_*_set` call: (config, bool), (config, size_t) for an
    int, or, for a string, `wasmtime_error_t *(config, const char *)`."""

    function: str
    value: bool | int | str


@dataclass(frozen=True)
class Code:
    """What an executable runs: its kind, and the file embedded or the path it reads."""

    kind: str
    file: Path | None = None  # embedded: an artifact or a .wasm
    module_path: str | None = None  # PATH: the .wasm read at each start
    cache_name: str | None = None  # MODULE: the first-run cache file's name, less the machine


# host.c is shared with the wasm2c engine's runtime.
_SOURCES = ("launcher.c", "host.c")


@cache
def c_sources() -> tuple[Path, str]:
    """The launcher's C folder and a hash of its sources, for cache keys."""
    folder = Path(str(files("wasm_build_backend") / "c"))
    digest = hashlib.sha256()
    for name in (*_SOURCES, "launcher.h", "host.h", "wasmtime_api.h"):
        digest.update((folder / name).read_bytes())
    return folder, digest.hexdigest()


def _embed_asm(target: Target, path: Path) -> str:
    """Assembly that places a file's bytes in the executable's read-only data."""
    section = {
        "elf": '.section .rodata,"a"',
        "macho": ".section __TEXT,__const",
        "coff": '.section .rdata,"dr"',
    }[target.object_format]
    symbol = "_wbb_code" if target.object_format == "macho" else "wbb_code"
    quoted = path.as_posix().replace("\\", "\\\\").replace('"', '\\"')
    lines = [
        section,
        ".p2align 4",
        f".globl {symbol}",
        f"{symbol}:",
        f'.incbin "{quoted}"',
        ".text",
    ]
    return (
        "__asm__(\n"
        + "".join(
            f'    "{line.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}\\n"\n'
            for line in lines
        )
        + ");\n"
    )


def _setting_c(s: Setting) -> str:
    if isinstance(s.value, str):
        return f"    {{{c_string(s.function)}, WBB_SET_STRING, 0, {c_string(s.value)}}},"
    if not isinstance(s.value, bool):
        return f"    {{{c_string(s.function)}, WBB_SET_SIZE, {s.value}u, NULL}},"
    return f"    {{{c_string(s.function)}, WBB_SET_BOOL, {int(s.value)}, NULL}},"


@dataclass(frozen=True)
class ScriptSource:
    """Everything `script.c` says, apart from the sandbox's directories and data."""

    target: Target
    runtime_library: str  # relative to the companion folder
    companions: tuple[str, ...]  # where the companion folder is (`Layout.search`)
    runtime_version: str
    module_name: str
    settings: tuple[Setting, ...]
    code: Code
    preload_library: str | None = None  # relative to the companion folder
    component_run: str | None = None  # a component's `wasi:cli/run` export; None: a module


def script_source(
    script: ScriptSource,
    sandbox: Sandbox,
    data_dirs: dict[str, str] | None = None,
    *,
    data_from_host: bool = False,
) -> str:
    """The C file that gives the launcher its script: policy, settings and code."""
    policy_arrays, policy_fields = policy_c(
        sandbox, data_dirs or {}, script.companions, data_from_host=data_from_host
    )
    code = script.code

    def optional(value: str | None) -> str:
        return "NULL" if value is None else c_string(value)

    out = ['#include "launcher.h"', ""]
    if code.file is not None:
        out += [_embed_asm(script.target, code.file), "extern const unsigned char wbb_code[];", ""]
    out.append("static const struct wbb_setting settings[] = {")
    out += [_setting_c(s) for s in script.settings] or ['    {"", WBB_SET_BOOL, 0, NULL},']
    out.append("};")
    out += policy_arrays
    out += [
        "const struct wbb_script wbb_script = {",
        f"    .runtime_library = {c_string(script.runtime_library)},",
        f"    .preload_library = {optional(script.preload_library)},",
        f"    .wasmtime_version = {c_string(script.runtime_version)},",
        f"    .module_name = {c_string(script.module_name)},",
        f"    .component_run = {optional(script.component_run)},",
        f"    .code_kind = {code.kind},",
        f"    .code = {'wbb_code' if code.file else 'NULL'},",
        f"    .code_size = {code.file.stat().st_size if code.file else 0},",
        f"    .module_path = {optional(code.module_path)},",
        f"    .cache_name = {optional(code.cache_name)},",
        *policy_fields,
        "    .settings = settings,",
        f"    .setting_count = {len(script.settings)},",
        "};",
        "",
    ]
    return "\n".join(out)


def launcher_objects(target: Target, cache_: Cache) -> list[Path]:
    """`launcher.c` and `host.c` compiled for the target, once per source and zig version."""
    c_dir, c_hash = c_sources()
    key = {
        "launcher": c_hash,
        "zig": zig_version(),
        "triple": target.zig_triple,
        "flags": list(target.compile_flags),
    }

    def produce(folder: Path) -> None:
        for name in _SOURCES:
            zig_cc(
                [
                    "-target",
                    target.zig_triple,
                    *target.compile_flags,
                    "-std=c11",
                    "-O2",
                    "-Wall",
                    "-Wextra",
                    "-Werror",
                    "-c",
                    str(c_dir / name),
                    "-o",
                    str(folder / name.replace(".c", ".o")),
                ],
                what=f"compiling the launcher for {target.zig_triple}",
            )

    folder = cache_.entry("launchers", key, produce)
    return [folder / name.replace(".c", ".o") for name in _SOURCES]


def link(target: Target, source: str, code: Code, cache_: Cache) -> Path:
    """The executable: the launcher object linked with `source` (a script.c)."""
    launcher = launcher_objects(target, cache_)
    exe_name = "program" + target.exe_suffix
    is_musl = target.os == "linux" and target.libc == "musl"
    inputs = musl.link_flags(target, cache_) if is_musl else []
    key = {
        "launcher": str(launcher[0].parent.name),
        "script": hashlib.sha256(source.encode()).hexdigest(),
        "code": code.file.parent.name if code.file else None,
        "zig": zig_version(),
        "triple": target.zig_triple,
        "flags": [*target.compile_flags, *target.link_flags, *(Path(i).name for i in inputs)],
    }

    def produce(folder: Path) -> None:
        c_dir, _ = c_sources()
        (folder / "script.c").write_text(source)
        zig_cc(
            [
                "-target",
                target.zig_triple,
                *target.compile_flags,
                *target.link_flags,
                "-std=c11",
                "-O2",
                "-s",
                "-Wall",
                "-Wextra",
                "-I",
                str(c_dir),
                *map(str, launcher),
                "script.c",
                "-o",
                exe_name,
                *(f"-l{lib}" for lib in target.system_libraries),
                *inputs,
            ],
            cwd=folder,
            what=f"linking the executable for {target.zig_triple}",
        )
        if is_musl:
            exe = folder / exe_name
            exe.write_bytes(musl.relinked(exe.read_bytes()))

    return cache_.entry("executables", key, produce) / exe_name

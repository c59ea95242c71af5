"""The core every front door drives: scripts and a target in, executables and their
companion files out.

The PEP 517 backend, the command line, the CMake and the setuptools integrations all
call `build_scripts`; none of them compiles, links or lays out files on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .distribution.archive import source_date_epoch
from .distribution.layout import Layout
from .engines import BuildRequest, get_engine
from .engines.choice import choose_engine
from .errors import BuildError
from .formats.wasmfile import WasmModule, read_module
from .jobs.cache import Cache
from .jobs.progress import say, step
from .settings.limits import checked_script
from .settings.pyproject import AUTO, Script
from .targets.target import WASMTIME_TAGS, Target


@dataclass(frozen=True)
class ScriptsFolder:
    """The executables, keyed by their file name in the scripts folder; the files they need
    at run time, keyed by their path relative to the layout's companion folder
    (`Layout.folder`); and the licence texts of the third-party code in them (`notices`),
    for the .dist-info."""

    executables: dict[str, Path]
    companions: dict[str, Path]
    notices: dict[str, Path]

    def all_files(self) -> list[Path]:
        return [*self.executables.values(), *self.companions.values()]


def load_module(path: Path, cache: Cache | None = None) -> WasmModule:
    """Read, check and validate a module: every problem is reported against its file."""
    from .engines.wasmtime import validate

    module = read_module(path)
    validate(module, cache)
    module.check_command()
    return module


def _data_files(root: Path, source: str, dest: str) -> dict[str, Path]:
    folder = root / source
    return {
        f"{dest}/{p.relative_to(folder).as_posix()}": p
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def check_engine_target(script: Script, target: Target) -> None:
    """Only the wasm2c engine builds for a platform that no `wasmtime` wheel exists for."""
    if script.engine == "wasmtime" and not target.wasmtime_supported:
        raise BuildError(
            f"script {script.name!r}: the wasmtime engine cannot build for "
            f"{target.platform_tag()}, as Wasmtime has no runtime for it; it builds for "
            f'{", ".join(WASMTIME_TAGS)}; use engine = "wasm2c" for this platform'
        )


def build_scripts(
    root: Path,
    scripts: list[Script],
    target: Target,
    layout: Layout,
    cache: Cache,
    *,
    editable: bool = False,
    precompile: str | None = None,
    runtime: Path | None = None,
    build_memory: int | None = None,
) -> ScriptsFolder:
    """Build every script for `target`; shared modules are read and compiled once."""
    source_date_epoch()  # checked before zig (whose clang reads it too) can fail on it
    modules: dict[Path, WasmModule] = {}
    executables: dict[str, Path] = {}
    companions: dict[str, Path] = {}
    licences: dict[str, Path] = {}
    for script in scripts:
        if script.module not in modules:
            modules[script.module] = load_module(script.module, cache)
        if script.engine == AUTO:
            engine, why = choose_engine(
                modules[script.module], target, editable=editable, precompile=precompile
            )
            say(f'{script.name}: {engine} engine (engine = "auto": {why})')
            script = replace(script, engine=engine)
        check_engine_target(script, target)
        script = checked_script(script, modules[script.module], target)
        data_dirs: dict[str, str] = {}
        for data in script.sandbox.data:
            if editable:
                data_dirs[data.guest] = str(root / data.source)
            else:
                dest = layout.data_dir(data.source)
                data_dirs[data.guest] = dest
                companions.update(_data_files(root, data.source, dest))
        request = BuildRequest(
            script,
            modules[script.module],
            target,
            layout,
            cache,
            editable,
            data_dirs,
            precompile,
            runtime,
            build_memory,
        )
        name = script.name + target.exe_suffix
        with step(f"building {name} ({script.engine} engine, {target.platform_tag()})"):
            product = get_engine(script.engine).build(request)
        executables[name] = product.path
        licences.update(product.notices)
        for rel, path in product.support.items():
            if companions.get(rel, path) != path:
                raise BuildError(f"two scripts need different files at {rel}")
            companions[rel] = path
    return ScriptsFolder(executables, companions, dict(sorted(licences.items())))

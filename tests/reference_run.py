"""The reference: run a WASI command as `wasmtime run --dir H::G MODULE ARGS` would.

Uses the `wasmtime` package (the same Wasmtime version the executables carry), so
tests compare a native executable's behaviour with Wasmtime's own on the same input.
A core module runs through `_start` with WASI preview1; a component through its
`wasi:cli/run` export with WASI 0.2 (`Linker.add_wasip2`), where `run` returning an
error is exit status 1, as `wasmtime run` makes it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import wasmtime
import wasmtime.component

# A component's preamble: the core magic, then version 0x0d and layer 1.
COMPONENT_PREAMBLE = b"\0asm\x0d\x00\x01\x00"


def run_component(engine: wasmtime.Engine, store: wasmtime.Store, path: str) -> int:
    component = wasmtime.component.Component.from_file(engine, path)
    linker = wasmtime.component.Linker(engine)
    linker.add_wasip2()
    instance = linker.instantiate(store, component)
    # The run interface's name carries the version the component was built against.
    names = [n for n in component.type.exports(engine) if n.startswith("wasi:cli/run@")]
    if not names:
        print("Error: the component does not export wasi:cli/run", file=sys.stderr)
        return 1
    interface = instance.get_export_index(store, names[0])
    index = instance.get_export_index(store, "run", interface)
    run = instance.get_func(store, index) if index is not None else None
    if run is None:
        print(f"Error: no `run` function in {names[0]}", file=sys.stderr)
        return 1
    result = run(store)
    return 0 if getattr(result, "tag", "ok") == "ok" else 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--argv0", required=True)
    parser.add_argument("--dir", action="append", default=[])
    # Exactly these variables instead of this process's environment (which Python may
    # have added to: LC_CTYPE when it coerces the C locale), as `wasmtime run --env`.
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--no-inherit-env", action="store_true")
    parser.add_argument("module")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    ns = parser.parse_args()

    engine = wasmtime.Engine()
    component = Path(ns.module).read_bytes()[:8] == COMPONENT_PREAMBLE
    wasi = wasmtime.WasiConfig()
    wasi.argv = [ns.argv0, *ns.args]
    if ns.no_inherit_env:
        wasi.env = [tuple(item.split("=", 1)) for item in ns.env]  # type: ignore[misc]
    else:
        wasi.inherit_env()
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    for spec in ns.dir:
        host, _, guest = spec.partition("::")
        wasi.preopen_dir(host, guest or host)
    store = wasmtime.Store(engine)
    store.set_wasi(wasi)
    try:
        if component:
            return run_component(engine, store, ns.module)
        module = wasmtime.Module.from_file(engine, ns.module)
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        instance = linker.instantiate(store, module)
        instance.exports(store)["_start"](store)  # type: ignore[operator]
    except wasmtime.ExitTrap as e:
        return e.code
    except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 134
    return 0


if __name__ == "__main__":
    sys.stdout.flush()
    sys.exit(main())

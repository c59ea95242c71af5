"""The reference: run a WASI command as `wasmtime run --dir H::G MODULE ARGS` would.

Uses the `wasmtime` package (the same Wasmtime version the executables carry), so
tests compare a native executable's behaviour with Wasmtime's own on the same input.
"""

from __future__ import annotations

import argparse
import sys

import wasmtime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--argv0", required=True)
    parser.add_argument("--dir", action="append", default=[])
    parser.add_argument("module")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    ns = parser.parse_args()

    engine = wasmtime.Engine()
    module = wasmtime.Module.from_file(engine, ns.module)
    wasi = wasmtime.WasiConfig()
    wasi.argv = [ns.argv0, *ns.args]
    wasi.inherit_env()
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    for spec in ns.dir:
        host, _, guest = spec.partition("::")
        wasi.preopen_dir(host, guest or host)
    store = wasmtime.Store(engine)
    store.set_wasi(wasi)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, module)
    try:
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

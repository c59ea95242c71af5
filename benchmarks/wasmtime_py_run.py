"""Run a WASI command module through wasmtime-py, the way YoWASP-style wheels do.

    python wasmtime_py_run.py MODULE.wasm [ARGS...]

This is the baseline that the backend's native executables replace: a Python
process that imports wasmtime-py, gets the module compiled (from Wasmtime's own
cache after the first run, as `Config.cache = True` arranges), links WASI and
calls `_start`. The benchmark times the whole process, interpreter start included,
because that is what a user of such a wheel waits for.
"""

from __future__ import annotations

import sys

import wasmtime


def main() -> int:
    path, args = sys.argv[1], sys.argv[2:]
    config = wasmtime.Config()
    config.cache = True  # Wasmtime's compile cache: a warm run deserializes instead of compiling
    engine = wasmtime.Engine(config)
    module = wasmtime.Module.from_file(engine, path)

    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    wasi = wasmtime.WasiConfig()
    wasi.argv = [path, *args]
    wasi.inherit_env()
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    wasi.preopen_dir(".", ".")
    store = wasmtime.Store(engine)
    store.set_wasi(wasi)

    instance = linker.instantiate(store, module)
    start = instance.exports(store)["_start"]
    assert isinstance(start, wasmtime.Func)
    try:
        start(store)
    except wasmtime.ExitTrap as e:
        return e.code
    return 0


if __name__ == "__main__":
    sys.exit(main())

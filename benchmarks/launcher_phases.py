"""Time the phases of the launcher's startup, in a fresh process.

    python launcher_phases.py ARTIFACT.cwasm OUT.json [ARGS...]

The C launcher cannot report its own timings, so this makes the same Wasmtime C
API calls as wasm_build_backend/c/launcher.c, in the same order and with the same
engine settings, through wasmtime-py's ctypes bindings, and writes the seconds
each phase took to OUT.json. A ctypes call costs about a microsecond, so the
numbers are close to the launcher's. What it cannot see (exec, the dynamic
loader's work for the executable itself, process exit) is the difference between
the launcher's wall time and the sum of these phases.

The Python interpreter has already loaded libc, libm and libpthread, which the
launcher's dlopen of the Wasmtime library has to map as well: the dlopen phase
here is a slight underestimate.
"""

from __future__ import annotations

import ctypes
import json
import sys
import time
from importlib.util import find_spec
from pathlib import Path


def wasmtime_library() -> Path:
    """wasmtime-py's copy of the library, found without importing wasmtime-py (which loads it)."""
    spec = find_spec("wasmtime")
    assert spec is not None and spec.origin is not None, "wasmtime-py is not installed"
    package = Path(spec.origin).parent
    for pattern in ("*/_libwasmtime.so", "*/_libwasmtime.dylib", "*/_wasmtime.dll"):
        found = sorted(package.glob(pattern))
        if found:
            return found[0]
    raise SystemExit(f"no Wasmtime library in {package}")


def main() -> None:
    artifact, out, args = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
    library = wasmtime_library()
    data = artifact.read_bytes()  # the launcher has these bytes in its own image
    phases: dict[str, float] = {}

    t = time.perf_counter()
    # wasmtime-py's own load of the same file later finds it already loaded.
    ctypes.CDLL(str(library))
    phases["dlopen"] = time.perf_counter() - t

    # Python imports: a cost only this harness has, so left out of the phases.
    import wasmtime
    from wasmtime import _bindings as ffi

    from wasm_build_backend.config import Sandbox
    from wasm_build_backend.engines.wasmtime import engine_settings

    t = time.perf_counter()
    config = wasmtime.Config()
    for setting in engine_settings(Sandbox()):
        getattr(ffi, setting.function)(config.ptr(), setting.value)
    engine = wasmtime.Engine(config)
    phases["engine"] = time.perf_counter() - t

    t = time.perf_counter()
    module = wasmtime.Module.deserialize(engine, data)
    phases["deserialize"] = time.perf_counter() - t

    t = time.perf_counter()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    wasi = wasmtime.WasiConfig()
    wasi.argv = [str(artifact), *args]
    wasi.inherit_env()
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    wasi.preopen_dir(".", ".")
    store.set_wasi(wasi)
    phases["WASI setup"] = time.perf_counter() - t

    t = time.perf_counter()
    instance = linker.instantiate(store, module)
    start = instance.exports(store)["_start"]
    phases["instantiate"] = time.perf_counter() - t

    t = time.perf_counter()
    try:
        assert isinstance(start, wasmtime.Func)
        start(store)
    except wasmtime.ExitTrap:
        pass
    phases["_start"] = time.perf_counter() - t

    out.write_text(json.dumps(phases))


if __name__ == "__main__":
    main()

"""Running zig (from the `ziglang` package) as the C compiler and linker."""

from __future__ import annotations

import subprocess
import sys
import threading
from functools import cache
from importlib.metadata import version
from pathlib import Path

from .errors import BuildError


@cache
def zig_version() -> str:
    return version("ziglang")


# The compilers running now, so that an interrupted build can stop them (they may run
# for minutes) instead of waiting for them.
_running: set[subprocess.Popen[str]] = set()
_lock = threading.Lock()


def stop_compilers() -> None:
    """Kill every `zig cc` this process is running (an interrupted build)."""
    with _lock:
        for proc in _running:
            proc.kill()


def zig_cc(args: list[str], cwd: Path | None = None, what: str = "compiling") -> None:
    """Run `zig cc ARGS`, turning a failure into a BuildError with the compiler's output."""
    cmd = [sys.executable, "-m", "ziglang", "cc", *args]
    with subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        with _lock:
            _running.add(proc)
        try:
            stdout, stderr = proc.communicate()
        finally:
            with _lock:
                _running.discard(proc)
    output = (stderr + stdout).strip()
    # Killed (zig then aborts in silence): the out-of-memory killer, usually.
    if proc.returncode < 0 or (proc.returncode > 128 and not output):
        raise BuildError(
            f"the C compiler was killed while {what} (out of memory? the build-memory "
            "setting or WASM_BUILD_BACKEND_BUILD_MEMORY lowers how much the build uses)"
        )
    if proc.returncode != 0:
        raise BuildError(f"zig failed while {what}:\n{output}")


@cache
def zig_lib_dir() -> Path:
    """zig's bundled sources (libc, libunwind, ...), inside the `ziglang` package."""
    import importlib.util

    spec = importlib.util.find_spec("ziglang")
    if spec is None or spec.origin is None:
        raise BuildError("the ziglang package is not installed")
    return Path(spec.origin).parent / "lib"

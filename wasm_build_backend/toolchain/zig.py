"""Running zig (from the `ziglang` package) as the C compiler and linker."""

from __future__ import annotations

import os
import shlex
import sys
from functools import cache
from importlib.metadata import version
from pathlib import Path

from ..errors import BuildError
from ..jobs import processes
from ..jobs.cache import private_temp_dir, unwritable
from ..jobs.progress import debug


@cache
def zig_version() -> str:
    return version("ziglang")


def zig_cc(args: list[str], cwd: Path | None = None, what: str = "compiling") -> None:
    """Run `zig cc ARGS`, turning a failure into a BuildError with the compiler's output."""
    cmd = [sys.executable, "-m", "ziglang", "cc", *args]
    debug(f"running {shlex.join(cmd)}" + (f" in {cwd}" if cwd else ""))
    proc = processes.run(cmd, cwd=cwd, env=_zig_env(), capture_output=True, text=True)
    output = (proc.stderr + proc.stdout).strip()
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


def _zig_cache_default() -> Path:
    """Where zig keeps its global cache when ZIG_GLOBAL_CACHE_DIR is not set."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "zig"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "zig"


@cache
def _zig_env() -> dict[str, str] | None:
    """zig fails outright when its global cache cannot be written (a read-only home or
    XDG_CACHE_HOME): it then gets a private temporary one. None: the environment as is."""
    if os.environ.get("ZIG_GLOBAL_CACHE_DIR"):
        return None
    default = _zig_cache_default()
    why = unwritable(default)
    if why is None:
        return None
    folder = private_temp_dir() / "zig"
    debug(f"zig's cache {default} cannot be written ({why}); using {folder}")
    return {**os.environ, "ZIG_GLOBAL_CACHE_DIR": str(folder)}

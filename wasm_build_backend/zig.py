"""Running zig (from the `ziglang` package) as the C compiler and linker."""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from importlib.metadata import version
from pathlib import Path

from .errors import BuildError


@cache
def zig_version() -> str:
    return version("ziglang")


def zig_cc(args: list[str], cwd: Path | None = None, what: str = "compiling") -> None:
    """Run `zig cc ARGS`, turning a failure into a BuildError with the compiler's output."""
    cmd = [sys.executable, "-m", "ziglang", "cc", *args]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
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

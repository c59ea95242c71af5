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
    if proc.returncode != 0:
        output = (proc.stderr + proc.stdout).strip()
        raise BuildError(f"zig failed while {what}:\n{output}")


@cache
def zig_lib_dir() -> Path:
    """zig's bundled sources (libc, libunwind, ...), inside the `ziglang` package."""
    import importlib.util

    spec = importlib.util.find_spec("ziglang")
    if spec is None or spec.origin is None:
        raise BuildError("the ziglang package is not installed")
    return Path(spec.origin).parent / "lib"

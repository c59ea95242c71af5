"""Emulators that run another platform's programs on the build machine: qemu-user and Wine.

The `wasmtime` package compiles only for the machine it runs on. With an emulator,
the build instead runs the target's own Wasmtime library, under emulation, to
precompile the module, so the wheel carries machine code and its users never compile.

- Linux on another CPU: `qemu-ARCH-static` (or `qemu-ARCH`) with a glibc sysroot for
  that CPU holding the loader and libgcc_s (Debian: `libc6-ARCH-cross` and
  `libgcc-s1-ARCH-cross`, in `/usr/ARCH-linux-gnu`; or `QEMU_LD_PREFIX`). Compiled
  code does not depend on the libc, so musl targets use the same glibc runtime.
- Windows x86_64 on Linux x86_64: Wine (`wine64`, `wine`), in a private prefix in the
  build cache unless `WINEPREFIX` names one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .host import Machine
from .target import Target

_WINE_CANDIDATES = ("wine64", "/usr/lib/wine/wine64", "wine")


@dataclass(frozen=True)
class Emulator:
    """How to run programs built for `runs` on this machine."""

    name: str
    command: tuple[str, ...]  # the prefix before the program and its arguments
    runs: Target  # the platform whose programs it runs (glibc for Linux)
    env: Mapping[str, str] = field(default_factory=dict)  # added to the environment

    def environment(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        return {**(os.environ if base is None else base), **self.env}


def _which(name: str) -> str | None:
    if os.path.isabs(name):
        return name if os.access(name, os.X_OK) else None
    return shutil.which(name)


def glibc_sysroot(arch: str, environ: Mapping[str, str]) -> Path | None:
    """A folder with `lib/` holding the glibc loader and libgcc_s for `arch`."""
    loader = {"aarch64": "ld-linux-aarch64.so.1", "x86_64": "ld-linux-x86-64.so.2"}[arch]
    candidates = [environ.get("QEMU_LD_PREFIX", ""), f"/usr/{arch}-linux-gnu"]
    for root in filter(None, candidates):
        lib = Path(root) / "lib"
        if (lib / loader).exists() and (lib / "libgcc_s.so.1").exists():
            return Path(root)
    return None


def qemu(arch: str) -> str | None:
    for name in (f"qemu-{arch}-static", f"qemu-{arch}"):
        found = _which(name)
        if found:
            return found
    return None


def wine() -> str | None:
    for name in _WINE_CANDIDATES:
        found = _which(name)
        if found:
            return found
    return None


def wine_env(prefix: Path | str) -> dict[str, str]:
    return {
        "WINEPREFIX": str(prefix),
        "WINEDEBUG": "-all",
        # No Mono or Gecko install dialogs when the prefix is created.
        "WINEDLLOVERRIDES": "mscoree,mshtml=",
    }


def find_emulator(
    target: Target, machine: Machine, cache_root: Path, environ: Mapping[str, str] | None = None
) -> Emulator | None:
    """An emulator that runs the target's programs here, or None."""
    env = os.environ if environ is None else environ
    if target.os == "linux" and machine.os == "linux" and target.arch != machine.arch:
        binary = qemu(target.arch)
        sysroot = glibc_sysroot(target.arch, env)
        if binary and sysroot:
            runs = Target("linux", target.arch, "glibc")
            return Emulator(Path(binary).name, (binary, "-L", str(sysroot)), runs)
    if (
        target.os == "windows"
        and machine.os in ("linux", "darwin")
        and target.arch == machine.arch == "x86_64"
    ):
        binary = wine()
        if binary:
            prefix = env.get("WINEPREFIX") or str(cache_root / "emulators" / "wine-prefix")
            return Emulator("wine", (binary,), Target("windows", "x86_64"), wine_env(prefix))
    return None

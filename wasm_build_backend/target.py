"""Targets: a wheel platform tag, and everything derived from it in one place.

The zig triple, the Wasmtime triple and runtime library, the executable suffix and
the object format all follow from the tag, so no other module looks at tag strings.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import BuildError

# The oldest glibc the launcher is linked against: zig links against stubs of
# this version, so the launcher itself never raises a wheel's manylinux tag.
LAUNCHER_GLIBC = (2, 17)
MUSLLINUX = (1, 2)

_ARCH_ALIASES = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "aarch64": "aarch64",
    "arm64": "aarch64",
}


@dataclass(frozen=True)
class Target:
    """A build target: an operating system, a CPU architecture and (on Linux) a libc."""

    os: str  # "linux", "macos" or "windows"
    arch: str  # "x86_64" or "aarch64"
    libc: str = ""  # "glibc" or "musl" on Linux
    glibc: tuple[int, int] = LAUNCHER_GLIBC  # the manylinux floor asked for
    macos: tuple[int, int] = (0, 0)  # the deployment target on macOS

    @property
    def zig_triple(self) -> str:
        if self.os == "linux":
            if self.libc == "musl":
                return f"{self.arch}-linux-musl"
            return f"{self.arch}-linux-gnu.{self.glibc[0]}.{self.glibc[1]}"
        if self.os == "macos":
            return f"{self.arch}-macos.{self.macos[0]}.{self.macos[1]}"
        return f"{self.arch}-windows-gnu"

    @property
    def wasmtime_triple(self) -> str:
        """The triple given to Wasmtime's `Config.target`: no CPU features beyond the baseline."""
        vendor_os = {
            "linux": "unknown-linux-gnu",
            "macos": "apple-darwin",
            "windows": "pc-windows-msvc",
        }[self.os]
        return f"{self.arch}-{vendor_os}"

    @property
    def wasmtime_dir(self) -> str:
        """The folder of the `wasmtime` package that holds this target's library."""
        os_name = {"linux": "linux", "macos": "darwin", "windows": "win32"}[self.os]
        return f"{os_name}-{self.arch}"

    @property
    def wasmtime_library(self) -> str:
        """The runtime library's file name inside the `wasmtime` package."""
        return {
            "linux": "_libwasmtime.so",
            "macos": "_libwasmtime.dylib",
            "windows": "_wasmtime.dll",
        }[self.os]

    @property
    def library_suffix(self) -> str:
        return {"linux": ".so", "macos": ".dylib", "windows": ".dll"}[self.os]

    @property
    def exe_suffix(self) -> str:
        return ".exe" if self.os == "windows" else ""

    @property
    def object_format(self) -> str:
        return {"linux": "elf", "macos": "macho", "windows": "coff"}[self.os]

    @property
    def system_libraries(self) -> tuple[str, ...]:
        """Libraries the launcher links against, beyond libc."""
        if self.os == "linux" and self.libc == "glibc":
            return ("dl", "pthread")
        if self.os == "windows":
            return ("shell32",)
        return ()

    def platform_tag(self, glibc_needed: tuple[int, int] | None = None) -> str:
        """The wheel platform tag, raised to the glibc the shipped files really need."""
        if self.os == "linux":
            if self.libc == "musl":
                return f"musllinux_{MUSLLINUX[0]}_{MUSLLINUX[1]}_{self.arch}"
            major, minor = max(self.glibc, glibc_needed or self.glibc)
            return f"manylinux_{major}_{minor}_{self.arch}"
        if self.os == "macos":
            arch = "arm64" if self.arch == "aarch64" else "x86_64"
            return f"macosx_{self.macos[0]}_{self.macos[1]}_{arch}"
        return "win_amd64" if self.arch == "x86_64" else "win_arm64"


SUPPORTED_TAGS = (
    "manylinux_2_17_x86_64",
    "manylinux_2_17_aarch64",
    "musllinux_1_2_x86_64",
    "musllinux_1_2_aarch64",
    "macosx_10_12_x86_64",
    "macosx_11_0_arm64",
    "win_amd64",
    "win_arm64",
)

_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


def _unsupported(tag: str) -> BuildError:
    listed = ", ".join(SUPPORTED_TAGS)
    return BuildError(
        f"unsupported target platform tag {tag!r}; supported tags look like: {listed} "
        "(any manylinux_X_Y with X_Y >= 2_17, and any macOS version)"
    )


def parse_tag(tag: str) -> Target:
    """The target for a wheel platform tag such as `manylinux_2_28_aarch64` or `win_amd64`."""
    tag = tag.strip().lower().replace("-", "_").replace(".", "_")
    if tag in ("win_amd64", "win_arm64"):
        return Target("windows", "x86_64" if tag == "win_amd64" else "aarch64")
    m = re.fullmatch(
        r"(manylinux_(\d+)_(\d+)|manylinux1|manylinux2010|manylinux2014|linux)_(\w+)", tag
    )
    if m:
        arch = _ARCH_ALIASES.get(m.group(4))
        if arch is None:
            raise _unsupported(tag)
        prefix = m.group(1)
        if prefix == "linux":
            glibc = LAUNCHER_GLIBC
        elif prefix in _LEGACY_MANYLINUX:
            glibc = _LEGACY_MANYLINUX[prefix]
        else:
            glibc = (int(m.group(2)), int(m.group(3)))
        if glibc < LAUNCHER_GLIBC:
            raise _unsupported(tag)
        return Target("linux", arch, "glibc", glibc=glibc)
    m = re.fullmatch(r"musllinux_(\d+)_(\d+)_(\w+)", tag)
    if m and m.group(3) in _ARCH_ALIASES:
        return Target("linux", _ARCH_ALIASES[m.group(3)], "musl")
    m = re.fullmatch(r"macosx_(\d+)_(\d+)_(\w+)", tag)
    if m and m.group(3) in ("x86_64", "arm64"):
        version = (int(m.group(1)), int(m.group(2)))
        arch = _ARCH_ALIASES[m.group(3)]
        if arch == "aarch64":
            version = max(version, (11, 0))
        return Target("macos", arch, macos=version)
    raise _unsupported(tag)


def host_target(environ: Mapping[str, str] | None = None) -> Target:
    """The target for the machine the build runs on."""
    env = os.environ if environ is None else environ
    machine = _ARCH_ALIASES.get(platform.machine().lower())
    if machine is None:
        raise BuildError(f"unsupported build machine architecture {platform.machine()!r}")
    if sys.platform.startswith("linux"):
        libc = "musl" if platform.libc_ver()[0] != "glibc" else "glibc"
        return Target("linux", machine, libc)
    if sys.platform == "darwin":
        major, minor = (
            int(p) for p in (env.get("MACOSX_DEPLOYMENT_TARGET") or "11.0").split(".")[:2]
        )
        floor = (11, 0) if machine == "aarch64" else (10, 12)
        return Target("macos", machine, macos=max((major, minor), floor))
    if sys.platform == "win32":
        return Target("windows", machine)
    raise BuildError(f"unsupported build platform {sys.platform!r}")

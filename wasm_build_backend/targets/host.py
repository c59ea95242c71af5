"""The build host: the machine the backend runs on, and the target its environment asks for.

cibuildwheel (and distutils/setuptools before it) says which platform a build is for
through environment variables, not through the PEP 517 config settings:

- macOS: `_PYTHON_HOST_PLATFORM` (`macosx-11.0-arm64`), `ARCHFLAGS` (`-arch arm64`,
  both arches for universal2) and `MACOSX_DEPLOYMENT_TARGET` (`10.9`, `11.0`).
- Windows: `VSCMD_ARG_TGT_ARCH` (`x64`, `arm64`, set by the Visual Studio developer
  prompt) and `DIST_EXTRA_CONFIG`, a setup.cfg-style file whose `[build_ext]` or
  `[bdist_wheel]` section says `plat_name=win-arm64`.

`host_target` reads them from a mapping, with the machine's values passed in, so each
rule can be checked without touching the real environment.
"""

from __future__ import annotations

import configparser
import locale
import os
import platform
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildError
from .target import ARCH_ALIASES, SUPPORTED_TAGS, Target

_MACOS_FLOOR = {"x86_64": (10, 12), "aarch64": (11, 0), "universal2": (10, 12)}


@dataclass(frozen=True)
class Machine:
    """The platform this Python runs on: what the `wasmtime` package here compiles for."""

    system: str  # sys.platform: "linux", "darwin", "win32"
    arch: str  # as `target.ARCH_ALIASES` names it: "x86_64", "aarch64", "armv7l", ...
    libc: str = ""  # "glibc" or "musl" on Linux

    @property
    def os(self) -> str:
        return {"linux": "linux", "darwin": "macos", "win32": "windows"}.get(self.system, "")


def build_machine(
    system: str | None = None, machine: str | None = None, libc: str | None = None
) -> Machine:
    """The build machine, from `sys.platform`, `platform.machine()` and the C library."""
    system = sys.platform if system is None else system
    raw = platform.machine() if machine is None else machine
    arch = ARCH_ALIASES.get(raw.lower())
    if arch is None:
        raise BuildError(f"unsupported build machine architecture {raw!r}")
    if system.startswith("linux"):
        if libc is None:
            libc = "glibc" if platform.libc_ver()[0] == "glibc" else "musl"
        return Machine("linux", arch, libc)
    if system in ("darwin", "win32"):
        return Machine(system, arch)
    raise BuildError(f"unsupported build platform {system!r}")


def host_target(environ: Mapping[str, str] | None = None, machine: Machine | None = None) -> Target:
    """The target a build on `machine` with `environ` is for, when none is named."""
    env = os.environ if environ is None else environ
    machine = machine or build_machine()
    if machine.os == "linux":
        return Target("linux", machine.arch, machine.libc)
    if machine.os == "macos":
        return _macos_target(env, machine.arch)
    return Target("windows", _windows_arch(env, machine.arch))


def _macos_arch_from_archflags(flags: str) -> str | None:
    arches = set(re.findall(r"-arch\s+(\S+)", flags))
    if not arches:
        return None
    if arches == {"x86_64", "arm64"}:
        return "universal2"
    if len(arches) == 1 and next(iter(arches)) in ("x86_64", "arm64"):
        return ARCH_ALIASES[arches.pop()]
    raise BuildError(f"ARCHFLAGS={flags!r} names architectures this backend cannot build for")


def _macos_target(env: Mapping[str, str], machine_arch: str) -> Target:
    arch_from_flags = _macos_arch_from_archflags(env.get("ARCHFLAGS", ""))
    version: tuple[int, int] | None = None
    arch_from_platform = None
    host_platform = env.get("_PYTHON_HOST_PLATFORM", "")
    if host_platform:
        m = re.fullmatch(r"macosx-(\d+)(?:\.(\d+))?-(\w+)", host_platform)
        if not m or m.group(3) not in ("x86_64", "arm64", "universal2"):
            raise BuildError(
                f"_PYTHON_HOST_PLATFORM={host_platform!r} is not a macOS platform this backend "
                f"builds for; supported tags: {', '.join(SUPPORTED_TAGS)}"
            )
        version = (int(m.group(1)), int(m.group(2) or 0))
        arch_from_platform = ARCH_ALIASES.get(m.group(3), m.group(3))
    if arch_from_flags and arch_from_platform and arch_from_flags != arch_from_platform:
        raise BuildError(
            f"ARCHFLAGS={env['ARCHFLAGS']!r} and _PYTHON_HOST_PLATFORM={host_platform!r} "
            "name different architectures"
        )
    arch = arch_from_flags or arch_from_platform or machine_arch
    deployment = env.get("MACOSX_DEPLOYMENT_TARGET", "")
    if deployment:
        m = re.fullmatch(r"(\d+)(?:\.(\d+))?(?:\.\d+)?", deployment.strip())
        if not m:
            raise BuildError(f"MACOSX_DEPLOYMENT_TARGET={deployment!r} is not a macOS version")
        version = (int(m.group(1)), int(m.group(2) or 0))
    return Target("macos", arch, macos=max(version or (0, 0), _MACOS_FLOOR[arch]))


_WINDOWS_ARCH = {
    "x64": "x86_64",
    "amd64": "x86_64",
    "arm64": "aarch64",
    "x86": "i686",
    "win32": "i686",
}


def _windows_plat_name(env: Mapping[str, str]) -> str | None:
    """`plat_name` from the DIST_EXTRA_CONFIG file, as distutils reads it."""
    path = env.get("DIST_EXTRA_CONFIG")
    if not path:
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        # cibuildwheel writes it in the locale's encoding, as distutils reads it.
        text = Path(path).read_text(encoding=locale.getpreferredencoding(False), errors="replace")
        parser.read_string(text, source=path)
    except (OSError, configparser.Error) as e:
        raise BuildError(f"cannot read DIST_EXTRA_CONFIG={path!r}: {e}") from None
    for section in ("bdist_wheel", "build_ext", "build"):
        for key in ("plat_name", "plat-name"):
            if parser.has_option(section, key):
                return parser.get(section, key).strip()
    return None


def _windows_arch(env: Mapping[str, str], machine_arch: str) -> str:
    named = []
    plat_name = _windows_plat_name(env)
    if plat_name:
        arch = _WINDOWS_ARCH.get(plat_name.lower().replace("_", "-").removeprefix("win-"))
        if arch is None:
            raise BuildError(
                f"plat_name={plat_name!r} (from DIST_EXTRA_CONFIG) is not a Windows platform "
                "this backend builds for: win-amd64, win-arm64 or win32"
            )
        named.append(("DIST_EXTRA_CONFIG plat_name", plat_name, arch))
    vscmd = env.get("VSCMD_ARG_TGT_ARCH", "")
    if vscmd:
        arch = _WINDOWS_ARCH.get(vscmd.lower())
        if arch is None:
            raise BuildError(
                f"VSCMD_ARG_TGT_ARCH={vscmd!r} is not an architecture this backend builds "
                "for: x64, arm64 or x86"
            )
        named.append(("VSCMD_ARG_TGT_ARCH", vscmd, arch))
    if len({arch for _, _, arch in named}) > 1:
        said = " and ".join(f"{name}={value!r}" for name, value, _ in named)
        raise BuildError(f"{said} name different architectures")
    return named[0][2] if named else machine_arch

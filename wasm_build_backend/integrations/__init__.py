"""Front doors for other build systems: CMake (scikit-build-core) and setuptools.

Each one only translates its build system's configuration into `Script`s and a `Target`
and hands them to `executables.build_scripts`; the files it puts in a wheel are exactly
the ones the core returns, at the paths the core gives them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from packaging.utils import canonicalize_name

from ..errors import BuildError
from ..targets.host import Machine, build_machine, host_target
from ..targets.target import ARCH_ALIASES, Target, parse_tag

_SYSTEMS = {"linux": "linux", "darwin": "macos", "windows": "windows"}


def distribution_name(name: str) -> str:
    """A project name as wheel file names spell it, which names the companion folder
    (`Layout.for_distribution`): the same rule as `Metadata.dist_name`."""
    return canonicalize_name(name).replace("-", "_")


def _arch(value: str, where: str) -> str:
    arch = ARCH_ALIASES.get(value.strip().lower())
    if arch is None:
        raise BuildError(
            f"{where}: {value!r} is not an architecture wasm-build-backend builds for: "
            f"{', '.join(sorted(set(ARCH_ALIASES.values())))}"
        )
    return arch


def platform_target(
    *,
    explicit: str = "",
    system_name: str = "",
    system_processor: str = "",
    crosscompiling: bool = False,
    osx_architectures: str = "",
    osx_deployment_target: str = "",
    compiler_target: str = "",
    environ: Mapping[str, str] | None = None,
    machine: Machine | None = None,
) -> Target:
    """The target of a wheel that scikit-build-core or setuptools builds here.

    In order: `explicit` (a wheel platform tag); `_PYTHON_HOST_PLATFORM`, which both put in
    the wheel's tag on every system (`linux-aarch64`, `win-arm64`, `macosx-11.0-arm64`);
    CMake's view of a cross build (`CMAKE_SYSTEM_NAME`, `CMAKE_SYSTEM_PROCESSOR`, a `musl`
    `CMAKE_C_COMPILER_TARGET`); on macOS `CMAKE_OSX_ARCHITECTURES` (which scikit-build-core
    sets from `ARCHFLAGS`) and `CMAKE_OSX_DEPLOYMENT_TARGET`; then what the backend itself
    reads (cibuildwheel's variables, `host.host_target`) and the machine.
    """
    if explicit.strip():
        return parse_tag(explicit)
    env = dict(os.environ if environ is None else environ)
    machine = machine or build_machine()
    os_name = machine.os
    if system_name:
        named = _SYSTEMS.get(system_name.lower())
        if named is None:
            raise BuildError(
                f"CMAKE_SYSTEM_NAME={system_name!r} is not a system wasm-build-backend builds "
                "for: Linux, Darwin or Windows"
            )
        os_name = named
    arch = machine.arch
    if crosscompiling and system_processor:
        arch = _arch(system_processor, "CMAKE_SYSTEM_PROCESSOR")

    host_platform = env.get("_PYTHON_HOST_PLATFORM", "").strip()
    m = re.fullmatch(r"(linux|win|macosx)[-_](.+)", host_platform.lower())
    if host_platform and not m:
        raise BuildError(
            f"_PYTHON_HOST_PLATFORM={host_platform!r} is not a platform wasm-build-backend "
            "builds for (linux-ARCH, win-ARCH or macosx-VERSION-ARCH)"
        )
    if m:
        named = {"linux": "linux", "win": "windows", "macosx": "macos"}[m.group(1)]
        if system_name and named != os_name:
            raise BuildError(
                f"_PYTHON_HOST_PLATFORM={host_platform!r} and CMAKE_SYSTEM_NAME="
                f"{system_name!r} name different systems"
            )
        os_name = named
        if named != "macos":  # host_target reads it on macOS, with the deployment target
            arch = _arch(m.group(2), f"_PYTHON_HOST_PLATFORM={host_platform!r}")

    if os_name == "macos":
        if osx_architectures:
            arches = [a for a in osx_architectures.split(";") if a]
            env["ARCHFLAGS"] = " ".join(f"-arch {a}" for a in arches)
        if osx_deployment_target:
            env["MACOSX_DEPLOYMENT_TARGET"] = osx_deployment_target
        return host_target(env, Machine("darwin", arch))
    if os_name == "windows":
        if host_platform:  # it decides the wheel's tag, whatever the Visual Studio variables say
            return Target("windows", arch)
        return host_target(env, Machine("win32", arch))
    if "musl" in compiler_target.lower():
        libc = "musl"
    elif crosscompiling or machine.os != "linux":
        libc = "glibc"
    else:
        libc = machine.libc
    return Target("linux", arch, libc)

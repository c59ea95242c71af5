"""The wheel's platform tag: the target's, raised to what the shipped binaries need.

Installers trust the tag, so it must be no older than the newest glibc any ELF file
needs (as auditwheel reads it) or the newest minimum macOS version any Mach-O file
declares (as delocate reads it). The launcher is linked for the oldest the target
allows; the runtime library usually decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..formats import macho
from ..formats.elf import glibc_needed
from ..targets.target import Target


def _macos_needed(path: Path, target: Target) -> tuple[int, int] | None:
    data = path.read_bytes()
    if data[:4] not in (b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
        return None
    versions = []
    for thin in macho.slices(data):
        # A universal2 tag names the x86_64 slice's version: arm64 Macs start at 11.0.
        if target.arch == "universal2" and macho.needs_signature(thin):
            continue
        version = macho.min_macos(thin)
        if version is not None:
            versions.append(version)
    return max(versions, default=None)


# Symbol versions that a manylinux policy allows beyond its own glibc version: CentOS 7's
# aarch64 glibc 2.17 has `__cxa_thread_atexit_impl@GLIBC_2.18`, so auditwheel's
# manylinux_2_17 policy for aarch64 lists GLIBC_2.18.
_POLICY_ALLOWS = {("aarch64", (2, 18)): (2, 17)}


def wheel_platform_tag(target: Target, shipped: Iterable[Path]) -> str:
    paths = list(shipped)
    if target.os == "linux" and target.libc == "glibc":
        newest = max((v for v in (glibc_needed(p) for p in paths) if v), default=None)
        if newest is not None:
            newest = _POLICY_ALLOWS.get((target.arch, newest), newest)
        return target.platform_tag(glibc_needed=newest)
    if target.os == "macos":
        versions = [v for v in (_macos_needed(p, target) for p in paths) if v]
        return target.platform_tag(macos_needed=max(versions, default=None))
    return target.platform_tag()

"""Targets: a wheel platform tag, and everything derived from it in one place.

The zig triple, the Wasmtime triple and runtime library, the executable suffix and
the object format all follow from the tag, so no other module looks at tag strings.

Two sets of targets: the nine platforms a `wasmtime` wheel exists for, which both
engines build (`WASMTIME_TAGS`), and the further ones only the wasm2c engine builds,
since it needs nothing prebuilt for the target, only zig (`WASM2C_ONLY_TAGS`): the
32-bit, big-endian and other Linux CPUs that pip installs manylinux and musllinux
wheels on and auditwheel has a policy for, and 32-bit Windows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..errors import BuildError
from ..jobs.progress import warn_once

# The oldest glibc the launcher is linked against: zig links against stubs of
# this version, so the launcher itself never raises a wheel's manylinux tag.
LAUNCHER_GLIBC = (2, 17)
MUSLLINUX = (1, 2)

ARCH_ALIASES = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "aarch64": "aarch64",
    "arm64": "aarch64",
    # Only the wasm2c engine builds for these. `platform.machine()` says armv8l for a
    # 32-bit ARM userland on a 64-bit kernel, and i386/i586 on some 32-bit x86 systems.
    "armv7l": "armv7l",
    "armv8l": "armv7l",
    "i686": "i686",
    "i586": "i686",
    "i386": "i686",
    "x86": "i686",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "loongarch64": "loongarch64",
}

# The architectures the `wasmtime` wheels exist for (on Linux and Windows; macOS has both).
WASMTIME_ARCHES = ("x86_64", "aarch64")

# zig's names for the architectures.
_ZIG_ARCH = {"armv7l": "arm", "i686": "x86", "ppc64le": "powerpc64le"}
# qemu-user's names (`qemu-NAME-static`).
_QEMU_ARCH = {"armv7l": "arm", "i686": "i386"}
# The CPU an executable may assume: the architecture's baseline as zig defines it, but
# SSE2 on 32-bit x86, without which the x87 unit's excess precision would give float
# results that differ from WebAssembly's (every x86 CPU since the Pentium 4 has it), and
# ARMv7-A with VFPv3-D16 for armv7l (Debian's armhf and Raspberry Pi OS's 32-bit ABI).
_ZIG_CPU = {
    "i686": "pentium4",
    "armv7l": "generic+v7a+vfp3d16",
    "loongarch64": "generic_la64",
}
# The oldest glibc a manylinux tag can claim for an architecture: the first auditwheel
# policy that knows it (no older glibc ever ran there, and cibuildwheel's
# `auditwheel repair` refuses a tag it has no policy for).
_GLIBC_FLOOR = {"riscv64": (2, 31), "loongarch64": (2, 36)}
_BITS32 = ("armv7l", "i686")
_BIG_ENDIAN = ("s390x",)


@dataclass(frozen=True)
class Target:
    """A build target: an operating system, a CPU architecture and (on Linux) a libc.

    macOS `universal2` is two targets in one: everything is built per slice
    (`slices`) and the executables and libraries are then joined into fat files.
    """

    os: str  # "linux", "macos" or "windows"
    arch: str  # a value of ARCH_ALIASES; "universal2" on macOS
    libc: str = ""  # "glibc" or "musl" on Linux
    glibc: tuple[int, int] = LAUNCHER_GLIBC  # the manylinux floor asked for
    macos: tuple[int, int] = (0, 0)  # the deployment target on macOS

    @property
    def slices(self) -> tuple[Target, ...]:
        """The single-architecture targets this one is made of."""
        if self.arch == "universal2":
            arm64 = replace(self, arch="aarch64", macos=max(self.macos, (11, 0)))
            return (replace(self, arch="x86_64"), arm64)
        return (self,)

    @property
    def wasmtime_supported(self) -> bool:
        """Whether a `wasmtime` wheel exists for this platform, so that the wasmtime engine
        can build for it; the wasm2c engine builds for every target."""
        return self.os == "macos" or self.arch in WASMTIME_ARCHES

    @property
    def pointer_bits(self) -> int:
        return 32 if self.arch in _BITS32 else 64

    @property
    def big_endian(self) -> bool:
        return self.arch in _BIG_ENDIAN

    @property
    def zig_cpu(self) -> str:
        """`-mcpu` for zig: the oldest CPU a wheel for this tag may meet, never the build
        machine's."""
        return _ZIG_CPU.get(self.arch, "baseline")

    @property
    def qemu_arch(self) -> str:
        """The name of qemu-user's emulator for this CPU: `qemu-{qemu_arch}-static`."""
        return _QEMU_ARCH.get(self.arch, self.arch)

    @property
    def runtime_platform(self) -> str:
        """Which `wasmtime` wheel's library the target needs: the glibc floor or macOS
        version does not matter, the libc does."""
        if self.os == "linux":
            return f"{self.wasmtime_dir}-{self.libc}"
        return self.wasmtime_dir

    @property
    def compile_flags(self) -> tuple[str, ...]:
        """Flags for zig beyond the triple when compiling the launcher's C files."""
        if self.os == "linux" and self.libc == "musl":
            # References to libc's data must go through the GOT: with copy
            # relocations, zig's musl stub library gives stdin, stdout and stderr
            # one address, and everything written to stderr lands on stdout.
            return ("-fPIC",)
        return ()

    @property
    def link_flags(self) -> tuple[str, ...]:
        """Flags for zig beyond the triple: how the launcher links to the system."""
        if self.os == "linux" and self.libc == "musl":
            # zig links musl statically by default, and a static program cannot
            # dlopen the runtime.
            return ("-dynamic",)
        if self.os == "windows":
            # The launcher's entry point is wmain; its main thread runs the module, and
            # 8 MiB (Linux's and macOS's main stack) holds Wasmtime's wasm stack.
            return ("-municode", "-Wl,--stack,8388608")
        return ()

    @property
    def zig_triple(self) -> str:
        arch = _ZIG_ARCH.get(self.arch, self.arch)
        if self.os == "linux":
            abi = "eabihf" if self.arch == "armv7l" else ""
            if self.libc == "musl":
                return f"{arch}-linux-musl{abi}"
            return f"{arch}-linux-gnu{abi}.{self.glibc[0]}.{self.glibc[1]}"
        if self.os == "macos":
            return f"{arch}-macos.{self.macos[0]}.{self.macos[1]}"
        return f"{arch}-windows-gnu"

    @property
    def wasmtime_triple(self) -> str:
        """The triple given to Wasmtime's `Config.target`: no CPU features beyond the baseline.

        Compiled code does not depend on the libc, and Wasmtime refuses a musl triple on a
        glibc machine, so musl targets use the gnu triple too."""
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
    def wheel_arch(self) -> str:
        """The architecture as wheel platform tags spell it."""
        if self.os == "windows":
            return {"x86_64": "amd64", "aarch64": "arm64"}.get(self.arch, self.arch)
        if self.os == "macos" and self.arch == "aarch64":
            return "arm64"
        return self.arch

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
        return ()

    def platform_tag(
        self,
        glibc_needed: tuple[int, int] | None = None,
        macos_needed: tuple[int, int] | None = None,
    ) -> str:
        """The wheel platform tag, raised to the glibc or macOS the shipped files really need."""
        if self.os == "linux":
            if self.libc == "musl":
                return f"musllinux_{MUSLLINUX[0]}_{MUSLLINUX[1]}_{self.arch}"
            major, minor = max(self.glibc, glibc_needed or self.glibc)
            return f"manylinux_{major}_{minor}_{self.arch}"
        if self.os == "macos":
            major, minor = max(self.macos, macos_needed or self.macos)
            return f"macosx_{major}_{minor}_{self.wheel_arch}"
        if self.arch == "i686":
            return "win32"
        return f"win_{self.wheel_arch}"


WASMTIME_TAGS = (
    "manylinux_2_17_x86_64",
    "manylinux_2_17_aarch64",
    "musllinux_1_2_x86_64",
    "musllinux_1_2_aarch64",
    "macosx_10_12_x86_64",
    "macosx_11_0_arm64",
    "macosx_10_12_universal2",
    "win_amd64",
    "win_arm64",
)

# pip installs on each of these, and auditwheel has a policy for each Linux one (PyPI
# takes them all). ppc64 (big-endian) is left out: auditwheel dropped it after
# manylinux2014, no current distribution ships Python for it, and musllinux has no
# policy for it.
WASM2C_ONLY_TAGS = (
    "manylinux_2_17_armv7l",
    "manylinux_2_17_i686",
    "manylinux_2_17_ppc64le",
    "manylinux_2_17_s390x",
    "manylinux_2_31_riscv64",
    "manylinux_2_36_loongarch64",
    "musllinux_1_2_armv7l",
    "musllinux_1_2_i686",
    "musllinux_1_2_ppc64le",
    "musllinux_1_2_s390x",
    "musllinux_1_2_riscv64",
    "musllinux_1_2_loongarch64",
    "win32",
)

SUPPORTED_TAGS = WASMTIME_TAGS + WASM2C_ONLY_TAGS

_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


# The oldest macOS whose headers zig has (10.4 to 10.6 lack even errno.h), and the
# last version clang can target (its version macros have two digits per part).
OLDEST_MACOS = (10, 7)
NEWEST_MACOS = (99, 99)


def _unsupported(tag: str, where: str | None) -> BuildError:
    listed = ", ".join(SUPPORTED_TAGS)
    said = f"{where}: " if where else ""
    return BuildError(
        f"{said}unsupported target platform tag {tag!r}; supported tags look like: {listed} "
        f"(any later manylinux_X_Y, and macOS {OLDEST_MACOS[0]}.{OLDEST_MACOS[1]} "
        "or later)"
    )


def parse_tag(tag: str, where: str | None = None) -> Target:
    """The target for a wheel platform tag such as `manylinux_2_28_aarch64` or `win_amd64`;
    `where` names the setting it came from, for messages."""
    given = tag
    tag = tag.strip().lower().replace("-", "_").replace(".", "_")
    if tag == "all":
        said = f"{where}: " if where else ""
        raise BuildError(
            f"{said}'all' builds one wheel per platform, which only the command line does "
            "(wasm-build-backend build --target all); a frontend builds one wheel per call, "
            "so give one platform tag"
        )
    if tag in ("win_amd64", "win_arm64", "win32"):
        return Target("windows", {"win_amd64": "x86_64", "win_arm64": "aarch64"}.get(tag, "i686"))
    m = re.fullmatch(
        r"(manylinux_(\d+)_(\d+)|manylinux1|manylinux2010|manylinux2014|linux)_(\w+)", tag
    )
    if m:
        arch = ARCH_ALIASES.get(m.group(4))
        if arch is None:
            raise _unsupported(given, where)
        prefix = m.group(1)
        if prefix == "linux":
            glibc = LAUNCHER_GLIBC
        elif prefix in _LEGACY_MANYLINUX:
            glibc = _LEGACY_MANYLINUX[prefix]
        else:
            glibc = (int(m.group(2)), int(m.group(3)))
        if glibc < LAUNCHER_GLIBC:
            raise _unsupported(given, where)
        # A tag older than any glibc for the CPU is raised to the first one there is.
        glibc = max(glibc, _GLIBC_FLOOR.get(arch, LAUNCHER_GLIBC))
        return Target("linux", arch, "glibc", glibc=glibc)
    m = re.fullmatch(r"musllinux_(\d+)_(\d+)_(\w+)", tag)
    if m and m.group(3) in ARCH_ALIASES:
        version = (int(m.group(1)), int(m.group(2)))
        if version < MUSLLINUX:
            warn_once(
                f"{given!r}: the executables need musl {MUSLLINUX[0]}.{MUSLLINUX[1]}, so the "
                f"wheel is tagged musllinux_{MUSLLINUX[0]}_{MUSLLINUX[1]}"
            )
        return Target("linux", ARCH_ALIASES[m.group(3)], "musl")
    m = re.fullmatch(r"macosx_(\d+)_(\d+)_(\w+)", tag)
    if m and m.group(3) in ("x86_64", "arm64", "universal2"):
        version = (int(m.group(1)), int(m.group(2)))
        arch = ARCH_ALIASES.get(m.group(3), m.group(3))
        if version < OLDEST_MACOS:
            raise BuildError(
                f"{f'{where}: ' if where else ''}{given!r} is for macOS "
                f"{version[0]}.{version[1]}, older than the oldest macOS the C compiler "
                f"(zig) builds for, {OLDEST_MACOS[0]}.{OLDEST_MACOS[1]}; give "
                f"macosx_{OLDEST_MACOS[0]}_{OLDEST_MACOS[1]}_{m.group(3)} or later"
            )
        if version[0] > NEWEST_MACOS[0] or version[1] > NEWEST_MACOS[1]:
            raise BuildError(
                f"{f'{where}: ' if where else ''}{given!r} is for macOS "
                f"{version[0]}.{version[1]}, which the C compiler (zig) cannot target: "
                f"major and minor versions go up to {NEWEST_MACOS[0]}"
            )
        if arch == "aarch64" and version < (11, 0):
            warn_once(f"{given!r}: macOS on arm64 starts at 11.0, so the wheel is for 11.0")
            version = (11, 0)
        return Target("macos", arch, macos=version)
    raise _unsupported(given, where)


def all_targets() -> list[Target]:
    """One target per supported platform, at its oldest version: `--target all`."""
    return [parse_tag(tag) for tag in SUPPORTED_TAGS]


def wasmtime_targets() -> list[Target]:
    """The platforms the wasmtime engine builds for (a `wasmtime` wheel exists for each)."""
    return [parse_tag(tag) for tag in WASMTIME_TAGS]

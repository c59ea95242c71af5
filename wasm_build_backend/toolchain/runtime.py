"""The Wasmtime runtime library shipped with the executables, for any target.

Executables only run with the exact Wasmtime version they were built for, so the
library always comes from a `wasmtime` wheel of the pinned version:

- for the build machine's own platform, from the installed `wasmtime` package;
- for another platform, from that platform's wheel, downloaded once with pip into the
  backend's cache (pip, so that the user's index, proxy and certificate settings apply);
- or from what the `runtime` config setting names, for offline builds: a wheel, a
  folder of wheels, or a folder holding the library itself.

A library is checked before use: a wheel for the wrong platform, or pip's fallback to
the `py3-none-any` wheel (which holds the Windows DLL) for a platform with no wheel of
its own, would otherwise only fail on the user's machine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from ..errors import BuildError
from ..formats.binfmt import elf_needed, identify
from ..jobs import processes
from ..jobs.cache import Cache
from ..jobs.progress import say
from ..targets.host import Machine, build_machine
from ..targets.target import Target
from .musl import standalone
from .unwinder import needs_unwinder

RUNTIME_VERSION = version("wasmtime")

# Names the library has in the `wasmtime` wheels, in Wasmtime's C API release archives
# (`lib/`, and `bin/` for the DLL) and in a plain folder.
_LIBRARY_NAMES = {
    "linux": ("_libwasmtime.so", "libwasmtime.so"),
    "macos": ("_libwasmtime.dylib", "libwasmtime.dylib"),
    "windows": ("_wasmtime.dll", "wasmtime.dll"),
}


def runtime_library(
    target: Target,
    cache: Cache,
    source: Path | None = None,
    machine: Machine | None = None,
) -> Path:
    """The Wasmtime library for `target` (a single-architecture target), as shipped."""
    if source is not None:
        path = _from_source(target, source, cache)
    else:
        path = installed_library(target, machine) or _downloaded(target, cache)
    if needs_unwinder(target):
        return _standalone(path, target.wasmtime_library, cache)
    return path


def _standalone(library: Path, name: str, cache: Cache) -> Path:
    """The musl library as shipped: needing no library by name (see musl.py)."""
    data = library.read_bytes()

    def produce(folder: Path) -> None:
        (folder / name).write_bytes(standalone(data))

    key = {"library": hashlib.sha256(data).hexdigest(), "musl": "standalone", "name": name}
    return cache.entry("runtimes", key, produce) / name


def installed_library(target: Target, machine: Machine | None = None) -> Path | None:
    """The installed `wasmtime` package's library, if it is the one the target needs."""
    machine = machine or build_machine()
    if target.runtime_platform != Target(machine.os, machine.arch, machine.libc).runtime_platform:
        return None
    import wasmtime

    path = Path(wasmtime.__file__).parent / target.wasmtime_dir / target.wasmtime_library
    return path if path.is_file() else None


def needs_download(target: Target, cache: Cache, source: Path | None) -> bool:
    """Whether building for `target` will have to download a wheel (and so needs pip)."""
    if source is not None:
        return False
    return any(
        installed_library(t) is None and not _download_entry(t, cache).is_dir()
        for t in target.slices
    )


# ---- checking a library ----


def _check_library(target: Target, data: bytes, where: str) -> None:
    kind = identify(data)
    wanted = f"{target.object_format} {target.arch}"
    if kind is None or (kind.format, kind.arches) != (target.object_format, (target.arch,)):
        found = kind.describe() if kind else "not a library"
        raise BuildError(
            f"{where} is not a Wasmtime library for {target.platform_tag()} "
            f"(wanted {wanted}, found {found})"
        )
    if target.os == "linux":
        libc = "libc.so" if target.libc == "musl" else "libc.so.6"
        if libc not in elf_needed(data):
            raise BuildError(
                f"{where} is not a Wasmtime library for {target.platform_tag()}: it is not "
                f"linked against {target.libc} ({libc})"
            )


def _wheel_platforms(name: str) -> set[str]:
    try:
        _, wheel_version, _, tags = parse_wheel_filename(name)
    except InvalidWheelFilename:
        return set()
    if str(wheel_version) != RUNTIME_VERSION:
        return set()
    return {tag.platform for tag in tags}


def _wheel_fits(target: Target, platforms: set[str]) -> bool:
    if target.os == "linux":
        prefix = ("musllinux_",) if target.libc == "musl" else ("manylinux",)
        return any(p.startswith(prefix) and p.endswith("_" + target.arch) for p in platforms)
    if target.os == "macos":
        return any(
            p.startswith("macosx_") and p.endswith(("_" + target.wheel_arch, "_universal2"))
            for p in platforms
        )
    return f"win_{target.wheel_arch}" in platforms


def _library_from_wheel(target: Target, wheel: Path, dest: Path) -> Path:
    """Extract the target's library from a `wasmtime` wheel into `dest`, checked."""
    platforms = _wheel_platforms(wheel.name)
    if not platforms:
        raise BuildError(
            f"{wheel} is not a wasmtime {RUNTIME_VERSION} wheel "
            f"(this backend is built for Wasmtime {RUNTIME_VERSION} exactly)"
        )
    if not _wheel_fits(target, platforms):
        raise BuildError(
            f"{wheel.name} is not a wheel for {target.platform_tag()}: its platform tags are "
            f"{', '.join(sorted(platforms))}"
            + (
                " (pip falls back to this generic wheel when there is no wheel for the platform)"
                if platforms == {"any"}
                else ""
            )
        )
    member = f"wasmtime/{target.wasmtime_dir}/{target.wasmtime_library}"
    try:
        with zipfile.ZipFile(wheel) as zf:
            data = zf.read(member)
    except (OSError, KeyError, zipfile.BadZipFile) as e:
        raise BuildError(f"cannot read {member} from {wheel}: {e}") from None
    _check_library(target, data, f"{member} in {wheel.name}")
    out = dest / target.wasmtime_library
    out.write_bytes(data)
    (dest / "origin.txt").write_text(wheel.name + "\n")
    return out


# ---- where the library comes from ----


def _from_source(target: Target, source: Path, cache: Cache) -> Path:
    if source.is_file():
        return _from_wheel_file(target, source, cache)
    if not source.is_dir():
        raise BuildError(f"the runtime setting names {source}, which does not exist")
    wheels = sorted(source.glob(f"wasmtime-{RUNTIME_VERSION}-*.whl"))
    fitting = [w for w in wheels if _wheel_fits(target, _wheel_platforms(w.name))]
    if fitting:
        return _from_wheel_file(target, fitting[-1], cache)
    for folder in (
        source,
        source / target.wasmtime_dir,
        source / "wasmtime" / target.wasmtime_dir,
        source / "lib",
        source / "bin",
    ):
        for name in _LIBRARY_NAMES[target.os]:
            path = folder / name
            if path.is_file():
                _check_library(target, path.read_bytes(), str(path))
                return path
    raise BuildError(
        f"{source} holds neither a wasmtime-{RUNTIME_VERSION} wheel for "
        f"{target.platform_tag()} nor a Wasmtime library ({' or '.join(_LIBRARY_NAMES[target.os])})"
    )


def _from_wheel_file(target: Target, wheel: Path, cache: Cache) -> Path:
    def produce(folder: Path) -> None:
        _library_from_wheel(target, wheel, folder)

    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    key = {"wheel": digest, "platform": target.runtime_platform}
    return cache.entry("runtimes", key, produce) / target.wasmtime_library


def _download_entry(target: Target, cache: Cache) -> Path:
    return cache.path("runtimes", _download_key(target))


def _download_key(target: Target) -> dict[str, object]:
    return {"wasmtime": RUNTIME_VERSION, "platform": target.runtime_platform, "from": "pip"}


def pip_platforms(target: Target) -> list[str]:
    """Every platform tag a `wasmtime` wheel for the target could carry, best first.

    pip does not widen a `--platform` to the older compatible tags (except on macOS),
    so they are all listed; the wheel's real needs then set the built wheel's tag.
    """
    arch = target.wheel_arch
    if target.os == "linux" and target.libc == "musl":
        return [f"musllinux_1_{minor}_{arch}" for minor in range(9, -1, -1)]
    if target.os == "linux":
        return [f"manylinux_2_{minor}_{arch}" for minor in range(50, 16, -1)] + [
            f"{legacy}_{arch}" for legacy in ("manylinux2014", "manylinux2010", "manylinux1")
        ]
    if target.os == "macos":
        return [f"macosx_{major}_0_{arch}" for major in range(30, 10, -1)] + [
            f"macosx_10_{minor}_{arch}" for minor in range(16, 3, -1)
        ]
    return [f"win_{arch}"]


def _pip() -> list[str]:
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip"]
    for name in ("pip3", "pip"):
        found = shutil.which(name)
        if found:
            return [found]
    raise BuildError(
        f"pip is needed to download the Wasmtime {RUNTIME_VERSION} runtime for another "
        "platform, and there is none here; install pip, or pass -C runtime=PATH"
    )


def _offline_hint(target: Target) -> str:
    platform = pip_platforms(target)[-1 if target.os == "linux" else 0]
    return (
        f"to build without a network, download it elsewhere with `pip download --no-deps "
        f"--only-binary=:all: --platform {platform} wasmtime=={RUNTIME_VERSION}` and pass "
        f"-C runtime=PATH (the wheel, a folder of such wheels, or a folder holding "
        f"{target.wasmtime_library})"
    )


def _downloaded(target: Target, cache: Cache) -> Path:
    def produce(folder: Path) -> None:
        wheels = folder / "download"
        cmd = [*_pip(), "download", "--no-deps", "--only-binary=:all:", "--dest", str(wheels)]
        for platform in pip_platforms(target):
            cmd += ["--platform", platform]
        cmd += ["--disable-pip-version-check", "--quiet", f"wasmtime=={RUNTIME_VERSION}"]
        say(f"downloading the Wasmtime {RUNTIME_VERSION} runtime for {target.platform_tag()}")
        proc = processes.run(cmd, capture_output=True, text=True)
        found = sorted(wheels.glob("*.whl")) if wheels.is_dir() else []
        if proc.returncode != 0 or len(found) != 1:
            output = "\n".join((proc.stderr + proc.stdout).strip().splitlines()[-5:])
            raise BuildError(
                f"cannot download the Wasmtime {RUNTIME_VERSION} runtime for "
                f"{target.platform_tag()} with pip:\n{output}\n{_offline_hint(target)}"
            )
        _library_from_wheel(target, found[0], folder)
        shutil.rmtree(wheels)

    return cache.entry("runtimes", _download_key(target), produce) / target.wasmtime_library

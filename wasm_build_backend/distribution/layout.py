"""Where an executable's companion files go, and where the executable looks for them.

Companion files are what an executable needs at run time besides itself: the Wasmtime
runtime library, musllinux's unwinder, the script's `data` folders. A wheel's
`.data/scripts/` holds only the executables (uv, and pipx and `uv tool` through it,
refuse a wheel with anything else there), so an installed distribution's companions go
in the wheel's `data` scheme, `{dist}-{ver}.data/data/share/wasm-build-backend/{dist}/`,
which installers put at `{prefix}/share/wasm-build-backend/{dist}/`: one folder per
distribution, so two distributions never share a path. The executable resolves its own
real path (through pipx's and uv's symlinks) and tries `search` in order:

- `../share/...`: the scripts folder is one level below the install root in a venv,
  POSIX `--user`, `--prefix`, `pip install --target` (pip moves `bin/` and `share/` into
  the target together), pipx, `uv tool` and Windows venvs (`Scripts\\`);
- `../../share/...`: Windows' user scheme puts scripts in `%APPDATA%\\Python\\Python3X\\
  Scripts`, two levels below its data root.

A standalone executable (`create-exe`) keeps its companions in a hidden folder beside
itself. The list is compiled into every executable from here (`policy_c`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..targets.target import Target

SHARE = "share/wasm-build-backend"


@dataclass(frozen=True)
class Layout:
    # Where the companion files are put: for an installed distribution, relative to the
    # install root (the wheel's `.data/data/`); for a standalone executable, relative to
    # the executable's folder.
    folder: str
    # Where the executable looks for `folder`, relative to its own real folder, in order.
    search: tuple[str, ...]

    @classmethod
    def for_distribution(cls, dist_name: str) -> Layout:
        """`dist_name` as wheel file names spell it (`Metadata.dist_name`)."""
        folder = f"{SHARE}/{dist_name}"
        return cls(folder, (f"../{folder}", f"../../{folder}"))

    @classmethod
    def standalone(cls, exe_name: str) -> Layout:
        folder = f".{exe_name}.wasm"
        return cls(folder, (folder,))

    # The companion files' names, relative to `folder`.

    def runtime_library(self, target: Target, runtime_version: str) -> str:
        return f"wasmtime-{runtime_version}{target.library_suffix}"

    def preload_library(self) -> str:
        """The unwinder the launcher loads before a musl runtime (see unwinder.py)."""
        return "libunwind.so"

    def data_dir(self, source: str) -> str:
        return f"data/{source}"

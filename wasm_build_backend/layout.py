"""Where an executable's companion files sit, relative to the executable's folder.

Everything an executable needs at run time (the runtime library, shipped data folders)
lives in one hidden folder beside it, named after the distribution. Installers put
`.data/scripts/` in the scripts folder (`bin/`, `Scripts\\`) in every install scheme,
so a path relative to the executable holds in a venv, `--user`, `--prefix` and
`--target` alike, and distributions never share a path.
"""

from __future__ import annotations

from dataclasses import dataclass

from .target import Target


@dataclass(frozen=True)
class Layout:
    support_dir: str

    @classmethod
    def for_distribution(cls, dist_name: str) -> Layout:
        return cls(f".{dist_name}.wasm")

    def runtime_library(self, target: Target, runtime_version: str) -> str:
        return f"{self.support_dir}/wasmtime-{runtime_version}{target.library_suffix}"

    def preload_library(self) -> str:
        """The unwinder the launcher loads before a musl runtime (see unwinder.py)."""
        return f"{self.support_dir}/libunwind.so"

    def data_dir(self, source: str) -> str:
        return f"{self.support_dir}/data/{source}"

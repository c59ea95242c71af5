"""A content-addressed build cache shared by every build on the machine.

Entries are folders named by the hash of everything that determines their contents.
A new entry is produced in a private temporary folder and renamed into place, so two
builds racing for the same entry never see a half-written one: the loser's rename
fails and its copy is thrown away.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

_ENV = "WASM_BUILD_BACKEND_CACHE"


def default_cache_dir() -> Path:
    if os.environ.get(_ENV):
        return Path(os.environ[_ENV])
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "wasm-build-backend" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "wasm-build-backend"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wasm-build-backend"


def cache_key(parts: Mapping[str, object]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


class Cache:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_cache_dir()

    def path(self, kind: str, parts: Mapping[str, object]) -> Path:
        """Where the entry for `parts` is, whether or not it exists yet."""
        return self.root / kind / cache_key(parts)

    def entry(
        self, kind: str, parts: Mapping[str, object], produce: Callable[[Path], None]
    ) -> Path:
        """The folder for `parts`, calling `produce(folder)` to fill it if it is not cached yet."""
        final = self.path(kind, parts)
        if final.is_dir():
            return final
        final.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
        try:
            produce(work)
            (work / "key.json").write_text(json.dumps(parts, sort_keys=True, indent=1))
            try:
                os.replace(work, final)
            except OSError:
                if not final.is_dir():  # not a lost race: a real failure
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return final

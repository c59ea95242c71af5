"""A content-addressed build cache shared by every build on the machine.

Entries are folders named by the hash of everything that determines their contents.
A new entry is produced in a private temporary folder and renamed into place, so two
builds racing for the same entry never see a half-written one: the loser's rename
fails and its copy is thrown away. A temporary folder that a killed build left behind
(its process is gone) is removed by the next build that writes beside it.

A cache folder that cannot be written is handled by where it came from: one the user
named (`--cache-dir`, `-C cache-dir`, `WASM_BUILD_BACKEND_CACHE`) is an error that
says which setting to change, since silently ignoring it would throw away what the
user asked to keep; the default one (under `XDG_CACHE_HOME` or the home folder, often
read-only in containers and CI sandboxes) falls back to a private temporary cache for
this process, with one warning line. Entries the unwritable folder already holds are
still used.
"""

from __future__ import annotations

import atexit
import errno
import hashlib
import json
import os
import secrets
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

from ..errors import BuildError
from .progress import debug, warn

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


def unwritable(folder: Path) -> str | None:
    """Why `folder` cannot be created or written, or None if it can."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            probe.open("xb").close()
        finally:
            probe.unlink(missing_ok=True)
    except FileExistsError:
        return "it is a file, not a folder"
    except OSError as e:
        if e.errno == errno.ENOTDIR:
            return "a part of the path is a file, not a folder"
        if e.errno == errno.ENOENT:
            return "a folder cannot be created there"
        return e.strerror or str(e)
    return None


def check_output_folder(folder: Path, what: str = "the output folder") -> None:
    """Create the folder a build writes its result into, or say why it cannot be."""
    why = unwritable(folder)
    if why is not None:
        raise BuildError(f"cannot be used as {what}: {why}", folder)


@cache
def private_temp_dir() -> Path:
    """A temporary folder for this process only, removed when it exits."""
    folder = Path(tempfile.mkdtemp(prefix="wasm-build-backend-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@cache
def _fallback_root(unusable: Path, why: str) -> Path:
    """The private cache used instead of the default one, announced once per process."""
    root = private_temp_dir() / "cache"
    warn(
        f"the build cache {unusable} cannot be written ({why}); this build uses a private "
        f"temporary cache instead, so nothing is reused next time: set {_ENV} or "
        "-C cache-dir to a writable folder to keep it"
    )
    return root


# Temporary folders are named `.{entry}.{host}-{pid}-{random}`; the host part keeps a
# build from removing the work of a build on another machine sharing the cache.
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _alive(pid: int) -> bool:
    if sys.platform == "win32":  # no cheap check: never remove another process's work
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _remove_abandoned(folder: Path) -> None:
    """Temporary folders of builds on this machine that were killed before cleaning up."""
    try:
        candidates = [p for p in folder.iterdir() if p.name.startswith(".")]
    except OSError:
        return
    for path in candidates:
        host, _, rest = path.name.rpartition(".")[2].partition("-")
        pid = rest.partition("-")[0]
        if host == _HOST and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            debug(f"removing {path}, left behind by a build that was killed")
            shutil.rmtree(path, ignore_errors=True)


class Cache:
    """The cache at `root` (None: the default folder), which the user named with `setting`."""

    def __init__(self, root: Path | None = None, setting: str = "cache-dir") -> None:
        if root is None:
            self._configured = default_cache_dir().expanduser().absolute()
            self._setting: str | None = _ENV if os.environ.get(_ENV) else None
        else:
            # Absolute: compilers run in other folders (`~` too, which no shell expands in
            # `-C cache-dir=~/...`).
            self._configured = Path(root).expanduser().absolute()
            self._setting = setting
        self._writable: Path | None = None

    @property
    def root(self) -> Path:
        """The folder new entries go in: the configured one if it can be written."""
        if self._writable is None:
            why = unwritable(self._configured)
            if why is None:
                self._writable = self._configured
            elif self._setting is not None:
                raise BuildError(
                    f"the build cache cannot be written ({why}); set {self._setting} to a "
                    "writable folder",
                    self._configured,
                )
            else:
                self._writable = _fallback_root(self._configured, why)
        return self._writable

    def check(self) -> None:
        """Raise now if the cache cannot be written and may not be replaced."""
        self.root  # noqa: B018 (the property checks)

    def path(self, kind: str, parts: Mapping[str, object]) -> Path:
        """Where the entry for `parts` is, whether or not it exists yet."""
        configured = self._configured / kind / cache_key(parts)
        if self._writable is None or self._writable == self._configured or configured.is_dir():
            return configured
        return self._writable / kind / cache_key(parts)

    def entry(
        self, kind: str, parts: Mapping[str, object], produce: Callable[[Path], None]
    ) -> Path:
        """The folder for `parts`, calling `produce(folder)` to fill it if it is not cached yet."""
        final = self.path(kind, parts)
        if final.is_dir():
            return final
        final = self.root / kind / cache_key(parts)
        if final.is_dir():
            return final
        # Named before it is made, inside the `try`: an interruption at any point
        # leaves no folder that the `finally` does not know about.
        work = final.parent / f".{final.name}.{_HOST}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            try:
                final.parent.mkdir(parents=True, exist_ok=True)
                _remove_abandoned(final.parent)
                work.mkdir()
            except OSError as e:
                raise BuildError(
                    f"cannot write to the build cache: {e.strerror}", final.parent
                ) from None
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

"""Reproducible archive details shared by wheels and sdists."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ..errors import BuildError
from ..jobs.progress import warn_once

# The zip format cannot store earlier times; without SOURCE_DATE_EPOCH every
# build uses this, so rebuilds are byte-identical either way.
ZIP_EPOCH = 315532800  # 1980-01-01T00:00:00Z


# The last second clang (which reads SOURCE_DATE_EPOCH when zig compiles) accepts,
# 9999-12-31T23:59:59Z, and the last a zip entry can hold, 2107-12-31T23:59:58Z.
CLANG_LATEST = 253402300799
ZIP_LATEST = 4354819198


def source_date_epoch() -> int:
    """SOURCE_DATE_EPOCH, checked, as the archives' entries can hold it: an error names
    the variable; a time outside the zip format's years is moved into them, with a
    warning."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if not value:
        return ZIP_EPOCH
    if not value.strip().isdecimal() or int(value) > CLANG_LATEST:
        raise BuildError(
            f"SOURCE_DATE_EPOCH={value!r} must be a whole number of seconds since 1970 "
            f"(from 0 to {CLANG_LATEST})"
        )
    seconds = int(value)
    if not ZIP_EPOCH <= seconds <= ZIP_LATEST:
        moved = min(max(seconds, ZIP_EPOCH), ZIP_LATEST)
        warn_once(
            f"SOURCE_DATE_EPOCH={value} is outside the years a zip entry can hold "
            f"(1980 to 2107): archive entries are dated {moved} instead"
        )
        return moved
    return seconds


def zip_date_time(epoch: int) -> tuple[int, int, int, int, int, int]:
    t = time.gmtime(epoch)
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)


def chmod_as_created(path: Path) -> None:
    """Give a file made by mkstemp (mode 0600) the mode an ordinary new file gets."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)

"""Reproducible archive details shared by wheels and sdists."""

from __future__ import annotations

import os
import time
from pathlib import Path

# The zip format cannot store earlier times; without SOURCE_DATE_EPOCH every
# build uses this, so rebuilds are byte-identical either way.
ZIP_EPOCH = 315532800  # 1980-01-01T00:00:00Z


def source_date_epoch() -> int:
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if not value:
        return ZIP_EPOCH
    try:
        return max(int(value), ZIP_EPOCH)
    except ValueError:
        return ZIP_EPOCH


def zip_date_time(epoch: int) -> tuple[int, int, int, int, int, int]:
    t = time.gmtime(epoch)
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)


def chmod_as_created(path: Path) -> None:
    """Give a file made by mkstemp (mode 0600) the mode an ordinary new file gets."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)

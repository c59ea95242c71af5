"""Writing a wheel: reproducible zip entries, RECORD, WHEEL and the .dist-info."""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

from . import __version__
from .archive import source_date_epoch, zip_date_time


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class WheelWriter:
    """Collects entries, then writes them sorted into `path` in one go.

    The wheel is written to a temporary file beside its destination and renamed
    into place, so a failed build never leaves a partial wheel.
    """

    def __init__(self, path: Path, dist_info: str) -> None:
        self.path = path
        self.dist_info = dist_info
        self._entries: dict[str, tuple[bytes, bool]] = {}

    def add(self, arcname: str, data: bytes, *, executable: bool = False) -> None:
        self._entries[arcname] = (data, executable)

    def add_file(self, arcname: str, source: Path, *, executable: bool = False) -> None:
        self.add(arcname, source.read_bytes(), executable=executable)

    def write(self, wheel_text: str) -> None:
        self.add(f"{self.dist_info}/WHEEL", wheel_text.encode())
        record_name = f"{self.dist_info}/RECORD"
        # Installers read .dist-info last; keep it at the end of the archive.
        names = sorted(self._entries, key=lambda n: (n.startswith(self.dist_info + "/"), n))
        record = [
            f"{n},{_record_hash(self._entries[n][0])},{len(self._entries[n][0])}" for n in names
        ]
        record.append(f"{record_name},,")
        entries = [(n, *self._entries[n]) for n in names]
        entries.append((record_name, ("\n".join(record) + "\n").encode(), False))
        date_time = zip_date_time(source_date_epoch())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".whl", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, data, executable in entries:
                    info = zipfile.ZipInfo(name, date_time)
                    info.external_attr = (0o100755 if executable else 0o100644) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    zf.writestr(info, data)
            os.replace(tmp, self.path)
        except BaseException:
            os.unlink(tmp)
            raise


def wheel_text(tags: list[str]) -> str:
    lines = [
        "Wheel-Version: 1.0",
        f"Generator: wasm-build-backend {__version__}",
        "Root-Is-Purelib: false",
        *(f"Tag: {t}" for t in tags),
    ]
    return "\n".join(lines) + "\n"

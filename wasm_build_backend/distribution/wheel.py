"""Writing a wheel: reproducible zip entries, RECORD, WHEEL and the .dist-info.

The zip is written here rather than with `zipfile` for two reasons: every wheel carries
the same 30 MB runtime library, and deflating it is most of a warm build's time, so
large entries are deflated once and the compressed stream is cached (`zipfile` has no
way to write an entry from an already-compressed stream); and every header field is
fixed (Unix attributes, version, flags) whatever the build machine, so wheels are
byte-identical across rebuilds and build hosts.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from .. import __version__
from ..errors import BuildError
from ..jobs.cache import Cache, check_output_folder
from .archive import chmod_as_created, source_date_epoch, zip_date_time

_LEVEL = 6
_CACHED_DEFLATE = 1 << 20  # entries at least this large have their deflate cached
_MADE_BY = (3 << 8) | 20  # Unix, zip 2.0: installers read the mode bits only from Unix entries
_UTF8_NAME = 0x0800


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _dos_time(epoch: int) -> tuple[int, int]:
    year, month, day, hour, minute, second = zip_date_time(epoch)
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day


class WheelWriter:
    """Collects entries, then writes them sorted into `path` in one go.

    The wheel is written to a temporary file beside its destination and renamed
    into place, so a failed build never leaves a partial wheel.
    """

    def __init__(self, path: Path, dist_info: str, cache: Cache | None = None) -> None:
        self.path = path
        self.dist_info = dist_info
        self.cache = cache
        self._entries: dict[str, tuple[bytes, bool]] = {}

    def add(self, arcname: str, data: bytes, *, executable: bool = False) -> None:
        self._entries[arcname] = (data, executable)

    def add_file(self, arcname: str, source: Path, *, executable: bool = False) -> None:
        self.add(arcname, source.read_bytes(), executable=executable)

    def _compressed(self, data: bytes, sha256: str) -> bytes:
        if self.cache is None or len(data) < _CACHED_DEFLATE:
            return _deflate(data)

        def produce(folder: Path) -> None:
            (folder / "deflated").write_bytes(_deflate(data))

        key = {"sha256": sha256, "level": _LEVEL, "zlib": zlib.ZLIB_VERSION}
        return (self.cache.entry("deflated", key, produce) / "deflated").read_bytes()

    def write(self, wheel_text: str) -> None:
        self.add(f"{self.dist_info}/WHEEL", wheel_text.encode())
        record_name = f"{self.dist_info}/RECORD"
        # Installers read .dist-info last; keep it at the end of the archive.
        names = sorted(self._entries, key=lambda n: (n.startswith(self.dist_info + "/"), n))
        record = []
        for name in names:
            data = self._entries[name][0]
            record.append(f"{name},{_record_hash(data)},{len(data)}")
        record.append(f"{record_name},,")
        self.add(record_name, ("\n".join(record) + "\n").encode())
        names.append(record_name)
        check_output_folder(self.path.parent)
        # Named before it is made, inside the `try`: an interruption at any point
        # leaves no file behind.
        tmp = self.path.with_name(f".tmp-{os.getpid()}-{secrets.token_hex(4)}.whl")
        try:
            with open(tmp, "xb") as f:
                self._write_zip(names, f.write)
            chmod_as_created(tmp)
            os.replace(tmp, self.path)
        except OSError as e:  # a full disk, or a folder where the wheel goes
            raise BuildError(f"cannot write the wheel: {e.strerror}", self.path) from None
        finally:
            tmp.unlink(missing_ok=True)

    def _write_zip(self, names: list[str], write: Callable[[bytes], object]) -> None:
        time, date = _dos_time(source_date_epoch())
        offset = 0
        central = []
        for name in names:
            data, executable = self._entries[name]
            raw_name = name.encode()
            flags = 0 if raw_name.isascii() else _UTF8_NAME
            compressed = self._compressed(data, hashlib.sha256(data).hexdigest())
            crc = zlib.crc32(data)
            if max(len(data), len(compressed), offset) >= 0xFFFFFFFF:
                raise BuildError(f"{name} is too large for a wheel without zip64")
            # The fields the local header and the central directory entry share:
            # version needed, flags, method, time, date, CRC, both sizes, name length.
            common = struct.pack(
                "<5H3IH", 20, flags, zlib.DEFLATED, time, date, crc,
                len(compressed), len(data), len(raw_name),
            )  # fmt: skip
            header = struct.pack("<I", 0x04034B50) + common + struct.pack("<H", 0) + raw_name
            write(header)
            write(compressed)
            mode = 0o100755 if executable else 0o100644
            # No extra field, comment, disk number or internal attributes.
            tail = struct.pack("<4H2I", 0, 0, 0, 0, mode << 16, offset)
            central.append(struct.pack("<IH", 0x02014B50, _MADE_BY) + common + tail + raw_name)
            offset += len(header) + len(compressed)
        directory = b"".join(central)
        write(directory)
        write(
            struct.pack(
                "<IHHHHIIH", 0x06054B50, 0, 0, len(names), len(names), len(directory), offset, 0
            )
        )


def wheel_text(tags: list[str]) -> str:
    lines = [
        "Wheel-Version: 1.0",
        f"Generator: wasm-build-backend {__version__}",
        "Root-Is-Purelib: false",
        *(f"Tag: {t}" for t in tags),
    ]
    return "\n".join(lines) + "\n"

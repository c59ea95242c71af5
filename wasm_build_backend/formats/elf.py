"""ELF files: the glibc they need, read as auditwheel reads it, and removing a DT_NEEDED entry.

A wheel's manylinux tag must be no older than the newest `GLIBC_x.y` that any of
its ELF files names in `.gnu.version_r` (weak references count, as they do for
auditwheel).
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

_SHT_GNU_VERNEED = 0x6FFFFFFE
_SHT_DYNAMIC = 6
_DT_NEEDED = 1
_GLIBC = re.compile(rb"GLIBC_(\d+)\.(\d+)")


def glibc_needed(path: Path) -> tuple[int, int] | None:
    """The newest glibc version the file depends on, or None if it is not a glibc ELF file."""
    data = path.read_bytes()
    # 32-bit ELF files are only ever the wasm2c engine's static executables: no glibc.
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return None
    endian = "<" if data[5] == 1 else ">"
    (shoff,) = struct.unpack_from(endian + "Q", data, 0x28)
    shentsize, shnum = struct.unpack_from(endian + "HH", data, 0x3A)
    newest: tuple[int, int] | None = None
    for i in range(shnum):
        base = shoff + i * shentsize
        (sh_type,) = struct.unpack_from(endian + "I", data, base + 4)
        if sh_type != _SHT_GNU_VERNEED:
            continue
        offset, _size, link = struct.unpack_from(endian + "QQI", data, base + 0x18)
        strtab_base = shoff + link * shentsize
        (str_offset,) = struct.unpack_from(endian + "Q", data, strtab_base + 0x18)
        entry = offset
        while True:
            _, cnt, _file, aux, nxt = struct.unpack_from(endian + "HHIII", data, entry)
            a = entry + aux
            for _ in range(cnt):
                _, _, _, name, anext = struct.unpack_from(endian + "IHHII", data, a)
                end = data.index(b"\0", str_offset + name)
                m = _GLIBC.fullmatch(data[str_offset + name : end])
                if m:
                    version = (int(m.group(1)), int(m.group(2)))
                    newest = max(newest or version, version)
                if not anext:
                    break
                a += anext
            if not nxt:
                break
            entry += nxt
    return newest


def without_needed(data: bytes, name: str) -> bytes:
    """The ELF file with its DT_NEEDED entry for `name` taken out of `.dynamic`.

    Later entries move up one slot and the table ends in one more DT_NULL, so no offset
    or size changes anywhere else. Version needs that name the library stay: musl, the
    only libc this is used for, ignores symbol versions.
    """
    out = bytearray(data)
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    for i in range(shnum):
        base = shoff + i * shentsize
        (sh_type,) = struct.unpack_from("<I", data, base + 4)
        if sh_type != _SHT_DYNAMIC:
            continue
        offset, size, link = struct.unpack_from("<QQI", data, base + 0x18)
        (strtab,) = struct.unpack_from("<Q", data, shoff + link * shentsize + 0x18)
        entries = [struct.unpack_from("<qQ", data, p) for p in range(offset, offset + size, 16)]
        kept = [
            (tag, value)
            for tag, value in entries
            if not (
                tag == _DT_NEEDED and data[strtab + value :].split(b"\0", 1)[0] == name.encode()
            )
        ]
        if len(kept) == len(entries):
            return data
        kept += [(0, 0)] * (len(entries) - len(kept))
        for n, (tag, value) in enumerate(kept):
            struct.pack_into("<qQ", out, offset + 16 * n, tag, value)
        return bytes(out)
    return data

"""Mach-O files: the macOS version they need, their code signature, and fat (universal2) files.

A wheel's macOS tag must be no older than the newest minimum version any of its
binaries declares (as delocate checks). On arm64 the kernel kills a program whose
pages do not match the hashes of its code signature, so the backend never changes a
linked file; `signature_problem` checks what the kernel checks for an ad-hoc
signature. A fat file only places unchanged slices side by side, so each slice keeps
its own valid signature.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator

_MACHO_64 = 0xFEEDFACF
_FAT = 0xCAFEBABE
LC_CODE_SIGNATURE = 0x1D
LC_VERSION_MIN_MACOSX = 0x24
LC_BUILD_VERSION = 0x32
LC_LOAD_DYLIB = 0x0C
LC_MAIN = 0x80000028
_PLATFORM_MACOS = 1
_SUPERBLOB = 0xFADE0CC0
_CODE_DIRECTORY = 0xFADE0C02
_HASHES = {1: hashlib.sha1, 2: hashlib.sha256}
_ARM64 = 0x0100000C
_FAT_ALIGN = 14  # 16 KiB: the arm64 page size, which lipo also uses


def slices(data: bytes) -> list[bytes]:
    """The thin Mach-O files in `data`: itself, or each slice of a fat file."""
    if struct.unpack_from(">I", data)[0] == _FAT:
        (count,) = struct.unpack_from(">I", data, 4)
        out = []
        for i in range(count):
            _, _, offset, size, _ = struct.unpack_from(">iiIII", data, 8 + 20 * i)
            out.append(data[offset : offset + size])
        return out
    if struct.unpack_from("<I", data)[0] != _MACHO_64:
        raise ValueError("not a 64-bit Mach-O file")
    return [data]


def load_commands(thin: bytes) -> Iterator[tuple[int, bytes]]:
    """(command, its bytes) for each load command of a thin 64-bit Mach-O file."""
    (count,) = struct.unpack_from("<I", thin, 16)
    offset = 32
    for _ in range(count):
        cmd, size = struct.unpack_from("<II", thin, offset)
        yield cmd, thin[offset : offset + size]
        offset += size


def cpu_type(thin: bytes) -> int:
    return int(struct.unpack_from("<I", thin, 4)[0])


def min_macos(thin: bytes) -> tuple[int, int] | None:
    """The minimum macOS version the file declares."""
    for cmd, body in load_commands(thin):
        if cmd == LC_BUILD_VERSION:
            platform, minos = struct.unpack_from("<II", body, 8)
            if platform == _PLATFORM_MACOS:
                return minos >> 16, (minos >> 8) & 0xFF
        elif cmd == LC_VERSION_MIN_MACOSX:
            (version,) = struct.unpack_from("<I", body, 8)
            return version >> 16, (version >> 8) & 0xFF
    return None


def dylibs(thin: bytes) -> list[str]:
    """The libraries the file loads at start (LC_LOAD_DYLIB)."""
    names = []
    for cmd, body in load_commands(thin):
        if cmd == LC_LOAD_DYLIB:
            (name_offset,) = struct.unpack_from("<I", body, 8)
            names.append(body[name_offset:].split(b"\0", 1)[0].decode())
    return names


def signature_problem(thin: bytes) -> str | None:
    """Why the kernel would reject the file's code signature, or None if it would not.

    Checks the code directory's hash of every page up to the signature, and that the
    signature covers the whole file before it: what breaks when bytes are changed or
    appended after linking.
    """
    found = [body for cmd, body in load_commands(thin) if cmd == LC_CODE_SIGNATURE]
    if not found:
        return "no LC_CODE_SIGNATURE load command"
    data_offset, data_size = struct.unpack_from("<II", found[0], 8)
    if data_offset + data_size > len(thin):
        return "the signature runs past the end of the file"
    if len(thin) - (data_offset + data_size) > 16:
        return "data follows the signature"
    blob = thin[data_offset : data_offset + data_size]
    magic, _length, count = struct.unpack_from(">III", blob)
    if magic != _SUPERBLOB:
        return f"bad signature magic {magic:#x}"
    for i in range(count):
        slot, offset = struct.unpack_from(">II", blob, 12 + 8 * i)
        if slot != 0:
            continue
        return _code_directory_problem(thin, blob[offset:], data_offset)
    return "no code directory in the signature"


def _code_directory_problem(thin: bytes, cd: bytes, signature_offset: int) -> str | None:
    magic, _length, _version, _flags, hash_offset, _ident, _special, code_slots = (
        struct.unpack_from(">IIIIIIII", cd)
    )
    if magic != _CODE_DIRECTORY:
        return f"bad code directory magic {magic:#x}"
    code_limit, hash_size, hash_type, _platform, page_shift = struct.unpack_from(">IBBBB", cd, 32)
    if code_limit != signature_offset:
        return f"the signature covers {code_limit} bytes, not the {signature_offset} before it"
    hasher = _HASHES.get(hash_type)
    if hasher is None:
        return f"unknown hash type {hash_type}"
    page = 1 << page_shift
    if code_slots != (code_limit + page - 1) // page:
        return f"{code_slots} page hashes for {code_limit} bytes"
    for i in range(code_slots):
        expected = cd[hash_offset + i * hash_size : hash_offset + (i + 1) * hash_size]
        chunk = thin[i * page : min((i + 1) * page, code_limit)]
        if hasher(chunk).digest()[:hash_size] != expected:
            return f"page {i} (bytes {i * page}-{i * page + len(chunk)}) does not match its hash"
    return None


def fat(thins: list[bytes]) -> bytes:
    """A fat file holding the thin files unchanged, each at a 16 KiB boundary."""
    header = struct.pack(">II", _FAT, len(thins))
    align = 1 << _FAT_ALIGN
    offset = (len(header) + 20 * len(thins) + align - 1) // align * align
    entries, body = [], b""
    for i, thin in enumerate(thins):
        cpu, subtype = struct.unpack_from("<ii", thin, 4)
        # The capability bits of the subtype are not part of the fat entry.
        entries.append(
            struct.pack(">iiIII", cpu, subtype & 0x00FFFFFF, offset, len(thin), _FAT_ALIGN)
        )
        padded = thin + b"\0" * (-len(thin) % align if i < len(thins) - 1 else 0)
        body += padded
        offset += len(padded)
    head = header + b"".join(entries)
    first = (len(head) + align - 1) // align * align
    return head + b"\0" * (first - len(head)) + body


def needs_signature(thin: bytes) -> bool:
    """arm64 binaries must be signed to run at all."""
    return cpu_type(thin) == _ARM64

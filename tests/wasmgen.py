"""Small WebAssembly modules written byte by byte, for tests that need a module of a
given shape (a 64-bit memory, no memory, a size that keeps zig busy) that no toolchain
here produces directly."""

from __future__ import annotations


def uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def sleb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if (n == 0 and not byte & 0x40) or (n == -1 and byte & 0x40):
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def _vec(items: list[bytes]) -> bytes:
    return uleb(len(items)) + b"".join(items)


def _section(section_id: int, payload: bytes) -> bytes:
    return bytes([section_id]) + uleb(len(payload)) + payload


def memory_limits(minimum: int, maximum: int | None = None, *, is64: bool = False) -> bytes:
    flags = (1 if maximum is not None else 0) | (4 if is64 else 0)
    return bytes([flags]) + uleb(minimum) + (uleb(maximum) if maximum is not None else b"")


def command_module(functions: int = 0, steps: int = 0, memory: bytes | None = None) -> bytes:
    """A command with no imports whose `_start` calls `functions` functions of `steps`
    arithmetic steps each (distinct constants, so that no two compile alike); with
    `memory` (from `memory_limits`), one exported linear memory."""
    types = _section(1, _vec([b"\x60\x01\x7f\x01\x7f", b"\x60\x00\x00"]))
    funcs = _section(3, _vec([b"\x00"] * functions + [b"\x01"]))
    exports = [b"\x06_start\x00" + uleb(functions)]
    sections = [types, funcs]
    if memory is not None:
        sections.append(_section(5, _vec([memory])))
        exports.append(b"\x06memory\x02\x00")
    sections.append(_section(7, _vec(exports)))
    bodies = []
    for f in range(functions):
        code = bytearray(b"\x00\x20\x00")  # no locals; local.get 0
        for s in range(steps):
            k = f * steps + s
            code += b"\x41" + sleb(2 * k + 1) + b"\x6c"  # i32.const, i32.mul
            code += b"\x41" + sleb(k * 7919 % 100003) + b"\x73"  # i32.const, i32.xor
            code += b"\x20\x00\x6a"  # local.get 0, i32.add
        bodies.append(bytes(code) + b"\x0b")
    start = bytearray(b"\x00")
    for f in range(functions):
        start += b"\x41" + sleb(f) + b"\x10" + uleb(f) + b"\x1a"  # i32.const, call, drop
    bodies.append(bytes(start) + b"\x0b")
    sections.append(_section(10, _vec([uleb(len(b)) + b for b in bodies])))
    return b"\0asm\x01\x00\x00\x00" + b"".join(sections)

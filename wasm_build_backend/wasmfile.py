"""Reading a .wasm file: what it imports and exports, and whether it is a WASI command.

Only the sections needed to explain a module to its packager are decoded; validation
itself is Wasmtime's (see `engine_settings.validate`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BuildError

MAGIC = b"\0asm"
CORE_VERSION = b"\x01\x00\x00\x00"
# A component's preamble: the same magic, then version 0x0d and layer 1.
COMPONENT_LAYER = b"\x01\x00"

_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
_VALTYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128"}
FuncType = tuple[tuple[str, ...], tuple[str, ...]]


class _Undecoded(Exception):
    """A type this reader does not decode: rec groups, sub types, structs, arrays."""


WASI_P1 = "wasi_snapshot_preview1"
WASI_UNSTABLE = "wasi_unstable"


@dataclass(frozen=True)
class Import:
    module: str
    name: str
    kind: str
    # A function import's type, as value type names; None for other kinds, and where the
    # type section holds types this reader does not decode (the GC proposal's).
    params: tuple[str, ...] | None = None
    results: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Export:
    name: str
    kind: str


@dataclass
class WasmModule:
    path: Path
    data: bytes
    imports: list[Import] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def wasi_version(self) -> str | None:
        modules = {i.module for i in self.imports}
        if WASI_P1 in modules:
            return "preview1"
        if WASI_UNSTABLE in modules:
            return "unstable (preview0)"
        return None

    @property
    def is_command(self) -> bool:
        return any(e.name == "_start" and e.kind == "func" for e in self.exports)

    def check_command(self) -> None:
        """Refuse a module that `wasmtime run` could not start as a WASI command."""
        if self.is_command:
            return
        exported = ", ".join(f"{e.name} ({e.kind})" for e in self.exports) or "nothing"
        raise BuildError(
            "not a WASI command module: it has no `_start` function to run "
            f"(it exports {exported}); build it as an executable, e.g. "
            "`zig cc --target=wasm32-wasi` with a `main`, not as a library or reactor",
            self.path,
        )


class _Reader:
    def __init__(self, data: bytes, path: Path) -> None:
        self.data = data
        self.pos = 0
        self.path = path

    def truncated(self) -> BuildError:
        return BuildError(f"malformed WebAssembly: unexpected end at byte {self.pos}", self.path)

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise self.truncated()
        b = self.data[self.pos]
        self.pos += 1
        return b

    def u32(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 35:
                raise BuildError(
                    f"malformed WebAssembly: bad integer at byte {self.pos}", self.path
                )

    def name(self) -> str:
        n = self.u32()
        raw = self.data[self.pos : self.pos + n]
        if len(raw) != n:
            raise self.truncated()
        self.pos += n
        return raw.decode("utf-8", errors="replace")

    def valtype(self) -> str:
        b = self.byte()
        if b in _VALTYPES:
            return _VALTYPES[b]
        if b in (0x63, 0x64):  # (ref null? heaptype): a signed LEB128 heap type
            while self.byte() & 0x80:
                pass
            return "ref"
        if b >= 0x69:  # an abbreviated reference type
            return "ref"
        raise _Undecoded

    def func_types(self) -> list[FuncType] | None:
        """The type section's function types, or None if it holds other kinds of type."""
        types = []
        try:
            for _ in range(self.u32()):
                if self.byte() != 0x60:
                    raise _Undecoded
                params = tuple(self.valtype() for _ in range(self.u32()))
                results = tuple(self.valtype() for _ in range(self.u32()))
                types.append((params, results))
        except _Undecoded:
            return None
        return types

    def skip_limits(self) -> None:
        flags = self.byte()
        self.u32()
        if flags & 1:
            self.u32()
        if flags & 8:  # custom page size
            self.u32()


def read_module(path: Path) -> WasmModule:
    """Read and decode a core module, with a clear error for anything else."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BuildError("module file not found", path) from None
    except IsADirectoryError:
        raise BuildError("is a directory, not a .wasm module", path) from None
    except OSError as e:
        raise BuildError(f"cannot read module: {e.strerror}", path) from None
    if data[:4] != MAGIC:
        raise BuildError(
            "not a WebAssembly module (it does not start with the `\\0asm` magic bytes)", path
        )
    if data[6:8] == COMPONENT_LAYER and data[4:6] != CORE_VERSION[:2]:
        raise BuildError(
            "is a WebAssembly component (WASI preview2), which is not supported yet; "
            "build a WASI preview1 command module instead (e.g. the wasm32-wasip1 target)",
            path,
        )
    if data[4:8] != CORE_VERSION:
        raise BuildError(f"unsupported WebAssembly binary version {data[4:8].hex()}", path)

    module = WasmModule(path, data)
    r = _Reader(data, path)
    r.pos = 8
    types: list[FuncType] | None = None
    while r.pos < len(data):
        section = r.byte()
        size = r.u32()
        end = r.pos + size
        if end > len(data):
            raise r.truncated()
        if section == 1:
            types = r.func_types()
        elif section == 2:
            for _ in range(r.u32()):
                mod, name, kind = r.name(), r.name(), r.byte()
                if kind == 0:
                    index = r.u32()
                    sig = types[index] if types is not None and index < len(types) else None
                    params, results = sig if sig is not None else (None, None)
                    module.imports.append(Import(mod, name, "func", params, results))
                    continue
                module.imports.append(Import(mod, name, _KINDS.get(kind, f"kind {kind}")))
                if kind == 4:
                    r.byte()
                    r.u32()
                elif kind == 1:
                    r.byte()
                    r.skip_limits()
                elif kind == 2:
                    r.skip_limits()
                elif kind == 3:
                    # Value types may be multi-byte references; a global import is
                    # a type then a mutability byte, so read the type loosely.
                    t = r.byte()
                    if t in (0x63, 0x64):
                        r.u32()
                    r.byte()
        elif section == 7:
            for _ in range(r.u32()):
                name, kind = r.name(), r.byte()
                r.u32()
                module.exports.append(Export(name, _KINDS.get(kind, f"kind {kind}")))
        r.pos = end
    return module

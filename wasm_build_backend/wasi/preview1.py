"""WASI preview1 (`wasi_snapshot_preview1`): every function and its WebAssembly type.

The `wasm2c` engine links a module against its own C implementation of these
functions, so a module is checked against this list before it is translated: an
import of anything else (or of one of these with another type) would otherwise
only fail when the C is linked, or worse, be called with the wrong arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildError
from ..wasmfile import WASI_P1

_I32, _I64 = "i32", "i64"

# name -> (parameter types, result types), from the preview1 witx.
SIGNATURES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "args_get": ((_I32, _I32), (_I32,)),
    "args_sizes_get": ((_I32, _I32), (_I32,)),
    "environ_get": ((_I32, _I32), (_I32,)),
    "environ_sizes_get": ((_I32, _I32), (_I32,)),
    "clock_res_get": ((_I32, _I32), (_I32,)),
    "clock_time_get": ((_I32, _I64, _I32), (_I32,)),
    "fd_advise": ((_I32, _I64, _I64, _I32), (_I32,)),
    "fd_allocate": ((_I32, _I64, _I64), (_I32,)),
    "fd_close": ((_I32,), (_I32,)),
    "fd_datasync": ((_I32,), (_I32,)),
    "fd_fdstat_get": ((_I32, _I32), (_I32,)),
    "fd_fdstat_set_flags": ((_I32, _I32), (_I32,)),
    "fd_fdstat_set_rights": ((_I32, _I64, _I64), (_I32,)),
    "fd_filestat_get": ((_I32, _I32), (_I32,)),
    "fd_filestat_set_size": ((_I32, _I64), (_I32,)),
    "fd_filestat_set_times": ((_I32, _I64, _I64, _I32), (_I32,)),
    "fd_pread": ((_I32, _I32, _I32, _I64, _I32), (_I32,)),
    "fd_prestat_get": ((_I32, _I32), (_I32,)),
    "fd_prestat_dir_name": ((_I32, _I32, _I32), (_I32,)),
    "fd_pwrite": ((_I32, _I32, _I32, _I64, _I32), (_I32,)),
    "fd_read": ((_I32, _I32, _I32, _I32), (_I32,)),
    "fd_readdir": ((_I32, _I32, _I32, _I64, _I32), (_I32,)),
    "fd_renumber": ((_I32, _I32), (_I32,)),
    "fd_seek": ((_I32, _I64, _I32, _I32), (_I32,)),
    "fd_sync": ((_I32,), (_I32,)),
    "fd_tell": ((_I32, _I32), (_I32,)),
    "fd_write": ((_I32, _I32, _I32, _I32), (_I32,)),
    "path_create_directory": ((_I32, _I32, _I32), (_I32,)),
    "path_filestat_get": ((_I32, _I32, _I32, _I32, _I32), (_I32,)),
    "path_filestat_set_times": ((_I32, _I32, _I32, _I32, _I64, _I64, _I32), (_I32,)),
    "path_link": ((_I32, _I32, _I32, _I32, _I32, _I32, _I32), (_I32,)),
    "path_open": ((_I32, _I32, _I32, _I32, _I32, _I64, _I64, _I32, _I32), (_I32,)),
    "path_readlink": ((_I32, _I32, _I32, _I32, _I32, _I32), (_I32,)),
    "path_remove_directory": ((_I32, _I32, _I32), (_I32,)),
    "path_rename": ((_I32, _I32, _I32, _I32, _I32, _I32), (_I32,)),
    "path_symlink": ((_I32, _I32, _I32, _I32, _I32), (_I32,)),
    "path_unlink_file": ((_I32, _I32, _I32), (_I32,)),
    "poll_oneoff": ((_I32, _I32, _I32, _I32), (_I32,)),
    "proc_exit": ((_I32,), ()),
    "proc_raise": ((_I32,), (_I32,)),
    "sched_yield": ((), (_I32,)),
    "random_get": ((_I32, _I32), (_I32,)),
    "sock_accept": ((_I32, _I32, _I32), (_I32,)),
    "sock_recv": ((_I32, _I32, _I32, _I32, _I32, _I32), (_I32,)),
    "sock_send": ((_I32, _I32, _I32, _I32, _I32), (_I32,)),
    "sock_shutdown": ((_I32, _I32), (_I32,)),
}

_VALTYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128"}


@dataclass(frozen=True)
class FuncImport:
    module: str
    name: str
    kind: str  # "func", "table", "memory", "global" or "tag"
    params: tuple[str, ...] | None  # None: a type this reader does not decode
    results: tuple[str, ...] | None


class _Unknown(Exception):
    """A type section this reader does not understand (GC types, ...)."""


class _Reader:
    def __init__(self, data: bytes, pos: int) -> None:
        self.data = data
        self.pos = pos

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise _Unknown
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
                raise _Unknown

    def name(self) -> str:
        n = self.u32()
        raw = self.data[self.pos : self.pos + n]
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
        raise _Unknown


def _func_types(r: _Reader, end: int) -> list[tuple[tuple[str, ...], tuple[str, ...]] | None]:
    types: list[tuple[tuple[str, ...], tuple[str, ...]] | None] = []
    for _ in range(r.u32()):
        form = r.byte()
        if form != 0x60:
            raise _Unknown  # rec groups, sub types, structs, arrays: the GC proposal
        params = tuple(r.valtype() for _ in range(r.u32()))
        results = tuple(r.valtype() for _ in range(r.u32()))
        types.append((params, results))
    return types


def module_imports(data: bytes) -> list[FuncImport]:
    """The imports of a core module, with function types where decodable."""
    r = _Reader(data, 8)
    types: list[tuple[tuple[str, ...], tuple[str, ...]] | None] | None = None
    imports: list[FuncImport] = []
    try:
        while r.pos < len(data):
            section = r.byte()
            size = r.u32()
            end = r.pos + size
            if section == 1:
                try:
                    types = _func_types(r, end)
                except _Unknown:
                    types = None
            elif section == 2:
                for _ in range(r.u32()):
                    mod, name, kind = r.name(), r.name(), r.byte()
                    if kind == 0:
                        index = r.u32()
                        sig = types[index] if types is not None and index < len(types) else None
                        params, results = sig if sig is not None else (None, None)
                        imports.append(FuncImport(mod, name, "func", params, results))
                        continue
                    if kind == 1:
                        r.valtype()
                        _skip_limits(r)
                    elif kind == 2:
                        _skip_limits(r)
                    elif kind == 3:
                        r.valtype()
                        r.byte()
                    elif kind == 4:
                        r.byte()
                        r.u32()
                    else:
                        raise _Unknown
                    kinds = {1: "table", 2: "memory", 3: "global", 4: "tag"}
                    imports.append(FuncImport(mod, name, kinds[kind], None, None))
                break
            r.pos = end
    except _Unknown:
        pass
    return imports


def _skip_limits(r: _Reader) -> None:
    flags = r.byte()
    r.u32()
    if flags & 1:
        r.u32()
    if flags & 8:
        r.u32()


def _signature(params: tuple[str, ...], results: tuple[str, ...]) -> str:
    return f"({', '.join(params)}) -> ({', '.join(results)})"


def unsupported_imports(data: bytes) -> list[str]:
    """Why each import cannot be satisfied by a WASI preview1 implementation."""
    problems = []
    for imp in module_imports(data):
        if imp.kind != "func":
            problems.append(f"{imp.module}.{imp.name} (a {imp.kind}; WASI provides only functions)")
            continue
        if imp.module != WASI_P1:
            problems.append(f"{imp.module}.{imp.name} (not a WASI preview1 function)")
            continue
        expected = SIGNATURES.get(imp.name)
        if expected is None:
            problems.append(f"{imp.module}.{imp.name} (WASI preview1 has no such function)")
        elif (
            imp.params is not None
            and imp.results is not None
            and (imp.params, imp.results) != expected
        ):
            problems.append(
                f"{imp.module}.{imp.name} with type {_signature(imp.params, imp.results)} "
                f"(WASI's is {_signature(*expected)})"
            )
    return problems


def check_imports(data: bytes, path: Path) -> None:
    problems = unsupported_imports(data)
    if problems:
        raise BuildError(
            "imports what no WASI preview1 host provides: " + "; ".join(problems), path
        )

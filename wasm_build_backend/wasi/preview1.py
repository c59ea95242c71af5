"""WASI preview1 (`wasi_snapshot_preview1`): every function and its WebAssembly type.

The `wasm2c` engine links a module against its own C implementation of these
functions, so a module is checked against this list before it is translated: an
import of anything else (or of one of these with another type) would otherwise
only fail when the C is linked, or worse, be called with the wrong arguments.
"""

from __future__ import annotations

from ..formats.wasmfile import WASI_P1, Import

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


def _signature(params: tuple[str, ...], results: tuple[str, ...]) -> str:
    return f"({', '.join(params)}) -> ({', '.join(results)})"


def unsupported_imports(imports: list[Import]) -> list[str]:
    """Why each import cannot be satisfied by a WASI preview1 implementation."""
    problems = []
    for imp in imports:
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

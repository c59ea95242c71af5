"""The stack unwinder shipped with musl runtimes, so they need nothing but musl itself.

The musl Wasmtime library needs `libgcc_s.so.1` (the `_Unwind_*` functions and
`__register_frame`), which musl systems have only when libgcc is installed, and which
auditwheel's musllinux policy does not allow a wheel to need. So a musllinux wheel
carries LLVM's libunwind, which zig bundles, built as a library that the launcher loads
(with global symbols) before the runtime, whose need for `libgcc_s.so.1` is taken out
(musl.py).
"""

from __future__ import annotations

from pathlib import Path

from ..jobs.cache import Cache
from ..targets.target import Target
from .musl import standalone
from .zig import zig_cc, zig_lib_dir, zig_version

_SOURCES = (
    "libunwind.cpp",
    "UnwindLevel1.c",
    "UnwindLevel1-gcc-ext.c",
    "UnwindRegistersRestore.S",
    "UnwindRegistersSave.S",
    "gcc_personality_v0.c",
)
_LANGUAGE_FLAGS = {".cpp": ("-std=c++17", "-fno-exceptions", "-fno-rtti"), ".c": ("-std=c11",)}


def needs_unwinder(target: Target) -> bool:
    return target.os == "linux" and target.libc == "musl"


def unwinder(target: Target, cache: Cache) -> Path:
    """libunwind for the (musl) target, as a shared library that needs only libc."""
    source = zig_lib_dir() / "libunwind"
    key = {
        "zig": zig_version(),
        "triple": target.zig_triple,
        "sources": list(_SOURCES),
        "needs": "nothing",
    }

    def produce(folder: Path) -> None:
        objects = []
        for name in _SOURCES:
            obj = folder / (name + ".o")
            zig_cc(
                [
                    *("-target", target.zig_triple, "-c", "-O2", "-fPIC", "-funwind-tables"),
                    *("-D_LIBUNWIND_IS_NATIVE_ONLY", "-DNDEBUG", "-I", str(source / "include")),
                    *_LANGUAGE_FLAGS.get(Path(name).suffix, ()),
                    *(str(source / "src" / name), "-o", str(obj)),
                ],
                what=f"compiling libunwind's {name} for {target.zig_triple}",
            )
            objects.append(str(obj))
        zig_cc(
            [
                *("-target", target.zig_triple, "-dynamic", "-shared", "-nostdlib++", "-s"),
                *("-Wl,-soname,libunwind.so", "-o", str(folder / "libunwind.so"), *objects),
            ],
            what=f"linking libunwind for {target.zig_triple}",
        )
        for leftover in objects:
            Path(leftover).unlink()
        library = folder / "libunwind.so"
        library.write_bytes(standalone(library.read_bytes()))

    return cache.entry("unwinders", key, produce) / "libunwind.so"

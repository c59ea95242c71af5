"""musllinux files that every musl system loads and auditwheel accepts.

auditwheel's musllinux policy allows exactly one library: musl itself, under Alpine's
name `libc.musl-ARCH.so.1`. zig and the Wasmtime wheels name it `libc.so` instead, and
the Wasmtime library also needs `libgcc_s.so.1`, which musl systems have only with
libgcc installed. musl's loader treats any `libc.*` name as itself, and resolves a
loaded library's symbols from everything loaded before it, so:

- the launcher is linked against a stub named `libc.musl-ARCH.so.1`, and its `libc.so`
  entry is then removed;
- the runtime library and the shipped unwinder (unwinder.py) list no libraries at all:
  the launcher, and through it libc, is loaded first, and so is the unwinder.
"""

from __future__ import annotations

from pathlib import Path

from ..formats.elf import without_needed
from ..jobs.cache import Cache
from ..targets.target import Target
from .zig import zig_cc, zig_version

LIBGCC = "libgcc_s.so.1"
ZIG_LIBC = "libc.so"


def alpine_libc(target: Target) -> str:
    return f"libc.musl-{target.arch}.so.1"


def standalone(data: bytes) -> bytes:
    """A musl library with no DT_NEEDED entries: its symbols come from what is loaded."""
    for name in (LIBGCC, ZIG_LIBC):
        data = without_needed(data, name)
    return data


def libc_stub(target: Target, cache: Cache) -> Path:
    """An empty library whose SONAME is Alpine's name for musl, to link the launcher with."""
    name = alpine_libc(target)
    key = {"zig": zig_version(), "triple": target.zig_triple, "soname": name}

    def produce(folder: Path) -> None:
        (folder / "empty.c").write_text("typedef int wbb_nothing_here;\n")
        zig_cc(
            [
                *("-target", target.zig_triple, "-dynamic", "-shared", "-nostdlib"),
                *(f"-Wl,-soname,{name}", "empty.c", "-o", name),
            ],
            cwd=folder,
            what=f"making the {name} stub",
        )

    return cache.entry("musl", key, produce) / name


def link_flags(target: Target, cache: Cache) -> list[str]:
    """Extra inputs for linking the launcher: the stub, kept as a dependency."""
    return ["-Wl,--no-as-needed", str(libc_stub(target, cache))]


def relinked(data: bytes) -> bytes:
    """The linked launcher, depending on musl through Alpine's name only."""
    return without_needed(data, ZIG_LIBC)

"""Reading a .wasm file: what it imports and exports, and whether it is a WASI command.

A file is either a core module (a WASI preview1 command exports `_start`) or a
component (a `wasi:cli/command` exports the `wasi:cli/run` interface and imports WASI
0.2 interfaces). Only the sections needed to explain a file to its packager are
decoded: a component's top-level imports and exports, never its nested modules.
Validation itself is Wasmtime's (see `engines.wasmtime.validate`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import BuildError

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

# What a component's top-level import or export is (the component model's externdesc
# and sort codes).
_COMPONENT_KINDS = {0: "module", 1: "func", 2: "value", 3: "type", 4: "component", 5: "instance"}
_CORE_SORTS = {0x10: "module", 0x11: "instance"}

WASI_RUN = "wasi:cli/run"
# The interfaces of WASI 0.2 that Wasmtime's `add_wasip2` defines (any 0.2.x version
# matches, as Wasmtime's linker resolves semver-compatible names): everything of the
# `wasi:cli/command` world.
WASIP2_INTERFACES = frozenset(
    {
        *(
            f"wasi:cli/{name}"
            for name in (
                "environment",
                "exit",
                "stdin",
                "stdout",
                "stderr",
                "terminal-input",
                "terminal-output",
                "terminal-stdin",
                "terminal-stdout",
                "terminal-stderr",
            )
        ),
        "wasi:clocks/monotonic-clock",
        "wasi:clocks/wall-clock",
        "wasi:filesystem/types",
        "wasi:filesystem/preopens",
        "wasi:io/error",
        "wasi:io/poll",
        "wasi:io/streams",
        "wasi:random/random",
        "wasi:random/insecure",
        "wasi:random/insecure-seed",
        *(
            f"wasi:sockets/{name}"
            for name in (
                "network",
                "instance-network",
                "udp",
                "udp-create-socket",
                "tcp",
                "tcp-create-socket",
                "ip-name-lookup",
            )
        ),
    }
)


def split_version(name: str) -> tuple[str, str | None]:
    """`wasi:cli/run@0.2.3` -> (`wasi:cli/run`, `0.2.3`); no `@`: (name, None)."""
    base, at, version = name.partition("@")
    return base, version if at else None


def is_component_bytes(data: bytes) -> bool:
    """Whether a .wasm file's bytes are a component rather than a core module."""
    return data[:4] == MAGIC and data[6:8] == COMPONENT_LAYER and data[4:6] != CORE_VERSION[:2]


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


@dataclass(frozen=True)
class Memory:
    """A linear memory's limits, in pages of `page_size` bytes."""

    minimum: int
    maximum: int | None  # None: as large as the index type allows
    is64: bool = False
    shared: bool = False
    page_size: int = 65536
    imported: bool = False

    @property
    def address_limit(self) -> int:
        """The most bytes the memory's index type can address."""
        return 2**64 if self.is64 else 2**32


@dataclass
class WasmModule:
    """A core module or a component. A component's imports have the interface's full name
    (`wasi:cli/stdout@0.2.3`) as `module` and an empty `name`; its exports, as `name`."""

    path: Path
    data: bytes
    imports: list[Import] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    is_component: bool = False
    memories: list[Memory] = field(default_factory=list)  # imported ones first, as indexed

    @cached_property
    def features(self) -> tuple[str, ...]:
        """The post-MVP features it uses: keys of `FEATURES` (see `used_features`)."""
        return used_features(self)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def wasi_version(self) -> str | None:
        if self.is_component:
            if any(split_version(i.module)[0].startswith("wasi:") for i in self.imports):
                return "0.2 (preview2)"
            return None
        modules = {i.module for i in self.imports}
        if WASI_P1 in modules:
            return "preview1"
        if WASI_UNSTABLE in modules:
            return "unstable (preview0)"
        return None

    @property
    def run_export(self) -> str | None:
        """A component's `wasi:cli/run` export, with its version: what a command runs."""
        for e in self.exports:
            base, version = split_version(e.name)
            if base == WASI_RUN and e.kind == "instance" and (version or "").startswith("0.2"):
                return e.name
        return None

    @property
    def is_command(self) -> bool:
        if self.is_component:
            return self.run_export is not None
        return any(e.name == "_start" and e.kind == "func" for e in self.exports)

    def unprovided_imports(self) -> list[str]:
        """A component's imports that the WASI 0.2 runtime does not define."""
        missing = []
        for i in self.imports:
            base, version = split_version(i.module)
            provided = base in WASIP2_INTERFACES and (version or "").startswith("0.2.")
            if not provided or i.kind != "instance":
                missing.append(i.module if i.kind == "instance" else f"{i.module} ({i.kind})")
        return missing

    def check_command(self) -> None:
        """Refuse a module that `wasmtime run` could not start as a WASI command."""
        if self.is_component:
            self._check_component_command()
            return
        if self.is_command:
            return
        exported = ", ".join(f"{e.name} ({e.kind})" for e in self.exports) or "nothing"
        raise BuildError(
            "not a WASI command module: it has no `_start` function to run "
            f"(it exports {exported}); build it as an executable, e.g. "
            "`zig cc --target=wasm32-wasi` with a `main`, not as a library or reactor",
            self.path,
        )

    def _check_component_command(self) -> None:
        if not self.is_command:
            exported = ", ".join(f"{e.name} ({e.kind})" for e in self.exports) or "nothing"
            raise BuildError(
                f"a WebAssembly component that is not a WASI command: it does not export "
                f"`{WASI_RUN}` (it exports {exported}); only `wasi:cli/command` components "
                "run as programs, not libraries or reactors",
                self.path,
            )
        missing = self.unprovided_imports()
        if missing:
            raise BuildError(
                f"a WebAssembly component importing what the WASI 0.2 runtime does not "
                f"provide: {', '.join(missing)} (it provides the `wasi:cli/command` world: "
                "wasi:cli, clocks, filesystem, io, random and sockets at 0.2.x)",
                self.path,
            )


class _Reader:
    def __init__(self, data: bytes, path: Path) -> None:
        self.data = data
        self.pos = 0
        self.path = path

    def truncated(self) -> BuildError:
        return BuildError(f"malformed WebAssembly: unexpected end at byte {self.pos}", self.path)

    def sections(self) -> Iterator[tuple[int, int]]:
        """Each section's id and size from the current position on, with `pos` at its
        contents; whatever the caller reads of one, the next starts where it ends."""
        while self.pos < len(self.data):
            section = self.byte()
            size = self.u32()
            end = self.pos + size
            if end > len(self.data):
                raise self.truncated()
            yield section, size
            self.pos = end

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise self.truncated()
        b = self.data[self.pos]
        self.pos += 1
        return b

    def u32(self) -> int:
        return self.uleb(35)

    def u64(self) -> int:
        return self.uleb(70)

    def uleb(self, max_shift: int) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift >= max_shift:
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
        self.memory_limits()

    def memory_limits(self, *, imported: bool = False) -> Memory:
        """Limits: flags (1: has a maximum, 2: shared, 4: 64-bit, 8: custom page size),
        minimum, maximum, log2 of the page size; u64 numbers for 64-bit ones."""
        flags = self.byte()
        number = self.u64 if flags & 4 else self.u32
        minimum = number()
        maximum = number() if flags & 1 else None
        # (Wasmtime's validation refuses any page size but 1 and 64 KiB.)
        page_size = 2 ** min(self.u32(), 64) if flags & 8 else 65536
        return Memory(minimum, maximum, bool(flags & 4), bool(flags & 2), page_size, imported)


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
    if is_component_bytes(data):
        return _read_component(path, data)
    if data[4:8] != CORE_VERSION:
        raise BuildError(f"unsupported WebAssembly binary version {data[4:8].hex()}", path)

    module = WasmModule(path, data)
    r = _Reader(data, path)
    r.pos = 8
    types: list[FuncType] | None = None
    for section, _size in r.sections():
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
                    module.memories.append(r.memory_limits(imported=True))
                elif kind == 3:
                    # Value types may be multi-byte references; a global import is
                    # a type then a mutability byte, so read the type loosely.
                    t = r.byte()
                    if t in (0x63, 0x64):
                        r.u32()
                    r.byte()
        elif section == 5:
            for _ in range(r.u32()):
                module.memories.append(r.memory_limits())
        elif section == 7:
            for _ in range(r.u32()):
                name, kind = r.name(), r.byte()
                r.u32()
                module.exports.append(Export(name, _KINDS.get(kind, f"kind {kind}")))
    return module


# ---- post-MVP features ----

# The proposals a module can use beyond WebAssembly 1.0, as wasm-tools and Wasmtime
# name them, in the order `inspect` lists them, with how to say them.
FEATURES = {
    "mutable-globals": "mutable globals imported or exported",
    "sign-extension": "sign-extension operators",
    "saturating-float-to-int": "non-trapping float-to-int conversions",
    "multi-value": "multi-value",
    "bulk-memory": "bulk memory",
    "reference-types": "reference types",
    "simd": "SIMD",
    "relaxed-simd": "relaxed SIMD",
    "threads": "threads (shared memory, atomics)",
    "exceptions": "exception handling",
    "tail-call": "tail calls",
    "extended-const": "extended constant expressions",
    "memory64": "64-bit memories and tables (memory64)",
    "multi-memory": "multiple memories",
    "custom-page-sizes": "custom page sizes",
    "function-references": "typed function references",
    "gc": "GC (garbage collection)",
    "wide-arithmetic": "wide arithmetic",
    "stack-switching": "stack switching",
}

# Abstract heap types, as their one-byte codes: reference types' own two, exception
# handling's, and the rest the GC proposal's.
_HEAP_FEATURE = {0x70: "reference-types", 0x6F: "reference-types", 0x69: "exceptions"}
_HEAP_FEATURE.update({0x74: "exceptions"})
_GC_HEAP = {0x6E, 0x6D, 0x6C, 0x6B, 0x6A, 0x71, 0x72, 0x73}

# Opcodes whose only immediate is one LEB128 number (an index, or a label).
_ONE_INDEX = {0x07, 0x08, 0x09, 0x0C, 0x0D, 0x10, 0x12, 0x14, 0x15, 0x18, 0xD2, 0xD5, 0xD6}
_ONE_INDEX.update(range(0x20, 0x27))
# Instructions of WebAssembly 1.0 without immediates, and with one LEB128 number.
_PLAIN = {0x00, 0x01, 0x05, 0x0B, 0x0F, 0x1A, 0x1B}
_PLAIN_INDEX = {0x0C, 0x0D, 0x10, 0x20, 0x21, 0x22, 0x23, 0x24, 0x41, 0x42}
_OPCODE_FEATURE = {
    0x06: "exceptions", 0x07: "exceptions", 0x08: "exceptions", 0x09: "exceptions",
    0x0A: "exceptions", 0x18: "exceptions", 0x19: "exceptions", 0x1F: "exceptions",
    0x12: "tail-call", 0x13: "tail-call", 0x15: "tail-call",
    0x14: "function-references", 0xD4: "function-references", 0xD5: "function-references",
    0xD6: "function-references",
    0x1C: "reference-types", 0x25: "reference-types", 0x26: "reference-types",
    0xD0: "reference-types", 0xD1: "reference-types", 0xD2: "reference-types",
    0xD3: "gc",
}  # fmt: skip
_OPCODE_FEATURE.update(dict.fromkeys(range(0xC0, 0xC5), "sign-extension"))
_OPCODE_FEATURE.update(dict.fromkeys(range(0xE0, 0xE7), "stack-switching"))
# 0xFD: SIMD instructions with a memory argument, with a lane byte after it, with 16 bytes.
_SIMD_MEMARG = set(range(0, 12)) | {92, 93}
_SIMD_MEMARG_LANE = set(range(84, 92))
_SIMD_LANE = set(range(21, 35))
# 0xFB (GC): how many LEB128 indices follow each instruction.
_GC_INDICES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 2, 5: 2, 6: 1, 7: 1, 8: 2, 9: 2, 10: 2, 11: 1}
_GC_INDICES.update({12: 1, 13: 1, 14: 1, 16: 1, 17: 2, 18: 2, 19: 2})


class _Stop(Exception):
    """An instruction this reader does not know: the rest of the body is not decoded."""


class _FeatureReader(_Reader):
    def __init__(self, data: bytes, path: Path) -> None:
        super().__init__(data, path)
        self.found: set[str] = set()

    def skip(self, n: int) -> None:
        self.pos += n

    def heap_type(self) -> None:
        b = self.byte()
        if b in _HEAP_FEATURE:
            self.found.add(_HEAP_FEATURE[b])
        elif b in _GC_HEAP:
            self.found.add("gc")
        elif b == 0x65:  # shared (shared-everything threads)
            self.found.add("threads")
            self.heap_type()
        else:  # a type index, as a signed LEB128 number
            self.found.add("function-references")
            while b & 0x80:
                b = self.byte()

    def value_type(self) -> None:
        b = self.byte()
        if b == 0x7B:
            self.found.add("simd")
        elif b in (0x63, 0x64):
            if b == 0x64:
                self.found.add("function-references")  # non-nullable
            self.heap_type()
        elif b in _HEAP_FEATURE:
            self.found.add(_HEAP_FEATURE[b])
        elif b in _GC_HEAP:
            self.found.add("gc")

    def limits(self, memory: bool) -> None:
        flags = self.byte()
        if flags & 2 and memory:
            self.found.add("threads")
        if flags & 4:
            self.found.add("memory64")
        if flags & 8:
            self.found.add("custom-page-sizes")
        self.u32()
        if flags & 1:
            self.u32()
        if flags & 8:
            self.u32()

    def table_type(self) -> None:
        initialised = self.data[self.pos] == 0x40
        if initialised:  # a table with an initial value for its elements
            self.found.add("function-references")
            self.pos += 2
        if self.data[self.pos] == 0x70:  # funcref, as in WebAssembly 1.0
            self.pos += 1
        else:
            self.value_type()
        self.limits(memory=False)
        if initialised:
            self.const_expr()

    def types(self) -> None:
        for _ in range(self.u32()):
            form = self.data[self.pos]
            if form == 0x4E:  # a recursive group
                self.found.add("gc")
                self.pos += 1
                for _ in range(self.u32()):
                    self.sub_type()
            else:
                self.sub_type()

    def sub_type(self) -> None:
        form = self.byte()
        if form in (0x50, 0x4F):
            self.found.add("gc")
            for _ in range(self.u32()):
                self.u32()
            form = self.byte()
        if form == 0x65:
            self.found.add("threads")
            form = self.byte()
        if form == 0x60:
            for _ in range(self.u32()):
                self.value_type()
            results = self.u32()
            for _ in range(results):
                self.value_type()
            if results > 1:
                self.found.add("multi-value")
            return
        if form == 0x5F:  # struct
            self.found.add("gc")
            for _ in range(self.u32()):
                self.storage_type()
        elif form == 0x5E:  # array
            self.found.add("gc")
            self.storage_type()
        elif form == 0x5D:  # continuation
            self.found.add("stack-switching")
            self.u32()
        else:
            raise _Stop

    def storage_type(self) -> None:
        if self.data[self.pos] in (0x78, 0x77):  # i8, i16
            self.pos += 1
        else:
            self.value_type()
        self.byte()  # mutability

    def block_type(self) -> None:
        b = self.data[self.pos]
        if b == 0x40:
            self.pos += 1
        elif b in (0x7F, 0x7E, 0x7D, 0x7C, 0x7B) or b in (0x63, 0x64) or 0x69 <= b <= 0x74:
            self.value_type()
        else:  # a type index: parameters or several results
            self.found.add("multi-value")
            self.s33()

    def s33(self) -> None:
        while self.byte() & 0x80:
            pass

    def memarg(self) -> None:
        align = self.u32()
        if align & 0x40 and self.u32():  # a memory index follows
            self.found.add("multi-memory")
        self.u64()

    def memory_index(self) -> None:
        if self.u32():
            self.found.add("multi-memory")

    def table_index(self) -> None:
        if self.u32():
            self.found.add("reference-types")  # several tables

    def const_expr(self) -> None:
        """A constant expression: MVP ones are one instruction then `end`."""
        count = 0
        while self.data[self.pos] != 0x0B:
            opcode = self.data[self.pos]
            if opcode in (0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E):
                self.found.add("extended-const")
            count += 1
            self.instruction()
        self.pos += 1
        if count > 1:
            self.found.add("extended-const")

    def body(self, end: int) -> None:
        for _ in range(self.u32()):  # local declarations
            self.u32()
            self.value_type()
        # The instructions of 1.0 that make up nearly all code are skipped here without
        # a call each (a 69 MB module's code in seconds); the rest go to `instruction`.
        data = self.data
        pos = self.pos
        try:
            while pos < end:
                op = data[pos]
                if 0x45 <= op <= 0xBF or op in _PLAIN:
                    pos += 1
                elif op in _PLAIN_INDEX:
                    pos += 1
                    while data[pos] & 0x80:
                        pos += 1
                    pos += 1
                elif 0x28 <= op <= 0x3E and data[pos + 1] < 0x40:  # memory 0's memarg
                    pos += 2
                    while data[pos] & 0x80:
                        pos += 1
                    pos += 1
                else:
                    self.pos = pos
                    self.instruction()
                    pos = self.pos
        except (_Stop, IndexError):
            pass
        self.pos = pos

    def instruction(self) -> None:
        op = self.byte()
        if op < 0x45 or op > 0xC4:
            feature = _OPCODE_FEATURE.get(op)
            if feature is not None:
                self.found.add(feature)
        else:
            if op >= 0xC0:
                self.found.add("sign-extension")
            return
        if op in _ONE_INDEX:
            self.u32()
        elif op <= 0x01 or op in (0x05, 0x0B, 0x0F, 0x0A, 0x19, 0x1A, 0x1B, 0xD1, 0xD3, 0xD4):
            pass
        elif op in (0x02, 0x03, 0x04, 0x06):
            self.block_type()
        elif 0x28 <= op <= 0x3E:
            self.memarg()
        elif op in (0x3F, 0x40):
            self.memory_index()
        elif op == 0x41 or op == 0x42:
            self.s33()
        elif op == 0x43:
            self.skip(4)
        elif op == 0x44:
            self.skip(8)
        elif op == 0x0E:
            for _ in range(self.u32() + 1):
                self.u32()
        elif op in (0x11, 0x13):
            self.u32()
            self.table_index()
        elif op == 0x1C:
            for _ in range(self.u32()):
                self.value_type()
        elif op == 0x1F:
            self.block_type()
            for _ in range(self.u32()):
                kind = self.byte()
                if kind < 2:
                    self.u32()
                self.u32()
        elif op == 0xD0:
            self.heap_type()
        elif op == 0xFB:
            self.gc_instruction()
        elif op == 0xFC:
            self.misc_instruction()
        elif op == 0xFD:
            self.simd_instruction()
        elif op == 0xFE:
            self.found.add("threads")
            sub = self.u32()
            if sub == 3:
                self.byte()
            else:
                self.memarg()
        else:
            raise _Stop

    def gc_instruction(self) -> None:
        self.found.add("gc")
        sub = self.u32()
        if sub in _GC_INDICES:
            for _ in range(_GC_INDICES[sub]):
                self.u32()
        elif 20 <= sub <= 23:
            self.heap_type()
        elif sub in (24, 25):
            self.byte()
            self.u32()
            self.heap_type()
            self.heap_type()
        elif sub not in (15, 26, 27, 28, 29, 30):
            raise _Stop

    def misc_instruction(self) -> None:
        sub = self.u32()
        if sub <= 7:
            self.found.add("saturating-float-to-int")
        elif sub <= 11:
            self.found.add("bulk-memory")
            if sub == 8:
                self.u32()
                self.memory_index()
            elif sub == 9:
                self.u32()
            elif sub == 10:
                self.memory_index()
                self.memory_index()
            else:
                self.memory_index()
        elif sub <= 14:
            self.found.add("bulk-memory")
            self.u32()
            if sub != 13:
                self.table_index()
        elif sub <= 17:
            self.found.add("reference-types")
            self.u32()
        elif 19 <= sub <= 22:
            self.found.add("wide-arithmetic")
        else:
            raise _Stop

    def simd_instruction(self) -> None:
        sub = self.u32()
        self.found.add("relaxed-simd" if 0x100 <= sub <= 0x113 else "simd")
        if sub in _SIMD_MEMARG:
            self.memarg()
        elif sub in _SIMD_MEMARG_LANE:
            self.memarg()
            self.skip(1)
        elif sub in (12, 13):
            self.skip(16)
        elif sub in _SIMD_LANE:
            self.skip(1)

    def elements(self) -> None:
        for _ in range(self.u32()):
            flags = self.u32()
            if flags & 1:  # passive or declarative
                self.found.add("bulk-memory" if not flags & 2 else "reference-types")
            if flags & 2 and not flags & 1:
                self.table_index()
            if not flags & 1:
                self.const_expr()
            if flags & 3:
                if flags & 4:
                    self.value_type()
                else:
                    self.byte()  # elemkind: funcref
            if flags & 4:
                self.found.add("reference-types")
                for _ in range(self.u32()):
                    self.const_expr()
            else:
                for _ in range(self.u32()):
                    self.u32()

    def data_segments(self) -> None:
        for _ in range(self.u32()):
            flags = self.u32()
            if flags == 1:
                self.found.add("bulk-memory")
            else:
                if flags == 2:
                    self.memory_index()
                self.const_expr()
            self.skip(self.u32())


def used_features(module: WasmModule) -> tuple[str, ...]:
    """The post-MVP features the module uses (keys of `FEATURES`, in its order), as its
    types, declarations and instructions show them. A core module only; Wasmtime has
    validated it, so anything malformed here is an instruction this reader does not know,
    after which the rest of that function body is skipped."""
    if module.data[4:8] != CORE_VERSION:
        return ()  # a component: its core modules are nested, and not read here
    r = _FeatureReader(module.data, module.path)
    r.pos = 8
    memories = tables = 0
    mutable_globals: list[bool] = []
    for section, _size in r.sections():
        try:
            if section == 1:
                r.types()
            elif section == 2:
                for _ in range(r.u32()):
                    r.name()
                    r.name()
                    kind = r.byte()
                    if kind in (0, 4):
                        if kind == 4:
                            r.found.add("exceptions")
                            r.byte()
                        r.u32()
                    elif kind == 1:
                        tables += 1
                        r.table_type()
                    elif kind == 2:
                        memories += 1
                        r.limits(memory=True)
                    elif kind == 3:
                        r.value_type()
                        if r.byte() & 1:
                            r.found.add("mutable-globals")
                        mutable_globals.append(False)  # imports are counted above
            elif section == 4:
                for _ in range(r.u32()):
                    tables += 1
                    r.table_type()
            elif section == 5:
                for _ in range(r.u32()):
                    memories += 1
                    r.limits(memory=True)
            elif section == 6:
                for _ in range(r.u32()):
                    r.value_type()
                    mutable_globals.append(bool(r.byte() & 1))
                    r.const_expr()
            elif section == 7:
                for _ in range(r.u32()):
                    r.name()
                    kind = r.byte()
                    index = r.u32()
                    if kind == 3 and index < len(mutable_globals) and mutable_globals[index]:
                        r.found.add("mutable-globals")
                    elif kind == 4:
                        r.found.add("exceptions")
            elif section == 9:
                r.elements()
            elif section == 10:
                for _ in range(r.u32()):
                    body_size = r.u32()
                    body_end = r.pos + body_size
                    r.body(body_end)
                    r.pos = body_end
            elif section == 11:
                r.data_segments()
            elif section == 12:
                r.found.add("bulk-memory")
            elif section == 13:
                r.found.add("exceptions")
        except (_Stop, BuildError, IndexError):
            pass  # what this reader cannot follow in one section leaves the others readable
    if memories > 1:
        r.found.add("multi-memory")
    if tables > 1:
        r.found.add("reference-types")
    if "gc" in r.found:
        r.found.discard("function-references")  # GC includes them
    return tuple(f for f in FEATURES if f in r.found)


# ---- components ----

COMPONENT_VERSION = b"\x0d\x00"
_IMPORT_SECTION = 10
_EXPORT_SECTION = 11


def _component_name(r: _Reader) -> str:
    """An import or export name: 0x00 (plain) or 0x01 (interface), then the name."""
    flag = r.byte()
    if flag not in (0, 1):
        raise BuildError(f"malformed WebAssembly component: bad name at byte {r.pos - 1}", r.path)
    return r.name()


def _extern_desc(r: _Reader) -> str:
    """Skip a component externdesc; its kind's name."""
    kind = r.byte()
    # A core module: 0x11, then its core type index; a value: 0x00 (eq index) or
    # 0x01 then a value type, both one LEB128.
    if kind in (0, 2):
        r.byte()
        r.u32()
    elif kind == 3:  # a type: 0x00 (eq index) or 0x01 (sub resource)
        if r.byte() == 0:
            r.u32()
    elif kind in (1, 4, 5):  # a function, component or instance: its type index
        r.u32()
    else:
        raise BuildError(
            f"malformed WebAssembly component: unknown import kind {kind} at byte {r.pos - 1}",
            r.path,
        )
    return _COMPONENT_KINDS[kind]


def _read_component(path: Path, data: bytes) -> WasmModule:
    """A component's top-level imports and exports (its world)."""
    if data[4:6] != COMPONENT_VERSION:
        raise BuildError(
            f"unsupported WebAssembly component version {data[4:6].hex()} (Wasmtime reads "
            "the component model's 0d00)",
            path,
        )
    module = WasmModule(path, data, is_component=True)
    r = _Reader(data, path)
    r.pos = 8
    for section, _size in r.sections():
        if section == _IMPORT_SECTION:
            for _ in range(r.u32()):
                name = _component_name(r)
                module.imports.append(Import(name, "", _extern_desc(r)))
        elif section == _EXPORT_SECTION:
            for _ in range(r.u32()):
                name = _component_name(r)
                sort = r.byte()
                kind = _CORE_SORTS.get(r.byte(), "core item") if sort == 0 else None
                if kind is None:
                    kind = _COMPONENT_KINDS.get(sort, f"kind {sort}")
                r.u32()
                if r.byte() == 1:  # an optional type ascription
                    _extern_desc(r)
                module.exports.append(Export(name, kind))
    return module


def code_sizes(module: WasmModule) -> tuple[list[int], int]:
    """The size in bytes of each function body the module defines, and of its data
    segments together: what a translation's size and cost follow."""
    r = _Reader(module.data, module.path)
    r.pos = 8
    bodies: list[int] = []
    data = 0
    for section, size in r.sections():
        if section == 10:
            for _ in range(r.u32()):
                body = r.u32()
                bodies.append(body)
                r.pos += body
        elif section == 11:
            data += size
    return bodies, data

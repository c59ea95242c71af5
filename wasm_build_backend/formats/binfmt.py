"""What a binary is for: the file format and CPU of ELF, Mach-O and PE files, and what they load.

The backend ships libraries it did not build (the `wasmtime` wheels' runtime) next to
executables it cross-links, so it checks both before they go into a wheel: a library
for the wrong platform would only fail on the user's machine.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_ELF_MACHINES = {
    62: "x86_64",
    183: "aarch64",
    40: "armv7l",
    3: "i686",
    21: "ppc64",  # ppc64le when little-endian
    22: "s390x",
    243: "riscv64",
    258: "loongarch64",
}
_MACHO_CPUS = {0x01000007: "x86_64", 0x0100000C: "aarch64"}
_PE_MACHINES = {0x8664: "x86_64", 0xAA64: "aarch64", 0x14C: "i686"}
_MACHO_64 = 0xFEEDFACF
_FAT = 0xCAFEBABE


@dataclass(frozen=True)
class BinaryKind:
    format: str  # "elf", "macho" or "coff" (the object formats of Target.object_format)
    arches: tuple[str, ...]  # one, or several for a fat Mach-O file; "" when unknown

    def describe(self) -> str:
        name = {"elf": "ELF", "macho": "Mach-O", "coff": "PE"}[self.format]
        return f"{name} {'+'.join(a or 'unknown CPU' for a in self.arches)}"


def identify(data: bytes) -> BinaryKind | None:
    """The format and architecture(s) of a binary, or None if it is none of the three."""
    if data[:4] == b"\x7fELF" and len(data) >= 20:
        endian = "<" if data[5] == 1 else ">"
        (machine,) = struct.unpack_from(endian + "H", data, 18)
        arch = _ELF_MACHINES.get(machine, "")
        if arch == "ppc64" and endian == "<":
            arch = "ppc64le"
        return BinaryKind("elf", (arch,))
    if len(data) >= 8 and struct.unpack_from("<I", data)[0] == _MACHO_64:
        (cpu,) = struct.unpack_from("<i", data, 4)
        return BinaryKind("macho", (_MACHO_CPUS.get(cpu & 0xFFFFFFFF, ""),))
    if len(data) >= 8 and struct.unpack_from(">I", data)[0] == _FAT:
        (count,) = struct.unpack_from(">I", data, 4)
        cpus = [struct.unpack_from(">I", data, 8 + 20 * i)[0] for i in range(count)]
        return BinaryKind("macho", tuple(_MACHO_CPUS.get(c, "") for c in cpus))
    if data[:2] == b"MZ" and len(data) >= 0x40:
        (pe,) = struct.unpack_from("<I", data, 0x3C)
        if data[pe : pe + 4] == b"PE\0\0":
            (machine,) = struct.unpack_from("<H", data, pe + 4)
            return BinaryKind("coff", (_PE_MACHINES.get(machine, ""),))
    return None


def pe_imports(data: bytes) -> list[str]:
    """The DLLs a PE file imports, in the order of its import table."""
    (pe,) = struct.unpack_from("<I", data, 0x3C)
    sections_count, optional_size = struct.unpack_from("<H12xH", data, pe + 6)
    optional = pe + 24
    magic = struct.unpack_from("<H", data, optional)[0]
    directories = optional + (112 if magic == 0x20B else 96)
    import_rva, _ = struct.unpack_from("<II", data, directories + 8)
    sections: list[tuple[int, int, int]] = []
    for i in range(sections_count):
        base = optional + optional_size + 40 * i
        vsize, vaddr, raw_size, raw_ptr = struct.unpack_from("<IIII", data, base + 8)
        sections.append((vaddr, max(vsize, raw_size), raw_ptr))

    def offset(rva: int) -> int:
        for vaddr, size, raw in sections:
            if vaddr <= rva < vaddr + size:
                return rva - vaddr + raw
        raise ValueError(f"RVA {rva:#x} is in no section")

    names = []
    entry = offset(import_rva) if import_rva else -1
    while entry >= 0:
        name_rva = int(struct.unpack_from("<I", data, entry + 12)[0])
        if name_rva == 0:
            break
        start = offset(name_rva)
        names.append(data[start : data.index(b"\0", start)].decode("ascii"))
        entry += 20
    return names


def elf_needed(data: bytes) -> list[str]:
    """The DT_NEEDED entries of an ELF file, 32- or 64-bit, of either byte order."""
    e = "<" if data[5] == 1 else ">"
    if data[4] == 1:  # ELFCLASS32
        shoff = struct.unpack_from(e + "I", data, 0x20)[0]
        shentsize, shnum = struct.unpack_from(e + "HH", data, 0x2E)
        word, fields, address = "I", 0x10, 0x10
    else:
        shoff = struct.unpack_from(e + "Q", data, 0x28)[0]
        shentsize, shnum = struct.unpack_from(e + "HH", data, 0x3A)
        word, fields, address = "Q", 0x18, 0x18
    for i in range(shnum):
        base = shoff + i * shentsize
        sh_type = struct.unpack_from(e + "I", data, base + 4)[0]
        if sh_type != 6:  # SHT_DYNAMIC
            continue
        offset, size, link = struct.unpack_from(e + word + word + "I", data, base + fields)
        strtab = struct.unpack_from(e + word, data, shoff + link * shentsize + address)[0]
        entry = struct.calcsize(e + word.lower() + word)
        needed = []
        for pos in range(offset, offset + size, entry):
            tag, value = struct.unpack_from(e + word.lower() + word, data, pos)
            if tag == 0:
                break
            if tag == 1:  # DT_NEEDED
                start = strtab + value
                needed.append(data[start : data.index(b"\0", start)].decode())
        return needed
    return []

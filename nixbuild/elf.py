"""Reads ELF files with pyelftools: class, machine, type, interpreter, the
addresses of the loadable segments, the dynamic section's DT_NEEDED,
DT_RUNPATH, DT_RPATH and DT_SONAME, and the GNU symbol versions a file needs
of each library and those it defines (what ld.so checks before it starts a
program: "version `GLIBC_2.38' not found").

The one ELF reader of nixbuild (the closure proof, shell mode's artifact
check). The dynamic entries are read through the PT_DYNAMIC segment, so a
file whose section headers were stripped still reads as the loader sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from elftools.elf.elffile import ELFFile

MAGIC = b"\x7fELF"
MACHINE_NAMES = {62: "x86_64", 183: "aarch64", 243: "riscv", 40: "arm", 3: "i386"}


class NotElfError(Exception):
    """The file starts like ELF but cannot be read as one (truncated, corrupt)."""


@dataclass(frozen=True)
class ElfHeader:
    elf_class: int  # 1 = 32-bit, 2 = 64-bit (EI_CLASS)
    machine: int  # e_machine

    @property
    def machine_name(self) -> str:
        return MACHINE_NAMES.get(self.machine, f"machine {self.machine}")

    @property
    def bits(self) -> int:
        return 32 if self.elf_class == 1 else 64


@dataclass(frozen=True)
class ElfFile(ElfHeader):
    kind: str  # e_type without the prefix: "EXEC", "DYN", "REL", "CORE"
    interpreter: str | None  # PT_INTERP
    needed: tuple[str, ...]  # DT_NEEDED, in order
    runpath: tuple[str, ...]  # DT_RUNPATH entries (split on ":")
    rpath: tuple[str, ...]  # DT_RPATH entries
    soname: str | None
    load_addresses: tuple[int, ...] = ()  # p_vaddr of each PT_LOAD segment, in file order
    version_needs: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (library file name, versions), .gnu.version_r
    version_defs: tuple[str, ...] = ()  # versions this file defines (.gnu.version_d), without the base entry

    def versions_needed_of(self, library: str) -> tuple[str, ...]:
        return next((versions for name, versions in self.version_needs if name == library), ())

    @property
    def loadable(self) -> bool:
        """A program or shared object (not an object file or a core dump)."""
        return self.kind in ("EXEC", "DYN")


def is_elf(head: bytes) -> bool:
    return head[:4] == MAGIC


def read(stream: IO[bytes]) -> ElfFile:
    """Parse an ELF file from a seekable binary stream; NotElfError when it cannot be read."""
    # pyelftools is imported when a file is parsed: a rebuild with nothing changed parses none.
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    from elftools.elf.enums import ENUM_E_MACHINE

    try:
        elf = ELFFile(stream)
        machine = elf["e_machine"]
        machine_number = ENUM_E_MACHINE.get(machine, 0) if isinstance(machine, str) else int(machine)
        interpreter = None
        needed: list[str] = []
        runpath: list[str] = []
        rpath: list[str] = []
        soname = None
        loads: list[int] = []
        for segment in elf.iter_segments():
            if segment["p_type"] == "PT_LOAD":
                loads.append(int(segment["p_vaddr"]))
            elif segment["p_type"] == "PT_INTERP":
                interpreter = segment.get_interp_name()
            elif segment["p_type"] == "PT_DYNAMIC":
                for tag in segment.iter_tags():
                    name = tag.entry.d_tag
                    if name == "DT_NEEDED":
                        needed.append(tag.needed)
                    elif name == "DT_RUNPATH":
                        runpath.extend(p for p in tag.runpath.split(":") if p)
                    elif name == "DT_RPATH":
                        rpath.extend(p for p in tag.rpath.split(":") if p)
                    elif name == "DT_SONAME":
                        soname = tag.soname
        needs, defs = _versions(elf)
        return ElfFile(
            elf_class=1 if elf.elfclass == 32 else 2,
            machine=machine_number,
            kind=str(elf["e_type"]).removeprefix("ET_"),
            interpreter=interpreter,
            needed=tuple(needed),
            runpath=tuple(runpath),
            rpath=tuple(rpath),
            soname=soname,
            load_addresses=tuple(loads),
            version_needs=needs,
            version_defs=defs,
        )
    except (ELFError, ValueError, KeyError, OSError, UnicodeDecodeError, AssertionError) as exc:
        raise NotElfError(str(exc) or type(exc).__name__) from None


def _versions(elf: ELFFile) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], tuple[str, ...]]:
    """The symbol versions needed per library and defined, from the section headers (a file
    without them, e.g. after sstrip, has none to check)."""
    from elftools.elf.gnuversions import GNUVerDefSection, GNUVerNeedSection

    needs: list[tuple[str, tuple[str, ...]]] = []
    defs: list[str] = []
    for section in elf.iter_sections():
        if isinstance(section, GNUVerNeedSection):
            for verneed, auxiliaries in section.iter_versions():
                needs.append((verneed.name, tuple(aux.name for aux in auxiliaries)))
        elif isinstance(section, GNUVerDefSection):
            for verdef, auxiliaries in section.iter_versions():
                names = [aux.name for aux in auxiliaries]
                if names and not verdef["vd_flags"] & 0x1:  # VER_FLG_BASE: the file's own name
                    defs.append(names[0])
    return tuple(needs), tuple(defs)


def read_header(path: Path) -> ElfHeader | None:
    """The ELF class and machine of a file, or None when it is not ELF (e.g. a script)."""
    with open(path, "rb") as f:
        if not is_elf(f.read(4)):
            return None
        f.seek(0)
        try:
            parsed = read(f)
        except NotElfError:
            return None
    return ElfHeader(elf_class=parsed.elf_class, machine=parsed.machine)

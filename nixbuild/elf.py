"""Reads the ELF header of a file: is it an executable for the target's CPU?"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

MACHINE_NAMES = {62: "x86_64", 183: "aarch64", 243: "riscv", 40: "arm", 3: "i386"}


@dataclass(frozen=True)
class ElfHeader:
    elf_class: int  # 1 = 32-bit, 2 = 64-bit
    machine: int  # e_machine

    @property
    def machine_name(self) -> str:
        return MACHINE_NAMES.get(self.machine, f"machine {self.machine}")


def read_header(path: Path) -> ElfHeader | None:
    """The ELF header, or None when the file is not ELF (e.g. a script)."""
    with open(path, "rb") as f:
        head = f.read(20)
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return None
    endian = "<" if head[5] == 1 else ">"
    (machine,) = struct.unpack(endian + "H", head[18:20])
    return ElfHeader(elf_class=head[4], machine=machine)

"""The fix-up of a shell-built artifact, as its derivation recorded it.

When shell mode takes the artifact into the store, stdenv's fixup and
nixpkgs' autoPatchelfHook rewrite each ELF file's interpreter and RUNPATH
(see templates/package-shell.nix.j2). ``nix/lib/artifact.sh`` writes what
every ELF file looked like before and after into the package's ``fixup``
output (``elf.tsv``); this module reads it back for the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from nixbuild import providers

RECORD = "elf.tsv"
_HASH = re.compile(r"(/nix/store/)([0-9a-z]{32})-")
# autoPatchelfHook's line for a library it found nowhere (nixpkgs' wording).
_MISSING = re.compile(r"could not satisfy dependency (\S+) wanted by /nix/store/[0-9a-z]{32}-[^/\s]+/(\S+)")
_FIELDS = 7


@dataclass(frozen=True)
class FixedFile:
    path: str  # relative to the package's output, e.g. "bin/hello"
    interpreter_before: str  # "" when the file has none (a library, a static program)
    interpreter_after: str
    runpath_before: str  # ":"-separated, "" when none
    runpath_after: str
    needed: tuple[str, ...]  # DT_NEEDED after the fix-up

    @property
    def changed(self) -> bool:
        return (self.interpreter_before, self.runpath_before) != (self.interpreter_after, self.runpath_after)


def parse(text: str) -> tuple[FixedFile, ...]:
    files = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split("\t")
        if len(fields) != _FIELDS:
            raise ValueError(f"{RECORD}:{number}: expected {_FIELDS} tab-separated fields, found {len(fields)}")
        path, ib, ia, rb, ra, _nb, na = fields
        files.append(FixedFile(path, ib, ia, rb, ra, tuple(n for n in na.split(":") if n)))
    return tuple(files)


def read(output: Path) -> tuple[FixedFile, ...]:
    """The record in a package's ``fixup`` output directory."""
    return parse((output / RECORD).read_text(encoding="utf-8"))


def as_dict(f: FixedFile) -> dict[str, object]:
    return {
        "path": f.path,
        "interpreter": {"before": f.interpreter_before or None, "after": f.interpreter_after or None},
        "runpath": {"before": f.runpath_before.split(":") if f.runpath_before else [],
                    "after": f.runpath_after.split(":") if f.runpath_after else []},
        "needed": list(f.needed),
        "changed": f.changed,
    }


def text_lines(files: tuple[FixedFile, ...]) -> list[str]:
    """What the fix-up changed, one line per changed field (store hashes elided; where only
    a hash changed, e.g. the loader of an earlier package set, their first characters show)."""
    def paths(value: str) -> str:
        return _HASH.sub(r"\1…-", value) if value else "(none)"

    def change(before: str, after: str) -> str:
        if before and paths(before) == paths(after):
            return f"{_HASH.sub(_short, before)} → {_HASH.sub(_short, after)}"
        return f"{paths(before)} → {paths(after)}"

    lines = []
    for f in files:
        if f.interpreter_before != f.interpreter_after:
            lines.append(f"{f.path}: interpreter {change(f.interpreter_before, f.interpreter_after)}")
        if f.runpath_before != f.runpath_after:
            lines.append(f"{f.path}: RUNPATH {change(f.runpath_before, f.runpath_after)}")
        if not f.changed:
            lines.append(f"{f.path}: unchanged (RUNPATH {paths(f.runpath_after)})")
    return lines


def _short(match: re.Match[str]) -> str:
    return f"{match.group(1)}{match.group(2)[:7]}…-"


def missing_libraries(log: str) -> tuple[tuple[str, str], ...]:
    """(file in the output, library) for each library autoPatchelfHook could not find."""
    return tuple(dict.fromkeys((m.group(2), m.group(1)) for m in _MISSING.finditer(log)))


def provider_hint(library: str) -> str | None:
    """The package-set attribute that provides a well-known library, e.g. libz.so.1 → zlib."""
    return providers.of_library(library)

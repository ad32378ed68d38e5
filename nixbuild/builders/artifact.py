"""Shell mode's artifact: what `[package] artifact` names, and where it goes.

``artifact`` is one path or a list of paths relative to the project, each a
file or a directory; ``{target}`` stands for the target's name and
``{triple}`` for its config triple (``aarch64-unknown-linux-gnu``). The
derivation that takes them into the store (``nix/lib/artifact.sh``) installs
them by these rules, which the checks here mirror:

- a single file is the program: ``bin/<program>``;
- a directory with ``bin/``, ``lib/`` or ``share/`` is an install tree: those
  are merged into the output;
- in a list, a file named ``*.so`` or ``*.so.*`` goes to ``lib/``, an
  executable file to ``bin/``, anything else (data files, other directories)
  to ``share/<package name>/``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from nixbuild import nixexpr, platforms
from nixbuild.errors import BuildCommandError

PLACEHOLDERS = ("target", "triple")
INSTALL_DIRS = ("bin", "lib", "share")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_STORE_NAME = re.compile(r"[A-Za-z0-9+_?=-][A-Za-z0-9+._?=-]*\Z")


def unknown_placeholders(entry: str) -> list[str]:
    return [m for m in _PLACEHOLDER.findall(entry) if m not in PLACEHOLDERS]


def expand(entry: str, plat: platforms.Platform) -> str:
    return entry.replace("{target}", plat.name).replace("{triple}", plat.config)


def valid_store_name(name: str) -> bool:
    return bool(_STORE_NAME.match(name))


def _concat(entry: str) -> str:
    """Nix string concatenation of ``entry`` with placeholders as the variables
    ``target`` and ``triple`` (bound in package.nix)."""
    parts: list[str] = []
    pos = 0
    for m in re.finditer(r"\{(target|triple)\}", entry):
        if m.start() > pos:
            parts.append(nixexpr.string(entry[pos:m.start()]))
        parts.append(m.group(1))
        pos = m.end()
    if pos < len(entry):
        parts.append(nixexpr.string(entry[pos:]))
    return " + ".join(parts) if parts else '""'


def path_expr(entry: str) -> str:
    """The entry's path from .nixbuild/, placeholders filled at evaluation time."""
    if not any(f"{{{p}}}" in entry for p in PLACEHOLDERS):
        return nixexpr.project_path(entry)
    # Concatenate the string first: `path + "/dir/"` would drop the trailing slash.
    return "(../. + (" + _concat("/" + entry) + "))"


def name_expr(entry: str) -> str:
    """The store name of the entry's copy: its file name."""
    base = PurePosixPath(entry).name
    if not any(f"{{{p}}}" in base for p in PLACEHOLDERS):
        return nixexpr.string(base)
    return "(" + _concat(base) + ")"


@dataclass(frozen=True)
class Entry:
    rel: str  # relative to the project, placeholders filled
    path: Path


def entries(root: Path, artifact: tuple[str, ...], target: str) -> tuple[Entry, ...]:
    plat = platforms.get(target)
    return tuple(Entry(rel, root / rel) for rel in (expand(e, plat) for e in artifact))


def is_library_name(name: str) -> bool:
    return name.endswith(".so") or ".so." in name


def program_is_present(found: tuple[Entry, ...], program: str) -> bool:
    """Whether the installed artifact will have bin/<program>."""
    if len(found) == 1 and found[0].path.is_file():
        return True
    for e in found:
        p = e.path
        if p.is_dir() and (p / "bin" / program).is_file():
            return True
        if p.is_file() and p.name == program and not is_library_name(p.name) and os.access(p, os.X_OK):
            return True
    return False


def _elf_files(entry: Entry) -> list[tuple[str, Path]]:
    if entry.path.is_file():
        return [(entry.rel, entry.path)]
    out = []
    for p in sorted(entry.path.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out.append((f"{entry.rel.rstrip('/')}/{p.relative_to(entry.path).as_posix()}", p))
    return out


def check(root: Path, artifact: tuple[str, ...], program: str, target: str) -> tuple[Entry, ...]:
    """The artifact's entries for ``target``, after checking that the build made
    them, that Nix can copy them, that the program is among them and that every
    ELF file is for the target's CPU (proof.ProofError, exit 8, otherwise)."""
    found = entries(root, artifact, target)
    for e in found:
        if os.path.islink(e.path):
            dest = os.readlink(e.path)
            raise BuildCommandError(
                f"artifact {e.rel} is a symbolic link (to {dest}); Nix would copy the link, not the file",
                hint="name the file it points to (a library gets its SONAME link when installed), "
                     "or a directory holding both")
        if not e.path.exists():
            raise BuildCommandError(f"the build command succeeded but did not produce {e.rel}",
                                    hint="check [package] artifact in nixbuild.toml")
        if e.path.is_dir():
            for p in e.path.rglob("*"):
                if p.is_symlink() and not p.resolve().is_relative_to(e.path.resolve()):
                    raise BuildCommandError(
                        f"{e.rel}/{p.relative_to(e.path).as_posix()} links outside {e.rel} (to {os.readlink(p)})",
                        hint="copy the file into the directory, or name it in artifact as well")
    if not program_is_present(found, program):
        names = ", ".join(e.rel for e in found)
        raise BuildCommandError(
            f"the artifact ({names}) has no program {program!r}: nothing would be installed as bin/{program}",
            hint="list the program's file in [package] artifact (an executable file, or bin/ in a directory), "
                 "or set [package] program")
    from nixbuild import proof  # pyelftools: only when an artifact is checked

    plat = platforms.get(target)
    for e in found:
        for rel, path in _elf_files(e):
            proof.check_built_file(path, rel, plat)  # the closure proof's verdict on its CPU
    return found

"""builder = "cmake": a CMake project built hermetically by ``stdenv.mkDerivation``
with nixpkgs' ``cmake`` in ``nativeBuildInputs``.

cmake's setup hook makes the configure phase ``cmake`` (out-of-source in
``build/``, Release, ``CMAKE_INSTALL_BINDIR``/``LIBDIR`` … per output, the
cc-wrapper's compilers; for cross targets mkDerivation adds
``CMAKE_SYSTEM_NAME``/``PROCESSOR``), then make and make install run in the
build directory. Programs go to ``bin`` and shared libraries to ``lib`` by the
install directories alone, so only those outputs reach the image.
[package] cmake-flags adds ``-D…`` entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nixbuild import nixexpr
from nixbuild.builders.base import Detection, derivation_outputs, inputs_expr
# A hermetic builder: all of the build happens in nix-build.
from nixbuild.builders.base import clean_copy as clean_copy
from nixbuild.builders.base import produce as produce
from nixbuild.builders.base import serial_targets as serial_targets

if TYPE_CHECKING:
    from nixbuild.config import Package, Project, Reader

NAME = "cmake"
SCHEMA = {"cmake-flags": "string list"}
KEYS = frozenset(SCHEMA)
DEFAULT_OUTPUTS = ("bin",)
TEMPLATE = "package-cmake.nix.j2"
FIXUP_OUTPUT = None  # built by Nix with the package set's compiler: nothing to fix up
OUTPUTS = ("bin", "lib", "out")  # the outputs this builder makes


@dataclass(frozen=True)
class Options:
    cmake_flags: tuple[str, ...] = ()  # cmakeFlags


def options(r: Reader, table: dict[str, Any], root: Path, outputs: tuple[str, ...]) -> Options:
    s = "package"
    for out in outputs:
        if out not in OUTPUTS:
            raise r.error((s, "outputs"), f"builder \"cmake\" makes the outputs bin, lib and out, not {out!r}")
    flags = r.str_list(s, table, "cmake-flags", ()) or ()
    for flag in flags:
        if not flag.startswith("-"):
            raise r.error((s, "cmake-flags"), f"{flag!r} is not a cmake option",
                          hint='cmake options start with -, e.g. cmake-flags = ["-DWITH_TLS=ON"]')
    return Options(cmake_flags=tuple(flags))


def package_args(pkg: Package) -> str:
    return "{\n    inputs = " + inputs_expr(pkg, 2) + ";\n  }"


def render_context(project: Project) -> dict[str, object]:
    pkg = project.package
    return {
        "src_expr": nixexpr.project_path(pkg.src),
        "source_name": f"{pkg.name}-{pkg.version}-source",
        "drv_outputs": derivation_outputs(pkg),
        "cmake_flags": list(pkg.options.cmake_flags),
    }



def default_program(options: Options) -> str | None:
    return None  # the package name


def host_missing(target: object) -> tuple[str, ...]:
    """hostpkgs' cmake is Debian's (its setup hook is hostpkgs' own)."""
    if Path("/usr/bin/cmake").exists():
        return ()
    return ("cmake (hostpkgs wraps Debian's cmake: apt-get install cmake)",)


# -- nixbuild init ---------------------------------------------------------------

_PROJECT = re.compile(r"^[ \t]*project\s*\(\s*([A-Za-z0-9_.+-]+)(?:[^)]*?\bVERSION\s+([0-9][0-9A-Za-z.+-]*))?",
                      re.IGNORECASE | re.MULTILINE)
_EXECUTABLE = re.compile(r"^[ \t]*add_executable\s*\(\s*([A-Za-z0-9_.+-]+)", re.IGNORECASE | re.MULTILINE)
_INSTALL_TARGETS = re.compile(r"^[ \t]*install\s*\(\s*TARGETS\s+([^)]*)\)", re.IGNORECASE | re.MULTILINE)


def detect(root: Path) -> Detection | None:
    """A tree with CMakeLists.txt: the name and version from project(), the program
    from the executable it installs (install(TARGETS …)), else its first add_executable."""
    lists = root / "CMakeLists.txt"
    if not lists.is_file():
        return None
    text = lists.read_text(errors="replace")
    evidence = ["CMakeLists.txt: a CMake project (configured with nixpkgs' cmake setup hook)"]
    name = version = program = None
    found = _PROJECT.search(text)
    if found:
        name, version = found.group(1), found.group(2)
        evidence.append(f"CMakeLists.txt:{_line(text, found.start())}: project({name}"
                        + (f" VERSION {version})" if version else ")"))
    executables = [(m.group(1), m.start()) for m in _EXECUTABLE.finditer(text)]
    installed = {word for m in _INSTALL_TARGETS.finditer(text) for word in m.group(1).split()}
    chosen = next(((e, at) for e, at in executables if e in installed), executables[0] if executables else None)
    if chosen:
        program = chosen[0]
        how = "installed with install(TARGETS)" if program in installed else "the first add_executable"
        evidence.append(f"CMakeLists.txt:{_line(text, chosen[1])}: add_executable({program}), {how}")
        if program not in installed:
            evidence.append("CMakeLists.txt: no install(TARGETS …) for it: make install will not install it")
    return Detection(builder=NAME, name=name, version=version, program=program, evidence=tuple(evidence),
                     package={"outputs": list(DEFAULT_OUTPUTS)})


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1

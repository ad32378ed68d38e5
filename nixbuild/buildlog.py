"""Why a hermetic build failed, read from its log, when the cause is one a user
fixes in the project: the build ran a program that is not on the build's PATH,
could not find a header or a library that a package-set input provides, or
nixbuild's generated code said why in a line of its own (``nixbuild: … (hint:
…)``, e.g. a Makefile without an install target that built no program).

In a hermetic build PATH holds only the package set's tools (as in nixpkgs'
sandbox, where there is no /usr); in a cross build the target's compiler is
named by ``$CC`` (``aarch64-unknown-linux-gnu-cc``), so a recipe that writes
``gcc`` fails with "gcc: command not found". The make flags nixbuild passes
are in the log (stdenv's ``build flags:`` line), so the explanation can name
the tool the recipe should have used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nixbuild import providers

# bash: "/bin/bash: line 1: gcc: command not found"; dash: "/bin/sh: 1: gcc: not found";
# make running a command itself: "make: gcc: No such file or directory".
_NOT_FOUND = re.compile(
    r"^(?:\S*sh: (?:line )?\d+: (?P<sh>[^\s:/]+): (?:command )?not found"
    r"|make(?:\[\d+\])?: (?P<make>[^\s:/]+): (?:No such file or directory|Command not found))\s*$",
    re.MULTILINE,
)
_FLAGS = re.compile(r"^(?:build|install) flags: (?P<flags>.*)$", re.MULTILINE)
# The generated derivation's own explanation: "nixbuild: MESSAGE (hint: HINT)".
_OWN = re.compile(r"^nixbuild: (?P<message>.+?) \(hint: (?P<hint>.+)\)\s*$", re.MULTILINE)
# gcc: "app.c:1:10: fatal error: zlib.h: No such file or directory"
_NO_HEADER = re.compile(r"fatal error: (?P<header>[^:\s]+): No such file or directory")
# ld: "/usr/bin/ld: cannot find -lz" (binutils ≥ 2.39 adds ": No such file or directory")
_NO_LIBRARY = re.compile(r"\bld(?:\.\w+)?: cannot find -l(?P<lib>[^\s:]+)")

# pkg-config through PKG_CHECK_MODULES: "No package 'ncursesw' found" (freedesktop pkg-config),
# "Package 'ncursesw', required by 'virtual:world', not found" (pkgconf, Debian's and nixpkgs').
_NO_MODULE = re.compile(r"No package '(?P<module>[^'\s]+)' found"
                        r"|Package '(?P<pkgconf>[^'\s]+)', required by '[^']*', not found")
# autoconf: "configure: error: cannot find required curses/ncurses library"
_CONFIGURE_ERROR = re.compile(r"^configure: error: (?P<message>.+?)\s*$", re.MULTILINE)

# A program a Makefile may name directly → the make variable nixbuild sets to the target's one.
TOOL_VARIABLES = {
    "gcc": "CC", "cc": "CC", "clang": "CC",
    "g++": "CXX", "c++": "CXX", "clang++": "CXX",
    "ar": "AR", "ranlib": "RANLIB", "ld": "LD", "strip": "STRIP", "pkg-config": "PKG_CONFIG",
}


@dataclass(frozen=True)
class Explanation:
    message: str
    hint: str


def missing_program(log: str) -> str | None:
    """The last program the build could not find, if that is how it failed."""
    found = list(_NOT_FOUND.finditer(log))
    if not found:
        return None
    return found[-1].group("sh") or found[-1].group("make")


def _make_flags(log: str) -> dict[str, str]:
    flags: dict[str, str] = {}
    for line in _FLAGS.finditer(log):
        for word in line.group("flags").split():
            name, sep, value = word.partition("=")
            if sep:
                flags.setdefault(name, value)
    return flags


def _inputs_hint(what: str, provider: str | None, where: str) -> str:
    example = f'inputs = ["{provider}"]' if provider else 'inputs = ["PACKAGE"]'
    return (f"add the package that provides {what} to [package] inputs in nixbuild.toml ({example}): {where} "
            "sees only the package set's headers and libraries, never the host's")


def missing_input(log: str, where: str = "a hermetic build") -> Explanation | None:
    """The header or library the build could not find, if that is how it failed; ``where``
    names what sees only the package set's (a hermetic build, the nix-shell)."""
    header = _NO_HEADER.search(log)
    if header is not None:
        name = header.group("header")
        return Explanation(f"the build cannot find the header {name}",
                           _inputs_hint(name, providers.of_header(name), where))
    library = _NO_LIBRARY.search(log)
    if library is not None:
        name = library.group("lib")
        return Explanation(f"the link cannot find the library -l{name} (lib{name}.so)",
                           _inputs_hint(f"lib{name}", providers.of_link_name(name), where))
    module = _NO_MODULE.search(log)
    if module is not None:
        name = module.group("module") or module.group("pkgconf")
        return Explanation(f"pkg-config cannot find the module {name}",
                           _inputs_hint(f"{name}.pc", providers.of_pkg_config_module(name), where))
    configure = _CONFIGURE_ERROR.search(log)
    if configure is not None:
        # A library configure looked for, named in its message (htop: "curses/ncurses library").
        words = re.split(r"[^A-Za-z0-9+_.-]+", configure.group("message"))
        attr = next((a for w in words for a in (providers.of_link_name(w.removeprefix("lib")),
                                                  providers.of_pkg_config_module(w)) if a), None)
        if attr is not None:
            return Explanation(f"configure: {configure.group('message')}",
                               f"if the package set's {attr} is what it looks for, " + _inputs_hint(attr, attr, where))
    return None


def explain(log: str) -> Explanation | None:
    own = list(_OWN.finditer(log))
    if own:
        return Explanation(own[-1].group("message"), own[-1].group("hint"))
    program = missing_program(log)
    if program is None:
        return missing_input(log)
    variable = TOOL_VARIABLES.get(program)
    if variable is None:
        return Explanation(
            f"the build runs `{program}`, which is not on the PATH of a hermetic build "
            "(it holds only the package set's tools)",
            hint="hermetic builds have coreutils, make, sed, grep, gawk, find, diff, tar, gzip, bzip2, xz, patch, "
                 "file and the compiler; a build that needs more host tools can use builder = \"shell\"",
        )
    tool = _make_flags(log).get(variable)
    named = f" (the target's is {variable}={tool})" if tool else ""
    return Explanation(
        f"the build runs `{program}` by name, which is not on the PATH of this build{named}",
        hint=f"write $({variable}) instead of `{program}` in the Makefile's recipes: "
             f"nixbuild sets {variable} to the target's tool",
    )

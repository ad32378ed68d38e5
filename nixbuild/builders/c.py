"""builder = "c": a make-based C project built hermetically by ``stdenv.mkDerivation``.

make, then make install, with make called the way nixpkgs packages call it
for cross builds (the target's CC, AR, … in makeFlags; PREFIX and prefix =
$out; DESTDIR a staging directory whose contents move into the outputs); the
program moves to the ``bin`` output so that ``out`` (docs, …) stays out of
the image. [package] make-flags, install-flags and make-target cover the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nixbuild import nixexpr, providers
from nixbuild.builders.base import Detection, derivation_outputs, inputs_expr
# A hermetic builder: all of the build happens in nix-build.
from nixbuild.builders.base import clean_copy as clean_copy
from nixbuild.builders.base import produce as produce
from nixbuild.builders.base import serial_targets as serial_targets

if TYPE_CHECKING:
    from nixbuild.config import Package, Project, Reader

NAME = "c"
SCHEMA = {"make-flags": "string list", "install-flags": "string list", "make-target": "string",
          "install": "string list", "autoreconf": "boolean"}
KEYS = frozenset(SCHEMA)
DEFAULT_OUTPUTS = ("bin",)
TEMPLATE = "package-c.nix.j2"
FIXUP_OUTPUT = None  # built by Nix with the package set's compiler: nothing to fix up
OUTPUTS = ("bin", "lib", "out")  # the outputs this builder makes


@dataclass(frozen=True)
class Options:
    make_flags: tuple[str, ...] = ()  # every make call (makeFlags)
    install_flags: tuple[str, ...] = ()  # make install only (installFlags)
    make_target: str | None = None  # the build's target instead of the Makefile's first (buildFlags)
    install: tuple[str, ...] = ()  # build-tree files installed instead of `make install` (no install target)
    autoreconf: bool = False  # autoreconfHook: configure is generated from configure.ac before it runs
    # A tool variable the project's Makefiles assign with flags (lua: AR= ar rcu, CC= gcc -std=gnu99):
    # (variable, flags), kept after the target's tool in makeFlags.
    tool_flags: tuple[tuple[str, str], ...] = ()


def options(r: Reader, table: dict[str, Any], root: Path, outputs: tuple[str, ...]) -> Options:
    s = "package"
    for out in outputs:
        if out not in OUTPUTS:
            raise r.error((s, "outputs"), f"builder \"c\" makes the outputs bin, lib and out, not {out!r}")
    make_flags = r.str_list(s, table, "make-flags", ()) or ()
    install_flags = r.str_list(s, table, "install-flags", ()) or ()
    make_target = r.get(s, table, "make-target", str)
    if make_target is not None and (not make_target.strip() or make_target.startswith("-")):
        raise r.error((s, "make-target"), f"{make_target!r} is not a make target",
                      hint='name one target, e.g. make-target = "all"; options go in make-flags')
    install = r.str_list(s, table, "install", ()) or ()
    for entry in install:
        parts = entry.split("/")
        if (not entry or entry.startswith("/") or any(c.isspace() for c in entry) or ".." in parts
                or not entry.strip("./")):
            raise r.error((s, "install"), f"{entry!r} is not a file of the build tree",
                          hint='name files relative to the source directory, without spaces or "..", '
                               'e.g. install = ["pigz", "build/libfoo.so.1"]')
    if "install" in table and not install:
        raise r.error((s, "install"), "is empty", hint="name the files to install, or remove the key to run make install")
    if install and install_flags:
        raise r.error((s, "install-flags"), "has no effect with [package] install (make install is not run)",
                      hint="remove install-flags, or remove install to run make install")
    autoreconf = r.get(s, table, "autoreconf", bool)
    src = root / str(table.get("src", "."))  # already checked: a directory inside the project
    if autoreconf is None:
        autoreconf = needs_autoreconf(src)
    elif autoreconf and _autoconf_input(src) is None:
        raise r.error((s, "autoreconf"), "the source has no configure.ac (or configure.in) to generate configure from",
                      hint="remove autoreconf, or run it in the directory of configure.ac")
    return Options(make_flags=tuple(make_flags), install_flags=tuple(install_flags), make_target=make_target,
                   install=tuple(install), autoreconf=autoreconf, tool_flags=tool_flags(src))


def tool_flags(src: Path) -> tuple[tuple[str, str], ...]:
    """The flags the project's Makefiles (the top one, then those one directory down) give a tool
    variable nixbuild sets in makeFlags: ``AR= ar rcu`` and ``$(AR) $@ $?`` (lua) need ``rcu``
    after the target's ``ar``, ``CC= gcc -std=gnu99`` its ``-std=gnu99``. A command-line variable
    replaces the Makefile's whole value, flags included, so they are passed along. Flags that
    differ between Makefiles, or refer to variables, are not guessed at."""
    try:
        subdirs = sorted(p for p in src.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        subdirs = []
    found: dict[str, set[str]] = {}
    for makefile in filter(None, map(_makefile, [src, *subdirs])):
        for line in _read(makefile).splitlines():
            assigned = _TOOL_ASSIGN.match(line)
            if assigned:
                found.setdefault(assigned.group(1), set()).add(assigned.group(2))
    return tuple((var, next(iter(flags))) for var, flags in sorted(found.items())
                 if len(flags) == 1 and "$" not in next(iter(flags)))


def _makefile(directory: Path) -> Path | None:
    """The Makefile make reads in ``directory`` (GNUmakefile, makefile, Makefile, in make's order)."""
    return next((directory / n for n in _MAKEFILES if (directory / n).is_file()), None)


def _autoconf_input(root: Path) -> Path | None:
    return next((root / n for n in _AUTOCONF_INPUTS if (root / n).is_file()), None)


def needs_autoreconf(root: Path) -> bool:
    """A tree with configure.ac (or configure.in) but no configure — a checkout, where the
    release tarball would ship the generated script — is built as nixpkgs builds one: with
    autoreconfHook, which runs ``autoreconf --install --force --verbose`` before configure."""
    return _autoconf_input(root) is not None and not (root / "configure").is_file()


def package_args(pkg: Package) -> str:
    return "{\n    inputs = " + inputs_expr(pkg, 2) + ";\n  }"


def render_context(project: Project) -> dict[str, object]:
    pkg = project.package
    drv_outputs = derivation_outputs(pkg)
    return {
        "src_expr": nixexpr.project_path(pkg.src),
        "source_name": f"{pkg.name}-{pkg.version}-source",
        "drv_outputs": drv_outputs,
        "make_flags": list(pkg.options.make_flags),
        "install_flags": list(pkg.options.install_flags),
        "build_flags": [pkg.options.make_target] if pkg.options.make_target else [],
        "move_outputs": [o for o in drv_outputs if o not in ("out", "dev")],  # dev: stdenv's own moves
        "install_files": list(pkg.options.install),
        "autoreconf": pkg.options.autoreconf,
        "tool_flags": dict(pkg.options.tool_flags),
    }



# -- nixbuild init ---------------------------------------------------------------

_MAKEFILES = ("GNUmakefile", "makefile", "Makefile")
_AUTOCONF_INPUTS = ("configure.ac", "configure.in")
# CC= gcc -std=gnu99, AR = ar rcu: a tool variable nixbuild sets, assigned a program and then flags.
_TOOL_ASSIGN = re.compile(r"^(CC|CXX|AR|RANLIB|LD|STRIP)\s*[:?]?=\s*[^\s$#]+\s+([^#]*?)\s*(?:#.*)?$")
_AUTOMAKE_PROGRAMS = re.compile(r"^(bin|sbin)_PROGRAMS\s*\+?=\s*([A-Za-z0-9._+-]+?)(?:\$[({]EXEEXT[)}])?(?:\s|$)")
# The autoconf macros that look for a library; their arguments are read by _m4_args.
_AC_MACRO = re.compile(r"\b(PKG_CHECK_MODULES|AC_CHECK_LIB|AC_SEARCH_LIBS)\(")
# An install recipe's destination in bin/: $(PREFIX)/bin/NAME, $(DESTDIR)$(bindir)/NAME, …, also with an
# executable suffix variable after the name ($(DESTDIR)$(bindir)/lz4$(EXT), $(EXEEXT)).
_INSTALLS_BIN = re.compile(
    r"(?:\$[({](?:DESTDIR|PREFIX|prefix|BINDIR|bindir|exec_prefix)[)}])+(?:/bin)?/([A-Za-z0-9._+-]+)"
    r"(?:\$[({][A-Za-z_]*EXE?[A-Za-z_]*[)}])?\s*$")
# An install recipe whose destination is the bin directory itself: `install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin`
# (nnn's shape); the program is the operand before it.
_INSTALLS_INTO_BIN = re.compile(
    r"^\t.*?(?:\binstall\b|\$[({]INSTALL(?:_PROGRAM)?[)}]|\bcp\b)(?P<args>.*?)\s+"
    r"(?:\$[({](?:DESTDIR|PREFIX|prefix|exec_prefix)[)}])+/bin/?\s*$|"
    r"^\t.*?(?:\binstall\b|\$[({]INSTALL(?:_PROGRAM)?[)}]|\bcp\b)(?P<args2>.*?)\s+"
    r"(?:\$[({]DESTDIR[)}])?\$[({](?:BINDIR|bindir)[)}]/?\s*$")
# A rule one of whose targets is install ("install:", "install uninstall:").
_HAS_INSTALL = re.compile(r"^(?:[^\s:#=]+[ \t]+)*install(?:[ \t]+[^\s:#=]+)*[ \t]*::?(?!=)", re.MULTILINE)
# A recipe line that runs make in a subdirectory: $(MAKE) -C DIR …, cd DIR && $(MAKE) …
_SUB_MAKE = re.compile(r"\$[({]MAKE[)}]\s+(?:.*\s)?-C\s*(\S+)|\bcd\s+(\S+)\s*&&\s*\$[({]MAKE[)}]")
_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*[:?]?=\s*(\S+)\s*$")
_ASSIGN_ANY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*[:?]?=\s*(.*?)\s*$")  # one line, any value
_VAR_REF = re.compile(r"\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]")
_RULE = re.compile(r"^([A-Za-z0-9_.+/$(){}-]+)\s*::?(?!=)")  # a rule's first target (not :=, ::=)
_LINK_LIB = re.compile(r"(?<![\w-])-l([A-Za-z0-9_+]+)")
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9+._-]*\Z")  # a name or version written out, not an m4 expression
_AC_INIT = re.compile(r"AC_INIT\(\s*\[?([^],)]+?)\]?\s*,\s*\[?([^],)]+?)\]?\s*[,)]")
_PACKAGE_VAR = re.compile(r"^PACKAGE_(NAME|VERSION)='([^']*)'", re.MULTILINE)


def default_program(options: Options) -> str | None:
    return None  # the package name


def host_missing(target: object) -> tuple[str, ...]:
    return ()  # the C toolchains are the package set's own (doctor's targets)


def detect(root: Path) -> Detection | None:
    """A tree with a Makefile (or an autotools ``configure``) is a ``c`` project:
    stdenv runs ``configure --prefix=$out`` when there is one, then make and make install."""
    makefile = _makefile(root)
    configure = root / "configure"
    ac = _autoconf_input(root)
    if makefile is None and not configure.is_file() and ac is None:
        return None
    evidence: list[str] = []
    name = version = program = None
    package: dict[str, Any] = {"outputs": list(DEFAULT_OUTPUTS)}
    if configure.is_file() or ac is not None:
        ac_name, ac_text = (ac.name, _read(ac)) if ac is not None else ("", "")
        if configure.is_file():
            evidence.append("configure: an autotools configure script (stdenv runs it with --prefix=$out)")
        else:
            evidence.append(f"{ac_name}: an autotools project without configure (autoreconfHook generates it, "
                            "then stdenv runs it with --prefix=$out)")
        found = _AC_INIT.search(ac_text)
        if found:
            name, version = found.group(1).strip(), found.group(2).strip()
            name = name if _PLAIN.match(name) else None
            if _PLAIN.match(version):
                evidence.append(f"{ac_name}: AC_INIT({name}, {version})")
            else:
                evidence.append(f"{ac_name}: AC_INIT({name}, …): its version is computed by m4: edit version")
                version = None
        if ac is not None:
            checks = autoconf_inputs(ac_text)
            for number, what, attr in checks:
                evidence.append(f"{ac_name}:{number}: {what}: inputs = [\"{attr}\"] (the package set's {attr})")
            if checks:
                package["inputs"] = list(dict.fromkeys(attr for _, _, attr in checks))
        program = _automake_program(root, evidence)
        if not found:
            found_vars = dict(_PACKAGE_VAR.findall(_read(configure)))
            name, version = found_vars.get("NAME") or None, found_vars.get("VERSION") or None
            if name or version:
                evidence.append(f"configure: PACKAGE_NAME={name!r} PACKAGE_VERSION={version!r}")
    if makefile is not None:
        text = _read(makefile)
        lines = text.splitlines()
        evidence.append(f"{makefile.name}: built with make, installed with make install PREFIX=$out")
        variables = _variables(lines)
        for number, line in enumerate(lines, start=1):
            if program is not None:
                break
            installed = _installed_program(line, variables)
            if installed:
                program = installed
                evidence.append(f"{makefile.name}:{number}: installs bin/{program}")
        if program is None:
            program = _installed_by_sub_make(root, makefile, lines, variables, evidence)
        # With configure, the Makefile is generated from Makefile.in (or automake's Makefile.am).
        template = root / "Makefile.in"
        generated = configure.is_file()
        install_text = _read(template) if generated and template.is_file() else text
        if (not generated or template.is_file()) and not _HAS_INSTALL.search(install_text):
            goal = None if generated else default_goal(lines)
            if goal is not None and program is None:
                program = goal[1]
                evidence.append(f"{makefile.name}: has no install target: the program its first target builds "
                                f"({makefile.name}:{goal[0]}: {program}) is installed as bin/{program}")
            else:
                evidence.append(f"{makefile.name}: has no install target: the program is installed as bin/<program> "
                                "if the build makes it (set program), or add an install target")
        inputs = [i for i in link_inputs(lines) if i[2] not in package.get("inputs", ())]
        for number, flag, attr in inputs:
            evidence.append(f"{makefile.name}:{number}: links {flag}: inputs = [\"{attr}\"] (the package set's {attr})")
        if inputs:
            package["inputs"] = list(dict.fromkeys([*package.get("inputs", ()), *(attr for _, _, attr in inputs)]))
    return Detection(builder=NAME, name=name, version=version, program=program, evidence=tuple(evidence),
                     package=package)


def _installed_program(line: str, variables: dict[str, str]) -> str | None:
    """The program a recipe line installs into bin/: the name at the end of its destination
    (``$(PREFIX)/bin/NAME``), or, when the destination is the bin directory itself, the file
    operand before it (``install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin``, ``BIN = nnn``).
    Creating the directory (``install -d``) installs nothing."""
    if not line.startswith("\t") or re.search(r"\s-[A-Za-z]*d\b", line):
        return None
    found_bin = _INSTALLS_BIN.search(line)
    if found_bin and found_bin.group(1) != "bin":
        return found_bin.group(1)
    into = _INSTALLS_INTO_BIN.match(line)
    if into is None:
        return None
    operands = [w for w in (into.group("args") or into.group("args2") or "").split() if not w.startswith("-")]
    if not operands or operands[-1] in ("0755", "755", "0555", "555"):
        return None
    name = _expanded(operands[-1], variables)
    name = name.rsplit("/", 1)[-1] if name is not None else ""
    return name if re.fullmatch(r"[A-Za-z0-9._+-]+", name) else None


def _variables(lines: list[str]) -> dict[str, str]:
    """A Makefile's simple one-word assignments (``BIN = nnn``, ``PRGDIR ?= programs``)."""
    return {m.group(1): m.group(2) for m in map(_ASSIGN.match, lines) if m}


def _expanded(text: str, variables: dict[str, str]) -> str | None:
    """``text`` with its ``$(VAR)`` references replaced; None when one names no known variable."""
    unknown = False

    def value(ref: re.Match[str]) -> str:
        nonlocal unknown
        unknown = unknown or ref.group(1) not in variables
        return variables.get(ref.group(1), "")

    result = _VAR_REF.sub(value, text)
    return None if unknown else result


def _installed_by_sub_make(root: Path, makefile: Path, lines: list[str], variables: dict[str, str],
                           evidence: list[str]) -> str | None:
    """The program the install rule's sub-makes put in bin/ (lz4's shape: ``install:`` runs
    ``$(MAKE) -C $(PRGDIR) $@``, and programs/Makefile installs ``$(DESTDIR)$(bindir)/lz4``)."""
    in_install = False
    for number, line in enumerate(lines, start=1):
        if not line.startswith("\t"):
            in_install = bool(_HAS_INSTALL.match(line))
            continue
        found = _SUB_MAKE.search(line) if in_install else None
        if found is None:
            continue
        directory = _expanded(found.group(1) or found.group(2), variables)
        if directory is None or "$" in directory or directory.startswith("/") or ".." in directory.split("/"):
            continue
        sub = _makefile(root / directory)
        if sub is None:
            continue
        sub_lines = _read(sub).splitlines()
        sub_variables = _variables(sub_lines)
        for sub_number, sub_line in enumerate(sub_lines, start=1):
            installed = _installed_program(sub_line, sub_variables)
            if installed:
                shown = sub.relative_to(root).as_posix()
                evidence.append(f"{shown}:{sub_number}: installs bin/{installed} "
                                f"({makefile.name}:{number}: install runs make in {directory})")
                return installed
    return None


def _automake_program(root: Path, evidence: list[str]) -> str | None:
    """The first program automake installs in bin/ (``bin_PROGRAMS = htop``), read from
    Makefile.am, or from the Makefile.in a release generated from it."""
    for template in (root / "Makefile.am", root / "Makefile.in"):
        for number, line in enumerate(_read(template).splitlines(), start=1):
            found = _AUTOMAKE_PROGRAMS.match(line)
            if found:
                evidence.append(f"{template.name}:{number}: {found.group(1)}_PROGRAMS: installs {found.group(1)}/{found.group(2)}")
                return found.group(2)
    return None


def autoconf_inputs(text: str) -> list[tuple[int, str, str]]:
    """(line, what configure.ac checks, package-set attribute) for each library configure.ac
    looks for that a package-set input provides: ``PKG_CHECK_MODULES([X], [ncursesw >= 6])``
    (also written over several lines, as tmux writes it) → ``ncurses``, ``AC_CHECK_LIB([z], …)``
    or ``AC_SEARCH_LIBS([f], [ncursesw ncurses])`` → the first library of the list the package
    set has. Only the macro's own argument is read, never its actions."""
    # Comment lines become empty, so that line numbers stay those of the file.
    text = "\n".join("" if line.lstrip().startswith(("dnl", "#")) else line for line in text.splitlines())
    found: list[tuple[int, str, str]] = []
    for match in _AC_MACRO.finditer(text):
        macro, args = match.group(1), _m4_args(text, match.end())
        number = text.count("\n", 0, match.start()) + 1
        if macro == "PKG_CHECK_MODULES":
            names = [w for w in re.split(r"[\s,]+", args[1] if len(args) > 1 else "") if re.match(r"[A-Za-z]", w)]
            pairs = [(f"pkg-config module {n}", providers.of_pkg_config_module(n)) for n in names]
        else:
            libraries = (args[0] if macro == "AC_CHECK_LIB" else args[1] if len(args) > 1 else "").split()
            pairs = [(f"{macro} -l{n}", None if n in providers.LIBC else providers.of_link_name(n)) for n in libraries]
        for what, attr in pairs:
            if attr is not None:
                if all(attr != a for _, _, a in found):
                    found.append((number, what, attr))
                if macro != "PKG_CHECK_MODULES":
                    break  # AC_SEARCH_LIBS: the first one found is linked
    return found


def _m4_args(text: str, start: int) -> list[str]:
    """The arguments of the m4 macro call whose ``(`` ends at ``start``: split on commas outside
    quotes ([…]) and parentheses, each with its outer quotes and blanks removed."""
    args, depth, current = [], 0, []
    for char in text[start:]:
        if char in "[(":
            depth += 1
        elif char in "])":
            if depth == 0:
                break  # the call's closing parenthesis
            depth -= 1
        elif char == "," and depth == 0:
            args.append("".join(current))
            current = []
            continue
        current.append(char)
    args.append("".join(current))
    return [a.strip().removeprefix("[").removesuffix("]").strip() for a in args]


def default_goal(lines: list[str]) -> tuple[int, str] | None:
    """(line, file) that ``make`` with no target builds: the first rule's target (through
    ``all:``/``default:`` to their first prerequisite that is not a library or object: lua's
    ``all: $(ALL_T)`` with ``ALL_T= $(CORE_T) $(LUA_T)`` builds liblua.a, then lua), when it
    names a plain file. Variables are expanded from the Makefile's own assignments."""
    assignments = {m.group(1): m.group(2) for m in map(_ASSIGN_ANY.match, lines) if m}
    for number, line in enumerate(lines, start=1):
        if line.startswith(("\t", "#")):
            continue
        rule = _RULE.match(line)
        if rule is None:
            continue
        target = rule.group(1)
        if target.startswith(".") or "%" in target:
            continue  # .PHONY, .SUFFIXES, old-style suffix rules, pattern rules
        if target in ("all", "default"):
            prerequisites = _words(line[rule.end():].split(";", 1)[0], assignments)
            programs = [p for p in prerequisites if not p.endswith((".o", ".a", ".so")) and ".so." not in p]
            target = programs[0] if programs else ""
        else:
            words = _words(target, assignments)
            target = words[0] if len(words) == 1 else ""
        if not target or "$" in target or target.endswith((".o", ".a", ".so")) or "/" in target:
            return None
        return number, target
    return None


def _words(text: str, assignments: dict[str, str], depth: int = 0) -> list[str]:
    """The words of ``text`` with ``$(VAR)`` references to the Makefile's assignments replaced
    (recursively, a few levels); a reference to anything else is left as it is."""
    words: list[str] = []
    for word in text.split():
        ref = _VAR_REF.fullmatch(word)
        if ref and ref.group(1) in assignments and depth < 5:
            words += _words(assignments[ref.group(1)], assignments, depth + 1)
        else:
            words.append(word)
    return words


def link_inputs(lines: list[str]) -> list[tuple[int, str, str]]:
    """(line, ``-lNAME``, package-set attribute) for each library outside the C library the
    Makefile links that a package-set input provides (``-lz`` → ``zlib``)."""
    found: list[tuple[int, str, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith("#"):
            continue
        for name in _LINK_LIB.findall(line):
            attr = None if name in providers.LIBC else providers.of_link_name(name)
            if attr is not None and all(attr != a for _, _, a in found):
                found.append((number, f"-l{name}", attr))
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""

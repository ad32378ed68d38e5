"""What `nixbuild init` reads from a tree (no Nix): the builder, the name and
version from the project's own metadata, the program from the install recipe,
each with the file and line it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixbuild import config, init
from nixbuild.errors import UsageError


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize("recipe, program", [
    ("\tinstall -D -m 0755 tool $(PREFIX)/bin/tool", "tool"),
    ("\tinstall -m 755 xz-lite $(DESTDIR)$(bindir)/xz-lite", "xz-lite"),
    ("\tcp prog ${PREFIX}/bin/prog", "prog"),
    ("\tinstall prog $(DESTDIR)$(PREFIX)/bin/prog", "prog"),
    ("\tinstall -m 0755 app $(BINDIR)/app", "app"),
])
def test_the_program_is_what_the_install_recipe_puts_in_bin(tmp_path: Path, recipe: str, program: str) -> None:
    tree(tmp_path, {"Makefile": f"all:\n\techo\ninstall: all\n{recipe}\n"})
    decision = init.decide(tmp_path)
    assert decision.program == program and decision.detection.builder == "c"
    assert "Makefile:4: installs bin/" + program in decision.detection.evidence


def test_a_program_installed_into_the_bin_directory_by_name(tmp_path: Path) -> None:
    """nnn's shape: the directory is made first (`install -d`, not a program), then the file
    named by a variable is installed into it."""
    tree(tmp_path, {"Makefile": "BIN = nnn\nall: $(BIN)\ninstall: all\n"
                                "\t$(INSTALL) -m 0755 -d $(DESTDIR)$(PREFIX)/bin\n"
                                "\t$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin\n"})
    decision = init.decide(tmp_path)
    assert decision.program == "nnn"
    assert "Makefile:5: installs bin/nnn" in decision.detection.evidence


def test_an_executable_suffix_after_the_name_is_not_part_of_it(tmp_path: Path) -> None:
    tree(tmp_path, {"Makefile": "all:\n\techo\ninstall: all\n\t$(INSTALL_PROGRAM) lz4$(EXT) $(DESTDIR)$(bindir)/lz4$(EXT)\n"})
    assert init.decide(tmp_path).program == "lz4"


# lz4's shape (github.com/lz4/lz4): the top Makefile's install, one rule with uninstall,
# runs make in lib/ and programs/; programs/Makefile installs the program.
LZ4_TREE = {
    "Makefile": ("LZ4DIR  = lib\nPRGDIR  = programs\n\n.PHONY: default\ndefault: lib-release lz4-release\n\n"
                 "lib-release:\n\t$(MAKE) -C $(LZ4DIR)\n\n.PHONY: install uninstall\ninstall uninstall:\n"
                 "\t$(MAKE) -C $(LZ4DIR) $@\n\t$(MAKE) -C $(PRGDIR) $@\n"),
    "lib/Makefile": "install: lib\n\t$(INSTALL_DATA) liblz4.a $(DESTDIR)$(libdir)/liblz4.a\n",
    "programs/Makefile": ("bindir ?= $(BINDIR)\ninstall: lz4\n\t$(MAKE_DIR) $(DESTDIR)$(bindir)/\n"
                          "\t$(INSTALL_PROGRAM) lz4$(EXT) $(DESTDIR)$(bindir)/lz4$(EXT)\n"
                          "\t$(LN_SF) lz4$(EXT) $(DESTDIR)$(bindir)/lz4cat$(EXT)\n"),
}


def test_the_program_is_found_in_the_makefile_the_install_rule_runs(tmp_path: Path) -> None:
    decision = init.decide(tree(tmp_path, LZ4_TREE))
    assert decision.program == "lz4"
    assert ("programs/Makefile:4: installs bin/lz4 (Makefile:13: install runs make in programs)"
            in decision.detection.evidence)
    assert not [e for e in decision.detection.evidence if "has no install target" in e]


@pytest.mark.parametrize("rule", ["install uninstall:", "all install:", "install::", "install :"])
def test_an_install_rule_with_other_targets_is_an_install_target(tmp_path: Path, rule: str) -> None:
    tree(tmp_path, {"Makefile": f"tool: tool.c\n\tcc -o tool tool.c\n{rule}\n\techo\n"})
    evidence = init.decide(tmp_path).detection.evidence
    assert not [e for e in evidence if "has no install target" in e], evidence


def test_autotools_name_and_version_come_from_ac_init(tmp_path: Path) -> None:
    tree(tmp_path, {"configure.ac": "AC_INIT([tinytool], [2.1.3], [bugs@example.org])\n", "configure": "#!/bin/sh\n"})
    decision = init.decide(tmp_path)
    assert (decision.name, decision.version) == ("tinytool", "2.1.3")
    assert "configure.ac: AC_INIT(tinytool, 2.1.3)" in decision.detection.evidence


HTOP_CONFIGURE_AC = """\
AC_PREREQ([2.69])
AC_INIT([htop], [m4_join([-],m4_defn([htop_release_version]),m4_defn([htop_git_version]))], [htop@groups.io])
AM_INIT_AUTOMAKE([-Wall std-options subdir-objects])
AC_SEARCH_LIBS([clock_gettime], [rt])
AC_SEARCH_LIBS([keypad], [ncursesw ncurses], [], [AC_MSG_ERROR([no curses])])
dnl AC_CHECK_LIB([z], [deflate])
AC_CHECK_LIB([cap], [cap_init])
"""


def test_a_checkout_without_configure_is_an_autoreconf_c_project(tmp_path: Path) -> None:
    """htop's shape: configure.ac and Makefile.am only. The program is automake's bin_PROGRAMS,
    the inputs the libraries configure.ac looks for (the first of AC_SEARCH_LIBS' list the package
    set has; not the C library's, not a dnl comment), the version none when m4 computes it."""
    tree(tmp_path, {"configure.ac": HTOP_CONFIGURE_AC,
                    "Makefile.am": "if HTOP_LINUX\nAM_CPPFLAGS = -I$(top_srcdir)/linux\nendif\nbin_PROGRAMS = htop\n"})
    decision = init.decide(tmp_path)
    assert (decision.detection.builder, decision.program, decision.name) == ("c", "htop", "htop")
    assert decision.detection.version is None
    assert decision.detection.package["inputs"] == ["ncurses", "libcap"]
    evidence = decision.detection.evidence
    assert evidence[0].startswith("configure.ac: an autotools project without configure (autoreconfHook")
    assert "Makefile.am:4: bin_PROGRAMS: installs bin/htop" in evidence
    assert "configure.ac:5: AC_SEARCH_LIBS -lncursesw: inputs = [\"ncurses\"] (the package set's ncurses)" in evidence
    init.write(decision)
    project = config.load(tmp_path)
    assert project.package.options.autoreconf and project.package.inputs == ("ncurses", "libcap")


@pytest.mark.parametrize("modules, inputs", [
    ("[ncursesw >= 6]", ["ncurses"]),
    ("[openssl >= 1.1 zlib]", ["openssl", "zlib"]),
    ("[libevent_core >= 2.0]", ["libevent"]),
    ("[gtk+-3.0]", []),  # not a library the package-set table knows: no guess
    # tmux's shape: over several lines, with actions that name other things
    ("\n\tLIBEVENT_CORE,\n\t[libevent_core >= 2],\n\t[found_libevent=yes],\n"
     "\t[AC_MSG_ERROR([zlib and openssl are not what this checks])]\n", ["libevent"]),
])
def test_pkg_check_modules_names_the_inputs(tmp_path: Path, modules: str, inputs: list[str]) -> None:
    args = modules if modules.startswith("\n") else f"[DEPS], {modules}"
    tree(tmp_path, {"configure.ac": f"AC_INIT([t], [1.0])\nPKG_CHECK_MODULES({args})\n",
                    "Makefile.am": "bin_PROGRAMS = t\n"})
    decision = init.decide(tmp_path)
    assert decision.detection.package.get("inputs", []) == inputs


def test_a_release_tree_reads_bin_programs_from_makefile_in(tmp_path: Path) -> None:
    """A release tarball: configure and Makefile.in (automake's output, with $(EXEEXT))."""
    tree(tmp_path, {"configure": "#!/bin/sh\nPACKAGE_NAME='tool'\nPACKAGE_VERSION='1.2'\n",
                    "Makefile.in": "bin_PROGRAMS = tool$(EXEEXT)\ninstall: install-am\n"})
    decision = init.decide(tmp_path)
    assert (decision.program, decision.name, decision.version) == ("tool", "tool", "1.2")
    init.write(decision)
    project = config.load(tmp_path)
    assert not project.package.options.autoreconf  # configure is there: it runs as it is

PIGZ_MAKEFILE = """\
CC=gcc
CFLAGS=-O3 -Wall
LIBS=-lm -lpthread -lz
ZOP=deflate.o

pigz: pigz.o yarn.o $(ZOP)
\t$(CC) $(LDFLAGS) -o pigz pigz.o yarn.o $(ZOP) $(LIBS)
\tln -f pigz unpigz

pigz.o: pigz.c yarn.h

clean:
\t@rm -f *.o pigz unpigz
"""


def test_a_makefile_without_install_target_installs_what_its_first_target_builds(tmp_path: Path) -> None:
    """pigz's shape: the program is the default goal, and -lz (not -lm, -lpthread) is an input."""
    tree(tmp_path, {"Makefile": PIGZ_MAKEFILE})
    decision = init.decide(tmp_path, source="hostpkgs")
    assert decision.program == "pigz"
    assert ("Makefile: has no install target: the program its first target builds (Makefile:6: pigz) is "
            "installed as bin/pigz") in decision.detection.evidence
    assert 'Makefile:3: links -lz: inputs = ["zlib"] (the package set\'s zlib)' in decision.detection.evidence
    init.write(decision)
    project = config.load(tmp_path)
    assert project.package.inputs == ("zlib",) and project.package.program == "pigz"


@pytest.mark.parametrize(("makefile", "goal"), [
    ("all: tool extra\ntool: tool.c\n", "tool"),
    (".PHONY: all\n%.o: %.c\n\t$(CC) -c $<\nserver: main.o\n", "server"),
    ("OUT := bin\n$(OUT)/app: app.c\n", None),
    ("all:\n\t@echo use ./configure\n", None),
    # lua's makefile: the library first, then the program, both through variables
    ("CORE_T=\tliblua.a\nLUA_T=\tlua\nALL_T= $(CORE_T) $(LUA_T)\nall:\t$(ALL_T)\n\ttouch all\n", "lua"),
    ("PROG = app\n$(PROG): app.o\n", "app"),
    ("all: $(UNKNOWN)\n", None),
])
def test_the_default_goal_is_the_first_plain_target(makefile: str, goal: str | None) -> None:
    from nixbuild.builders import c
    found = c.default_goal(makefile.splitlines())
    assert (found[1] if found else None) == goal


def test_a_generated_makefile_is_judged_by_its_template(tmp_path: Path) -> None:
    """zlib's shape: a stub Makefile that says to run ./configure; Makefile.in has install."""
    tree(tmp_path, {"configure": "#!/bin/sh\n", "Makefile": "all:\n\t-@echo Please use ./configure first.\n",
                    "Makefile.in": "all: static shared\ninstall: install-libs\n"})
    decision = init.decide(tmp_path)
    assert not any("install target" in line for line in decision.detection.evidence)


def test_shell_mode_on_a_go_module_builds_into_a_per_target_path(tmp_path: Path) -> None:
    tree(tmp_path, {"go.mod": "module golang.org/x/example/hello\n\ngo 1.19\n",
                    "hello.go": "package main\n\nfunc main() {}\n",
                    "reverse/reverse.go": "package reverse\n"})
    decision = init.decide(tmp_path, builder="shell", targets=("x86_64-linux", "aarch64-linux"), source="hostpkgs")
    init.write(decision)
    pkg = config.load(tmp_path).package
    assert (pkg.options.build, pkg.options.artifact) == ("go build -o build/$NIXBUILD_TARGET/hello .",
                                                         ("build/{target}/hello",))


def test_shell_mode_on_a_makefile_uses_the_targets_compiler(tmp_path: Path) -> None:
    tree(tmp_path, {"Makefile": PIGZ_MAKEFILE})
    decision = init.decide(tmp_path, builder="shell", source="hostpkgs")
    init.write(decision)
    pkg = config.load(tmp_path).package
    assert (pkg.options.build, pkg.options.artifact, pkg.inputs) == ("make -B CC=$CC", ("pigz",), ("zlib",))


def test_the_written_text_is_a_config_nixbuild_reads(tmp_path: Path) -> None:
    tree(tmp_path / "my app", {"Makefile": "install:\n\tinstall -D x $(PREFIX)/bin/x\n"})
    decision = init.decide(tmp_path / "my app", targets=("aarch64-linux", "x86_64-linux"), source="hostpkgs")
    init.write(decision)
    project = config.load(tmp_path / "my app")
    assert project.package.name == "my-app" and project.image.name == "my-app"
    assert project.package.program == "x"
    assert project.target.platforms == ("aarch64-linux", "x86_64-linux")
    assert project.nixpkgs.source == "hostpkgs"
    assert "# Written by `nixbuild init`" in (tmp_path / "my app" / "nixbuild.toml").read_text()


def test_init_never_overwrites(tmp_path: Path) -> None:
    tree(tmp_path, {"Makefile": "install:\n", "nixbuild.toml": "mine\n"})
    with pytest.raises(UsageError, match="already exists"):
        init.decide(tmp_path)
    assert (tmp_path / "nixbuild.toml").read_text() == "mine\n"


def test_a_file_that_appears_before_the_write_is_not_overwritten(tmp_path: Path) -> None:
    tree(tmp_path, {"Makefile": "install:\n"})
    decision = init.decide(tmp_path)
    (tmp_path / "nixbuild.toml").write_text("someone else's\n")
    with pytest.raises(UsageError, match="already exists"):
        init.write(decision)
    assert (tmp_path / "nixbuild.toml").read_text() == "someone else's\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_unknown_tree_and_builder_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no builder recognises this tree"):
        init.decide(tmp_path)
    with pytest.raises(UsageError, match="unknown builder 'cobol'"):
        init.decide(tmp_path, builder="cobol")
    with pytest.raises(UsageError, match="unknown target"):
        tree(tmp_path, {"Makefile": "install:\n"})
        init.decide(tmp_path, targets=("sparc-linux",))


def test_a_cmake_project_names_its_lines(tmp_path: Path) -> None:
    """Shaped like ninja's CMakeLists.txt: a blank line before project(), no VERSION; the
    evidence names the lines the calls are on (the blank line once shifted them by one)."""
    tree(tmp_path, {"CMakeLists.txt": "cmake_minimum_required(VERSION 3.15)\noption(X \"x\" OFF)\n\n"
                                      "project(ninja CXX)\n\nadd_executable(ninja src/ninja.cc)\n\n"
                                      "install(TARGETS ninja)\n"})
    decision = init.decide(tmp_path)
    assert decision.detection.builder == "cmake" and decision.name == "ninja" and decision.program == "ninja"
    assert "CMakeLists.txt:4: project(ninja)" in decision.detection.evidence
    assert any(line.startswith("CMakeLists.txt:6: add_executable(ninja)") for line in decision.detection.evidence)

"""Reading why a hermetic build failed from its log (nixbuild/buildlog.py)."""

from __future__ import annotations

import pytest

from nixbuild import buildlog

FLAGS = ("build flags: SHELL=/bin/bash CC=aarch64-unknown-linux-gnu-cc CXX=aarch64-unknown-linux-gnu-c++ "
         "AR=aarch64-unknown-linux-gnu-ar PREFIX=$(out)\n")


@pytest.mark.parametrize("line", [
    "/bin/bash: line 1: gcc: command not found",  # make with SHELL=bash (stdenv passes it)
    "/bin/sh: 1: gcc: not found",  # dash
    "make: gcc: No such file or directory",  # make running the command itself
    "make[2]: gcc: Command not found",
])
def test_a_compiler_run_by_name_is_named_with_the_targets_tool(line: str) -> None:
    log = FLAGS + "gcc -O2 -o app app.c\n" + line + "\nmake: *** [Makefile:5: app] Error 127\n"
    explained = buildlog.explain(log)
    assert explained is not None
    assert explained.message == ("the build runs `gcc` by name, which is not on the PATH of this build "
                                 "(the target's is CC=aarch64-unknown-linux-gnu-cc)")
    assert explained.hint.startswith("write $(CC) instead of `gcc`")


def test_an_archiver_maps_to_ar() -> None:
    explained = buildlog.explain(FLAGS + "/bin/bash: line 1: ar: command not found\n")
    assert explained is not None and "(the target's is AR=aarch64-unknown-linux-gnu-ar)" in explained.message


def test_another_program_is_named_without_a_variable() -> None:
    explained = buildlog.explain("/bin/bash: line 1: python3: command not found\n")
    assert explained is not None
    assert explained.message.startswith("the build runs `python3`, which is not on the PATH of a hermetic build")


def test_other_failures_are_not_explained() -> None:
    assert buildlog.explain(FLAGS + "app.c:3:1: error: expected ';'\nmake: *** [app] Error 1\n") is None


@pytest.mark.parametrize(("line", "message", "example"), [
    ("pigz.c:360:10: fatal error: zlib.h: No such file or directory",
     "the build cannot find the header zlib.h", 'inputs = ["zlib"]'),
    ("digest.c:2:10: fatal error: openssl/evp.h: No such file or directory",
     "the build cannot find the header openssl/evp.h", 'inputs = ["openssl"]'),
    ("/nix/store/…-binutils/bin/ld: cannot find -lz: No such file or directory",
     "the link cannot find the library -lz (libz.so)", 'inputs = ["zlib"]'),
    ("aarch64-unknown-linux-gnu-ld: cannot find -lcrypto",
     "the link cannot find the library -lcrypto (libcrypto.so)", 'inputs = ["openssl"]'),
    ("app.c:1:10: fatal error: yaml.h: No such file or directory",
     "the build cannot find the header yaml.h", 'inputs = ["PACKAGE"]'),
])
def test_a_missing_header_or_library_names_the_input_to_add(line: str, message: str, example: str) -> None:
    log = FLAGS + "cc -O2 -c app.c\n" + line + "\ncompilation terminated.\nmake: *** [Makefile:5: app.o] Error 1\n"
    explained = buildlog.explain(log)
    assert explained is not None and explained.message == message
    assert explained.hint.startswith("add the package that provides ") and f"({example})" in explained.hint


@pytest.mark.parametrize(("log", "message", "example"), [
    # htop's own curses search (AC_SEARCH_LIBS over a list of names)
    ("checking for keypad in -lcurses... no\nconfigure: error: cannot find required curses/ncurses library\n",
     "configure: cannot find required curses/ncurses library", 'inputs = ["ncurses"]'),
    # PKG_CHECK_MODULES([CURSES], [ncursesw >= 6])
    ("checking for CURSES... no\nconfigure: error: Package requirements (ncursesw >= 6) were not met:\n\n"
     "No package 'ncursesw' found\n", "pkg-config cannot find the module ncursesw", 'inputs = ["ncurses"]'),
    ("configure: error: Package requirements (ncursesw >= 6) were not met:\n"
     "Package 'ncursesw', required by 'virtual:world', not found\n",
     "pkg-config cannot find the module ncursesw", 'inputs = ["ncurses"]'),
    ("configure: error: libevent not found\n", "configure: libevent not found", 'inputs = ["libevent"]'),
])
def test_a_configure_check_that_fails_names_the_input(log: str, message: str, example: str) -> None:
    explained = buildlog.explain(log)
    assert explained is not None and explained.message == message
    assert f"({example})" in explained.hint


def test_a_configure_error_naming_no_library_is_not_explained() -> None:
    assert buildlog.explain("configure: error: C compiler cannot create executables\n") is None


def test_the_generated_codes_own_line_is_the_explanation() -> None:
    log = ("Running phase: installPhase\nnixbuild: the Makefile has no install target, and the build made no "
           "program 'pigz' (looked in ./) (hint: set [package] program to the file the build makes)\n")
    explained = buildlog.explain(log)
    assert explained is not None
    assert explained.message == ("the Makefile has no install target, and the build made no program 'pigz' "
                                 "(looked in ./)")
    assert explained.hint == "set [package] program to the file the build makes"

"""hostpkgs' compilers link as nixpkgs' do: a library the link names must be on the -L path
(an input's lib/, the project's own directories) or be the C library's or the compiler's own.
The host driver would also find the host's libz.so in /usr/lib/x86_64-linux-gnu (and, for
aarch64, Debian's multiarch /usr/lib/aarch64-linux-gnu): hostpkgs refuses a library found only
there, as ld fails in nixpkgs, so that a forgotten input fails the link and configure's
AC_CHECK_LIB says "no" — not an image that needs a library it does not have."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.nix

SETS = {"x86_64-linux": "import <hostpkgs> { }",
        "aarch64-linux": "(import <hostpkgs> { }).pkgsCross.aarch64-multiplatform"}
HOST_LIBZ = {"x86_64-linux": "/usr/lib/x86_64-linux-gnu/libz.so", "aarch64-linux": "/usr/lib/aarch64-linux-gnu/libz.so"}

MAIN_C = r"""#include <math.h>
#include <stdio.h>
#include <zlib.h>
int greet(void);
int main(void) { printf("%s %d %.0f\n", zlibVersion(), greet(), floor(2.5)); return 0; }
"""


def _derivation(nix, pkgs: str, inputs: str) -> str:
    nix.write("src/main.c", MAIN_C)
    nix.write("src/greet.c", "int greet(void) { return 42; }\n")
    return f"""let pkgs = {pkgs}; in
      pkgs.stdenv.mkDerivation {{
        name = "link-probe";
        src = ./src;
        buildInputs = {inputs};
        buildPhase = ''
          mkdir -p own
          $CC -shared -fPIC -o own/libgreet.so greet.c
          $CC -o probe main.c -Lown -lgreet -lz -lm
        '';
        installPhase = "mkdir -p $out/bin $out/lib; cp probe $out/bin; cp own/libgreet.so $out/lib";
      }}"""


@pytest.mark.parametrize("target", sorted(SETS))
def test_a_library_only_the_host_has_is_not_linked(nix, target: str) -> None:
    """-lz without zlib among the inputs: ld's own message, though the host has libz.so for the target."""
    assert Path(HOST_LIBZ[target]).exists()  # what the host driver would have linked
    nix.write("probe.nix", _derivation(nix, SETS[target], "[ ]"))
    stderr = nix.build_fails("probe.nix")
    assert "ld: cannot find -lz: No such file or directory" in stderr, stderr[-2000:]


@pytest.mark.parametrize("target", sorted(SETS))
def test_inputs_the_projects_own_and_the_c_librarys_are_linked(nix, target: str) -> None:
    """With zlib as input: -lz from its store lib/, -lgreet from the project's own -L directory,
    -lm from the C library; zlib's store path is in the program's closure (its RUNPATH)."""
    nix.write("probe.nix", _derivation(nix, SETS[target], "[ pkgs.zlib ]"))
    (out,) = nix.build("probe.nix", link=f"probe-{target}")
    zlib = nix.eval_json(f'"${{({SETS[target]}).zlib.out}}"')
    assert zlib in nix.closure(out)
    assert (out / "bin" / "probe").is_file()


def test_a_configure_style_check_says_no_without_the_input(nix) -> None:
    """What AC_CHECK_LIB([ncursesw], [keypad]) runs: a link of a test program against
    -lncursesw fails without the input (the host has libncursesw.so), succeeds with it."""
    check = """let pkgs = import <hostpkgs> { }; in
      pkgs.stdenv.mkDerivation {
        name = "check-probe";
        dontUnpack = true;
        buildInputs = INPUTS;
        buildPhase = ''
          echo 'char keypad(); int main(void) { return keypad(); }' > conftest.c
          if $CC -o conftest conftest.c -lncursesw; then echo yes > answer; else echo no > answer; fi
        '';
        installPhase = "cp answer $out";
      }"""
    nix.write("without.nix", check.replace("INPUTS", "[ ]"))
    nix.write("with.nix", check.replace("INPUTS", "[ pkgs.ncurses ]"))
    (without,) = nix.build("without.nix", link="without")
    (with_,) = nix.build("with.nix", link="with")
    assert (without.read_text(), with_.read_text()) == ("no\n", "yes\n")

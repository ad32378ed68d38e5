"""hostpkgs' autoreconfHook behaves as nixpkgs' (tests/data/nixpkgs-interface.json,
setupHooks.autoreconfHook): in nativeBuildInputs it makes a checkout with
configure.ac and Makefile.am but no configure build; autoreconfPhase runs
after the patch phase and before configurePhase, between the preAutoreconf
and postAutoreconf hooks, with the programs of the packages it propagates on
PATH; its flags are --install --force --verbose unless autoreconfFlags is set
(a string split into words, a structured-attrs list element by element, set
but empty: no flags); a libtool tree (LT_INIT) builds; a cross set builds the
same tree for aarch64. makeSetupHook takes nixpkgs' arguments."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO
from tests.nix.conftest import Nix

pytestmark = pytest.mark.nix

INTERFACE = json.loads((REPO / "tests" / "data" / "nixpkgs-interface.json").read_text())
SPEC = INTERFACE["setupHooks"]["autoreconfHook"]

CONFIGURE_AC = """AC_INIT([greet], [1.2])
AM_INIT_AUTOMAKE([foreign])
AC_PROG_CC
AC_CONFIG_FILES([Makefile])
AC_OUTPUT
"""
MAKEFILE_AM = "bin_PROGRAMS = greet\ngreet_SOURCES = greet.c\n"
GREET_C = '#include <stdio.h>\nint main(void) { printf("greet %s\\n", PACKAGE_VERSION); return 0; }\n'

# A macro of the project's own in config/, found only with `-I config`.
WHO_M4 = "AC_DEFUN([GREET_WHO], [AC_DEFINE([WHO], [\"config/who.m4\"], [who])])\n"
WHO_C = '#include <stdio.h>\nint main(void) { printf("greet %s from %s\\n", PACKAGE_VERSION, WHO); return 0; }\n'

# A libtool library of the project's own, as htop-like checkouts have.
LT_CONFIGURE_AC = """AC_INIT([greet], [2.0])
AC_CONFIG_MACRO_DIRS([m4])
AM_INIT_AUTOMAKE([foreign])
AC_PROG_CC
LT_INIT
AC_CONFIG_FILES([Makefile])
AC_OUTPUT
"""
LT_MAKEFILE_AM = """ACLOCAL_AMFLAGS = -I m4
lib_LTLIBRARIES = libgreet.la
libgreet_la_SOURCES = libgreet.c
bin_PROGRAMS = greet
greet_SOURCES = greet.c
greet_LDADD = libgreet.la
"""
LT_LIB_C = 'const char *greeting(void) { return "greet from libgreet"; }\n'
LT_GREET_C = '#include <stdio.h>\nconst char *greeting(void);\n' \
             'int main(void) { printf("%s %s\\n", greeting(), PACKAGE_VERSION); return 0; }\n'

# Each program the hook's propagated packages put on PATH.
PROGRAMS = [prog for progs in SPEC["programs"].values() for prog in progs]

TRACE = r"""
    postPatch = ''echo "postPatch configure=$(test -e configure && echo present || echo absent)" >> "$NIX_BUILD_TOP/trace"'';
    preAutoreconf = ''
      echo "preAutoreconf configure=$(test -e configure && echo present || echo absent)" >> "$NIX_BUILD_TOP/trace"
      for t in PROGRAMS; do echo "path $t $(command -v $t)" >> "$NIX_BUILD_TOP/trace"; done
      echo "function $(declare -F autoreconfPhase)" >> "$NIX_BUILD_TOP/trace"
    '';
    postAutoreconf = ''echo "postAutoreconf configure=$(test -e configure && echo present || echo absent)" >> "$NIX_BUILD_TOP/trace"'';
    preConfigure = ''echo "preConfigure" >> "$NIX_BUILD_TOP/trace"'';
    postInstall = ''mkdir -p $out/share; cp "$NIX_BUILD_TOP/trace" $out/share/trace'';
""".replace("PROGRAMS", " ".join(PROGRAMS))


def tree(nix: Nix, name: str = "src", who: bool = False) -> None:
    nix.write(f"{name}/configure.ac", CONFIGURE_AC.replace("AC_PROG_CC\n", "AC_PROG_CC\nGREET_WHO\n") if who else CONFIGURE_AC)
    nix.write(f"{name}/Makefile.am", MAKEFILE_AM)
    nix.write(f"{name}/greet.c", WHO_C if who else GREET_C)
    if who:
        nix.write(f"{name}/config/who.m4", WHO_M4)


def package(set_expr: str = "pkgs", extra: str = "", hook: bool = True, src: str = "./src") -> str:
    inputs = "[ p.autoreconfHook ]" if hook else "[ ]"
    return f"""let pkgs = import <hostpkgs> {{ }}; p = {set_expr}; in
  p.stdenv.mkDerivation {{
    pname = "greet"; version = "1";
    src = {src};
    nativeBuildInputs = {inputs};
    {extra}
  }}"""


def build_log(nix: Nix, file: str = "default.nix", link: str = "result"):
    """Builds FILE; returns its out path and the build's log (as Nix stored it)."""
    (out,) = nix.build(file, link=link)
    return out, nix._run(["nix-store", "--read-log", str(out)]).stdout


def test_a_checkout_without_configure_builds_with_the_hook_and_not_without(nix: Nix) -> None:
    tree(nix)
    nix.write("default.nix", package(extra=TRACE))
    out, log = build_log(nix)
    assert nix._run([str(out / "bin/greet")]).stdout == "greet 1.2\n"
    trace = (out / "share/trace").read_text().splitlines()
    # The phase comes after patching and before configure; the hooks around autoreconf run.
    steps = [line for line in trace if not line.startswith(("path ", "function "))]
    assert steps == ["postPatch configure=absent", "preAutoreconf configure=absent",
                     "postAutoreconf configure=present", "preConfigure"]
    assert f"function {SPEC['functions'][0]}" in trace
    assert list(SPEC["phases"]) == ["preConfigurePhases"]
    # The default flags: --install --force --verbose (autoreconf says what it runs only with --verbose).
    assert SPEC["defaultFlags"] == ["--install", "--force", "--verbose"]
    assert "autoreconf: running: aclocal --force" in log
    assert "autoreconf: running: automake --add-missing" in log and "--force-missing" in log
    # Without the hook the same tree has nothing to configure with.
    nix.write("nohook.nix", package(hook=False))
    assert "no configure script, doing nothing" in nix.build_fails("nohook.nix")


def test_the_propagated_programs_are_on_path(nix: Nix) -> None:
    tree(nix)
    nix.write("default.nix", package(extra=TRACE))
    out, _log = build_log(nix)
    paths = dict(line.split(" ", 2)[1:] for line in (out / "share/trace").read_text().splitlines()
                 if line.startswith("path "))
    packages = nix.eval_json("let pkgs = import <hostpkgs> { }; in { "
                             + " ".join(f"{p} = pkgs.{p}.outPath;" for p in SPEC["programs"]) + " }")
    assert set(SPEC["programs"]) == set(SPEC["propagates"])
    for package_name, programs in SPEC["programs"].items():
        for program in programs:
            assert paths[program] == f"{packages[package_name]}/bin/{program}", (program, paths[program])
    hook = nix.eval_json("let pkgs = import <hostpkgs> { }; in pkgs.autoreconfHook.outPath")
    propagated = nix._run(["cat", f"{hook}/nix-support/propagated-build-inputs"]).stdout.split()
    assert propagated == [packages[p] for p in SPEC["propagates"]]


def test_autoreconf_flags_are_honoured(nix: Nix) -> None:
    """The tree's macro is in config/: only `-I config` lets aclocal find it."""
    tree(nix, who=True)
    # The default flags do not name config/: autoconf finds the macro undefined.
    nix.write("default.nix", package())
    assert "GREET_WHO" in nix.build_fails("default.nix")
    # A string is split into words, as nixpkgs' concatTo does.
    nix.write("string.nix", package(extra='autoreconfFlags = "-I config --install --force";'))
    out, log = build_log(nix, "string.nix", "string")
    assert nix._run([str(out / "bin/greet")]).stdout == "greet 1.2 from config/who.m4\n"
    assert "autoreconf: running:" not in log  # the flags replace the default (no --verbose)
    # Under structured attrs a list reaches autoreconf element by element.
    nix.write("list.nix", package(extra='__structuredAttrs = true; autoreconfFlags = [ "-I" "config" "--install" ];'))
    out, _log = build_log(nix, "list.nix", "list")
    assert nix._run([str(out / "bin/greet")]).stdout == "greet 1.2 from config/who.m4\n"
    # Set but empty: autoreconf gets no flags at all, so nothing is installed and automake stops.
    tree(nix, name="plain")
    nix.write("empty.nix", package(extra='autoreconfFlags = "";', src="./plain"))
    assert "required file" in nix.build_fails("empty.nix")


def test_a_libtool_tree_builds_and_its_program_finds_its_library(nix: Nix) -> None:
    nix.write("src/configure.ac", LT_CONFIGURE_AC)
    nix.write("src/Makefile.am", LT_MAKEFILE_AM)
    nix.write("src/libgreet.c", LT_LIB_C)
    nix.write("src/greet.c", LT_GREET_C)
    nix.write("src/m4/.keep", "")
    nix.write("default.nix", package())
    out, log = build_log(nix)
    assert "autoreconf: running: libtoolize --copy --force" in log
    assert nix._run([str(out / "bin/greet")]).stdout == "greet from libgreet 2.0\n"
    assert (out / "lib/libgreet.so.0").exists()
    runpath = nix._run(["patchelf", "--print-rpath", str(out / "bin/greet")]).stdout.strip().split(":")
    assert f"{out}/lib" in runpath


def test_a_cross_set_builds_the_checkout_for_aarch64(nix: Nix) -> None:
    tree(nix)
    nix.write("default.nix", package("pkgs.pkgsCross.aarch64-multiplatform", extra=TRACE))
    out, _log = build_log(nix)
    assert "ARM aarch64" in nix._run(["file", "-L", str(out / "bin/greet")]).stdout
    ran = nix._run(["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu", str(out / "bin/greet")], check=False)
    assert ran.stdout == "greet 1.2\n", ran.stderr
    assert "preAutoreconf configure=absent" in (out / "share/trace").read_text()


def test_make_setup_hook_takes_nixpkgs_arguments_and_substitutes(nix: Nix) -> None:
    recorded = SPEC["makeSetupHook"]["args"]
    assert nix.eval_json("let pkgs = import <hostpkgs> { }; in pkgs.lib.functionArgs pkgs.makeSetupHook") == recorded
    nix.write("hook.sh", "echo @greeting@ @out@ @Upper@\n")
    nix.write("plain.sh", "echo @greeting@\n")
    nix.write("default.nix", """let pkgs = import <hostpkgs> { }; in {
      subst = pkgs.makeSetupHook { name = "h"; substitutions = { greeting = "hi"; Upper = "u"; };
                                   propagatedNativeBuildInputs = [ pkgs.m4 ]; } ./hook.sh;
      plain = pkgs.makeSetupHook { name = "p"; } ./plain.sh;
    }""")
    subst, plain = nix.build("default.nix", extra=["-A", "subst", "-A", "plain"])
    # substituteAll: every lower-case-first variable (out too); the upper-case one stays.
    assert (subst / "nix-support/setup-hook").read_text() == f"echo hi {subst} @Upper@\n"
    assert (plain / "nix-support/setup-hook").read_text() == "echo @greeting@\n"
    m4 = nix.eval_json("let pkgs = import <hostpkgs> { }; in pkgs.m4.outPath")
    assert (subst / "nix-support/propagated-native-build-inputs").read_text().split() == [m4]
    assert subst.name.endswith("-h") and plain.name.endswith("-p")

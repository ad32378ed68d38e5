"""How make receives its flags, as nixpkgs' setup.sh passes them: a list
attribute like makeFlags is split into words on whitespace (the environment
holds one string), makeFlagsArray set in a hook keeps each element, and with
__structuredAttrs every list element is one argument. Each case is a real
build whose Makefile records the arguments make got."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.nix

MAKEFILE = """\
all:
\t@true
install:
\tmkdir -p $(out)
\tprintf '[%s]\\n' "$(A)" "$(B)" "$(C)" > $(out)/flags
"""


def _flags(nix, name: str, attrs: str) -> list[str]:
    nix.write("flags-src/Makefile", MAKEFILE)
    nix.write(f"{name}.nix", f"""let pkgs = import <hostpkgs> {{ }}; in
      pkgs.stdenv.mkDerivation {{ name = "{name}"; src = ./flags-src; {attrs} }}""")
    (out,) = nix.build(f"{name}.nix", link=name)
    return (out / "flags").read_text().splitlines()


def test_structured_attrs_pass_each_element_as_one_argument(nix) -> None:
    got = _flags(nix, "structured", '__structuredAttrs = true; makeFlags = [ "A=-O2 -g" "B=*" ]; '
                                    'installFlags = [ "C=two  spaces" ];')
    assert got == ["[-O2 -g]", "[*]", "[two  spaces]"]


def test_make_flags_array_in_a_hook_keeps_each_element(nix) -> None:
    got = _flags(nix, "array", 'makeFlags = [ "A=-O2" "B=*" ]; '
                               "preBuild = ''makeFlagsArray+=(\"C=two  spaces\")'';")
    assert got == ["[-O2]", "[*]", "[two  spaces]"]


def test_without_structured_attrs_a_flag_with_a_space_is_split(nix) -> None:
    """nixpkgs' behaviour, which nixbuild avoids by generating structured attrs: make gets
    `B=x` and `y` (a target it has no rule for), and no glob is expanded."""
    nix.write("flags-src/Makefile", MAKEFILE + "y:\n\t@echo made-y\n")
    nix.write("flags-src/A=globbed", "")  # a glob expanding A=* would find this file
    nix.write("split.nix", """let pkgs = import <hostpkgs> { }; in
      pkgs.stdenv.mkDerivation { name = "split"; src = ./flags-src; makeFlags = [ "A=*" "B=x y" ]; }""")
    (out,) = nix.build("split.nix", link="split")
    assert (out / "flags").read_text().splitlines() == ["[*]", "[x]", "[]"]


def test_structured_attrs_keep_outputs_env_and_reference_checks(nix) -> None:
    nix.write("sa.nix", """let pkgs = import <hostpkgs> { }; in
      pkgs.stdenv.mkDerivation {
        name = "sa"; __structuredAttrs = true; dontUnpack = true;
        outputs = [ "out" "bin" ];
        env.GREETING = "hello  there";
        disallowedRequisites = [ pkgs.bash ];
        installPhase = ''
          mkdir -p $out $bin
          printf '%s\\n' "$GREETING" > $out/greeting
          echo $(getAllOutputNames) | tr ' ' '\\n' | sort > $out/outputs
        '';
      }""")
    (out,) = nix.build("sa.nix", "out", link="sa")
    assert (out / "greeting").read_text() == "hello  there\n"
    assert (out / "outputs").read_text().split() == ["bin", "out"]
    drv = nix.eval_json('(import ./sa.nix).drvAttrs.outputChecks.bin.disallowedRequisites or null')
    assert drv is not None and len(drv) == 1


def test_structured_attrs_reference_checks_are_enforced(nix) -> None:
    nix.write("refs.nix", """let pkgs = import <hostpkgs> { }; in
      pkgs.stdenv.mkDerivation {
        name = "refs"; __structuredAttrs = true; dontUnpack = true;
        disallowedRequisites = [ pkgs.gnused ];
        installPhase = "mkdir -p $out; echo ${pkgs.gnused} > $out/ref";
      }""")
    assert "is not allowed to refer to" in nix.build_fails("refs.nix")

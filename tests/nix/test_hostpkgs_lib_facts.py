"""hostpkgs' lib and lib.systems give what nixpkgs' real lib gives.

tests/data/nixpkgs-lib-facts.json holds the outcomes of every case of
tests/data/nixpkgs-lib-cases.nix with the real lib (recorded by
scripts/record-nixpkgs-lib-facts.sh from a nix-community/nixpkgs.lib commit);
here the same cases run with hostpkgs' `pkgs.lib` and with the platforms of
hostpkgs' own package sets, and every outcome must be the same.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from nixbuild import platforms
from tests import libfacts

RECORDED = json.loads(libfacts.FACTS.read_text())
FACTS = RECORDED["facts"]
FLAT = libfacts.flatten(FACTS)
HOSTPKGS_LIB = "(import <hostpkgs> { localSystem = \"x86_64-linux\"; }).lib"

# Cases where hostpkgs differs on purpose, with the reason. There hostpkgs
# must refuse (throw, a one-line error) rather than give another value.
KNOWN_DIFFERENCES = {
    ("systems", "elaborate", "string aarch64-darwin"):
        "hostpkgs knows Linux platforms only (it builds from a Linux host's toolchains; nixbuild's targets are Linux)",
    ("systems", "elaborate", "string mips64el-linux"):
        "hostpkgs knows only the CPUs of nixbuild's targets and of the pkgsCross examples it offers",
}


def _known(key: tuple[str, ...]) -> bool:
    return any(key[: len(prefix)] == prefix for prefix in KNOWN_DIFFERENCES)

# What generated code does with a target (templates/pkgs.nix.j2): the native
# set when the target's system is the build system, else crossSystem =
# { config; }; pkgsStatic of that set for a static target.
PACKAGE_SET_PLATFORM = """
name: _crossSystem:
let
  t = (builtins.fromJSON %s).${name};
  pkgs = import <hostpkgs> ({ localSystem = "x86_64-linux"; }
    // (if t.system == "x86_64-linux" then { } else { crossSystem = { inherit (t) config; }; }));
in
(if t.static then pkgs.pkgsStatic else pkgs).stdenv.hostPlatform
"""


@pytest.fixture(scope="module")
def hostpkgs(module_nix) -> dict[tuple[str, ...], Any]:
    return libfacts.flatten(libfacts.evaluate(module_nix.eval_json, HOSTPKGS_LIB))


def _groups() -> list[tuple[str, ...]]:
    return sorted({k[:2] if k[0] != "systems" else k[:3] for k in FLAT})


def _differences(ours: dict[tuple[str, ...], Any], group: tuple[str, ...]) -> list[str]:
    lines = []
    for key in sorted(k for k in FLAT if k[: len(group)] == group and not _known(k)):
        if ours.get(key) != FLAT[key]:
            lines.append(f"{'.'.join(key[len(group):]) or '.'}: nixpkgs {json.dumps(FLAT[key])}, "
                         f"hostpkgs {json.dumps(ours.get(key, 'not evaluated'))}")
    return lines


def test_facts_are_recorded_from_the_current_cases() -> None:
    assert RECORDED["version"] == 1
    assert len(RECORDED["source"]["commit"]) == 40
    assert RECORDED["cases_sha256"] == libfacts.cases_sha256(), (
        "tests/data/nixpkgs-lib-cases.nix changed since the facts were recorded: "
        "re-run NIXPKGS_LIB=DIR scripts/record-nixpkgs-lib-facts.sh")


def test_facts_cover_every_target() -> None:
    assert set(FACTS["systems"]["targets"]) == set(platforms.TARGETS)


def test_every_case_was_evaluated_with_hostpkgs(hostpkgs) -> None:
    assert set(hostpkgs) == set(FLAT)


@pytest.mark.parametrize("group", _groups(), ids=lambda g: ".".join(g))
def test_hostpkgs_gives_nixpkgs_outcomes(group: tuple[str, ...], hostpkgs) -> None:
    differences = _differences(hostpkgs, group)
    assert not differences, f"{'.'.join(group)} differs from nixpkgs' lib:\n" + "\n".join(differences)


@pytest.mark.parametrize("prefix", sorted(KNOWN_DIFFERENCES), ids=lambda p: ".".join(p))
def test_known_differences_are_refusals(prefix: tuple[str, ...], hostpkgs) -> None:
    keys = [k for k in FLAT if k[: len(prefix)] == prefix]
    assert keys
    other = [".".join(k) for k in keys if hostpkgs[k] not in ({"throws": True}, FLAT[k])]
    assert not other, f"hostpkgs must refuse, not give other values: {other}"
    assert hostpkgs[(*prefix, "config")] == {"throws": True}
    assert any(FLAT[k] != {"throws": True} for k in keys), "nixpkgs refuses too: no longer a difference"


def test_package_sets_use_the_platforms_of_nixpkgs(module_nix) -> None:
    """The platform of the package set generated code imports for each target
    (cross, pkgsStatic) is the one nixpkgs' stage.nix would elaborate."""
    platform_for = PACKAGE_SET_PLATFORM % json.dumps(json.dumps(libfacts.targets()))
    ours = libfacts.flatten(libfacts.evaluate(module_nix.eval_json, HOSTPKGS_LIB, platform_for))
    for group in [("systems", "targets"), ("systems", "targets: run on x86_64-linux")]:
        differences = _differences(ours, group)
        assert not differences, "\n".join(differences)


def test_every_lib_function_of_hostpkgs_is_compared(module_nix) -> None:
    names = module_nix.eval_json(f"builtins.attrNames ({HOSTPKGS_LIB})")
    uncompared = set(names) - set(FACTS["functions"]) - {"systems"}
    assert not uncompared, f"hostpkgs' lib functions without cases in nixpkgs-lib-cases.nix: {sorted(uncompared)}"


def test_every_platform_field_of_hostpkgs_is_compared(module_nix) -> None:
    """Every value hostpkgs' platforms carry (functions aside) is a compared field."""
    leaves = module_nix.eval_json(f"""
      let
        lib = {HOSTPKGS_LIB};
        walk = prefix: v:
          if builtins.isAttrs v then
            builtins.concatLists (map (n: walk (prefix ++ [ n ]) v.${{n}}) (builtins.attrNames v))
          else if builtins.isFunction v then [ ]
          else [ (builtins.concatStringsSep "." prefix) ];
      in
      builtins.concatLists (map (s: walk [ ] (lib.systems.elaborate s)) [
        "x86_64-linux" "armv7l-linux" {{ config = "aarch64-unknown-linux-musl"; isStatic = true; }} ])
    """)
    compared = {key[3] for key in FLAT if key[:2] == ("systems", "elaborate")}
    assert not set(leaves) - compared, f"platform fields not compared: {sorted(set(leaves) - compared)}"


def test_the_comparison_catches_a_difference(module_nix) -> None:
    """A lib that differs in one function is caught (the harness compares values, not names)."""
    changed = f"({HOSTPKGS_LIB}) // {{ toUpper = s: s; }}"
    ours = libfacts.flatten(libfacts.evaluate(module_nix.eval_json, changed))
    assert _differences(ours, ("functions", "toUpper"))
    assert not _differences(ours, ("functions", "toLower"))

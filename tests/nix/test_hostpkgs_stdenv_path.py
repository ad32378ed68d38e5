"""hostpkgs' stdenv PATH is nixpkgs': only store paths, the packages of
pkgs/stdenv/generic/common-path.nix in its order (after patchelf, the Linux
stdenv's extra native build input), the same in native, cross and static sets,
and the package set's attributes are those same packages."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.nix

# nixpkgs' pkgs/stdenv/generic/common-path.nix, in its order (read from NixOS/nixpkgs).
COMMON_PATH = ["coreutils", "findutils", "diffutils", "gnused", "gnugrep", "gawk", "gnutar", "gzip", "bzip2.bin",
               "gnumake", "bash", "patch", "xz.bin", "file"]
PROGRAMS = ["ls", "find", "xargs", "diff", "cmp", "sed", "grep", "awk", "gawk", "tar", "gzip", "bzip2", "make",
            "bash", "patch", "xz", "file", "patchelf"]


def _path_of(nix, pkgs: str, stdenv: str = "stdenvNoCC") -> list[str]:
    nix.write("path.nix", f"""let pkgs = {pkgs}; in
      pkgs.{stdenv}.mkDerivation {{
        name = "path-probe"; dontUnpack = true;
        installPhase = ''
          for p in {' '.join(PROGRAMS)}; do command -v "$p" >/dev/null || {{ echo "missing: $p" >&2; exit 1; }}; done
          if command -v gcc >/dev/null && [ "${{CC:-cc}}" != cc ]; then echo "gcc found in a cross build" >&2; exit 1; fi
          echo "$PATH" > $out
        '';
      }}""")
    (out,) = nix.build("path.nix", link=f"path-{abs(hash(pkgs + stdenv))}")
    return out.read_text().strip().split(":")


@pytest.mark.parametrize("pkgs", ["import <hostpkgs> { }",
                                  "(import <hostpkgs> { }).pkgsCross.aarch64-multiplatform",
                                  "(import <hostpkgs> { }).pkgsStatic"])
def test_path_holds_only_the_package_sets_tools(nix, pkgs: str) -> None:
    path = _path_of(nix, pkgs)
    assert all(entry.startswith("/nix/store/") for entry in path), path
    native = "(import <hostpkgs> { })"
    expected = nix.eval_json(
        f"map (p: \"${{p}}/bin\") ([ {native}.patchelf ] ++ (with {native}; [ "
        + " ".join(f"({p})" for p in COMMON_PATH) + " ]))")
    assert path == expected


def test_cross_stdenv_path_has_the_cross_compiler_and_no_gcc(nix) -> None:
    """In a cross stdenv, `gcc` is not on PATH (nixpkgs has only <targetPrefix>gcc there)."""
    path = _path_of(nix, "(import <hostpkgs> { }).pkgsCross.aarch64-multiplatform", "stdenv")
    assert all(entry.startswith("/nix/store/") for entry in path), path
    assert any("-aarch64-unknown-linux-gnu-gcc-wrapper" in entry for entry in path), path


def test_package_set_attributes_are_the_stdenv_tools(nix) -> None:
    """nixpkgs' final stage inherits its stdenv's tools: pkgs.coreutils is what the stdenv runs."""
    same = nix.eval_json(
        "let pkgs = import <hostpkgs> { }; in "
        "map (p: builtins.elem \"${p}\" (map toString pkgs.stdenv.initialPath)) [ pkgs.coreutils pkgs.gnumake pkgs.bash pkgs.gawk ]")
    assert same == [True, True, True, True]


def test_an_overlay_does_not_change_the_stdenv_path(nix) -> None:
    result = nix.eval_json(
        "let base = import <hostpkgs> { }; "
        "over = import <hostpkgs> { overlays = [ (final: prev: { gnused = prev.writeText \"not-sed\" \"\"; }) ]; }; "
        "in [ (base.stdenv.drvPath == over.stdenv.drvPath) (over.gnused.name) ]")
    assert result == [True, "not-sed"]


def test_a_missing_host_tool_names_its_debian_package(nix) -> None:
    nix.write("missing.nix", """let boot = import <hostpkgs/stdenv/bootstrap.nix> {
        lib = (import <hostpkgs> { }).lib;
        buildPlatform = (import <hostpkgs> { }).stdenv.buildPlatform; };
      in boot.hostTool "nothere" "nothere-deb" { nothere = "nixbuild-no-such-program"; } { }""")
    log = nix.build_fails("missing.nix")
    assert ("hostpkgs: nothere needs /usr/bin/nixbuild-no-such-program from the host's Debian package nothere-deb "
            "(hint: apt-get install nothere-deb)") in log


def test_every_set_shares_one_bootstrap_stage(nix) -> None:
    """Native, cross and static stdenvs run the same tool packages (one bootstrap stage per evaluation)."""
    paths = nix.eval_json(
        "let p = import <hostpkgs> { }; in map (s: map toString s.stdenv.initialPath) "
        "[ p p.pkgsCross.aarch64-multiplatform p.pkgsStatic p.pkgsCross.riscv64.buildPackages ]")
    assert all(p == paths[0] for p in paths) and len(paths[0]) == 14

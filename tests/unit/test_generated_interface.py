"""Generated Nix may only use nixpkgs attributes recorded in
tests/data/nixpkgs-interface.json (which tests/nix/test_hostpkgs_interface.py
checks against hostpkgs, and which records real nixpkgs' interface)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nixbuild import config, render
from tests.conftest import REPO, copy_example

INTERFACE = json.loads((REPO / "tests/data/nixpkgs-interface.json").read_text())
ATTRIBUTES = set(INTERFACE["attributes"]["paths"])
ROOTS = ("pkgs", "lib", "dockerTools", "stdenv")
# An overlay's `final:` and `prev:` are package sets too.
PACKAGE_SETS = ("pkgs", "final", "prev")
_REF = re.compile(r"(?<![\w.'/-])(" + "|".join((*ROOTS, *PACKAGE_SETS[1:])) + r")((?:\.[A-Za-z_][A-Za-z0-9_'-]*)+)")
# jinja2 tags and expressions of the templates (what they become is checked
# on generated files; the Nix around them is checked here).
_JINJA = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\[%.*?%\]|\[\[.*?\]\]", re.S)
# Every hand-written Nix source that reaches generated code, and the templates.
SOURCES = sorted([*(REPO / "nixbuild" / "templates").glob("*.nix.j2"), *(REPO / "nix" / "lib").glob("*.nix"),
                  *(REPO / "overlays").glob("*.nix")])
_FORMALS = re.compile(r"\A(?:\s*#[^\n]*\n)*\s*\{([^{}]*)\}\s*:", re.S)
# A function given to callPackage in place (its arguments come from the package set).
_INLINE_CALLPACKAGE = re.compile(r"callPackage\s*\(\s*\{([^{}]*)\}\s*:", re.S)
# Files whose arguments are filled by callPackage from the package set.
CALLPACKAGED = {"package.nix", "lib/image.nix"}
# Arguments default.nix passes explicitly (not package-set attributes).
EXPLICIT_ARGS = {"target", "inputs"}

VARIANTS = {
    "hello-c": [],
    "hello-c-shell": [],
    "hello-c+tzdata+root": [("[image]", '[image]\ntzdata = true\nuser = "root"\nports = [8080]\nlabels = { a = "b" }')],
    "hello-c+static": [('platforms = ["x86_64-linux",', 'platforms = ["x86_64-linux-static", "x86_64-linux",')],
    "hello-go": [],
    "hello-go+cgo+vendor-hash": [("builder = \"go\"", 'builder = "go"\ncgo = true\nvendor-hash = "sha256-AAAA"')],
    "hello-rust": [],
    "hello-rust+cargo-hash": [("builder = \"rust\"", 'builder = "rust"\ncargo-hash = "sha256-AAAA"\nbuild-features = ["x"]')],
}


def strip_comments(source: str) -> str:
    return "\n".join(line.split("#", 1)[0] if not line.lstrip().startswith("#") else "" for line in source.splitlines())


def references(source: str, callpackaged: bool = True) -> set[str]:
    """Package-set attribute paths a Nix file uses (callPackage arguments included)."""
    found: set[str] = set()
    source = strip_comments(source)
    formals = _FORMALS.match(source)
    if formals and callpackaged:
        for arg in formals.group(1).split(","):
            name = arg.split("?")[0].strip()
            if name and name != "..." and name not in EXPLICIT_ARGS:
                found.add(name)
    for inline in _INLINE_CALLPACKAGE.findall(source):
        found.update(a.split("?")[0].strip() for a in inline.split(",") if a.strip() and a.strip() != "...")
    for root, rest in _REF.findall(source):
        path = rest.lstrip(".")
        found.add(path if root in PACKAGE_SETS else f"{root}.{path}")
    return found


def template_text(source: Path) -> str:
    """A template as Nix to scan: statements ({% if %}, {% include %}) write nothing; an
    expression stands for a value."""
    return _JINJA.sub(lambda m: "" if m.group(0).startswith(("{%", "[%")) else "x", source.read_text())


def generated(name: str, tmp_path: Path) -> dict[str, str]:
    base, *_ = name.split("+")
    root = copy_example(base, tmp_path)
    toml = root / "nixbuild.toml"
    for old, new in VARIANTS[name]:
        toml.write_text(toml.read_text().replace(old, new))
    files = render.plan_files(config.load(root))
    return {k: v.decode() for k, v in files.items() if k.endswith(".nix") and not k.startswith("hostpkgs/")}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_generated_code_uses_only_recorded_nixpkgs_attributes(name: str, tmp_path: Path) -> None:
    files = generated(name, tmp_path)
    assert CALLPACKAGED <= set(files)
    unknown = {f"{path}: {ref}" for path, text in files.items()
               for ref in references(text, callpackaged=path in CALLPACKAGED) if ref not in ATTRIBUTES}
    assert not unknown, "generated code uses attributes not in nixpkgs-interface.json:\n" + "\n".join(sorted(unknown))


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_templates_and_nix_sources_use_only_recorded_nixpkgs_attributes(source: Path) -> None:
    """Every template (every builder's, also those no example uses yet), nix/lib
    and nixbuild's overlays: each pkgs/lib/stdenv/dockerTools/final/prev name
    is recorded, and so are a callPackage'd file's arguments."""
    text = template_text(source)
    callpackaged = source.name.startswith("package-") or source.relative_to(REPO).as_posix() == "nix/lib/image.nix"
    unknown = sorted(ref for ref in references(text, callpackaged=callpackaged) if ref not in ATTRIBUTES)
    assert not unknown, f"{source.name} uses attributes not in nixpkgs-interface.json: {unknown}"


def test_a_templates_arguments_are_checked_through_its_jinja_statements() -> None:
    """package-c.nix.j2 opens with {% include %} and takes autoreconfHook inside {% if %}: its
    arguments are still read (as a package-set attribute each)."""
    text = template_text(REPO / "nixbuild" / "templates" / "package-c.nix.j2")
    assert {"stdenv", "pkg-config", "autoreconfHook"} <= references(text)


def test_every_template_and_nix_source_is_scanned() -> None:
    assert {p.name for p in SOURCES} >= {"package-c.nix.j2", "package-shell.nix.j2", "image.nix", "policy.nix",
                                         "cross-shared-cacert.nix"}
    templates = {p.name for p in (REPO / "nixbuild" / "templates").glob("*.j2")}
    assert {p.name for p in SOURCES} >= templates - {"header.j2", "github-workflow.yml.j2"}


def test_the_checker_catches_an_unrecorded_attribute() -> None:
    refs = references("{ lib, stdenv, fooBar }:\nstdenv.mkDerivation { x = lib.notAFunction; y = pkgs.dockerTools.buildImage; }")
    assert {"fooBar", "lib.notAFunction", "dockerTools.buildImage", "stdenv.mkDerivation"} <= refs
    assert references("final: prev: { a = final.buildPackages.zstd; b = prev.lib.mkForce; }") >= {
        "buildPackages.zstd", "lib.mkForce"}
    assert "fooBar" not in ATTRIBUTES and "lib.notAFunction" not in ATTRIBUTES
    inline = references("pkgs.callPackage ({ mkShell, fooBaz ? null }: mkShell { }) { }", callpackaged=False)
    assert {"callPackage", "mkShell", "fooBaz"} <= inline

"""The interface every builder module offers, and what builders share.

A builder module is used as an object (``all.BUILDERS[name]``); mypy checks
modules against this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from nixbuild import nixexpr
from nixbuild.nixexpr import Raw

if TYPE_CHECKING:
    from nixbuild import plan as plan_mod
    from nixbuild.config import Package, Project, Reader
    from nixbuild.nix import Nix
    from nixbuild.platforms import Platform


@dataclass(frozen=True)
class Detection:
    """What a builder found in a source tree (``nixbuild init``): enough for a
    nixbuild.toml, and why — every guess says what it was read from."""

    builder: str
    name: str | None  # from the project's own metadata; None: init uses the directory's name
    version: str | None  # None: not found in the project's metadata
    program: str | None  # the program in bin/; None: the package name
    evidence: tuple[str, ...]  # "CMakeLists.txt: project(hello VERSION 1.2)", one line each
    package: dict[str, Any] = field(default_factory=dict)  # this builder's own [package] keys


class Builder(Protocol):
    NAME: str  # the value of [package] builder
    SCHEMA: dict[str, str]  # [package] keys that only this builder reads → their kind, as config.SCHEMA
    KEYS: frozenset[str]  # frozenset(SCHEMA)
    DEFAULT_OUTPUTS: tuple[str, ...]  # [package] outputs when the config names none
    TEMPLATE: str  # the template of .nixbuild/package.nix, in nixbuild/templates/
    # The package output where its derivation records what the fix-up of
    # prebuilt ELF files changed (nixbuild/fixup.py), or None.
    FIXUP_OUTPUT: str | None

    def options(self, r: Reader, table: dict[str, Any], root: Path, outputs: tuple[str, ...]) -> Any:
        """This builder's keys of ``[package]``, validated (errors through ``r.error``), and its outputs checked."""

    def package_args(self, pkg: Package) -> str:
        """The Nix attrset default.nix passes to ``callPackage ./package.nix``."""

    def render_context(self, project: Project) -> dict[str, object]:
        """The variables of TEMPLATE (beside the common ones render.py gives every template)."""

    def produce(self, project: Project, nix: Nix, plan: plan_mod.Plan, generated: Path, *,
                run: bool, output: object = None) -> tuple[Path, ...] | None:
        """What must happen outside Nix before ``nix-build -A package``: a builder
        that builds outside Nix returns its artifact's paths (``run=False``: only
        check that an earlier build left them); a hermetic builder returns None."""

    def serial_targets(self, pkg: Package) -> bool:
        """Whether builds for different targets write the same files and must not overlap."""

    def default_program(self, options: Any) -> str | None:
        """The program when [package] program is not set (None: the package name); a
        builder that knows what the project installs names it (and has checked a set one)."""

    def host_missing(self, target: Platform) -> tuple[str, ...]:
        """What this host lacks to build ``target`` with this builder through hostpkgs
        (``nixbuild doctor``), one piece each; () when nothing."""

    def detect(self, root: Path) -> Detection | None:
        """Whether the tree at ``root`` is built by this builder (``nixbuild init``):
        what it found and why, or None. Only reads files; never runs the project."""

    def clean_copy(self, project: Project, copy: Path, target: str) -> None:
        """Remove from a copy of the project what this builder's last build left in it
        (verify's second build must produce it again)."""


def inputs_expr(pkg: Package, indent: int = 0) -> str:
    """``[package] inputs`` as a Nix list of ``pkgs`` attributes. Always passed
    explicitly: callPackage would otherwise fill an argument named `inputs` from
    the package set if it ever had such an attribute."""
    return nixexpr.value([Raw(nixexpr.attr_select("pkgs", i)) for i in pkg.inputs], indent)


def derivation_outputs(pkg: Package) -> list[str]:
    """The outputs of a make-style derivation (c, cmake): the configured ones first, then
    `dev`, `lib` and `out`, as in nixpkgs' packages with a `bin` output. `dev` (headers,
    .pc files; never imaged) is the output stdenv makes propagate the others: without it,
    `out` does, and `out` refers to `bin` — so a program that refers to `out` (a configure
    build's SYSCONFDIR or DATADIR compiled in, or shared libraries left in `out`) makes a
    cycle Nix refuses. `lib` holds the shared libraries, so that a program needs `out` only
    when it refers to it."""
    return list(dict.fromkeys([*pkg.outputs, "dev", "lib", "out"]))


# -- what every hermetic builder (all of the build in nix-build) offers -----------------
# Their modules import these under the protocol's names.


def produce(project: Project, nix: Nix, plan: plan_mod.Plan, generated: Path, *,
            run: bool, output: object = None) -> tuple[Path, ...] | None:
    return None  # everything happens in nix-build


def serial_targets(pkg: Package) -> bool:
    return False  # each target's build is its own derivation


def clean_copy(project: Project, copy: Path, target: str) -> None:
    pass  # nix-build writes nothing into the project

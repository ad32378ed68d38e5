"""The interface every builder module offers, and what builders share.

A builder module is used as an object (``all.BUILDERS[name]``); mypy checks
modules against this protocol.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from nixbuild import plan as plan_mod
    from nixbuild.config import Package, Project, Reader
    from nixbuild.nix import Nix


class Builder(Protocol):
    NAME: str  # the value of [package] builder
    KEYS: frozenset[str]  # [package] keys that only this builder reads
    DEFAULT_OUTPUTS: tuple[str, ...]  # [package] outputs when the config names none
    TEMPLATE: str  # the template of .nixbuild/package.nix, in nixbuild/templates/

    def options(self, r: Reader, table: dict[str, Any], root: Path, outputs: tuple[str, ...]) -> Any:
        """This builder's keys of ``[package]``, validated (errors through ``r.error``), and its outputs checked."""

    def package_args(self, pkg: Package) -> str:
        """The Nix attrset default.nix passes to ``callPackage ./package.nix``."""

    def render_context(self, project: Project) -> dict[str, object]:
        """The variables of TEMPLATE (beside the common ones render.py gives every template)."""

    def produce(self, project: Project, nix: Nix, plan: plan_mod.Plan, generated: Path, *,
                run: bool, output: object = None) -> Path | None:
        """What must happen outside Nix before ``nix-build -A package``: a builder
        that builds outside Nix returns its artifact (``run=False``: only check that
        an earlier build left it); a hermetic builder returns None."""

    def serial_targets(self, pkg: Package) -> bool:
        """Whether builds for different targets write the same files and must not overlap."""

    def clean_copy(self, project: Project, copy: Path, target: str) -> None:
        """Remove from a copy of the project what this builder's last build left in it
        (verify's second build must produce it again)."""

"""Where nixbuild's own Nix files live (nix/lib, nix/hostpkgs)."""

from __future__ import annotations

from pathlib import Path

from nixbuild.errors import NixbuildError


def nix_dir() -> Path:
    """The repository's ``nix/`` directory (nixbuild runs from a source checkout)."""
    candidate = Path(__file__).resolve().parent.parent / "nix"
    if (candidate / "lib").is_dir():
        return candidate
    raise NixbuildError(
        f"nixbuild's Nix library is missing (looked in {candidate})",
        hint="install nixbuild from its source checkout: pip install -e .",
    )

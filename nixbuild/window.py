"""The nixpkgs releases nixbuild supports, and the Nix each needs.

The window is data (``nix/lib/window.json``) read by the generated Nix
(``nix/lib/window.nix``, which checks the pinned nixpkgs before importing it)
and by this module: ``doctor`` compares the running Nix with what the
project's nixpkgs asks for, and ``nix.py`` turns the one-line failure the
generated Nix throws into nixbuild's own error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nixbuild import nixexpr
from nixbuild.errors import ConfigError, NixbuildError, NixMissingError
from nixbuild.resources import nix_dir

if TYPE_CHECKING:
    from nixbuild.nix import Nix

# What nix/lib/window.nix throws: "nixbuild: <kind>: <message> (hint: <hint>)".
_THROWN = re.compile(r"nixbuild: (unsupported nixpkgs|Nix too old): (.*?)(?: \(hint: (.*)\))?$", re.MULTILINE)


class UnsupportedNixpkgsError(ConfigError):
    """The project's nixpkgs is outside the supported window (exit 2)."""


class NixTooOldError(NixMissingError):
    """This Nix cannot evaluate the project's nixpkgs (exit 3)."""


@dataclass(frozen=True)
class Window:
    oldest: str
    newest: str
    nixbuild_minimum_nix: str
    releases: dict[str, str]  # release → the Nix its nixpkgs asks for

    @property
    def span(self) -> str:
        return f"{self.oldest} … {self.newest}"


@cache
def window() -> Window:
    data = json.loads((nix_dir() / "lib" / "window.json").read_text())
    return Window(
        oldest=data["oldest"],
        newest=data["newest"],
        nixbuild_minimum_nix=data["nixbuild-minimum-nix"],
        releases={r: v["nixpkgs-minimum-nix"] for r, v in data["releases"].items()},
    )


def error_from(nix_output: str) -> NixbuildError | None:
    """nixbuild's error for a window check that failed in Nix, or None."""
    found = _THROWN.search(nix_output)
    if not found:
        return None
    kind, message, hint = found.groups()
    cls = UnsupportedNixpkgsError if kind == "unsupported nixpkgs" else NixTooOldError
    return cls(f"{kind}: {message}", hint=hint, log=nix_output)


@dataclass(frozen=True)
class NixpkgsFacts:
    """What the project's nixpkgs says about itself (nix/lib/window.nix ``facts``)."""

    release: str | None  # "26.05"; None: not nixpkgs, or older than lib/.version
    minimum_nix: str  # for that nixpkgs and for nixbuild's own code
    missing_features: tuple[str, ...]  # lib/minfeatures.nix conditions this Nix fails
    nix_version: str
    supported: bool  # release within (or newer than) the window

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> NixpkgsFacts:
        return cls(release=raw["release"], minimum_nix=raw["minimumNix"],
                   missing_features=tuple(raw["missingFeatures"]), nix_version=raw["nixVersion"],
                   supported=raw["supported"])


def _expr(generated: Path, function: str) -> str:
    gen = nixexpr.absolute_path(str(generated))
    return f'(import ({gen} + "/lib/window.nix")).{function} (import ({gen} + "/nixpkgs.nix"))'


def facts(nix: Nix, generated: Path) -> NixpkgsFacts:
    """What the nixpkgs of a generated directory (``.nixbuild/nixpkgs.nix``) says about itself."""
    return NixpkgsFacts.from_json(nix.eval_expr_json(_expr(generated, "facts")))


def check(nix: Nix, generated: Path) -> None:
    """The generated code's own check of that nixpkgs (``window.nix`` ``check``): raises
    UnsupportedNixpkgsError or NixTooOldError with what to do."""
    nix.eval_expr_json(f"builtins.seq ({_expr(generated, 'check')}) true")

"""The table of builders: the rest of nixbuild reaches a builder only through it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nixbuild.builders import c, cmake, go, rust, shell

if TYPE_CHECKING:
    from nixbuild.builders.base import Builder
    from nixbuild.config import Package

BUILDERS: dict[str, Builder] = {
    c.NAME: c,  # type: ignore[dict-item]
    shell.NAME: shell,  # type: ignore[dict-item]
    go.NAME: go,  # type: ignore[dict-item]
    rust.NAME: rust,  # type: ignore[dict-item]
    cmake.NAME: cmake,  # type: ignore[dict-item]
}
DEFAULT = c.NAME
# `nixbuild init` asks these builders, in this order (the most specific marker
# first), whether a tree is theirs; the others are chosen only with --builder.
DETECTION_ORDER: tuple[str, ...] = (go.NAME, rust.NAME, cmake.NAME, c.NAME)


def of(pkg: Package) -> Builder:
    return BUILDERS[pkg.builder]

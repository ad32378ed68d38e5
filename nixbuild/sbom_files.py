"""Writes an image's SBOM files next to it (or into a directory): the step
shared by `nixbuild sbom` and `nixbuild image --sbom`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from nixbuild.atomicfile import write_atomic

if TYPE_CHECKING:  # `nixbuild image` imports this module for FORMATS; the rest only when an SBOM is written
    from nixbuild.image import ImageInfo
    from nixbuild.nix import Nix

SUFFIXES = {"spdx": ".spdx.json", "cyclonedx": ".cdx.json"}
FORMATS = ("spdx", "cyclonedx", "both")


def write(nix: Nix, info: ImageInfo, archive: Path, outdir: Path, fmt: str = "both") -> dict[str, Path]:
    """SPDX and/or CycloneDX of the image ``info`` read from ``archive``; kind → file written."""
    from nixbuild import nixstore, sbom, sourcedate

    created = sourcedate.from_environment()
    facts = nixstore.collect_store_facts(nix, info.store_paths)
    stem = archive.name.removesuffix(".tar").removesuffix(".oci")
    written: dict[str, Path] = {}
    for kind in (("spdx", "cyclonedx") if fmt == "both" else (fmt,)):
        render = sbom.spdx if kind == "spdx" else sbom.cyclonedx
        path = outdir / (stem + SUFFIXES[kind])
        write_atomic(path, render(info, facts, created=created))
        written[kind] = path
    return written

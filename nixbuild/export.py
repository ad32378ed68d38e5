"""`nixbuild image --format … --output PATH`: the image in the format asked for.

The docker-archive under nixbuild-result/ stays the source; the other formats
are converted from it (``registry.Containers.convert``, skopeo), so their
layers are the same uncompressed tars with the same diff IDs. Every output is
written atomically, and an existing path is replaced only when it is of the
same kind (a file for the archives, an OCI layout for ``oci``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from nixbuild.atomicfile import copy_atomic
from nixbuild.errors import UsageError
from nixbuild.registry import Containers

FORMATS = ("docker-archive", "oci", "oci-archive")
DEFAULT_FORMAT = "docker-archive"
_SUFFIX = {"docker-archive": ".tar", "oci": ".oci", "oci-archive": ".oci.tar"}


@dataclass(frozen=True)
class Exported:
    format: str
    path: Path
    tag: str  # the OCI reference name (oci:PATH:TAG), the image tag
    manifest_digest: str | None  # OCI formats: the image manifest in index.json


def default_output(archive: Path, fmt: str) -> Path:
    """Next to the docker-archive: NAME-TAG.oci (a directory) or NAME-TAG.oci.tar."""
    return archive.with_name(archive.name.removesuffix(".tar") + _SUFFIX[fmt])


def check_output(path: Path, fmt: str) -> None:
    """Refuse to replace something that is not a previous output of the same kind (before building)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}", hint="one of: " + ", ".join(FORMATS))
    if not os.path.lexists(path):
        return
    if fmt == "oci":
        if path.is_symlink() or not path.is_dir():
            raise UsageError(f"--output {path}: exists and is not a directory",
                             hint="--format oci writes an OCI layout directory; remove it or choose another path")
        if any(path.iterdir()) and not (path / "oci-layout").is_file():
            raise UsageError(f"--output {path}: a non-empty directory that is not an OCI layout",
                             hint="nixbuild replaces only an earlier OCI layout; choose a new or empty directory")
    elif path.is_dir():
        raise UsageError(f"--output {path}: is a directory", hint=f"--format {fmt} writes one file; give a file name")


def export(archive: Path, fmt: str, output: Path, *, tag: str, containers: Containers) -> Exported:
    check_output(output, fmt)
    if fmt == "docker-archive":
        copy_atomic(archive, output)
        return Exported(fmt, output, tag, None)
    result = containers.convert(archive, fmt, output, tag=tag)
    return Exported(fmt, result.path, tag, result.manifest_digest)

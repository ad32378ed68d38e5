"""`nixbuild image --format … --output PATH`: the image in the format asked for.

The OCI layout under nixbuild-result/ is the source; every other form is written
from its blobs, with the same config and layers (so the same digests): an OCI
layout elsewhere (blobs hard-linked), an OCI archive (the layout in a tar) or a
docker-archive. Every output is written atomically, and an existing path is
replaced only when it is of the same kind (a file for the archives, an OCI
layout for ``oci``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from nixbuild.atomicfile import staged
from nixbuild.errors import UsageError

FORMATS = ("docker-archive", "oci", "oci-archive")
DEFAULT_FORMAT = "oci"  # the layout in nixbuild-result: nothing more to write
_SUFFIX = {"docker-archive": ".tar", "oci": ".oci", "oci-archive": ".oci.tar"}


@dataclass(frozen=True)
class Exported:
    format: str
    path: Path
    tag: str  # the OCI reference name (oci:PATH:TAG), the image tag
    manifest_digest: str | None  # OCI formats: the image manifest in index.json


def default_output(layout: Path, fmt: str) -> Path:
    """Next to the layout NAME-TAG.oci: NAME-TAG.tar, NAME-TAG.oci.tar (``oci``: the layout itself)."""
    return layout.with_name(layout.name.removesuffix(".oci") + _SUFFIX[fmt])


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


def export(layout: Path, fmt: str, output: Path) -> Exported:
    """Write the image of ``layout`` (an OCI layout nixbuild wrote) as ``fmt`` at ``output``."""
    check_output(output, fmt)
    from nixbuild import oci

    image = oci.read_layout(layout)
    if fmt == "docker-archive":
        with staged(output) as tmp:
            oci.write_docker_archive(image.config, image.layers, image.repo_tag, tmp)
        return Exported(fmt, output, image.tag, None)
    if fmt == "oci":
        if output.resolve() != layout.resolve():
            oci.copy_layout(layout, output)
        return Exported(fmt, output, image.tag, image.manifest_digest)
    with staged(output) as tmp:
        _tar_layout(layout, tmp)
    return Exported(fmt, output, image.tag, image.manifest_digest)


def _tar_layout(layout: Path, out: Path) -> None:
    """An OCI archive: the layout's files in a tar, in a fixed order with fixed metadata."""
    names = ["oci-layout", "index.json", "blobs", "blobs/sha256",
             *(f"blobs/sha256/{b.name}" for b in sorted((layout / "blobs" / "sha256").iterdir()))]
    import tarfile

    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        for name in names:
            info = tar.gettarinfo(os.path.join(layout, name), arcname=name)
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            info.mode = 0o755 if info.isdir() else 0o644
            if info.isfile():
                with open(layout / name, "rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)

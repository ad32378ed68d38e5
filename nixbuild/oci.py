"""Writes an OCI image layout holding a multi-platform image index, from
docker-archives (one per target). Pure Python and deterministic: the same
archives give byte-identical blobs and index.

Layout: oci-layout, index.json (one entry: the image index, named by the tag),
blobs/sha256/… (the image index, one manifest + config + uncompressed layers
per platform). `skopeo inspect --raw oci:DIR:TAG` shows the index and
`skopeo copy --all oci:DIR:TAG docker://…` pushes every platform.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

from nixbuild.atomicfile import claimed_temp, replace_dir
from nixbuild.platforms import Platform

MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar"
REF_NAME = "org.opencontainers.image.ref.name"


@dataclass(frozen=True)
class IndexEntry:
    platform: str  # "linux/arm/v7"
    manifest_digest: str
    size: int


@dataclass(frozen=True)
class IndexResult:
    layout: Path
    tag: str
    index_digest: str
    entries: tuple[IndexEntry, ...]


def _dump(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


class _Blobs:
    def __init__(self, root: Path):
        self.dir = root / "blobs" / "sha256"
        self.dir.mkdir(parents=True)

    def add_bytes(self, data: bytes) -> tuple[str, int]:
        digest = hashlib.sha256(data).hexdigest()
        path = self.dir / digest
        if not path.exists():
            path.write_bytes(data)
        return "sha256:" + digest, len(data)

    def add_stream(self, handle) -> tuple[str, int]:  # type: ignore[no-untyped-def]
        tmp = self.dir / ".incoming"
        sha, size = hashlib.sha256(), 0
        with open(tmp, "wb") as out:
            while chunk := handle.read(1 << 20):
                sha.update(chunk)
                size += len(chunk)
                out.write(chunk)
        digest = sha.hexdigest()
        os.replace(tmp, self.dir / digest)
        return "sha256:" + digest, size


def _descriptor(media_type: str, digest: str, size: int, **extra: object) -> dict[str, object]:
    return {"mediaType": media_type, "digest": digest, "size": size, **extra}


def _add_image(blobs: _Blobs, archive: Path) -> tuple[str, int]:
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))[0]  # type: ignore[arg-type]
        config_bytes = tar.extractfile(manifest["Config"]).read()  # type: ignore[union-attr]
        config_digest, config_size = blobs.add_bytes(config_bytes)
        layers = []
        for name in manifest["Layers"]:
            digest, size = blobs.add_stream(tar.extractfile(name))
            layers.append(_descriptor(MT_LAYER, digest, size))
    image_manifest = {
        "schemaVersion": 2,
        "mediaType": MT_MANIFEST,
        "config": _descriptor(MT_CONFIG, config_digest, config_size),
        "layers": layers,
    }
    return blobs.add_bytes(_dump(image_manifest))


def write_index(images: list[tuple[Platform, Path]], dest: Path, tag: str) -> IndexResult:
    """Write the OCI layout ``dest`` (replaced atomically) with one manifest per platform."""
    with claimed_temp(dest.parent, ".oci-", directory=True) as tmp:
        blobs = _Blobs(tmp)
        manifests, entries = [], []
        for plat, archive in images:
            digest, size = _add_image(blobs, archive)
            platform: dict[str, str] = {"architecture": plat.oci_arch, "os": "linux"}
            if plat.oci_variant:
                platform["variant"] = plat.oci_variant
            manifests.append(_descriptor(MT_MANIFEST, digest, size, platform=platform))
            entries.append(IndexEntry(plat.oci_platform, digest, size))
        index = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": manifests}
        index_digest, index_size = blobs.add_bytes(_dump(index))
        top = {
            "schemaVersion": 2,
            "mediaType": MT_INDEX,
            "manifests": [_descriptor(MT_INDEX, index_digest, index_size, annotations={REF_NAME: tag})],
        }
        (tmp / "index.json").write_bytes(_dump(top))
        (tmp / "oci-layout").write_bytes(_dump({"imageLayoutVersion": "1.0.0"}))
        replace_dir(tmp, dest)
    return IndexResult(layout=dest, tag=tag, index_digest=index_digest, entries=tuple(entries))

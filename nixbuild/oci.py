"""Writes images out of the layer cache: an OCI image layout per image, a
docker-archive when one is asked for, and the multi-platform OCI index. Pure
Python and deterministic: the same layers and config give byte-identical
manifests and index.

An image layout (``oci:DIR:TAG``) holds oci-layout, index.json (one manifest,
named by the tag) and blobs/sha256/…: the image config exactly as the stream
script writes it (so the config digest is the Docker image ID of the
docker-archive), the OCI manifest, and the uncompressed layers as **hard links**
to the cached layers (a copy only when the cache is on another file system).
``index`` (several platforms) has the image index as its one entry;
``skopeo copy --all oci:DIR:TAG docker://…`` pushes every platform.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import shutil
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nixbuild.atomicfile import claimed_temp, replace_dir
from nixbuild.errors import NixbuildError
from nixbuild.layers import Assembled, Blob
from nixbuild.platforms import Platform

MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar"
REF_NAME = "org.opencontainers.image.ref.name"
IMAGE_NAME = "io.containerd.image.name"  # the full name:tag (containerd's annotation), as RepoTags has it


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


@dataclass(frozen=True)
class Layout:
    path: Path
    tag: str
    manifest_digest: str
    manifest_size: int
    linked: int  # layer blobs hard-linked from the cache
    copied: int  # layer blobs copied (the cache is on another file system)


def _dump(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def _descriptor(media_type: str, digest: str, size: int, **extra: object) -> dict[str, object]:
    return {"mediaType": media_type, "digest": digest, "size": size, **extra}


def image_manifest(config: bytes, layers: Sequence[Blob]) -> bytes:
    """The OCI manifest of an image: its config blob and uncompressed layers."""
    return _dump({
        "schemaVersion": 2,
        "mediaType": MT_MANIFEST,
        "config": _descriptor(MT_CONFIG, "sha256:" + hashlib.sha256(config).hexdigest(), len(config)),
        "layers": [_descriptor(MT_LAYER, b.digest, b.size) for b in layers],
    })


class _Blobs:
    def __init__(self, root: Path):
        self.dir = root / "blobs" / "sha256"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.linked = self.copied = 0

    def add_bytes(self, data: bytes) -> tuple[str, int]:
        digest = hashlib.sha256(data).hexdigest()
        path = self.dir / digest
        if not path.exists():
            path.write_bytes(data)
        return "sha256:" + digest, len(data)

    def link(self, source: Path, digest: str) -> None:
        """The blob ``digest`` as a hard link to ``source`` (a copy across file systems)."""
        path = self.dir / digest.removeprefix("sha256:")
        if path.exists():
            return
        try:
            os.link(source, path)
            self.linked += 1
        except OSError:  # another file system (EXDEV), or links not allowed here
            shutil.copyfile(source, path)
            self.copied += 1


def _top_index(manifest_digest: str, size: int, tag: str, media_type: str = MT_MANIFEST,
               repo_tag: str = "") -> bytes:
    annotations = {REF_NAME: tag, **({IMAGE_NAME: repo_tag} if repo_tag else {})}
    return _dump({"schemaVersion": 2, "mediaType": MT_INDEX,
                  "manifests": [_descriptor(media_type, manifest_digest, size, annotations=annotations)]})


def fill_layout(image: Assembled, directory: Path, tag: str) -> Layout:
    """Write the OCI layout of ``image`` into the empty ``directory``."""
    directory.chmod(0o755)
    blobs = _Blobs(directory)
    blobs.add_bytes(image.config)
    for layer in image.layers:
        blobs.link(layer.path, layer.digest)
    digest, size = blobs.add_bytes(image_manifest(image.config, image.layers))
    (directory / "index.json").write_bytes(_top_index(digest, size, tag, repo_tag=image.repo_tag))
    (directory / "oci-layout").write_bytes(_dump({"imageLayoutVersion": "1.0.0"}))
    return Layout(directory, tag, digest, size, blobs.linked, blobs.copied)


def write_layout(image: Assembled, dest: Path, tag: str) -> Layout:
    """Write the OCI layout ``dest`` (replaced atomically) for ``image``."""
    with claimed_temp(dest.parent, f".{dest.name}.", ".tmp", directory=True) as tmp:
        layout = fill_layout(image, tmp, tag)
        replace_dir(tmp, dest)
    return dataclasses.replace(layout, path=dest)


def copy_layout(source: Path, dest: Path) -> None:
    """A copy of the layout ``source`` at ``dest`` (replaced atomically), its blobs hard-linked."""
    with claimed_temp(dest.parent, f".{dest.name}.", ".tmp", directory=True) as tmp:
        blobs = _Blobs(tmp)
        for blob in sorted((source / "blobs" / "sha256").iterdir()):
            blobs.link(blob, blob.name)
        for name in ("index.json", "oci-layout"):
            shutil.copyfile(source / name, tmp / name)
        replace_dir(tmp, dest)


@dataclass(frozen=True)
class LayoutImage:
    """One image of a layout: its manifest, config and layers (the files holding them)."""

    manifest_digest: str
    manifest_size: int
    config: bytes
    layers: tuple[Blob, ...]
    tag: str
    repo_tag: str  # name:tag (io.containerd.image.name), "" when the layout does not say


def read_layout(layout: Path, tag: str | None = None) -> LayoutImage:
    """The image ``tag`` (or the only one) of an OCI layout whose manifest is an image manifest."""
    try:
        index = json.loads((layout / "index.json").read_bytes())
        entries = index["manifests"]
        if tag is not None:
            entries = [m for m in entries if m.get("annotations", {}).get(REF_NAME) == tag]
        if len(entries) != 1 or entries[0].get("mediaType") != MT_MANIFEST:
            raise NixbuildError(f"{layout}: expected one image manifest in index.json"
                                + (f" tagged {tag!r}" if tag else ""))
        entry = entries[0]
        blobs = layout / "blobs" / "sha256"
        manifest = json.loads((blobs / entry["digest"].removeprefix("sha256:")).read_bytes())
        config = (blobs / manifest["config"]["digest"].removeprefix("sha256:")).read_bytes()
        layers = tuple(Blob(l["digest"], int(l["size"]), blobs / l["digest"].removeprefix("sha256:"))
                       for l in manifest["layers"])
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise NixbuildError(f"{layout}: not a readable OCI image layout ({exc})") from None
    annotations = entry.get("annotations", {})
    return LayoutImage(entry["digest"], int(entry["size"]), config, layers, annotations.get(REF_NAME, ""),
                       annotations.get(IMAGE_NAME, ""))


def write_docker_archive(config: bytes, layers: Sequence[Blob], repo_tag: str, out: Path) -> None:
    """A docker-archive (``docker save`` layout, as the stream script writes it) from the
    config and the layer files, written to ``out`` (the caller stages it). Every member's
    mtime is the image's ``created``: the same image gives the same archive bytes."""
    try:
        mtime = int(datetime.fromisoformat(json.loads(config)["created"].replace("Z", "+00:00")).timestamp())
    except (ValueError, KeyError, TypeError, AttributeError):
        mtime = 0
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = [{"Config": config_name, "RepoTags": [repo_tag] if repo_tag else [],
                 "Layers": [f"{b.digest.removeprefix('sha256:')}/layer.tar" for b in layers]}]

    def info(name: str, size: int) -> tarfile.TarInfo:
        member = tarfile.TarInfo(name)
        member.size, member.mtime, member.mode = size, mtime, 0o644
        return member

    with open(out, "wb") as handle, tarfile.open(fileobj=handle, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for blob, name in zip(layers, manifest[0]["Layers"], strict=True):
            with open(blob.path, "rb") as data:
                tar.addfile(info(name, os.fstat(data.fileno()).st_size), data)
        tar.addfile(info(config_name, len(config)), io.BytesIO(config))
        encoded = json.dumps(manifest, indent=4).encode()
        tar.addfile(info("manifest.json", len(encoded)), io.BytesIO(encoded))


def write_index(images: list[tuple[Platform, Path]], dest: Path, tag: str) -> IndexResult:
    """Write the OCI layout ``dest`` (replaced atomically) with one manifest per platform,
    from the images' own layouts (blobs hard-linked). An index that is already this one,
    its blobs the images' own files, is left as it is (a rebuild of nothing writes nothing)."""
    manifests, entries, sources = [], [], []
    for plat, layout in images:
        image = read_layout(layout)
        sources.extend((layout / "blobs" / "sha256").iterdir())
        platform: dict[str, str] = {"architecture": plat.oci_arch, "os": "linux"}
        if plat.oci_variant:
            platform["variant"] = plat.oci_variant
        manifests.append(_descriptor(MT_MANIFEST, image.manifest_digest, image.manifest_size, platform=platform))
        entries.append(IndexEntry(plat.oci_platform, image.manifest_digest, image.manifest_size))
    index = _dump({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": manifests})
    index_digest = "sha256:" + hashlib.sha256(index).hexdigest()
    top = _top_index(index_digest, len(index), tag, MT_INDEX)
    result = IndexResult(layout=dest, tag=tag, index_digest=index_digest, entries=tuple(entries))
    if _index_current(dest, top, index_digest, sources):
        return result
    with claimed_temp(dest.parent, ".oci-", directory=True) as tmp:
        blobs = _Blobs(tmp)
        for blob in sources:
            blobs.link(blob, blob.name)
        blobs.add_bytes(index)
        (tmp / "index.json").write_bytes(top)
        (tmp / "oci-layout").write_bytes(_dump({"imageLayoutVersion": "1.0.0"}))
        replace_dir(tmp, dest)
    return result


def _index_current(dest: Path, top: bytes, index_digest: str, sources: list[Path]) -> bool:
    """Whether ``dest`` already holds exactly this index: its index.json, the index blob, and
    every image blob as the same file (a hard link) as the image's own."""
    try:
        blobs = dest / "blobs" / "sha256"
        if ((dest / "index.json").read_bytes() != top or not (dest / "oci-layout").is_file()
                or not (blobs / index_digest.split(":", 1)[1]).is_file()):
            return False
        return all(os.path.samestat(source.stat(), (blobs / source.name).stat()) for source in sources)
    except OSError:
        return False

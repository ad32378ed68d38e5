"""Reads images: an OCI image layout (what nixbuild writes) or a docker-archive:
manifest, config, layers, digests, store paths.

Pure Python (tarfile); no external tool. The layer digests are the sha256 of
each layer tar as stored in the archive, which is what ``rootfs.diff_ids``
records for uncompressed layers; in a layout they are the blobs' names. A
layout's layers are listed from the layer cache's index when it was taken from
that very blob (layerindex.py), else read with tarfile.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nixbuild import layerindex
from nixbuild.errors import NixbuildError

STORE_PREFIX = "nix/store/"


@dataclass(frozen=True)
class Layer:
    digest: str  # "sha256:…" of the uncompressed layer tar
    size: int  # bytes of the layer tar
    store_paths: tuple[str, ...]  # /nix/store/… paths whose top entry is in this layer


@dataclass(frozen=True)
class ImageInfo:
    path: Path
    size: int  # bytes of the image: the archive file, or a layout's config, manifest and layers
    repo_tags: tuple[str, ...]
    architecture: str
    os: str
    variant: str | None
    config: dict[str, Any]  # the image config's "config" object (Entrypoint, Env, User, …)
    config_digest: str
    layers: tuple[Layer, ...]

    @property
    def store_paths(self) -> tuple[str, ...]:
        return tuple(sorted({p for layer in self.layers for p in layer.store_paths}))


def _store_path_of(member: str) -> str | None:
    name = member.lstrip("./").lstrip("/")
    if not name.startswith(STORE_PREFIX):
        return None
    top = name[len(STORE_PREFIX):].split("/", 1)[0]
    return "/" + STORE_PREFIX + top if top else None


def read(path: Path) -> ImageInfo:
    """An OCI image layout (a directory) or a docker-archive."""
    return read_layout(path) if path.is_dir() else read_docker_archive(path)


def layer_store_paths(handle) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    """The store paths whose top entry is in the layer tar read from ``handle``."""
    return store_paths_of(layerindex.read(handle))


def store_paths_of(entries: Iterable[layerindex.Entry]) -> tuple[str, ...]:
    """The store paths whose top entry is among a layer's ``entries``."""
    return tuple(sorted({p for e in entries if (p := _store_path_of(e.name))}))


def read_layout(path: Path, tag: str | None = None) -> ImageInfo:
    from nixbuild import oci
    from nixbuild.layers import Cache

    image = oci.read_layout(path, tag)
    config = json.loads(image.config)
    layers, cache = [], Cache()
    try:
        for blob in image.layers:
            layers.append(Layer(digest=blob.digest, size=blob.size,
                                store_paths=store_paths_of(cache.entries(blob.path, blob.digest))))
    except (tarfile.TarError, OSError) as exc:
        raise NixbuildError(f"{path}: not a readable OCI image layout ({exc})") from None
    return ImageInfo(
        path=path,
        size=len(image.config) + image.manifest_size + sum(b.size for b in image.layers),
        repo_tags=(image.repo_tag,) if image.repo_tag else (),
        architecture=config.get("architecture", ""),
        os=config.get("os", ""),
        variant=config.get("variant"),
        config=config.get("config", {}),
        config_digest="sha256:" + hashlib.sha256(image.config).hexdigest(),
        layers=tuple(layers),
    )


def read_docker_archive(path: Path) -> ImageInfo:
    try:
        with tarfile.open(path, "r:*") as archive:
            manifest = json.load(_member(archive, "manifest.json"))
            if not isinstance(manifest, list) or len(manifest) != 1:
                raise NixbuildError(f"{path}: expected one image in manifest.json, found {len(manifest)}")
            entry = manifest[0]
            config_bytes = _member(archive, entry["Config"]).read()
            config = json.loads(config_bytes)
            layers = []
            for name in entry["Layers"]:
                handle = _member(archive, name)
                sha, size = hashlib.sha256(), 0
                while chunk := handle.read(1 << 20):
                    sha.update(chunk)
                    size += len(chunk)
                handle.seek(0)
                digest = "sha256:" + sha.hexdigest()
                layers.append(Layer(digest=digest, size=size, store_paths=layer_store_paths(handle)))
    except (tarfile.TarError, KeyError, json.JSONDecodeError, OSError) as exc:
        raise NixbuildError(f"{path}: not a readable docker-archive ({exc})") from None
    return ImageInfo(
        path=path,
        size=path.stat().st_size,
        repo_tags=tuple(entry.get("RepoTags") or ()),
        architecture=config.get("architecture", ""),
        os=config.get("os", ""),
        variant=config.get("variant"),
        config=config.get("config", {}),
        config_digest="sha256:" + hashlib.sha256(config_bytes).hexdigest(),
        layers=tuple(layers),
    )


def _member(archive: tarfile.TarFile, name: str):  # type: ignore[no-untyped-def]
    handle = archive.extractfile(name)
    if handle is None:
        raise KeyError(name)
    return handle

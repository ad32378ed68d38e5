"""Compares two docker-archives, and two file trees, member by member: which
layer differs, which files in it, and how (content, mode, owner, mtime, link
target, type). Used by `nixbuild verify`; pure Python (tarfile)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from nixbuild import image as image_mod
from nixbuild.errors import NixbuildError

_STORE_HASH = re.compile(r"nix/store/[0-9a-df-np-sv-z]{32}-")
_FIELDS = (("type", "kind"), ("content", "content"), ("mode", "mode"), ("owner", "owner"), ("mtime", "mtime"),
           ("link", "link"))


@dataclass(frozen=True)
class FileDifference:
    path: str  # inside the layer or store output
    fields: tuple[str, ...]  # what differs: "content", "mode", "owner", "mtime", "link", "type"; or "only in first/second"
    first: str  # the first build's entry, e.g. "file 0755 0:0 sha256:…"
    second: str


@dataclass(frozen=True)
class LayerDifference:
    index: int | None  # position in the first image (None: only in the second)
    second_index: int | None  # position of the matching layer in the second image
    first_digest: str | None
    second_digest: str | None
    store_paths: tuple[str, ...]  # store paths in the layer (either build)
    files: tuple[FileDifference, ...]

    @property
    def label(self) -> str:
        if self.index is None:
            return f"layer {self.second_index} (only in the second build)"
        if self.second_index is None:
            return f"layer {self.index} (only in the first build)"
        return f"layer {self.index}" + (f" ({self.second_index} in the second build)"
                                         if self.second_index != self.index else "")


@dataclass(frozen=True)
class ArchiveComparison:
    first: Path
    second: Path
    first_manifest: str  # "sha256:…" of manifest.json
    second_manifest: str
    first_config: str  # config digest (the image ID)
    second_config: str
    config_fields: tuple[str, ...]  # JSON paths that differ in the image config, e.g. "config.Entrypoint[0]"
    layers: tuple[LayerDifference, ...]

    @property
    def identical(self) -> bool:
        return (self.first_manifest == self.second_manifest and self.first_config == self.second_config
                and not self.layers)


@dataclass(frozen=True)
class Entry:
    kind: str  # "file", "dir", "symlink", "hardlink", "other"
    mode: int
    owner: str  # "uid:gid"
    mtime: int
    link: str  # symlink/hardlink target, "" otherwise
    content: str  # "sha256:…" of a file's bytes, "" otherwise

    def describe(self) -> str:
        parts = [self.kind, f"{self.mode:04o}", self.owner, f"mtime={self.mtime}"]
        if self.link:
            parts.append(f"-> {self.link}")
        if self.content:
            parts.append(self.content[:19])
        return " ".join(parts)


def _digest(handle: IO[bytes]) -> str:
    sha = hashlib.sha256()
    while chunk := handle.read(1 << 20):
        sha.update(chunk)
    return "sha256:" + sha.hexdigest()


def tar_entries(handle: IO[bytes]) -> dict[str, Entry]:
    """Every member of a tar stream: type, mode, owner, mtime, link target, content hash."""
    entries: dict[str, Entry] = {}
    with tarfile.open(fileobj=handle, mode="r:") as tar:
        for member in tar:
            name = member.name.removeprefix("./").rstrip("/") or "."
            content = ""
            if member.isreg():
                data = tar.extractfile(member)
                assert data is not None
                content = _digest(data)
            kind = ("file" if member.isreg() else "dir" if member.isdir() else "symlink" if member.issym()
                    else "hardlink" if member.islnk() else "other")
            entries[name] = Entry(kind, member.mode & 0o7777, f"{member.uid}:{member.gid}", int(member.mtime),
                                  member.linkname, content)
    return entries


def tree_entries(root: Path) -> dict[str, Entry]:
    """Every file under a store path (or the path itself when it is a file), like ``tar_entries``."""
    entries: dict[str, Entry] = {}

    def add(path: Path, name: str) -> None:
        st = path.lstat()
        content, link, kind = "", "", "other"
        if stat.S_ISREG(st.st_mode):
            kind = "file"
            with path.open("rb") as handle:
                content = _digest(handle)
        elif stat.S_ISDIR(st.st_mode):
            kind = "dir"
        elif stat.S_ISLNK(st.st_mode):
            kind, link = "symlink", os.readlink(path)
        entries[name] = Entry(kind, st.st_mode & 0o7777, f"{st.st_uid}:{st.st_gid}", int(st.st_mtime), link, content)

    add(root, ".")
    if root.is_dir() and not root.is_symlink():
        for dirpath, dirnames, filenames in os.walk(root):
            for name in sorted(dirnames + filenames):
                path = Path(dirpath) / name
                add(path, str(path.relative_to(root)))
    return entries


def _normalise(name: str) -> str:
    """Store paths of the two builds may differ in hash only: match their members by name."""
    return _STORE_HASH.sub("nix/store/…-", name)


def diff_entries(first: dict[str, Entry], second: dict[str, Entry]) -> tuple[FileDifference, ...]:
    """The entries that differ, matched by name (store hashes ignored in names)."""
    a = {_normalise(k): (k, v) for k, v in first.items()}
    b = {_normalise(k): (k, v) for k, v in second.items()}
    out: list[FileDifference] = []
    for key in sorted(a.keys() | b.keys()):
        if key not in b:
            name, entry = a[key]
            out.append(FileDifference(name, ("only in first",), entry.describe(), "-"))
        elif key not in a:
            name, entry = b[key]
            out.append(FileDifference(name, ("only in second",), "-", entry.describe()))
        else:
            (name, x), (_, y) = a[key], b[key]
            fields = tuple(label for label, attr in _FIELDS if getattr(x, attr) != getattr(y, attr))
            if fields:
                out.append(FileDifference(name, fields, x.describe(), y.describe()))
    return tuple(out)


@dataclass(frozen=True)
class _Archive:
    manifest_digest: str
    config: dict[str, Any]
    layer_names: tuple[str, ...]


def _read_archive(path: Path) -> _Archive:
    if path.is_dir():  # an OCI layout: the layers are its blobs
        from nixbuild import oci

        image = oci.read_layout(path)
        return _Archive(image.manifest_digest, json.loads(image.config), tuple(str(b.path) for b in image.layers))
    try:
        with tarfile.open(path, "r:") as archive:
            raw = _extract(archive, "manifest.json").read()
            entry = json.loads(raw)[0]
            config = json.loads(_extract(archive, entry["Config"]).read())
            return _Archive("sha256:" + hashlib.sha256(raw).hexdigest(), config, tuple(entry["Layers"]))
    except (tarfile.TarError, KeyError, IndexError, json.JSONDecodeError, OSError) as exc:
        raise NixbuildError(f"{path}: not a readable docker-archive ({exc})") from None


def _extract(archive: tarfile.TarFile, name: str) -> IO[bytes]:
    handle = archive.extractfile(name)
    if handle is None:
        raise KeyError(name)
    return handle


def _layer_entries(path: Path, name: str) -> dict[str, Entry]:
    if path.is_dir():
        with open(name, "rb") as blob:
            return tar_entries(blob)
    with tarfile.open(path, "r:") as archive:
        return tar_entries(_extract(archive, name))


def _json_paths(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key in sorted(value):
            yield from _json_paths(value[key], f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _json_paths(item, f"{prefix}[{i}]")
        if not value:
            yield prefix, []
    else:
        yield prefix, value


def config_differences(first: dict[str, Any], second: dict[str, Any]) -> tuple[str, ...]:
    a, b = dict(_json_paths(first)), dict(_json_paths(second))
    return tuple(sorted(k for k in a.keys() | b.keys() if a.get(k, None) != b.get(k, None) or (k in a) != (k in b)))


def match_layers(first: tuple[image_mod.Layer, ...],
                 second: tuple[image_mod.Layer, ...]) -> list[tuple[int | None, int | None]]:
    """Pairs (first index, second index) of corresponding layers: the same digest, else the
    same store path names (a rebuilt path has a new hash, and layers are ordered by
    popularity with ties broken by path, so it may move), else the same position."""
    def key(layer: image_mod.Layer) -> tuple[str, ...]:
        return tuple(sorted(_STORE_HASH.sub("nix/store/…-", p) for p in layer.store_paths))

    unused = dict.fromkeys(range(len(second)))
    pairs: dict[int, int | None] = {}
    for rule in (lambda a, b: a.digest == b.digest, lambda a, b: key(a) == key(b)):
        for i, la in enumerate(first):
            if i not in pairs:
                j = next((j for j in unused if rule(la, second[j])), None)
                if j is not None:
                    pairs[i] = j
                    del unused[j]
    for i in range(len(first)):
        if i not in pairs:
            pairs[i] = i if i in unused else None
            unused.pop(i, None)
    return [*sorted(pairs.items()), *((None, j) for j in unused)]


def compare_archives(first: Path, second: Path) -> ArchiveComparison:
    """Manifest, config and layer digests of two images (OCI layouts or docker-archives); a differing
    layer member by member."""
    info_a, info_b = image_mod.read(first), image_mod.read(second)
    arch_a, arch_b = _read_archive(first), _read_archive(second)
    layers: list[LayerDifference] = []
    for i, j in match_layers(info_a.layers, info_b.layers):
        la = info_a.layers[i] if i is not None else None
        lb = info_b.layers[j] if j is not None else None
        if la is not None and lb is not None and la.digest == lb.digest:
            continue  # the same layer (maybe elsewhere in the order: the diff_ids then differ in the config)
        entries_a = _layer_entries(first, arch_a.layer_names[i]) if i is not None else {}
        entries_b = _layer_entries(second, arch_b.layer_names[j]) if j is not None else {}
        paths = dict.fromkeys([*(la.store_paths if la else ()), *(lb.store_paths if lb else ())])
        layers.append(LayerDifference(i, j, la.digest if la else None, lb.digest if lb else None, tuple(paths),
                                      diff_entries(entries_a, entries_b)))
    return ArchiveComparison(
        first=first, second=second,
        first_manifest=arch_a.manifest_digest, second_manifest=arch_b.manifest_digest,
        first_config=info_a.config_digest, second_config=info_b.config_digest,
        config_fields=config_differences(arch_a.config, arch_b.config),
        layers=tuple(layers),
    )

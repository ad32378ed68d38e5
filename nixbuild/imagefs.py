"""The file tree a container of an image sees, read from its OCI layout or docker-archive.

The layers are applied in order (a later entry replaces an earlier one at the
same path); each path has its type, mode, owner and link target, and a file's
bytes are read from the archive on demand. Paths resolve as the kernel
resolves them inside the container: symbolic links relative to the image's
root. ``unpack`` writes the same tree into a directory (for running it).

A layout's layers are read from the layer cache's index when it was taken from
that very blob (layerindex.py says why that is safe), else with tarfile. Only
uncompressed archives (what ``streamLayeredImage`` writes, and nixbuild keeps)
are read. Layer whiteouts (``.wh.`` files) do not occur in Nix-built
images and are not interpreted.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import tarfile
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from nixbuild import layerindex
from nixbuild.errors import NixbuildError

_MAX_LINKS = 40  # the kernel's limit of symbolic links followed in one lookup


@dataclass(frozen=True)
class Node:
    kind: str  # "file", "dir", "symlink" or "other"
    mode: int  # permission bits (07777)
    uid: int
    gid: int
    target: str = ""  # a symlink's target
    offset: int = 0  # a file: where its bytes start in ``source``
    size: int = 0
    source: str = ""  # a file: the file holding its bytes (the archive, or a layout's layer blob)


def _name(member: str) -> str:
    """A layer member's name as an absolute path: ``./nix/store/x/`` → ``/nix/store/x``."""
    parts = [p for p in member.split("/") if p not in ("", ".")]
    return "/" + "/".join(parts)


def _parents(path: str) -> Iterator[str]:
    while path != "/":
        path = path.rsplit("/", 1)[0] or "/"
        yield path


@contextlib.contextmanager
def layers(file: Path) -> Iterator[Iterator[tuple[str, int, tarfile.TarFile]]]:
    """(the file holding the layer, the layer's offset in it, the layer) in the manifest's
    order, for an OCI layout (a directory: one blob per layer) or a docker-archive."""
    if file.is_dir():
        from nixbuild import oci

        blobs = oci.read_layout(file).layers

        def of_layout() -> Iterator[tuple[str, int, tarfile.TarFile]]:
            for blob in blobs:
                with tarfile.open(blob.path, mode="r:") as layer:
                    yield str(blob.path), 0, layer

        yield of_layout()
        return
    try:
        archive = tarfile.open(file, mode="r:")
    except (tarfile.TarError, OSError) as exc:
        raise NixbuildError(f"{file}: not an uncompressed docker-archive ({exc})") from None

    def of_archive() -> Iterator[tuple[str, int, tarfile.TarFile]]:
        handle = archive.extractfile("manifest.json")
        if handle is None:
            raise KeyError("manifest.json")
        manifest = json.load(handle)
        if not isinstance(manifest, list) or len(manifest) != 1:
            raise NixbuildError(f"{file}: expected one image in manifest.json")
        for name in manifest[0]["Layers"]:
            member = archive.getmember(name)
            inner = archive.extractfile(member)
            if inner is None:
                raise KeyError(name)
            with tarfile.open(fileobj=inner, mode="r:") as layer:
                yield str(file), member.offset_data, layer

    with archive:
        yield of_archive()


@contextlib.contextmanager
def layer_entries(file: Path) -> Iterator[Iterator[tuple[str, int, Iterable[layerindex.Entry]]]]:
    """As ``layers``, each layer as its entries: a layout's from the layer cache's index
    when it was taken from that very blob (``Cache.entries``)."""
    if file.is_dir():
        from nixbuild import oci
        from nixbuild.layers import Cache

        blobs, cache = oci.read_layout(file).layers, Cache()
        yield ((str(blob.path), 0, cache.entries(blob.path, blob.digest)) for blob in blobs)
        return
    with layers(file) as each:
        yield ((source, offset, layerindex.entries(layer)) for source, offset, layer in each)


class _Window(io.RawIOBase):
    """A seekable read-only view of ``size`` bytes at ``offset`` of a file."""

    def __init__(self, handle: IO[bytes], offset: int, size: int):
        self._handle, self._offset, self._size, self._pos = handle, offset, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        count = max(0, min(len(buffer), self._size - self._pos))
        if count == 0:
            return 0
        self._handle.seek(self._offset + self._pos)
        data = self._handle.read(count)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        self._handle.close()
        super().close()


class ImageTree:
    """The files of an image, by absolute path."""

    def __init__(self, archive: Path, nodes: dict[str, Node]):
        self.archive = archive
        self.nodes = nodes

    @classmethod
    def read(cls, file: Path) -> ImageTree:
        nodes: dict[str, Node] = {"/": Node("dir", 0o755, 0, 0)}
        try:
            with layer_entries(file) as each:
                for source, offset, entries in each:
                    members: dict[str, Node] = {}
                    for e in entries:
                        path = _name(e.name)
                        if e.kind == "link":  # a hard link: the same file as an earlier member of this layer
                            node = members.get(_name(e.target)) or nodes.get(_name(e.target))
                            if node is None:
                                continue
                        elif e.kind == "file":
                            node = Node("file", e.mode, e.uid, e.gid, offset=offset + e.offset, size=e.size,
                                        source=source)
                        elif e.kind == "symlink":
                            node = Node("symlink", 0o777, e.uid, e.gid, target=e.target)
                        else:
                            node = Node(e.kind, e.mode, e.uid, e.gid)
                        members[path] = node
                        nodes[path] = node
                        for parent in _parents(path):
                            if parent in nodes:
                                break
                            nodes[parent] = Node("dir", 0o755, 0, 0)
        except (tarfile.TarError, KeyError, json.JSONDecodeError, OSError) as exc:
            raise NixbuildError(f"{file}: not a readable image ({exc})") from None
        return cls(file, nodes)

    def resolve(self, path: str, *, cwd: str = "/") -> str | None:
        """The path with every symbolic link followed inside the image, or None when
        it does not exist (or the links loop)."""
        parts = deque((path if path.startswith("/") else f"{cwd}/{path}").split("/"))
        current: list[str] = []
        links = 0
        while parts:
            part = parts.popleft()
            if part in ("", "."):
                continue
            if part == "..":
                if current:
                    current.pop()
                continue
            candidate = "/" + "/".join([*current, part])
            node = self.nodes.get(candidate)
            if node is None:
                return None
            if node.kind == "symlink":
                links += 1
                if links > _MAX_LINKS:
                    return None
                if node.target.startswith("/"):
                    current = []
                parts.extendleft(reversed(node.target.split("/")))
                continue
            if parts and node.kind != "dir":
                return None
            current.append(part)
        return "/" + "/".join(current)

    def which(self, name: str, path: str) -> str | None:
        """The first regular file ``name`` in the ``:``-separated directories of ``path``
        (as a container runtime looks a command up in the image's PATH)."""
        for directory in path.split(":"):
            node = self.node(f"{directory}/{name}") if directory else None
            if node is not None and node.kind == "file":
                return f"{directory}/{name}"
        return None

    def node(self, path: str) -> Node | None:
        """The entry at ``path`` after following symbolic links."""
        resolved = self.resolve(path)
        return self.nodes.get(resolved) if resolved is not None else None

    def open(self, path: str) -> IO[bytes]:
        """A seekable binary stream of the file at ``path`` (already resolved)."""
        node = self.nodes[path]
        assert node.kind == "file", path
        return io.BufferedReader(_Window(open(node.source, "rb"), node.offset, node.size))

    def head(self, path: str, size: int = 256) -> bytes:
        with self.open(path) as handle:
            return handle.read(size)

    def files_under(self, top: str) -> list[str]:
        """The regular files at or below ``top`` (symbolic links not followed), sorted."""
        prefix = top.rstrip("/") + "/"
        return sorted(p for p, n in self.nodes.items() if n.kind == "file" and (p == top or p.startswith(prefix)))

    def listdir(self, directory: str) -> list[str]:
        prefix = directory.rstrip("/") + "/"
        return sorted(p[len(prefix):] for p in self.nodes
                      if p.startswith(prefix) and p != prefix and "/" not in p[len(prefix):])


# Python >= 3.11.4 warns (and 3.14 filters) unless told the members are already checked.
_TRUSTED = {"filter": "fully_trusted"} if hasattr(tarfile, "fully_trusted_filter") else {}


def unpack(file: Path, dest: Path) -> None:
    """Write the image's tree into the empty directory ``dest``, layer after layer, with the
    modes and (when run as root) the owners of the archive."""
    dir_modes: dict[str, int] = {}
    root = os.path.realpath(dest)

    def keep(member: tarfile.TarInfo) -> tarfile.TarInfo:
        # What tarfile's "tar" filter does, written out: Debian 12's Python 3.11.2 predates
        # extraction filters (3.11.4), and from 3.14 on the default filter refuses the absolute
        # symbolic links every image holds.
        name = member.name.lstrip("/")
        target = os.path.realpath(os.path.join(root, name))
        if os.path.commonpath([target, root]) != root:
            raise tarfile.TarError(f"{member.name!r} would be written outside the image's tree")
        kept = copy.copy(member)
        kept.name = name
        kept.mode = member.mode & 0o7777
        if member.isdir():
            dir_modes[_name(member.name)] = kept.mode
            kept.mode |= 0o700
        return kept

    try:
        with layers(file) as each:
            for _, _, layer in each:
                # Directories stay writable for their owner until every layer is in.
                for member in layer:
                    layer.extract(keep(member), dest, numeric_owner=True, **_TRUSTED)
    except (tarfile.TarError, KeyError, json.JSONDecodeError) as exc:
        raise NixbuildError(f"{file}: not a readable docker-archive ({exc})") from None
    for name, mode in sorted(dir_modes.items(), reverse=True):
        os.chmod(dest / name.lstrip("/"), mode)

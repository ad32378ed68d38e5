"""Deterministic tar writing shared by the image builders of hostpkgs.

Every entry gets the same mtime and owner, entries are sorted by path, file
types come from lstat (hard links are written as regular files, so the result
does not depend on store optimisation), and modes are kept (so a 1777 /tmp
stays 1777).
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True)
class Owner:
    uid: int
    gid: int
    uname: str
    gname: str


def _walk(root: str, arcroot: str) -> Iterator[tuple[str, str]]:
    """Yield (filesystem path, archive name) for root and all below it, sorted."""
    yield root, arcroot
    st = os.lstat(root)
    if stat.S_ISDIR(st.st_mode):
        for name in sorted(os.listdir(root)):
            yield from _walk(os.path.join(root, name), f"{arcroot}/{name}" if arcroot else name)


# The owner of every entry, or a function of each entry's lstat result (for
# layers whose ownership was set under fakeroot), or None for the file's own.
OwnerSpec = Owner | Callable[[os.stat_result], Owner] | None


def tarinfo_for(path: str, arcname: str, mtime: int, owner: OwnerSpec) -> tarfile.TarInfo:
    st = os.lstat(path)
    info = tarfile.TarInfo(arcname)
    info.mode = stat.S_IMODE(st.st_mode)
    info.mtime = mtime
    if callable(owner):
        owner = owner(st)
    if owner is None:
        info.uid, info.gid, info.uname, info.gname = st.st_uid, st.st_gid, "", ""
    else:
        info.uid, info.gid, info.uname, info.gname = owner.uid, owner.gid, owner.uname, owner.gname
    if stat.S_ISDIR(st.st_mode):
        info.type = tarfile.DIRTYPE
    elif stat.S_ISLNK(st.st_mode):
        info.type = tarfile.SYMTYPE
        info.linkname = os.readlink(path)
    elif stat.S_ISREG(st.st_mode):
        info.type = tarfile.REGTYPE
        info.size = st.st_size
    else:
        raise ValueError(f"unsupported file type in image: {path}")
    return info


def dir_info(arcname: str, mode: int, mtime: int, owner: Owner) -> tarfile.TarInfo:
    info = tarfile.TarInfo(arcname)
    info.type = tarfile.DIRTYPE
    info.mode = mode
    info.mtime = mtime
    info.uid, info.gid, info.uname, info.gname = owner.uid, owner.gid, owner.uname, owner.gname
    return info


def write_tree_entries(
    tar: tarfile.TarFile, root: str, arcroot: str, mtime: int, owner: OwnerSpec
) -> None:
    """Add root (as arcroot, unless arcroot is empty) and everything below it."""
    for path, arcname in _walk(root, arcroot):
        if not arcname:
            continue
        info = tarinfo_for(path, arcname, mtime, owner)
        if info.type == tarfile.REGTYPE:
            with open(path, "rb") as f:
                tar.addfile(info, f)
        else:
            tar.addfile(info)


def write_store_layer(out: BinaryIO, paths: list[str], mtime: int, owner: Owner) -> None:
    """A layer holding store paths under nix/store, with its parent dirs."""
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(dir_info("nix", 0o555, mtime, owner))
        tar.addfile(dir_info("nix/store", 0o555, mtime, owner))
        for path in sorted(paths):
            write_tree_entries(tar, path, path.lstrip("/"), mtime, owner)


def write_dir_layer(out: BinaryIO, root: str, mtime: int, owner: OwnerSpec) -> None:
    """A layer holding the contents of a directory at the image root."""
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        write_tree_entries(tar, root, "", mtime, owner)


class HashingWriter(io.RawIOBase):
    """A write-only sink that counts bytes and hashes them (sha256)."""

    def __init__(self) -> None:
        self.size = 0
        self.sha = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        self.sha.update(b)
        self.size += len(b)
        return len(b)

"""What a layer tar holds, read once: each entry's path, type, mode, owner, link
target and where a file's bytes are in the tar. The image's readers need only
that: ``image.read_layout`` (the store paths of each layer) and
``imagefs.ImageTree.read`` (the tree the closure proof and the smoke tests look at).

The layer cache (layers.py) takes a layer's entries while it splits the stream
script's output: tarfile parses the headers from the bytes already passing
through on their way into the cache, and a file's data is moved past in large
blocks (never read by tarfile). The entries are kept beside the blob
(``CACHE/layers/index/<sha256>``), so the first build reads each layer once and
a rebuild reads no unchanged layer at all. Any other layer tar (a layout made
elsewhere, a docker-archive, a cache from before this index) is read with
tarfile as before.

Why a cached index cannot make the closure proof pass wrongly, whatever is in
the cache directory:

- it is written only from the bytes of the blob it describes, in the pass that
  computed the blob's sha256 (or read from that very file, see ``Cache.entries``);
- it names that digest and records the blob file's identity (device, inode,
  size, mtime in ns), and is used only for a file with that identity: the
  layout's blob is a hard link, the same inode. A cache copied or restored from
  elsewhere (other inodes), a blob rewritten, replaced or edited since (another
  inode or mtime), a layout whose blobs were copied: their layers are read from
  the tar again;
- it carries the sha256 of its own body: a truncated or altered index is not
  used (and is read from the tar again).

What it cannot defend against is someone who may write into the cache on
purpose, who could as well change a blob and reset its mtime: the blobs
themselves are trusted the same way (``Cache.lookup``).
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, NamedTuple


_VERSION = 1


class Entry(NamedTuple):
    name: str  # as in the tar ("./nix/store/…", "nix/store/…")
    kind: str  # "file", "dir", "symlink", "link" (a hard link) or "other"
    mode: int  # permission bits (07777)
    uid: int
    gid: int
    target: str  # a symbolic or hard link's target ("" otherwise)
    offset: int  # a file: where its bytes start in the layer tar
    size: int  # a file: its size


def of_member(member: tarfile.TarInfo) -> Entry:
    if member.islnk():
        kind, target = "link", member.linkname
    elif member.isreg():
        kind, target = "file", ""
    elif member.isdir():
        kind, target = "dir", ""
    elif member.issym():
        kind, target = "symlink", member.linkname
    else:
        kind, target = "other", ""
    return Entry(member.name, kind, member.mode & 0o7777, member.uid, member.gid, target, member.offset_data,
                 member.size)


def entries(tar: tarfile.TarFile) -> Iterator[Entry]:
    """The entries of an open layer tar, in order. tarfile's list of the members read so
    far is emptied as it goes: a layer of 100,000 files would hold them all in memory."""
    while (member := tar.next()) is not None:
        tar.members.clear()
        yield of_member(member)


def read(handle: IO[bytes]) -> list[Entry]:
    """The entries of the layer tar in the seekable ``handle`` (tarfile seeks past the data)."""
    with tarfile.open(fileobj=handle, mode="r:") as tar:
        return list(entries(tar))


def _identity(path: Path) -> list[int]:
    st = os.stat(path)
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]


def dump(digest: str, blob: Path, items: Sequence[Entry]) -> bytes:
    """What to keep of ``items``, the entries of ``blob`` (whose sha256 is ``digest``)."""
    body = json.dumps([list(e) for e in items], separators=(",", ":")).encode()
    head = {"version": _VERSION, "digest": digest, "blob": _identity(blob), "sha256": hashlib.sha256(body).hexdigest()}
    return json.dumps(head, separators=(",", ":")).encode() + b"\n" + body


def load(file: Path, digest: str, blob: Path) -> list[Entry] | None:
    """The entries kept in ``file`` for ``blob`` (named ``digest``), or None when there are
    none, or they were not taken from this very file as it is now, or are damaged."""
    try:
        with open(file, "rb") as handle:
            head = json.loads(handle.readline())
            body = handle.read()
        if (head.get("version") != _VERSION or head.get("digest") != digest or head.get("blob") != _identity(blob)
                or head.get("sha256") != hashlib.sha256(body).hexdigest()):
            return None
        return [Entry(*row) for row in json.loads(body)]
    except (OSError, ValueError, TypeError, AttributeError):
        return None

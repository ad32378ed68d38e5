"""Writing outputs atomically: a temporary file or directory beside the target,
then a rename. A reader sees the old output or the complete new one, never
half of it, and a failed write leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """A binary handle whose content replaces ``path`` (mode 0644) when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path``; False (and no write) when the file already holds exactly it."""
    if path.is_file() and path.read_bytes() == data:
        return False
    with atomic_output(path) as handle:
        handle.write(data)
    return True


def copy_atomic(source: Path, dest: Path) -> None:
    """Copy ``source`` to ``dest`` atomically (nothing to do when they are the same file)."""
    if dest.exists() and os.path.samefile(source, dest):
        return
    with atomic_output(dest) as out, source.open("rb") as src:
        shutil.copyfileobj(src, out, 1 << 20)


def replace_dir(new: Path, directory: Path) -> None:
    """Move the directory ``new`` to ``directory``, renaming the old one away first.

    Safe against concurrent writers: each attempt that loses a race retries,
    and whichever complete directory is renamed last stays.
    """
    for _ in range(20):
        old = None
        if directory.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{directory.name}.old-", dir=directory.parent))
            try:
                os.rename(directory, old / "d")
            except FileNotFoundError:
                pass  # another run moved it first
        try:
            os.rename(new, directory)
            return
        except OSError:
            continue  # another run put its copy in place meanwhile; retry
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
    raise OSError(f"could not replace {directory}: another writer keeps rewriting it")

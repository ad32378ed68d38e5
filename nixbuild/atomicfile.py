"""Writing outputs atomically: a temporary file or directory beside the target,
then a rename. A reader sees the old output or the complete new one, never
half of it, and a failed write leaves nothing behind.

A temporary is held under an exclusive ``flock`` for as long as its writer
lives. A writer killed outright (SIGKILL, a power cut) cannot clean up, so
every later write of the same kind first removes the temporaries nobody holds
any more: they are nixbuild's own by name (``.NAME.XXXXXXXX.tmp``,
``.nixbuild.new-XXXXXXXX`` …) and their writer is gone. A concurrent run's
temporary is locked and left alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from nixbuild.errors import InputError

_RANDOM = "[a-z0-9_]{8}"  # what tempfile puts between prefix and suffix


def make_dirs(directory: Path) -> list[Path]:
    """``mkdir -p``, returning the directories it created (outermost first); InputError
    (exit 2) when a file of another kind is in the way."""
    missing = []
    for path in (directory, *directory.parents):
        if path.exists() or path.is_symlink():
            break
        missing.append(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(f"{directory}: cannot create this directory: a file of another kind is in the way",
                         hint="move that file away; nixbuild writes its results there") from None
    return list(reversed(missing))


def remove_empty(directories: list[Path]) -> None:
    """Remove those of ``directories`` (outermost first) that are still empty, innermost first."""
    for path in reversed(directories):
        try:
            path.rmdir()
        except OSError:
            return  # not empty (another run wrote there meanwhile), or gone


def _claim(path: Path, directory: bool) -> int | None:
    """Lock the temporary at ``path`` (a descriptor holding the lock), or None when it
    is gone (a cleaner removed it before we locked it)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | (os.O_DIRECTORY if directory else 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        same = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        same = False
    if not same:
        os.close(fd)
        return None
    return fd


def remove_stale(parent: Path, prefix: str, suffix: str = "") -> list[Path]:
    """Remove the temporaries ``parent/PREFIX<random>SUFFIX`` whose writer is gone (no lock held)."""
    pattern = re.compile(re.escape(prefix) + _RANDOM + re.escape(suffix) + r"\Z")
    removed: list[Path] = []
    try:
        names = [n for n in os.listdir(parent) if pattern.match(n)]
    except OSError:
        return removed
    for name in names:
        path = parent / name
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue  # gone meanwhile, or not ours to touch (a symlink …)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue  # its writer is alive
        try:
            if os.stat(path, follow_symlinks=False).st_ino != os.fstat(fd).st_ino:
                continue
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
            removed.append(path)
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


@contextlib.contextmanager
def claimed_temp(parent: Path, prefix: str, suffix: str = "", *, directory: bool = False,
                 sweep: bool = True) -> Iterator[Path]:
    """A new temporary file or directory ``parent/PREFIX<random>SUFFIX``, locked while the
    block runs and removed after it (unless the block renamed it away), with the directories
    made for it when they are left empty (a failed write leaves no empty nixbuild-result/TARGET).
    Stale temporaries of the same name pattern are removed first (with ``sweep``: a writer of
    many files, each a temporary first, calls ``remove_stale`` once itself)."""
    created = make_dirs(parent)
    if sweep:
        remove_stale(parent, prefix, suffix)
    while True:
        if directory:
            path = Path(tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=parent))
        else:
            fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=parent)
            os.close(fd)
            path = Path(name)
        lock = _claim(path, directory)
        if lock is not None:
            break
    try:
        yield path
    finally:
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            elif os.path.lexists(path):
                os.unlink(path)
        finally:
            os.close(lock)
            remove_empty(created)


def _replace(tmp: Path, path: Path) -> None:
    try:
        os.replace(tmp, path)
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, where nixbuild writes a file",
                         hint="move the directory away and re-run") from None


@contextlib.contextmanager
def staged(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` that replaces it (mode 0644) when the block succeeds.
    The block writes it and may check it first: an exception leaves ``path`` as it was."""
    with claimed_temp(path.parent, f".{path.name}.", ".tmp") as tmp:
        yield tmp
        os.chmod(tmp, 0o644)
        _replace(tmp, path)


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """A binary handle whose content replaces ``path`` (mode 0644) when the block succeeds."""
    with staged(path) as tmp:
        with open(tmp, "wb") as handle:
            yield handle


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
        with claimed_temp(directory.parent, f".{directory.name.lstrip('.')}.old-", directory=True) as old:
            if directory.exists() or directory.is_symlink():
                if not directory.is_dir() or directory.is_symlink():
                    raise InputError(f"{directory}: is not a directory, where nixbuild writes one",
                                     hint="move it away and re-run")
                try:
                    os.rename(directory, old / "d")
                except FileNotFoundError:
                    pass  # another run moved it first
            try:
                os.rename(new, directory)
                return
            except OSError:
                continue  # another run put its copy in place meanwhile; retry
    raise OSError(f"could not replace {directory}: another writer keeps rewriting it")

"""Reading the files a user hands nixbuild (nixbuild.toml, nixbuild.lock,
overlays, artifacts, image archives) so that a file of the wrong kind is one
clear error (exit 2), never a hang or a traceback.

Only regular files are read: a directory, a named pipe (opening one would
block until someone writes to it), a socket or a device in place of a file is
refused by its kind; a file that cannot be opened or read (no permission, a
symlink loop, an I/O error) is refused with the system's reason.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from nixbuild.errors import InputError

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def kind(mode: int) -> str:
    """What a file of ``mode`` is, in words ("a directory", "a regular file", …)."""
    return next((name for test, name in _KINDS if test(mode)), "a regular file")


def _error(label: str, reason: str, hint: str | None) -> InputError:
    return InputError(f"{label}: {reason}", hint=hint or "give nixbuild a readable regular file there")


def regular(path: Path, label: str | None = None, *, hint: str | None = None) -> bool:
    """Whether ``path`` is a regular file (following symlinks): False when nothing is
    there; InputError when something else is (a directory, a FIFO …) or it cannot be
    looked at. ``label`` names the file in messages (default: the path)."""
    label = label or str(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            raise _error(label, f"is a symlink to {os.readlink(path)}, which does not exist", hint) from None
        return False
    except OSError as exc:
        raise _error(label, f"cannot be read: {exc.strerror}", hint) from None
    if not stat.S_ISREG(mode):
        raise _error(label, f"is {kind(mode)}, not a file", hint)
    return True


def read_bytes(path: Path, label: str | None = None, *, hint: str | None = None) -> bytes:
    """The bytes of the regular file ``path``; InputError when it is missing, of another kind or unreadable."""
    label = label or str(path)
    if not regular(path, label, hint=hint):
        raise _error(label, "does not exist", hint)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _error(label, f"cannot be read: {exc.strerror}", hint) from None


def sha256(path: Path, label: str | None = None, *, hint: str | None = None) -> str:
    """The sha256 (hex) of the regular file ``path``, read in chunks; InputError as read_bytes."""
    label = label or str(path)
    if not regular(path, label, hint=hint):
        raise _error(label, "does not exist", hint)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise _error(label, f"cannot be read: {exc.strerror}", hint) from None
    return digest.hexdigest()


def read_text(path: Path, label: str | None = None, *, hint: str | None = None) -> str:
    """The UTF-8 text of ``path``; InputError naming the line of the first byte that is not UTF-8."""
    label = label or str(path)
    data = read_bytes(path, label, hint=hint)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(f"{label}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {column})",
                         hint="save the file as UTF-8") from None

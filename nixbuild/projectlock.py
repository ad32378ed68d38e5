"""One nixbuild at a time per project.

A run rewrites ``.nixbuild/`` and ``nixbuild-result/`` while Nix reads them,
so two runs in one project (two terminals, a CI job and a developer, ``nixbuild
generate`` during a long ``nixbuild image``) would pull files from under each
other. Each run holds an exclusive ``flock`` on the project directory itself
(no lock file to leave behind) until it exits; a second run waits for it,
saying so in one line, and then does its work. The kernel releases the lock
when the holder dies, however it dies.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from pathlib import Path

_held: dict[Path, int] = {}  # project root → the descriptor holding its lock (for this process)
_lock = threading.Lock()


def hold(root: Path, notify: Callable[[str], None] = lambda line: None) -> None:
    """Hold ``root`` for the rest of this process, waiting while another process holds it."""
    root = root.resolve()
    with _lock:
        if root in _held:
            return
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            notify(f"waiting for the other nixbuild running in {root} to finish …")
            fcntl.flock(fd, fcntl.LOCK_EX)
        _held[root] = fd

"""What version control says about the project: the files it tracks.

``nixbuild verify`` builds a second time from a clean copy of the source. In a
git work tree that copy is the tracked files (so in-tree caches of the first
build — a CMakeCache.txt naming the first build's directory, object files — do
not leak into the second); elsewhere it is the tree without nixbuild's outputs.
git runs through the same runner as every other external command.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from nixbuild.nix import run_subprocess


def tracked_files(root: Path) -> list[str] | None:
    """The files git tracks under ``root`` (paths relative to it, submodules' files
    included), or None when ``root`` is not in a git work tree or git is missing."""
    if shutil.which("git") is None:
        return None
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}
    inside = run_subprocess(["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"], env=env)
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return None
    listed = run_subprocess(["git", "-C", str(root), "ls-files", "-z", "--cached", "--recurse-submodules"], env=env)
    if listed.returncode != 0:
        return None
    return sorted({name for name in listed.stdout.split("\0") if name})

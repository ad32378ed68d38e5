"""Tar the customisation layer directory (symlinked contents plus whatever
extraCommands made) deterministically: python3 customisation.py DIR OUT
MTIME UID GID UNAME GNAME."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stream import timestamp  # noqa: E402
from tarball import Owner, write_dir_layer  # noqa: E402


def main() -> None:
    root, out, mtime_s, uid, gid, uname, gname = sys.argv[1:8]
    _, mtime = timestamp(mtime_s)
    owner = Owner(int(uid), int(gid), uname, gname)
    with open(out, "wb") as f:
        write_dir_layer(f, root, mtime, owner)


if __name__ == "__main__":
    main()

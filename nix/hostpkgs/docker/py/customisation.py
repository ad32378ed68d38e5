"""Tar the customisation layer directory (symlinked contents plus whatever
extraCommands made) deterministically: python3 customisation.py DIR OUT
EPOCH UID GID UNAME GNAME [--faked-owners]; EPOCH (seconds) is every entry's mtime.

With --faked-owners (run inside the fakeroot session of fakeRootCommands),
each entry's owner is what fakeroot reports for it: an entry the commands
chowned gets those numeric ids; one they did not (fakeroot reports 0) gets
UID/GID/UNAME/GNAME like every entry without fakeRootCommands."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tarball import Owner, OwnerSpec, write_dir_layer


def faked_owner(default: Owner) -> Callable[[os.stat_result], Owner]:
    def owner_of(st: os.stat_result) -> Owner:
        uid, uname = (default.uid, default.uname) if st.st_uid == 0 else (st.st_uid, "")
        gid, gname = (default.gid, default.gname) if st.st_gid == 0 else (st.st_gid, "")
        return Owner(uid, gid, uname, gname)

    return owner_of


def main() -> None:
    root, out, mtime_s, uid, gid, uname, gname = sys.argv[1:8]
    faked = sys.argv[8:] == ["--faked-owners"]
    if sys.argv[8:] and not faked:
        raise SystemExit(f"customisation.py: unknown arguments {sys.argv[8:]}")
    mtime = int(mtime_s)
    default = Owner(int(uid), int(gid), uname, gname)
    owner: OwnerSpec = faked_owner(default) if faked else default
    with open(out, "wb") as f:
        write_dir_layer(f, root, mtime, owner)
    # nixpkgs writes the layer's sha256 beside it (`checksum`); its stream script reads it.
    sha = hashlib.sha256()
    with open(out, "rb") as f:
        while chunk := f.read(1 << 20):
            sha.update(chunk)
    with open(os.path.join(os.path.dirname(out), "checksum"), "w") as f:
        f.write(sha.hexdigest() + "\n")


if __name__ == "__main__":
    main()

"""Stream a docker-archive (the `docker save` format) to stdout.

Usage: stream.py CONF.json. CONF is written at build time by mkconf.py and
names the store paths of every layer. Each layer is generated twice: once
to learn its size and digest, then again into the archive, so nothing but
the final stream is written anywhere.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tarball import HashingWriter, Owner, write_store_layer  # noqa: E402


def timestamp(value: str) -> tuple[str, int]:
    """An RFC 3339 string (or "now") -> (its datetime.isoformat() for the config, epoch secs),
    as nixpkgs' stream script parses it (datetime.fromisoformat)."""
    if value == "now":
        parsed = datetime.datetime.now(tz=datetime.timezone.utc)
    else:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.isoformat(), int(parsed.timestamp())


class ArchiveWriter:
    def __init__(self, out, mtime: int) -> None:
        self.tar = tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT)
        self.mtime = mtime

    def _info(self, name: str, size: int = 0, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.size = size
        info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
        info.mtime = self.mtime
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    def add_bytes(self, name: str, data: bytes) -> None:
        self.tar.addfile(self._info(name, len(data)), io.BytesIO(data))

    def add_layer(self, produce) -> str:
        """produce(fileobj) writes a layer tar; returns its sha256 hex."""
        probe = HashingWriter()
        produce(probe)
        digest = probe.sha.hexdigest()
        self.tar.addfile(self._info(digest, kind=tarfile.DIRTYPE))
        header = self._info(f"{digest}/layer.tar", probe.size).tobuf(
            self.tar.format, self.tar.encoding, self.tar.errors
        )
        self.tar.fileobj.write(header)
        self.tar.offset += len(header)
        counter = _Passthrough(self.tar.fileobj)
        produce(counter)
        if counter.size != probe.size or counter.sha.hexdigest() != digest:
            raise RuntimeError("layer changed while streaming; is the store being modified?")
        blocks, remainder = divmod(probe.size, tarfile.BLOCKSIZE)
        if remainder:
            self.tar.fileobj.write(tarfile.NUL * (tarfile.BLOCKSIZE - remainder))
            blocks += 1
        self.tar.offset += blocks * tarfile.BLOCKSIZE
        return digest

    def close(self) -> None:
        self.tar.close()


class _Passthrough(HashingWriter):
    def __init__(self, target) -> None:
        super().__init__()
        self.target = target

    def write(self, b) -> int:  # type: ignore[override]
        self.target.write(b)
        return super().write(b)


def main() -> None:
    with open(sys.argv[1]) as f:
        conf = json.load(f)
    if conf.get("from_image"):
        sys.exit("stream.py: from_image is not supported in hostpkgs")
    created, _ = timestamp(conf["created"])
    _, mtime = timestamp(conf["mtime"])
    owner = Owner(conf["uid"], conf["gid"], conf["uname"], conf["gname"])

    out = sys.stdout.buffer
    archive = ArchiveWriter(out, mtime)
    digests, history_paths = [], []

    for paths in conf["store_layers"]:
        digests.append(archive.add_layer(lambda f, paths=paths: write_store_layer(f, paths, mtime, owner)))
        history_paths.append(paths)

    custom_dir = conf["customisation_layer"]
    custom = os.path.join(custom_dir, "layer.tar")

    def copy_custom(f) -> None:
        with open(custom, "rb") as src:
            while chunk := src.read(1 << 20):
                f.write(chunk)

    digest = archive.add_layer(copy_custom)
    checksum_file = os.path.join(custom_dir, "checksum")
    if os.path.exists(checksum_file):  # nixpkgs' stream script takes the digest from this file
        with open(checksum_file) as f:
            if f.read().strip() != digest:
                sys.exit(f"stream.py: {checksum_file} does not match {custom}")
    digests.append(digest)
    history_paths.append([custom_dir])

    # The image config and manifest as nixpkgs' stream_layered_image.py writes them:
    # json.dumps(indent=4) in this key order, `created` in datetime.isoformat form, one
    # history entry per layer whose comment is the Python repr of the layer's path list,
    # and the config named <sha256>.json.
    image_config = {
        "created": created,
        "architecture": conf["architecture"],
        "os": "linux",
        "config": conf["config"],
        "rootfs": {"diff_ids": [f"sha256:{d}" for d in digests], "type": "layers"},
        "history": [{"created": created, "comment": f"store paths: {paths}"} for paths in history_paths],
    }
    config_bytes = json.dumps(image_config, indent=4).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    archive.add_bytes(config_name, config_bytes)
    manifest = [{"Config": config_name, "RepoTags": [conf["repo_tag"]], "Layers": [f"{d}/layer.tar" for d in digests]}]
    archive.add_bytes("manifest.json", json.dumps(manifest, indent=4).encode())
    archive.close()
    out.flush()


if __name__ == "__main__":
    main()

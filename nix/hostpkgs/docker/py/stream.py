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
    """An RFC 3339 string (or "now") -> (string for the config, epoch secs)."""
    if value == "now":
        now = datetime.datetime.now(tz=datetime.timezone.utc).replace(microsecond=0)
        return now.strftime("%Y-%m-%dT%H:%M:%SZ"), int(now.timestamp())
    parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return value, int(parsed.timestamp())


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
    created, _ = timestamp(conf["created"])
    _, mtime = timestamp(conf["mtime"])
    owner = Owner(conf["uid"], conf["gid"], conf["uname"], conf["gname"])

    out = sys.stdout.buffer
    archive = ArchiveWriter(out, mtime)
    diff_ids, layer_names, history = [], [], []

    for paths in conf["store_layers"]:
        digest = archive.add_layer(lambda f, paths=paths: write_store_layer(f, paths, mtime, owner))
        diff_ids.append(f"sha256:{digest}")
        layer_names.append(f"{digest}/layer.tar")
        history.append({"created": created, "comment": f"store paths: {sorted(paths)}"})

    custom = os.path.join(conf["customisation_layer"], "layer.tar")

    def copy_custom(f) -> None:
        with open(custom, "rb") as src:
            while chunk := src.read(1 << 20):
                f.write(chunk)

    digest = archive.add_layer(copy_custom)
    diff_ids.append(f"sha256:{digest}")
    layer_names.append(f"{digest}/layer.tar")
    history.append({"created": created, "comment": "nix-image customisation layer"})

    image_config = {
        "architecture": conf["architecture"],
        "config": conf["config"],
        "created": created,
        "history": history,
        "os": conf["os"],
        "rootfs": {"diff_ids": diff_ids, "type": "layers"},
    }
    config_bytes = json.dumps(image_config, sort_keys=True, separators=(",", ":")).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    archive.add_bytes(config_name, config_bytes)
    manifest = [{"Config": config_name, "Layers": layer_names, "RepoTags": [conf["repo_tag"]]}]
    archive.add_bytes("manifest.json", json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode())
    archive.close()
    out.flush()


if __name__ == "__main__":
    main()

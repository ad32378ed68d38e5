"""The layer cache: every layer of an image is made once per content and reused.

A layer's bytes are decided by the stream script that writes it (its store path
fixes its code), the store paths the layer holds (immutable once built) and the
conf fields the script applies to every file (``mtime``, owner, ``store_dir``);
for the customisation layer, by its store path. The cache key hashes exactly
those (and, conservatively, every conf field not known to touch only the image
config); the value is the layer tar, kept once under its sha256 in
``CACHE/layers/blobs/sha256/`` (``NIXBUILD_CACHE_DIR``, else
``$XDG_CACHE_HOME/nixbuild``, else ``~/.cache/nixbuild``).

Missing layers are made by the image's own stream script (``passthru.streamScript``,
nixpkgs' or hostpkgs'), run on a copy of the conf that names only them (a
cached customisation layer is replaced by a stand-in of 1 KiB), and split out of
its output as it streams: no docker-archive is written. The image config is then
written here in the stream script's format (nixpkgs' ``stream_layered_image.py``:
``json.dumps(indent=4)``, one history entry per layer). Whether a stream
script writes that format is checked on its own output: after a full stream,
and on every partial stream (the config it writes for the partial conf must be
what this module writes for it). A script that has not passed, or fails, the
check is run on the whole conf and its own config is taken, so the digests
are the full stream's in every case.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from nixbuild.atomicfile import claimed_temp
from nixbuild.errors import NixbuildError
from nixbuild.nix import Nix

# Conf fields that reach only the image config, never a layer's bytes.
CONFIG_ONLY = frozenset({"store_layers", "customisation_layer", "config", "architecture", "os", "created",
                         "repo_tag"})
_VERSION = 1  # of the key derivation and the cache's layout


def cache_root() -> Path:
    if explicit := os.environ.get("NIXBUILD_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nixbuild"


@dataclass(frozen=True)
class Blob:
    digest: str  # "sha256:…" of the uncompressed layer tar (its diff ID)
    size: int
    path: Path  # the file in the cache


@dataclass(frozen=True)
class Assembled:
    """An image as the stream script would write it: its config bytes and its layers, in order."""

    config: bytes
    layers: tuple[Blob, ...]
    repo_tag: str
    streamed: tuple[str, ...]  # digests of the layers the stream script made in this run
    full: bool  # the stream script ran on the whole conf (its own config was taken)

    @property
    def config_digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.config).hexdigest()


class Cache:
    def __init__(self, root: Path | None = None):
        self.root = (root or cache_root()) / "layers"
        self.blobs = self.root / "blobs" / "sha256"
        self.keys = self.root / "keys"
        self.streamers = self.root / "streamers"

    def _ensure(self) -> None:
        for d in (self.blobs, self.keys, self.streamers):
            d.mkdir(parents=True, exist_ok=True)

    def lookup(self, key: str) -> Blob | None:
        try:
            digest, size = (self.keys / key).read_text().split()
        except (OSError, ValueError):
            return None
        path = self.blobs / digest.removeprefix("sha256:")
        try:
            if path.stat().st_size != int(size):
                return None
        except OSError:
            return None
        return Blob(digest, int(size), path)

    def remember(self, key: str, blob: Blob) -> None:
        self._ensure()
        _write_small(self.keys / key, f"{blob.digest} {blob.size}\n")

    def verified(self, script: str) -> bool:
        return (self.streamers / Path(script).name).is_file()

    def mark_verified(self, script: str) -> None:
        self._ensure()
        _write_small(self.streamers / Path(script).name, "config format: nixpkgs stream_layered_image.py\n")

    def add(self, handle: IO[bytes], size: int) -> Blob:
        """Copy ``size`` bytes from ``handle`` into the cache under their sha256."""
        self._ensure()
        with claimed_temp(self.blobs, ".incoming-", ".tmp") as tmp:  # a killed run's is removed later
            sha, left = hashlib.sha256(), size
            with open(tmp, "wb") as out:
                while left and (chunk := handle.read(min(left, 1 << 20))):
                    sha.update(chunk)
                    out.write(chunk)
                    left -= len(chunk)
            if left:
                raise NixbuildError("the stream script's output ended inside a layer")
            path = self.blobs / sha.hexdigest()
            os.chmod(tmp, 0o444)
            os.replace(tmp, path)  # same bytes under the same name: replacing is harmless
        return Blob("sha256:" + sha.hexdigest(), size, path)


def _write_small(path: Path, text: str) -> None:
    with claimed_temp(path.parent, ".incoming-", ".tmp") as tmp:
        tmp.write_text(text)
        os.replace(tmp, path)


def _key(script: str, conf: dict[str, object], layer: object) -> str:
    spec = {"version": _VERSION, "script": script, "layer": layer,
            "conf": {k: v for k, v in conf.items() if k not in CONFIG_ONLY}}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def keys(script: str, conf: dict[str, object]) -> list[str]:
    """One key per layer, in the image's order: the store layers, then the customisation layer."""
    store = [_key(script, conf, {"store_paths": paths}) for paths in conf["store_layers"]]  # type: ignore[union-attr]
    return [*store, _key(script, conf, {"customisation_layer": conf["customisation_layer"]})]


def _iso(value: str) -> str:
    return datetime.fromisoformat(value).isoformat()


def render_config(conf: dict, digests: list[str]) -> bytes:  # type: ignore[type-arg]
    """The image config the stream script writes for ``conf`` whose layers have ``digests``."""
    created = _iso(conf["created"])
    history = [*conf["store_layers"], [conf["customisation_layer"]]]
    image = {
        "created": created,
        "architecture": conf["architecture"],
        "os": "linux",
        "config": conf["config"],
        "rootfs": {"diff_ids": digests, "type": "layers"},
        "history": [{"created": created, "comment": f"store paths: {paths}"} for paths in history],
    }
    return json.dumps(image, indent=4).encode("utf-8")


def incremental(conf: dict) -> bool:  # type: ignore[type-arg]
    """Whether the conf can be assembled from cached layers: not with a base image
    (``fromImage``) nor with ``created = "now"`` (a new config on every run)."""
    return not conf.get("from_image") and conf.get("created") != "now" and "store_layers" in conf


@dataclass(frozen=True)
class _Split:
    config: bytes
    repo_tags: tuple[str, ...]
    layers: tuple[Blob, ...]


def _split(cache: Cache, stream: IO[bytes], skip: frozenset[str] = frozenset()) -> _Split:
    """Read a docker-archive as it streams: each ``*/layer.tar`` goes into the cache
    (except members named in ``skip``), the config and manifest are kept."""
    blobs: dict[str, Blob] = {}
    small: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                handle = tar.extractfile(member)
                assert handle is not None
                if member.name.endswith("/layer.tar"):
                    if member.name in skip:
                        continue
                    blob = cache.add(handle, member.size)
                    if member.name.split("/")[0] != blob.digest.removeprefix("sha256:"):
                        raise NixbuildError(f"the stream script named a layer {member.name} whose sha256 is "
                                            f"{blob.digest}")
                    blobs[member.name] = blob
                elif member.size <= 64 << 20:
                    small[member.name] = handle.read()
        manifest = json.loads(small["manifest.json"])[0]
        config = small[manifest["Config"]]
        layers = tuple(blobs[name] for name in manifest["Layers"] if name not in skip)
    except (tarfile.TarError, KeyError, IndexError, ValueError) as exc:
        raise NixbuildError(f"the stream script's output is not a docker-archive nixbuild can read ({exc})") from None
    return _Split(config, tuple(manifest.get("RepoTags") or ()), layers)


def _streamed(nix: Nix, cache: Cache, script: Path, conf_file: Path,
              skip: frozenset[str] = frozenset()) -> _Split:
    """Run the stream script on ``conf_file`` and split its output into the cache."""
    read_fd, write_fd = os.pipe()
    failure: list[BaseException] = []

    def produce() -> None:
        with open(write_fd, "wb") as out:
            try:
                nix.stream_image(script, conf_file, out)
            except BaseException as exc:  # noqa: BLE001 - raised again below, in the caller's thread
                failure.append(exc)

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    try:
        with open(read_fd, "rb") as stream:
            try:
                split = _split(cache, stream, skip)
            finally:
                stream.read()  # let the script finish writing (or fail) before the pipe closes
    finally:
        thread.join()
    if failure:
        raise failure[0]
    return split


@contextlib.contextmanager
def _stand_in() -> Iterator[tuple[Path, str]]:
    """A customisation layer directory as nixpkgs lays it out (``layer.tar`` and its
    ``checksum``), holding an empty tar: for a partial stream whose real one is cached."""
    with tempfile.TemporaryDirectory(prefix="nixbuild-layer-") as tmp:
        layer = Path(tmp) / "layer.tar"
        with tarfile.open(layer, "w", format=tarfile.PAX_FORMAT):
            pass
        digest = hashlib.sha256(layer.read_bytes()).hexdigest()
        (Path(tmp) / "checksum").write_text(digest + "\n")
        yield Path(tmp), digest


def assemble(nix: Nix, script: str, conf_file: str, cache: Cache | None = None) -> Assembled:
    """The image of ``conf_file`` from cached layers, the missing ones made by ``script``."""
    cache = cache or Cache()
    conf = json.loads(Path(conf_file).read_text())
    repo_tag = str(conf.get("repo_tag", ""))
    if not incremental(conf):
        return _full(nix, cache, script, conf_file, conf, verify=False)
    layer_keys = keys(script, conf)
    found = [cache.lookup(k) for k in layer_keys]
    missing = [i for i, blob in enumerate(found) if blob is None]
    if not cache.verified(script) or len(missing) == len(found):
        return _full(nix, cache, script, conf_file, conf, verify=True)
    streamed: tuple[str, ...] = ()
    if missing:
        store_missing = [i for i in missing if i < len(found) - 1]
        custom_missing = len(found) - 1 in missing
        with contextlib.ExitStack() as stack:
            partial = dict(conf)
            partial["store_layers"] = [conf["store_layers"][i] for i in store_missing]
            skip: frozenset[str] = frozenset()
            if not custom_missing:
                directory, digest = stack.enter_context(_stand_in())
                partial["customisation_layer"] = str(directory)
                skip = frozenset({f"{digest}/layer.tar"})
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="nixbuild-conf-"))
            partial_file = Path(tmp) / "conf.json"
            partial_file.write_text(json.dumps(partial))
            split = _streamed(nix, cache, Path(script), partial_file, skip)
            made = list(split.layers)
            if not custom_missing:
                made.append(Blob("sha256:" + digest, 0, Path()))  # the stand-in, for the format check
            if split.config != render_config(partial, [b.digest for b in made]):
                nix.log(f"nixbuild: note: {script} writes an image config nixbuild does not reproduce; "
                        "streaming the whole image instead")
                return _full(nix, cache, script, conf_file, conf, verify=False)
        for i, blob in zip([*store_missing, *([len(found) - 1] if custom_missing else [])], split.layers, strict=True):
            cache.remember(layer_keys[i], blob)
            found[i] = blob
        streamed = tuple(b.digest for b in split.layers)
    layers = tuple(b for b in found if b is not None)
    config = render_config(conf, [b.digest for b in layers])
    return Assembled(config, layers, repo_tag, streamed, full=False)


def _full(nix: Nix, cache: Cache, script: str, conf_file: str, conf: dict,  # type: ignore[type-arg]
          *, verify: bool) -> Assembled:
    split = _streamed(nix, cache, Path(script), Path(conf_file))
    if incremental(conf):
        layer_keys = keys(script, conf)
        if len(layer_keys) == len(split.layers):
            for key, blob in zip(layer_keys, split.layers, strict=True):
                cache.remember(key, blob)
            if verify and split.config == render_config(conf, [b.digest for b in split.layers]):
                cache.mark_verified(script)
    repo_tag = split.repo_tags[0] if split.repo_tags else str(conf.get("repo_tag", ""))
    return Assembled(split.config, split.layers, repo_tag, tuple(b.digest for b in split.layers), full=True)


def from_archive(archive: Path, cache: Cache | None = None) -> Assembled:
    """An image from a docker-archive written elsewhere (a remote builder's), its layers put in the cache."""
    cache = cache or Cache()
    with open(archive, "rb") as stream:
        split = _split(cache, stream)
    return Assembled(split.config, split.layers, split.repo_tags[0] if split.repo_tags else "",
                     tuple(b.digest for b in split.layers), full=True)

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

The stream is read once (``_split``): tarfile reads only headers, the archive's
and each layer's; a layer's bytes move from the pipe (1 MiB) into the cache in
1 MiB blocks, hashed on the way to check the name the stream script gave the
layer, and the layer's entries are kept beside the blob (layerindex.py), so no
reader of the image opens the layer again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from nixbuild import layerindex
from nixbuild.atomicfile import claimed_temp, remove_stale
from nixbuild.errors import NixbuildError
from nixbuild.nix import Nix

# Conf fields that reach only the image config, never a layer's bytes.
CONFIG_ONLY = frozenset({"store_layers", "customisation_layer", "config", "architecture", "os", "created",
                         "repo_tag"})
_VERSION = 1  # of the key derivation and the cache's layout
_BLOCK = 1 << 20  # bytes moved at once from the stream script's output into the cache


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
        self.index = self.root / "index"
        self._swept = False

    def _ensure(self) -> None:
        if self._swept:
            return
        for d in (self.blobs, self.keys, self.streamers, self.index):
            d.mkdir(parents=True, exist_ok=True)
            remove_stale(d, ".incoming-", ".tmp")  # a killed run's; once, not before every file
        self._swept = True

    @contextlib.contextmanager
    def _temp(self, directory: Path) -> Iterator[Path]:
        self._ensure()
        with claimed_temp(directory, ".incoming-", ".tmp", sweep=False) as tmp:
            yield tmp

    def _write(self, path: Path, data: bytes) -> None:
        with self._temp(path.parent) as tmp:
            tmp.write_bytes(data)
            os.replace(tmp, path)

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
        self._write(self.keys / key, f"{blob.digest} {blob.size}\n".encode())

    def verified(self, script: str) -> bool:
        return (self.streamers / Path(script).name).is_file()

    def mark_verified(self, script: str) -> None:
        self._write(self.streamers / Path(script).name, b"config format: nixpkgs stream_layered_image.py\n")

    def add(self, source: _Source, size: int, buffer: memoryview) -> Blob:
        """Move the next ``size`` bytes of ``source`` (a layer tar) into the cache under their
        sha256, and keep the layer's entries beside it (layerindex.py), taken in the same pass."""
        with self._temp(self.blobs) as tmp:
            with open(tmp, "wb", buffering=_BLOCK) as out:
                layer = _Layer(source, size, out, buffer)
                items = layer.entries()
            digest = layer.sha.hexdigest()
            path = self.blobs / digest
            os.chmod(tmp, 0o444)
            os.replace(tmp, path)  # same bytes under the same name: replacing is harmless
        if items is not None:
            self._write(self.index / digest, layerindex.dump("sha256:" + digest, path, items))
        return Blob("sha256:" + digest, size, path)

    def entries(self, path: Path, digest: str) -> list[layerindex.Entry]:
        """The entries of the layer tar ``path`` named ``digest``: kept in the cache when they were
        taken from this very file (a layout's blob is a hard link to the cache's), else read from
        the tar, and then kept when the file is the cache's own blob."""
        hexdigest = digest.removeprefix("sha256:")
        kept = layerindex.load(self.index / hexdigest, digest, path)
        if kept is not None:
            return kept
        with open(path, "rb") as handle:
            items = layerindex.read(handle)
        with contextlib.suppress(OSError):
            if os.path.samefile(path, self.blobs / hexdigest):
                self._write(self.index / hexdigest, layerindex.dump(digest, path, items))
        return items


class _Source:
    """The stream script's output (or a docker-archive file) read forward once, with the
    position tarfile asks for: ``tell``, and ``seek`` forward, which reads past."""

    def __init__(self, handle: BinaryIO):
        self._handle, self._pos = handle, 0

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._pos += len(data)
        return data

    def readinto(self, buffer: memoryview) -> int:
        count = self._handle.readinto(buffer)
        self._pos += count
        return count

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        if whence != io.SEEK_SET or pos < self._pos:
            raise io.UnsupportedOperation("the stream script's output is read forward only")
        while pos > self._pos and self.read(min(pos - self._pos, _BLOCK)):
            pass
        return self._pos


class _Ended(NixbuildError):
    def __init__(self) -> None:
        super().__init__("the stream script's output ended inside a layer")


class _Layer:
    """One layer tar of ``size`` bytes as it streams past, for tarfile to read its headers:
    every byte that tarfile reads, or seeks past (a file's data, moved in blocks of
    ``buffer``), is hashed and written to ``out`` once, in order."""

    def __init__(self, source: _Source, size: int, out: BinaryIO, buffer: memoryview):
        self.sha = hashlib.sha256()
        self._source, self._out, self._buffer = source, out, buffer
        self._pos, self._left = 0, size

    def read(self, size: int = -1) -> bytes:
        want = self._left if size < 0 else min(size, self._left)
        data = self._source.read(want)
        if len(data) < want:
            raise _Ended()
        self.sha.update(data)
        self._out.write(data)
        self._pos += want
        self._left -= want
        return data

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        if whence != io.SEEK_SET or pos < self._pos:
            raise io.UnsupportedOperation("a layer is read forward only")
        self._skip(pos - self._pos)
        return self._pos

    def _skip(self, count: int) -> None:
        count = min(count, self._left)  # tarfile finds the end itself (an empty read)
        while count:
            got = self._source.readinto(self._buffer[:min(count, len(self._buffer))])
            if not got:
                raise _Ended()
            view = self._buffer[:got]
            self.sha.update(view)
            self._out.write(view)
            self._pos += got
            self._left -= got
            count -= got

    def entries(self) -> list[layerindex.Entry] | None:
        """Pass the whole layer through, returning its entries (None: not a tar tarfile reads)."""
        items: list[layerindex.Entry] | None = None
        try:
            with tarfile.open(fileobj=self, mode="r:") as tar:  # type: ignore[call-overload]
                items = list(layerindex.entries(tar))
        except (tarfile.TarError, ValueError, UnicodeError):
            items = None
        self._skip(self._left)
        return items


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


def _split(cache: Cache, stream: BinaryIO, skip: frozenset[str] = frozenset()) -> _Split:
    """Read a docker-archive as it streams: each ``*/layer.tar`` goes into the cache
    (except members named in ``skip``), the config and manifest are kept. tarfile reads
    the headers; a layer's bytes are moved by ``Cache.add``, never by tarfile."""
    blobs: dict[str, Blob] = {}
    small: dict[str, bytes] = {}
    source = _Source(stream)
    buffer = memoryview(bytearray(_BLOCK))
    try:
        with tarfile.open(fileobj=source, mode="r:") as tar:  # type: ignore[call-overload]
            while (member := tar.next()) is not None:
                if not member.isfile():
                    continue
                if member.name.endswith("/layer.tar"):
                    if member.name in skip:
                        continue  # tarfile reads past it
                    blob = cache.add(source, member.size, buffer)
                    if member.name.split("/")[0] != blob.digest.removeprefix("sha256:"):
                        raise NixbuildError(f"the stream script named a layer {member.name} whose sha256 is "
                                            f"{blob.digest}")
                    blobs[member.name] = blob
                elif member.size <= 64 << 20:
                    small[member.name] = data = source.read(member.size)
                    if len(data) != member.size:
                        raise tarfile.ReadError(f"{member.name} is cut short")
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
    with contextlib.suppress(OSError, AttributeError):  # fewer, larger writes and reads (Linux)
        fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, _BLOCK)  # type: ignore[attr-defined]
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
        with open(read_fd, "rb", buffering=_BLOCK) as stream:
            try:
                split = _split(cache, stream, skip)
            finally:
                while stream.read(_BLOCK):  # let the script finish writing (or fail) before the pipe closes
                    pass
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

"""The layer index (nixbuild/layerindex.py): taken in the one pass that splits the stream
script's output into the layer cache, it lists what tarfile reads from the layer itself;
the image's readers (store paths, the closure proof's tree) take it only for the very
blob it was taken from. An index altered, copied with the cache, or left from a replaced
blob is not used. Runs hostpkgs' real stream script (as test_layers.py does)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest

from nixbuild import image as image_mod
from nixbuild import imagefs, layerindex, layers, oci
from nixbuild.errors import NixbuildError
from nixbuild.nix import Nix
from tests.unit.test_layers import _conf, _store_path, setup  # noqa: F401 - setup is a fixture


def _tree_store_path(store: Path) -> str:
    """A store path shaped like a real one: nested directories, a name over 100 bytes (a PAX
    header), a non-ASCII name, a symbolic link, an empty file, modes."""
    root = Path(_store_path(store, "tree", b"\x7fELF" + os.urandom(3000)))
    deep = root / "share" / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    (deep / "long-name.txt").write_bytes(b"long\n")
    (root / "share" / "caf\u00e9.txt").write_text("non-ascii\n")
    (root / "share" / "empty").write_bytes(b"")
    (root / "bin" / "link").symlink_to("prog")
    (root / "bin" / "prog").chmod(0o555)
    return str(root)


def _image(tmp: Path, store: Path, paths: list[list[str]], script: str) -> tuple[layers.Cache, Path]:
    cache = layers.Cache(tmp / "cache")
    conf = _conf(tmp, [[_tree_store_path(store)], *paths])
    assembled = layers.assemble(Nix(), script, str(conf), cache)
    layout = oci.write_layout(assembled, tmp / "out" / "demo.oci", "1").path
    return cache, layout


def _nodes(layout: Path) -> dict[str, imagefs.Node]:
    return imagefs.ImageTree.read(layout).nodes


def test_the_index_is_what_tarfile_reads_and_the_blob_is_the_layer(setup, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    tmp, store, paths, script = setup
    cache, layout = _image(tmp, store, paths, script)
    blobs = oci.read_layout(layout).layers
    for blob in blobs:
        data = blob.path.read_bytes()
        assert "sha256:" + hashlib.sha256(data).hexdigest() == blob.digest and len(data) == blob.size
        kept = layerindex.load(cache.index / blob.digest.removeprefix("sha256:"), blob.digest, blob.path)
        assert kept == layerindex.read(io.BytesIO(data)) and kept  # taken in the split, equal to a read
    # Every kind of entry the stream script writes made it through (the tree's layer is the first).
    kinds = {e.kind for e in layerindex.read(io.BytesIO(blobs[0].path.read_bytes()))}
    assert kinds == {"file", "dir", "symlink"}

    # The readers give the same from the index as from the tars.
    monkeypatch.setenv("NIXBUILD_CACHE_DIR", str(tmp / "cache"))
    indexed_nodes, indexed_info = _nodes(layout), image_mod.read_layout(layout)
    monkeypatch.setenv("NIXBUILD_CACHE_DIR", str(tmp / "no-cache"))
    assert _nodes(layout) == indexed_nodes and image_mod.read_layout(layout) == indexed_info
    tree = imagefs.ImageTree.read(layout)
    prog = next(p for p in indexed_nodes if p.endswith("/tree/bin/prog"))
    assert tree.resolve(prog.replace("/prog", "/link")) == prog
    assert tree.nodes[prog].mode == 0o555
    assert tree.head(prog, 4) == b"\x7fELF"
    assert any(p.endswith("/share/caf\u00e9.txt") for p in tree.nodes)


def _forge(index_file: Path, blob: Path, extra: list[object], *, identity_of: Path | None = None) -> None:
    """Rewrite an index with one more entry, its checksum recomputed, its file identity that
    of ``identity_of`` (default: the blob's own)."""
    head, body = index_file.read_bytes().split(b"\n", 1)
    entries = [*json.loads(body), extra]
    forged = layerindex.dump(json.loads(head)["digest"], identity_of or blob,
                             [layerindex.Entry(*e) for e in entries])
    os.chmod(index_file, 0o644)
    index_file.write_bytes(forged)


def test_an_index_is_used_only_for_the_blob_it_was_taken_from(setup, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    tmp, store, paths, script = setup
    cache, layout = _image(tmp, store, paths, script)
    monkeypatch.setenv("NIXBUILD_CACHE_DIR", str(tmp / "cache"))
    blob = oci.read_layout(layout).layers[0]
    index_file = cache.index / blob.digest.removeprefix("sha256:")
    ghost = ["nix/store/ghost-1.0/bin/sh", "file", 0o755, 0, 0, "", 512, 0]
    original = index_file.read_bytes()

    # An index that matches the blob (identity and checksum) is what the readers use: the
    # ghost entry shows that no tar was read.
    _forge(index_file, blob.path, ghost)
    assert "/nix/store/ghost-1.0/bin/sh" in _nodes(layout)
    assert "/nix/store/ghost-1.0" in image_mod.read_layout(layout).store_paths

    # Altered after it was written (its checksum no longer holds): read from the tar.
    index_file.write_bytes(index_file.read_bytes().replace(b"ghost-1.0", b"ghost-2.0"))
    assert not any("ghost" in p for p in _nodes(layout))

    # Taken from another file (a replaced blob, another inode): read from the tar.
    other = tmp / "other-file"
    shutil.copyfile(blob.path, other)
    index_file.write_bytes(original)
    _forge(index_file, blob.path, ghost, identity_of=other)
    assert not any("ghost" in p for p in _nodes(layout))
    assert "/nix/store/ghost-1.0" not in image_mod.read_layout(layout).store_paths

    # A whole cache copied elsewhere (as a CI cache restore does: same names, same mtimes,
    # other inodes): its indexes are not used for the copied blobs.
    index_file.write_bytes(original)
    _forge(index_file, blob.path, ghost)
    copied = tmp / "copied-cache"
    shutil.copytree(tmp / "cache", copied, copy_function=shutil.copy2)
    monkeypatch.setenv("NIXBUILD_CACHE_DIR", str(copied))
    moved = tmp / "out" / "moved.oci"
    oci.write_layout(layers.Assembled(oci.read_layout(layout).config, tuple(
        layers.Blob(b.digest, b.size, copied / "layers" / "blobs" / "sha256" / b.path.name)
        for b in oci.read_layout(layout).layers), "demo:1", (), full=False), moved, "1")
    assert not any("ghost" in p for p in _nodes(moved))


def test_a_layout_from_a_cache_without_indexes_gets_them_on_first_read(setup, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    tmp, store, paths, script = setup
    cache, layout = _image(tmp, store, paths, script)
    shutil.rmtree(cache.index)  # a cache written before the index existed
    monkeypatch.setenv("NIXBUILD_CACHE_DIR", str(tmp / "cache"))
    first = _nodes(layout)
    blobs = oci.read_layout(layout).layers
    assert sorted(p.name for p in cache.index.iterdir()) == sorted(b.path.name for b in blobs)
    assert _nodes(layout) == first
    # A layout whose blobs are copies (not the cache's own files) leaves the cache alone.
    shutil.rmtree(cache.index)
    copy = tmp / "copy.oci"
    shutil.copytree(layout, copy)
    _nodes(copy)
    assert not cache.index.exists() or not any(cache.index.iterdir())


def _archive(tmp: Path, layer: bytes, *, cut: int = 0) -> Path:
    """A docker-archive with one layer of the bytes ``layer`` (cut short by ``cut`` bytes)."""
    digest = hashlib.sha256(layer).hexdigest()
    config = json.dumps({"rootfs": {"diff_ids": [f"sha256:{digest}"]}}).encode()
    manifest = json.dumps([{"Config": "c.json", "RepoTags": ["x:1"], "Layers": [f"{digest}/layer.tar"]}]).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in ((f"{digest}/layer.tar", layer), ("c.json", config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path = tmp / "archive.tar"
    data = buf.getvalue()
    path.write_bytes(data[:len(data) - cut] if cut else data)
    return path


def test_a_docker_archive_s_layers_are_indexed_hard_links_too(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.GNU_FORMAT) as tar:  # GNU long names this time
        for name, kind, data, link in (("./nix/store/" + "a" * 120, tarfile.DIRTYPE, b"", ""),
                                       ("./nix/store/" + "a" * 120 + "/bin", tarfile.DIRTYPE, b"", ""),
                                       ("./nix/store/" + "a" * 120 + "/bin/prog", tarfile.REGTYPE, b"\x7fELF..", ""),
                                       ("./nix/store/" + "a" * 120 + "/bin/hard", tarfile.LNKTYPE, b"",
                                        "./nix/store/" + "a" * 120 + "/bin/prog")):
            info = tarfile.TarInfo(name)
            info.type, info.size, info.linkname, info.mode = kind, len(data), link, 0o755
            tar.addfile(info, io.BytesIO(data) if data else None)
    cache = layers.Cache(tmp_path / "cache")
    image = layers.from_archive(_archive(tmp_path, layer.getvalue()), cache)
    (blob,) = image.layers
    kept = layerindex.load(cache.index / blob.path.name, blob.digest, blob.path)
    assert kept == layerindex.read(io.BytesIO(layer.getvalue()))
    assert [e.kind for e in kept] == ["dir", "dir", "file", "link"]
    monkeypatch.setenv("NIXBUILD_CACHE_DIR", str(tmp_path / "cache"))
    layout = oci.write_layout(image, tmp_path / "x.oci", "1").path
    tree = imagefs.ImageTree.read(layout)
    prog = "/nix/store/" + "a" * 120 + "/bin/prog"
    assert tree.nodes[prog.replace("prog", "hard")] == tree.nodes[prog] and tree.head(prog) == b"\x7fELF.."
    assert image_mod.read_layout(layout).store_paths == ("/nix/store/" + "a" * 120,)


def test_a_layer_that_is_no_tar_is_kept_without_an_index_and_a_cut_stream_is_refused(tmp_path: Path) -> None:
    garbage = os.urandom(5000)
    cache = layers.Cache(tmp_path / "cache")
    image = layers.from_archive(_archive(tmp_path, garbage), cache)
    (blob,) = image.layers
    assert blob.path.read_bytes() == garbage and blob.digest == "sha256:" + hashlib.sha256(garbage).hexdigest()
    assert not (cache.index / blob.path.name).exists()
    with pytest.raises(tarfile.TarError):
        cache.entries(blob.path, blob.digest)  # the readers report it as unreadable

    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as tar:
        info = tarfile.TarInfo("nix/store/x/f")
        info.size = 200_000
        tar.addfile(info, io.BytesIO(os.urandom(200_000)))
    archive = _archive(tmp_path, layer.getvalue())
    size = archive.stat().st_size
    with open(archive, "r+b") as handle:  # the stream ends inside the layer's data
        handle.truncate(size - 150_000)
    with pytest.raises(NixbuildError, match="ended inside a layer"):
        layers.from_archive(archive, layers.Cache(tmp_path / "cache2"))


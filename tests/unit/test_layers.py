"""The layer cache (nixbuild/layers.py) against hostpkgs' own stream script, run as the
program it is (python3 stream.py CONF) on a conf naming directories made here: the
cached, partial and full paths give the config bytes and layer digests of a full
stream; a layer is made once; a stream script whose config format nixbuild does not
reproduce is streamed whole. The image is then written as an OCI layout (hard links)
and a docker-archive, and read back with skopeo."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from nixbuild import layers, oci, record
from nixbuild.nix import Nix

REPO = Path(__file__).resolve().parents[2]
STREAM_PY = REPO / "nix" / "hostpkgs" / "docker" / "py" / "stream.py"


def _script(tmp: Path, name: str, body: str) -> str:
    path = tmp / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


def _store_path(root: Path, name: str, data: bytes) -> str:
    path = root / name
    (path / "bin").mkdir(parents=True)
    (path / "bin" / "prog").write_bytes(data)
    return str(path)


def _conf(tmp: Path, paths: list[list[str]], custom_data: bytes = b"custom") -> Path:
    custom = tmp / f"custom-{hashlib.sha256(custom_data).hexdigest()[:8]}"
    custom.mkdir(exist_ok=True)
    with tarfile.open(custom / "layer.tar", "w") as tar:
        info = tarfile.TarInfo("etc/marker")
        info.size = len(custom_data)
        tar.addfile(info, io.BytesIO(custom_data))
    (custom / "checksum").write_text(hashlib.sha256((custom / "layer.tar").read_bytes()).hexdigest() + "\n")
    conf = {"architecture": "amd64", "config": {"Entrypoint": [paths[0][0] + "/bin/prog"]}, "os": "linux",
            "created": "1970-01-01T00:00:01Z", "mtime": "1970-01-01T00:00:01Z", "uid": 0, "gid": 0,
            "uname": "root", "gname": "root", "repo_tag": "demo:1", "store_layers": paths,
            "customisation_layer": str(custom), "from_image": None, "store_dir": str(tmp)}
    file = tmp / f"conf-{len(list(tmp.glob('conf-*')))}.json"
    file.write_text(json.dumps(conf))
    return file


def _full(script: str, conf: Path) -> tuple[bytes, list[str]]:
    out = subprocess.run([script, str(conf)], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(out)) as tar:
        (manifest,) = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        config = tar.extractfile(manifest["Config"]).read()  # type: ignore[union-attr]
        digests = ["sha256:" + hashlib.sha256(tar.extractfile(n).read()).hexdigest()  # type: ignore[union-attr]
                   for n in manifest["Layers"]]
    return config, digests


@pytest.fixture
def setup(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = tmp_path / "store"
    paths = [[_store_path(store, f"p{i}", os.urandom(4096) * (i + 1))] for i in range(5)]
    script = _script(tmp_path, "stream", f'exec {sys.executable} -B {STREAM_PY} "$@"')
    return tmp_path, store, paths, script


def test_full_partial_and_cached_give_the_full_stream(setup) -> None:  # type: ignore[no-untyped-def]
    tmp, store, paths, script = setup
    nix, cache = Nix(), layers.Cache(tmp / "cache")
    conf = _conf(tmp, paths)
    first = layers.assemble(nix, script, str(conf), cache)
    assert first.full and len(first.streamed) == 6  # an empty cache: the whole conf
    assert (first.config, [b.digest for b in first.layers]) == _full(script, conf)
    assert cache.verified(script)

    # A new app path and a new customisation layer: two layers streamed, the rest cached.
    changed = [[_store_path(store, "app2", b"new app")], *paths[1:]]
    conf2 = _conf(tmp, changed, b"custom2")
    second = layers.assemble(nix, script, str(conf2), cache)
    assert not second.full and len(second.streamed) == 2
    assert (second.config, [b.digest for b in second.layers]) == _full(script, conf2)
    assert {b.digest for b in second.layers} - set(second.streamed) <= {b.digest for b in first.layers}

    # Only the customisation layer changed (a config edit): the store layers all cached.
    conf3 = _conf(tmp, changed, b"custom3")
    third = layers.assemble(nix, script, str(conf3), cache)
    assert len(third.streamed) == 1 and (third.config, [b.digest for b in third.layers]) == _full(script, conf3)

    # Everything cached, but another config (created): nothing streamed, the same bytes as a full stream.
    data = json.loads(conf3.read_text())
    data["created"] = "2023-11-14T22:13:20Z"
    conf4 = tmp / "conf-created.json"
    conf4.write_text(json.dumps(data))
    fourth = layers.assemble(nix, script, str(conf4), cache)
    assert fourth.streamed == () and (fourth.config, [b.digest for b in fourth.layers]) == _full(script, conf4)
    # Each layer is in the cache once, under its digest.
    blobs = sorted(p.name for p in cache.blobs.iterdir())
    assert blobs == sorted({b.digest.removeprefix("sha256:") for a in (first, second, third) for b in a.layers})


def test_a_script_whose_config_nixbuild_does_not_write_is_streamed_whole(setup) -> None:  # type: ignore[no-untyped-def]
    tmp, store, paths, _ = setup
    # Another stream script: the same layers, its config re-serialised compactly with sorted keys.
    other = tmp / "other.py"
    other.write_text(f"""
import hashlib, io, json, subprocess, sys, tarfile
out = subprocess.run([sys.executable, "-B", {str(STREAM_PY)!r}, sys.argv[1]], capture_output=True, check=True).stdout
src = tarfile.open(fileobj=io.BytesIO(out))
(manifest,) = json.load(src.extractfile("manifest.json"))
config = json.dumps(json.load(src.extractfile(manifest["Config"])), sort_keys=True, separators=(",", ":")).encode()
name = hashlib.sha256(config).hexdigest() + ".json"
with tarfile.open(fileobj=sys.stdout.buffer, mode="w|") as dst:
    for member in src.getmembers():
        if member.name.endswith("/layer.tar"):
            dst.addfile(member, src.extractfile(member))
    for n, data in ((name, config), ("manifest.json", json.dumps([{{**manifest, "Config": name}}]).encode())):
        info = tarfile.TarInfo(n)
        info.size = len(data)
        dst.addfile(info, io.BytesIO(data))
""")
    script = _script(tmp, "other-stream", f'exec {sys.executable} -B {other} "$@"')
    nix, cache = Nix(), layers.Cache(tmp / "cache")
    conf = _conf(tmp, paths)
    first = layers.assemble(nix, script, str(conf), cache)
    assert first.full and not cache.verified(script)
    assert (first.config, [b.digest for b in first.layers]) == _full(script, conf)
    conf2 = _conf(tmp, [[_store_path(store, "app2", b"new")], *paths[1:]], b"c2")
    second = layers.assemble(nix, script, str(conf2), cache)
    assert second.full  # never assembled from the cache: its config is the script's own
    assert (second.config, [b.digest for b in second.layers]) == _full(script, conf2)


def test_layout_links_the_cache_and_the_archive_is_the_same_image(setup) -> None:  # type: ignore[no-untyped-def]
    tmp, store, paths, script = setup
    cache = layers.Cache(tmp / "cache")
    image = layers.assemble(Nix(), script, str(_conf(tmp, paths)), cache)
    layout = oci.write_layout(image, tmp / "out" / "demo.oci", "1")
    for blob in image.layers:
        assert os.path.samefile(layout.path / "blobs" / "sha256" / blob.digest.removeprefix("sha256:"), blob.path)
    read = oci.read_layout(layout.path)
    assert read.manifest_digest == layout.manifest_digest and read.config == image.config
    assert read.repo_tag == "demo:1" and read.tag == "1"
    archive = tmp / "demo.tar"
    oci.write_docker_archive(read.config, read.layers, read.repo_tag, archive)
    again = tmp / "again.tar"
    oci.write_docker_archive(read.config, read.layers, read.repo_tag, again)
    assert archive.read_bytes() == again.read_bytes()  # deterministic
    if shutil.which("skopeo"):
        for ref in (f"oci:{layout.path}:1", f"docker-archive:{archive}"):
            raw_config = subprocess.run(["skopeo", "inspect", "--config", "--raw", ref], capture_output=True,
                                        check=True).stdout
            assert raw_config == image.config
            inspected = json.loads(subprocess.run(["skopeo", "inspect", ref], capture_output=True,
                                                  check=True).stdout)
            assert inspected["Layers"] == [b.digest for b in image.layers]


def test_the_key_is_what_decides_a_layer_s_bytes() -> None:
    base = {"store_layers": [["/nix/store/a"], ["/nix/store/b"]], "customisation_layer": "/nix/store/c",
            "mtime": "1970-01-01T00:00:01Z", "uid": 0, "gid": 0, "uname": "root", "gname": "root",
            "created": "1970-01-01T00:00:01Z", "config": {}, "architecture": "amd64", "repo_tag": "x:1"}
    keys = layers.keys("/nix/store/s-stream", base)
    assert len(set(keys)) == 3
    # The config, the tag and `created` touch no layer.
    for field, value in (("config", {"User": "1"}), ("repo_tag", "y:2"), ("created", "2020-01-01T00:00:00Z"),
                         ("architecture", "arm64")):
        assert layers.keys("/nix/store/s-stream", {**base, field: value}) == keys, field
    # The files' mtime and owner, and the stream script, touch every layer.
    for changed in ({**base, "mtime": "2020-01-01T00:00:00Z"}, {**base, "uid": 1}, {**base, "store_dir": "/x"}):
        assert not set(layers.keys("/nix/store/s-stream", changed)) & set(keys)
    assert not set(layers.keys("/nix/store/t-stream", base)) & set(keys)
    # Another path in one layer changes that layer's key only.
    moved = layers.keys("/nix/store/s-stream", {**base, "store_layers": [["/nix/store/a2"], ["/nix/store/b"]]})
    assert moved[0] != keys[0] and moved[1:] == keys[1:]


def test_records_read_back_as_the_dataclasses_they_were() -> None:
    from nixbuild import image as image_mod

    info = image_mod.ImageInfo(path=Path("/x/y.oci"), size=3, repo_tags=("a:1",), architecture="amd64", os="linux",
                               variant=None, config={"Env": ["A=1"], "User": "1"}, config_digest="sha256:00",
                               layers=(image_mod.Layer("sha256:11", 2, ("/nix/store/p",)),))
    data = json.loads(json.dumps(record.dump(info)))
    assert record.load(image_mod.ImageInfo, data) == info
    data["layers"][0]["size"] = "2"
    with pytest.raises(record.RecordError):
        record.load(image_mod.ImageInfo, data)

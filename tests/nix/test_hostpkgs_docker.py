"""dockerTools.streamLayeredImage / buildLayeredImage of hostpkgs, checked
with skopeo (a tool nobody here wrote) and by reading the archive."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.nix.conftest import nix_env

pytestmark = pytest.mark.nix

IMAGE_NIX = """let
  pkgs = import <hostpkgs> { };
  lib = pkgs.lib;
  hello = @HELLO@;
  args = {
    name = "Hello-App";
    tag = "t1";
    contents = [ pkgs.fakeNss ];
    config = {
      Entrypoint = [ "${lib.getExe' hello.bin "hello"}" ];
      User = "65532:65532";
      Env = [ "SSL_CERT_FILE=${pkgs.cacert}/etc/ssl/certs/ca-bundle.crt" ];
    };
    extraCommands = "mkdir -m 1777 tmp";
  };
in {
  inherit hello;
  stream = pkgs.dockerTools.streamLayeredImage args;
  few = pkgs.dockerTools.streamLayeredImage (args // { maxLayers = 2; tag = null; });
  gz = pkgs.dockerTools.buildLayeredImage args;
  roots = [ hello.bin pkgs.fakeNss pkgs.cacert ];
}
"""


def _archive(nix, attr: str) -> Path:
    (script,) = nix.build("image.nix", attr, link=attr)
    out = nix.workdir / f"{attr}.tar"
    with out.open("wb") as f:
        subprocess.run([script], stdout=f, check=True, env=nix_env())
    return out


def _read(archive: Path) -> tuple[dict, dict, list[list[tarfile.TarInfo]]]:
    with tarfile.open(archive) as tar:
        (manifest,) = json.load(tar.extractfile("manifest.json"))
        config = json.load(tar.extractfile(manifest["Config"]))
        layers = []
        for name in manifest["Layers"]:
            data = tar.extractfile(name).read()
            assert f"sha256:{hashlib.sha256(data).hexdigest()}" in config["rootfs"]["diff_ids"]
            with tarfile.open(fileobj=io.BytesIO(data)) as layer:
                layers.append(layer.getmembers())
    return manifest, config, layers


@pytest.fixture
def image_nix(nix, hello_src: Path, hello_drv: str):
    nix.write("image.nix", IMAGE_NIX.replace("@HELLO@", hello_drv))
    return nix


def test_stream_layered_image_is_a_valid_docker_archive(image_nix) -> None:
    nix = image_nix
    archive = _archive(nix, "stream")
    if shutil.which("skopeo"):
        inspect = json.loads(
            subprocess.run(
                ["skopeo", "inspect", "--config", f"docker-archive:{archive}"],
                capture_output=True, text=True, check=True,
            ).stdout
        )
        assert inspect["architecture"] == "amd64"
        assert inspect["os"] == "linux"
        assert inspect["config"]["User"] == "65532:65532"
        assert inspect["config"]["Entrypoint"][0].endswith("-hello-1.0-bin/bin/hello")
    manifest, config, layers = _read(archive)
    assert manifest["RepoTags"] == ["hello-app:t1"]
    assert config["created"] == "1970-01-01T00:00:01+00:00"  # datetime.isoformat, as nixpkgs writes it
    assert len(config["history"]) == len(layers) == len(manifest["Layers"])

    # Exactly the closure of contents + the store paths named in config.
    roots = nix.eval_json('map toString (import ./image.nix).roots')
    expected = set().union(*(nix.closure(r) for r in roots))
    store_paths = {
        "/" + m.name
        for members in layers
        for m in members
        if m.name.startswith("nix/store/") and m.name.count("/") == 2
    }
    assert store_paths == expected
    assert all("-dev" not in p for p in store_paths)

    # Store layers: parent dirs present; customisation layer: /tmp is 1777.
    for members in layers[:-1]:
        assert [m.name for m in members[:2]] == ["nix", "nix/store"]
        assert [m.name for m in members] == sorted(m.name for m in members)
        assert {(m.uid, m.gid, m.uname, m.gname, m.mtime) for m in members} == {(0, 0, "root", "root", 1)}
    custom = {m.name: m for m in layers[-1]}
    assert custom["tmp"].isdir() and custom["tmp"].mode == 0o1777
    assert custom["etc/passwd"].issym()


def test_stream_is_byte_identical_and_check_passes(image_nix) -> None:
    first = _archive(image_nix, "stream").read_bytes()
    second = _archive(image_nix, "stream").read_bytes()
    assert first == second
    proc = image_nix.build("image.nix", "stream", link="stream", check=False, extra=["--check"])
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_max_layers_merges_the_rest_and_default_tag(image_nix) -> None:
    manifest, config, layers = _read(_archive(image_nix, "few"))
    assert len(layers) == 2  # all store paths in one layer + customisation
    tag = image_nix.eval_json("(import ./image.nix).few.imageTag")
    assert manifest["RepoTags"] == [f"hello-app:{tag}"]
    assert image_nix.eval_json("(import ./image.nix).few.imageName") == "hello-app"


def test_build_layered_image_is_gzipped_archive(image_nix) -> None:
    (out,) = image_nix.build("image.nix", "gz", link="gz")
    assert out.name.endswith("-Hello-App.tar.gz")
    stream = _archive(image_nix, "stream").read_bytes()
    assert gzip.decompress(out.read_bytes()) == stream


@pytest.mark.parametrize(
    "arg",
    ['fromImage = "x"', "includeNixDB = true", "enableFakechroot = true"],
)
def test_unsupported_image_features_throw_clearly(nix, arg: str) -> None:
    proc = nix._run(
        ["nix-instantiate", "-I", f"hostpkgs={nix_hostpkgs()}", "--eval", "--strict", "--expr",
         f'(import <hostpkgs> {{ }}).dockerTools.streamLayeredImage {{ name = "x"; {arg}; }}'],
        check=False,
    )
    assert proc.returncode != 0
    assert "not yet supported in hostpkgs" in proc.stderr


def nix_hostpkgs() -> Path:
    return Path(__file__).resolve().parents[2] / "nix" / "hostpkgs"


def test_streaming_leaves_every_store_path_of_the_script_intact(image_nix) -> None:
    """The stream script runs outside the sandbox, as root on a machine without
    nix-daemon: it must not write into the store (Python's __pycache__ did, and
    the next copy of that path to a remote builder failed its hash check)."""
    nix = image_nix
    _archive(nix, "stream")
    script = nix.workdir / "stream"
    closure = subprocess.run(["nix-store", "-qR", str(script)], capture_output=True, text=True, check=True)
    paths = closure.stdout.split()
    assert not [p for p in paths if (Path(p) / "__pycache__").exists()]
    verify = subprocess.run(["nix-store", "--verify-path", *paths], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr

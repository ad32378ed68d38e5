"""dockerTools.streamLayeredImage's fakeRootCommands in hostpkgs: the commands
run in the customisation layer directory under fakeroot (as in nixpkgs), and
the layer tar records the ownership they faked. Checked by reading the
streamed docker-archive with tarfile; determinism by streaming twice and by
rebuilding the layer with `nix-build --check`."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile

import pytest

pytestmark = pytest.mark.nix

IMAGE_NIX = """let
  pkgs = import <hostpkgs> { };
  args = {
    name = "fakeroot-test";
    tag = "t1";
    contents = [ pkgs.fakeNss ];
    extraCommands = "mkdir -m 1777 tmp";
    fakeRootCommands = ''
      mkdir -p ./home/nonroot ./srv/data
      chown 65532:65532 ./home/nonroot
      echo secret > ./srv/data/key
      chown 1000:2000 ./srv/data/key
      chmod 0600 ./srv/data/key
      chgrp 70 ./srv
    '';
  };
in {
  stream = pkgs.dockerTools.streamLayeredImage args;
  layer = (pkgs.dockerTools.streamLayeredImage args).conf.customisationLayer;
  owned = pkgs.dockerTools.streamLayeredImage (args // { uid = 7; gid = 8; uname = "app"; gname = "appg"; });
  failing = pkgs.dockerTools.streamLayeredImage (args // { fakeRootCommands = "false"; });
}
"""


@pytest.fixture
def image_nix(nix):
    nix.write("image.nix", IMAGE_NIX)
    return nix


def _stream(nix, attr: str) -> bytes:
    (script,) = nix.build("image.nix", attr, link=attr)
    return subprocess.run([script], capture_output=True, check=True, timeout=300).stdout


def _customisation_layer(archive: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        (manifest,) = json.load(tar.extractfile("manifest.json"))
        data = tar.extractfile(manifest["Layers"][-1]).read()
    with tarfile.open(fileobj=io.BytesIO(data)) as layer:
        return {m.name: m for m in layer.getmembers()}


def _owner(m: tarfile.TarInfo) -> tuple[int, int, str, str]:
    return (m.uid, m.gid, m.uname, m.gname)


def test_fake_root_commands_ownership_is_in_the_layer(image_nix) -> None:
    archive = _stream(image_nix, "stream")
    layer = _customisation_layer(archive)
    assert _owner(layer["home/nonroot"]) == (65532, 65532, "", "")
    assert layer["home/nonroot"].isdir()
    # Entries the commands did not chown keep the layer's owner (root here).
    assert _owner(layer["home"]) == (0, 0, "root", "root")
    assert _owner(layer["etc/passwd"]) == (0, 0, "root", "root")
    assert (
        _owner(layer["tmp"]) == (0, 0, "root", "root") and layer["tmp"].mode == 0o1777
    )
    key = layer["srv/data/key"]
    assert (
        _owner(key) == (1000, 2000, "", "")
        and key.mode == 0o600
        and key.size == len("secret\n")
    )
    assert _owner(layer["srv"]) == (0, 70, "root", "")


def test_untouched_entries_take_the_uid_and_gid_arguments(image_nix) -> None:
    layer = _customisation_layer(_stream(image_nix, "owned"))
    assert _owner(layer["home"]) == (7, 8, "app", "appg")
    assert _owner(layer["home/nonroot"]) == (65532, 65532, "", "")


def test_fake_root_image_is_deterministic(image_nix) -> None:
    first = _stream(image_nix, "stream")
    second = _stream(image_nix, "stream")
    assert first == second
    # Rebuilding the fakeroot step gives the same bytes.
    image_nix.build("image.nix", "layer", link="layer")
    proc = image_nix.build(
        "image.nix", "layer", link="layer", check=False, extra=["--check"]
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_failing_fake_root_commands_fail_the_build(image_nix) -> None:
    stderr = image_nix.build_fails("image.nix", "failing")
    assert "customisation-layer" in stderr

"""`nixbuild image --sbom` writes the same SBOMs as `nixbuild sbom`, beside
the image, for every target built."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import copy_example, nixbuild

pytestmark = [pytest.mark.nix, pytest.mark.e2e]


def test_image_sbom_equals_the_sbom_command(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    result = nixbuild("image", "--sbom", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    report = result.json()
    files = {kind: Path(path) for kind, path in report["sbom"].items()}
    assert set(files) == {"spdx", "cyclonedx"}
    spdx = json.loads(files["spdx"].read_text())
    names = {p["name"] for p in spdx["packages"]}
    assert len(spdx["packages"]) >= len(report["store_paths"]) and "glibc" in " ".join(names)
    before = {kind: path.read_bytes() for kind, path in files.items()}
    again = nixbuild("sbom", "--json", "-C", str(project))
    assert again.returncode == 0, again.stderr
    assert {k: Path(v).read_bytes() for k, v in again.json()["files"].items()} == before


def test_image_sbom_for_several_targets(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    result = nixbuild("image", "-t", "x86_64-linux", "-t", "aarch64-linux", "--sbom", "cyclonedx", "--json",
                      "-C", str(project))
    assert result.returncode == 0, result.stderr
    for entry in result.json()["targets"]:
        (path,) = entry["sbom"].values()
        assert Path(path).is_file() and entry["target"] in path
        components = json.loads(Path(path).read_text())["components"]
        assert any(c["name"].startswith("hello") for c in components)

"""`nixbuild image --format docker-archive|oci|oci-archive --output PATH`, checked
with skopeo: the outputs are readable images whose layer diff IDs and config are
those of the OCI layout in nixbuild-result, and a path that is not an earlier
output is never replaced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nixbuild.image import read as read_image
from tests.conftest import copy_example, nixbuild, run

pytestmark = [pytest.mark.nix, pytest.mark.e2e]

TAG = "1.0.0"


@pytest.fixture(scope="module")
def project(tmp_path_factory):  # type: ignore[no-untyped-def]
    return copy_example("hello-c", tmp_path_factory.mktemp("formats"))


def _skopeo(*args: str) -> dict:  # type: ignore[type-arg]
    return json.loads(run(["skopeo", "inspect", *args]).stdout)


def _image(project: Path, *args: str) -> dict:  # type: ignore[type-arg]
    result = nixbuild("image", "--json", "-C", str(project), *args)
    assert result.returncode == 0, result.stderr
    return result.json()


def _error_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("nixbuild: error:")]
    assert len(errors) == 1, stderr
    return errors[0]


@pytest.mark.parametrize("fmt", ["oci", "oci-archive"])
def test_oci_formats_hold_the_layout_s_layers(project: Path, tmp_path: Path, fmt: str) -> None:
    output = tmp_path / "out" / ("layout" if fmt == "oci" else "image.oci.tar")
    report = _image(project, "--format", fmt, "--output", str(output))
    assert report["output"] == {"format": fmt, "path": str(output), "tag": TAG,
                                "manifest_digest": report["output"]["manifest_digest"]}
    assert output.is_dir() if fmt == "oci" else output.is_file()
    reference = f"{fmt}:{output}:{TAG}"
    inspected = _skopeo(reference)
    assert inspected["Digest"] == report["output"]["manifest_digest"]
    assert inspected["Architecture"] == "amd64" and inspected["Os"] == "linux"
    layout = Path(report["image"])
    layout_diff_ids = _skopeo("--config", f"oci:{layout}:{TAG}")["rootfs"]["diff_ids"]
    oci_config = _skopeo("--config", reference)
    assert oci_config["rootfs"]["diff_ids"] == layout_diff_ids
    assert layout_diff_ids == [layer.digest for layer in read_image(layout).layers]
    # The same manifest as the layout's: the config blob and the layers unchanged.
    assert inspected["Digest"] == json.loads((layout / "index.json").read_text())["manifests"][0]["digest"]
    assert oci_config["config"]["Entrypoint"] == report["config"]["Entrypoint"]
    # Written again over its own earlier output: replaced, the same image.
    again = _image(project, "--format", fmt, "--output", str(output))
    assert again["output"]["manifest_digest"] == report["output"]["manifest_digest"]
    assert _skopeo(reference)["Digest"] == inspected["Digest"]


def test_oci_without_output_is_the_layout_itself_and_oci_archive_goes_next_to_it(project: Path) -> None:
    report = _image(project, "--format", "oci")
    layout = Path(report["output"]["path"])
    assert layout == Path(report["image"]) and layout.name == f"hello-{TAG}.oci"
    assert _skopeo(f"oci:{layout}:{TAG}")["Digest"] == report["output"]["manifest_digest"]
    packed = _image(project, "--format", "oci-archive")["output"]
    assert packed["path"] == str(layout.with_name(f"hello-{TAG}.oci.tar"))
    assert _skopeo(f"oci-archive:{packed['path']}:{TAG}")["Digest"] == report["output"]["manifest_digest"]


def test_docker_archive_output_is_the_same_image(project: Path, tmp_path: Path) -> None:
    output = tmp_path / "copy" / "hello.tar"
    report = _image(project, "--format", "docker-archive", "--output", str(output))
    assert report["output"]["path"] == str(output) and report["output"]["manifest_digest"] is None
    beside = _image(project, "--format", "docker-archive")["archive"]  # NAME-TAG.tar beside the layout
    assert beside == str(Path(report["image"]).with_suffix(".tar"))
    assert output.read_bytes() == Path(beside).read_bytes()
    assert _skopeo(f"docker-archive:{output}")["Layers"] == _skopeo(f"oci:{report['image']}:{TAG}")["Layers"]
    config = run(["skopeo", "inspect", "--config", "--raw", f"docker-archive:{output}"]).stdout
    assert config == run(["skopeo", "inspect", "--config", "--raw", f"oci:{report['image']}:{TAG}"]).stdout


def test_a_directory_that_is_not_an_oci_layout_is_not_replaced(project: Path, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    result = nixbuild("image", "-C", str(project), "--format", "oci", "--output", str(precious))
    assert result.returncode == 2
    assert "not an OCI layout" in _error_line(result.stderr)
    assert [p.name for p in precious.iterdir()] == ["notes.txt"]
    result = nixbuild("image", "-C", str(project), "--format", "oci-archive", "--output", str(precious))
    assert result.returncode == 2 and "is a directory" in _error_line(result.stderr)
    assert [p.name for p in precious.iterdir()] == ["notes.txt"]


def test_output_takes_one_target(project: Path, tmp_path: Path) -> None:
    result = nixbuild("image", "-C", str(project), "-t", "x86_64-linux", "-t", "aarch64-linux",
                      "--format", "oci", "--output", str(tmp_path / "x"))
    assert result.returncode == 2
    assert "one target" in _error_line(result.stderr)
    assert not (tmp_path / "x").exists()

"""`nixbuild push` to a real registry (Debian's docker-registry, distribution 2.8) on
loopback, pulled back with skopeo and run with podman; `nixbuild load --podman`.

A registry that cannot start skips these tests on a developer machine but
FAILS them when the CI environment variable is set.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from nixbuild.image import read, read_docker_archive
from tests.conftest import copy_example, nixbuild, run
from tests.e2e.tools import free_port, serve_registry, unavailable

pytestmark = [pytest.mark.nix, pytest.mark.e2e]

PODMAN_RUN = ["--cgroup-manager", "cgroupfs", "--events-backend", "file", "--runtime", "runc", "run", "--rm",
              "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


def _error_line(stderr: str) -> str:
    """The one error line, last on stderr (progress lines of a rebuild may come before it)."""
    lines = stderr.splitlines()
    errors = [line for line in lines if line.startswith("nixbuild: error:")]
    assert len(errors) == 1 and lines[-1] == errors[0], stderr
    return errors[0]


@pytest.fixture(scope="module")
def registry(tmp_path_factory):  # type: ignore[no-untyped-def]
    with serve_registry(tmp_path_factory.mktemp("registry")) as (address, _):
        yield address


@pytest.fixture(scope="module")
def project(tmp_path_factory):  # type: ignore[no-untyped-def]
    path = copy_example("hello-c", tmp_path_factory.mktemp("push"))
    result = nixbuild("image", "--json", "-C", str(path))
    assert result.returncode == 0, result.stderr
    return path, Path(result.json()["image"])


@pytest.fixture
def podman(tmp_path: Path):  # type: ignore[no-untyped-def]
    """podman with its own store; the runroot is short (podman 4.3 refuses more than 50 characters)."""
    if shutil.which("podman") is None or shutil.which("runc") is None:
        unavailable("registry", "podman and runc are not installed")
    runroot = Path(tempfile.mkdtemp(prefix="nb-podman-", dir="/tmp"))
    try:
        yield ["podman", "--root", str(tmp_path / "root"), "--runroot", str(runroot)]
    finally:
        shutil.rmtree(runroot, ignore_errors=True)


def test_push_pull_back_and_run(registry, project, podman, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, layout = project
    image = read(layout)
    ref = f"{registry}/team/hello:1.0.0"
    result = nixbuild("push", "--json", "--no-tls-verify", ref, "-C", str(path))
    assert result.returncode == 0, result.stderr
    pushed = result.json()
    assert pushed["reference"] == f"docker://{ref}"
    # The registry serves the manifest whose digest push reported, with the layout's config blob.
    raw_manifest = run(["skopeo", "inspect", "--tls-verify=false", "--raw", f"docker://{ref}"]).stdout
    assert pushed["digest"] == "sha256:" + __import__("hashlib").sha256(raw_manifest.encode()).hexdigest()
    assert json.loads(raw_manifest)["config"]["digest"] == image.config_digest == pushed["config_digest"]
    # Pulled back into an OCI layout: same filesystem layers (diff_ids), and it runs.
    layout = tmp_path / "pulled"
    run(["skopeo", "copy", "--quiet", "--src-tls-verify=false", f"docker://{ref}", f"oci:{layout}:pulled"])
    index = json.loads((layout / "index.json").read_text())
    manifest = json.loads((layout / "blobs" / "sha256" / index["manifests"][0]["digest"].split(":")[1]).read_text())
    config = json.loads((layout / "blobs" / "sha256" / manifest["config"]["digest"].split(":")[1]).read_text())
    assert config["rootfs"]["diff_ids"] == [layer.digest for layer in image.layers]
    out = run([*podman, *PODMAN_RUN, f"oci:{layout}:pulled"]).stdout
    assert out.splitlines()[0] == "Hello from nixbuild!"


def test_push_to_plain_http_registry_with_tls_verify_is_one_line_error(registry, project) -> None:  # type: ignore[no-untyped-def]
    path, archive = project
    result = nixbuild("push", f"{registry}/hello:tls", "-C", str(path))
    assert result.returncode == 6
    line = _error_line(result.stderr)
    assert line.startswith("nixbuild: error: pushing ") and "--no-tls-verify" in line


def test_push_to_closed_port_is_one_line_error(project) -> None:  # type: ignore[no-untyped-def]
    path, archive = project
    result = nixbuild("push", "--no-tls-verify", f"127.0.0.1:{free_port()}/hello:x", "-C", str(path))
    assert result.returncode == 6
    assert "connection refused" in _error_line(result.stderr)


def test_load_into_podman_and_run(project, podman) -> None:  # type: ignore[no-untyped-def]
    path, layout = project
    result = nixbuild("load", "--json", "--podman", *podman[1:], "-C", str(path))
    assert result.returncode == 0, result.stderr
    assert result.json()["loaded"] == ["localhost/hello:1.0.0"]
    archive = Path(result.json()["image"])  # load writes the docker-archive beside the layout
    assert archive == layout.with_suffix(".tar")
    image_id = run([*podman, "--cgroup-manager", "cgroupfs", "--events-backend", "file", "image", "inspect",
                    "--format", "{{.Id}}", "localhost/hello:1.0.0"]).stdout.strip()
    assert "sha256:" + image_id == read_docker_archive(archive).config_digest == read(layout).config_digest
    out = run([*podman, *PODMAN_RUN, "localhost/hello:1.0.0"]).stdout
    assert out.splitlines()[0] == "Hello from nixbuild!"
    # The docker-archive itself runs too.
    out = run([*podman, *PODMAN_RUN, f"docker-archive:{archive}"]).stdout
    assert out.splitlines()[0] == "Hello from nixbuild!"


def test_load_needs_an_engine_and_docker_without_engine_is_one_line_error(project) -> None:  # type: ignore[no-untyped-def]
    path, archive = project
    result = nixbuild("load", "-C", str(path))
    assert result.returncode == 2 and "--podman" in _error_line(result.stderr)
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "info"], capture_output=True).returncode == 0:
        pytest.skip("a Docker engine runs here")
    result = nixbuild("load", "--docker", "-C", str(path))
    assert result.returncode == 6
    line = _error_line(result.stderr)
    assert line.startswith("nixbuild: error: docker") and "--podman" in line


def test_export_oci_and_oci_archive_then_push_an_index(registry, project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    from nixbuild.registry import Containers

    path, built = project
    exported = {}
    for fmt, out in (("oci", tmp_path / "layout"), ("oci-archive", tmp_path / "image.oci.tar")):
        result = nixbuild("image", "--json", "--format", fmt, "--output", str(out), "-C", str(path))
        assert result.returncode == 0, result.stderr
        exported[fmt] = result.json()["output"]
    # skopeo reads both as the layout's manifest (the bytes whose digest index.json names).
    digest = json.loads((built / "index.json").read_text())["manifests"][0]["digest"]
    for fmt, ref in (("oci", f"oci:{tmp_path / 'layout'}:1.0.0"), ("oci-archive", f"oci-archive:{tmp_path / 'image.oci.tar'}:1.0.0")):
        raw = run(["skopeo", "inspect", "--raw", ref]).stdout
        assert exported[fmt]["manifest_digest"] == digest == "sha256:" + hashlib.sha256(raw.encode()).hexdigest()
    containers = Containers()
    layout = tmp_path / "layout"
    reference = json.loads((layout / "index.json").read_text())["manifests"][0]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp leftovers
    # An image index over that manifest, pushed with --all.
    index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": [{**{k: reference[k] for k in ("mediaType", "digest", "size")},
                                       "platform": {"architecture": "amd64", "os": "linux"}}]}).encode()
    index_digest = hashlib.sha256(index).hexdigest()
    (layout / "blobs" / "sha256" / index_digest).write_bytes(index)
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + index_digest,
        "size": len(index), "annotations": {"org.opencontainers.image.ref.name": "1.0.0"}}]}))
    pushed = containers.push_index(layout, f"{registry}/multi/hello:1.0.0", tls_verify=False)
    raw = run(["skopeo", "inspect", "--tls-verify=false", "--raw", f"docker://{registry}/multi/hello:1.0.0"]).stdout
    assert pushed.digest == "sha256:" + hashlib.sha256(raw.encode()).hexdigest()
    listed = json.loads(raw)
    assert [m["platform"]["architecture"] for m in listed["manifests"]] == ["amd64"]


def test_push_all_sends_the_multi_platform_index(registry, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = copy_example("hello-c", tmp_path)
    ref = f"{registry}/team/hello-multi:1.0.0"
    result = nixbuild("push", "--all", "-j", "2", "--json", "--no-tls-verify", ref, "-C", str(path))
    assert result.returncode == 0, result.stderr
    raw = json.loads(run(["skopeo", "inspect", "--tls-verify=false", "--raw", f"docker://{ref}"]).stdout)
    platforms = sorted((m["platform"]["architecture"], m["platform"].get("variant", "")) for m in raw["manifests"])
    assert platforms == [("amd64", ""), ("arm", "v7"), ("arm64", ""), ("riscv64", "")]
    # Each platform's image is pullable on its own and has the right architecture.
    arm = run(["skopeo", "inspect", "--tls-verify=false", "--override-arch", "arm64", f"docker://{ref}"]).stdout
    assert json.loads(arm)["Architecture"] == "arm64"

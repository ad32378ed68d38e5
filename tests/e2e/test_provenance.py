"""`nixbuild provenance` on examples/hello-c: an in-toto Statement v1 with a SLSA v1
predicate whose digests agree with sha256sum, skopeo and nix-build --version."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from nixbuild.image import read_docker_archive
from tests.conftest import copy_example, nixbuild, run
from tests.unit.test_provenance_hashes import _pipeline

pytestmark = [pytest.mark.nix, pytest.mark.e2e]


@pytest.fixture(scope="module")
def statement(tmp_path_factory):  # type: ignore[no-untyped-def]
    project = copy_example("hello-c", tmp_path_factory.mktemp("prov"))
    result = nixbuild("provenance", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    report = result.json()
    return project, report, json.loads(Path(report["file"]).read_text())


def _sha256sum(path: Path) -> str:
    return run(["sha256sum", str(path)], env=dict(os.environ)).stdout.split()[0]


def test_statement_shape(statement) -> None:  # type: ignore[no-untyped-def]
    project, report, doc = statement
    assert doc["_type"] == "https://in-toto.io/Statement/v1"
    assert doc["predicateType"] == "https://slsa.dev/provenance/v1"
    definition = doc["predicate"]["buildDefinition"]
    assert set(definition) >= {"buildType", "externalParameters", "resolvedDependencies"}
    assert doc["predicate"]["runDetails"]["builder"]["id"]
    for descriptor in doc["subject"] + definition["resolvedDependencies"]:
        assert descriptor["digest"] and all(isinstance(v, str) for v in descriptor["digest"].values())


def test_subjects_are_the_image_config_archive_and_oci_manifest(statement, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, report, doc = statement
    archive = next((project / "nixbuild-result" / "x86_64-linux").glob("*.tar"))
    image = read_docker_archive(archive)
    config, file, manifest = doc["subject"]
    assert config["name"] == "hello:1.0.0"
    assert "sha256:" + config["digest"]["sha256"] == image.config_digest == report["config_digest"]
    # The config digest is the one skopeo sees in the archive.
    raw = run(["skopeo", "inspect", "--raw", f"docker-archive:{archive}"]).stdout
    assert json.loads(raw)["config"]["digest"] == image.config_digest
    assert file == {"name": archive.name, "digest": {"sha256": _sha256sum(archive)}, "annotations": {"kind": "docker-archive"}}
    # The OCI manifest is the layout's (skopeo copies it unchanged); its config is the archive's.
    layout = archive.with_suffix(".oci")
    raw = run(["skopeo", "inspect", "--raw", f"oci:{layout}:1.0.0"])  # the manifest bytes as stored
    assert manifest["digest"]["sha256"] == hashlib.sha256(raw.stdout.encode()).hexdigest()
    assert "sha256:" + manifest["digest"]["sha256"] == report["manifest_digest"]
    raw = raw.stdout
    assert json.loads(raw)["config"]["digest"] == image.config_digest


def test_parameters_and_dependencies_match_the_project(statement) -> None:  # type: ignore[no-untyped-def]
    project, report, doc = statement
    definition = doc["predicate"]["buildDefinition"]
    assert definition["externalParameters"] == {
        "target": "x86_64-linux",
        "config": {"path": "nixbuild.toml", "digest": {"sha256": _sha256sum(project / "nixbuild.toml")}},
    }
    deps = {d["name"]: d for d in definition["resolvedDependencies"]}
    assert deps["nixpkgs"]["annotations"] == {"source": "hostpkgs"}
    assert deps["nixpkgs"]["digest"] == {"dirHash": _pipeline(project / ".nixbuild" / "hostpkgs")}
    assert deps["source"]["digest"] == {"dirHash": _pipeline(project)}
    assert "nixbuild.lock" not in deps  # the example has no lock file
    nix_version = run(["nix-build", "--version"]).stdout.split()[-1]
    assert doc["predicate"]["runDetails"]["builder"]["version"]["nix"] == nix_version


def test_deterministic_and_sensitive_to_the_source(statement, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, report, doc = statement
    first = Path(report["file"]).read_bytes()
    again = nixbuild("provenance", "--json", "-C", str(project), "-o", str(tmp_path / "again"))
    assert again.returncode == 0, again.stderr
    assert Path(again.json()["file"]).read_bytes() == first
    (project / "NOTES.txt").write_text("a new project file\n")
    try:
        changed = nixbuild("provenance", "--json", "-C", str(project), "-o", str(tmp_path / "changed"))
        assert changed.returncode == 0, changed.stderr
        deps = {d["name"]: d for d in json.loads(Path(changed.json()["file"]).read_text())
                ["predicate"]["buildDefinition"]["resolvedDependencies"]}
        assert deps["source"]["digest"]["dirHash"] == _pipeline(project)
        assert deps["source"]["digest"] != {d["name"]: d for d in doc["predicate"]["buildDefinition"]
                                            ["resolvedDependencies"]}["source"]["digest"]
    finally:
        (project / "NOTES.txt").unlink()

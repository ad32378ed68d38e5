"""`nixbuild sbom` on examples/hello-c: SPDX 2.3 checked by spdx-tools, CycloneDX 1.5
by cyclonedx-python-lib's schema validator; both list exactly the image's store
paths, with NAR hashes and references taken independently from nix-store."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from nixbuild.image import read as read_image
from tests.conftest import copy_example, nix_env, nixbuild, run

pytestmark = [pytest.mark.nix, pytest.mark.e2e]


@pytest.fixture(scope="module")
def sboms(tmp_path_factory):  # type: ignore[no-untyped-def]
    project = copy_example("hello-c", tmp_path_factory.mktemp("sbom"))
    result = nixbuild("sbom", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    report = result.json()
    image = read_image(Path(report["image"]))
    return project, report, image


def _nar_sha256(path: str) -> str:
    dump = subprocess.run(["nix-store", "--dump", path], env=nix_env(), capture_output=True, check=True).stdout
    return hashlib.sha256(dump).hexdigest()


def test_spdx_is_valid_and_lists_exactly_the_image_store_paths(sboms) -> None:  # type: ignore[no-untyped-def]
    project, report, image = sboms
    path = report["files"]["spdx"]
    document = parse_file(path)
    assert validate_full_spdx_document(document) == []
    data = json.loads(Path(path).read_text())
    by_id = {p["SPDXID"]: p for p in data["packages"]}
    (root,) = [r["relatedSpdxElement"] for r in data["relationships"] if r["relationshipType"] == "DESCRIBES"]
    assert by_id[root]["checksums"] == [{"algorithm": "SHA256", "checksumValue": image.config_digest.split(":")[1]}]
    contained = {r["relatedSpdxElement"] for r in data["relationships"]
                 if r["relationshipType"] == "CONTAINS" and r["spdxElementId"] == root}
    paths = {by_id[i]["packageFileName"]: by_id[i] for i in contained}
    assert sorted(paths) == list(image.store_paths)
    assert len(data["packages"]) == len(image.store_paths) + 1
    for store_path, package in paths.items():
        assert package["checksums"] == [{"algorithm": "SHA256", "checksumValue": _nar_sha256(store_path)}]
    # DEPENDS_ON mirrors nix-store --references (self-references aside).
    id_of = {p: pkg["SPDXID"] for p, pkg in paths.items()}
    depends = {(r["spdxElementId"], r["relatedSpdxElement"]) for r in data["relationships"]
               if r["relationshipType"] == "DEPENDS_ON"}
    expected = set()
    for store_path in image.store_paths:
        for ref in run(["nix-store", "--query", "--references", store_path]).stdout.split():
            if ref != store_path:
                expected.add((id_of[store_path], id_of[ref]))
    assert depends == expected and expected
    hello = [pkg for p, pkg in paths.items() if p.endswith("-hello-1.0.0-bin")]
    assert [(p["name"], p["versionInfo"]) for p in hello] == [("hello", "1.0.0")]
    assert "output bin" in hello[0]["comment"]


def test_cyclonedx_is_valid_and_lists_exactly_the_image_store_paths(sboms) -> None:  # type: ignore[no-untyped-def]
    project, report, image = sboms
    text = Path(report["files"]["cyclonedx"]).read_text()
    error = JsonStrictValidator(SchemaVersion.V1_5).validate_str(text)
    assert error is None, str(error)[:2000]
    data = json.loads(text)
    assert data["specVersion"] == "1.5"
    root = data["metadata"]["component"]
    assert root["type"] == "container"
    assert root["hashes"] == [{"alg": "SHA-256", "content": image.config_digest.split(":")[1]}]
    refs = [c["bom-ref"] for c in data["components"]]
    assert sorted(refs) == list(image.store_paths)
    deps = {d["ref"]: set(d["dependsOn"]) for d in data["dependencies"]}
    assert deps[root["bom-ref"]] == set(image.store_paths)
    for store_path in image.store_paths:
        assert deps[store_path] == set(run(["nix-store", "--query", "--references", store_path]).stdout.split()) - {store_path}
    for component in data["components"]:
        assert component["hashes"] == [{"alg": "SHA-256", "content": _nar_sha256(component["bom-ref"])}]


def test_two_runs_are_byte_identical_and_honour_source_date_epoch(sboms, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, report, image = sboms
    again = nixbuild("sbom", "--json", "-C", str(project), "-o", str(tmp_path / "again"))
    assert again.returncode == 0, again.stderr
    for kind in ("spdx", "cyclonedx"):
        assert Path(again.json()["files"][kind]).read_bytes() == Path(report["files"][kind]).read_bytes()
    dated = nixbuild("sbom", "--json", "--format", "spdx", "-C", str(project), "-o", str(tmp_path / "dated"),
                     env=nix_env(SOURCE_DATE_EPOCH="1700000000"))
    assert dated.returncode == 0, dated.stderr
    assert set(dated.json()["files"]) == {"spdx"}
    created = json.loads(Path(dated.json()["files"]["spdx"]).read_text())["creationInfo"]["created"]
    assert created == "2023-11-14T22:13:20Z"
    default = json.loads(Path(report["files"]["spdx"]).read_text())["creationInfo"]["created"]
    assert default == "1970-01-01T00:00:01Z"


def test_bad_source_date_epoch_is_one_line_error(sboms, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, report, image = sboms
    result = nixbuild("sbom", "-C", str(project), "-o", str(tmp_path / "x"), env=nix_env(SOURCE_DATE_EPOCH="soon"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("nixbuild: error: SOURCE_DATE_EPOCH")
    assert not (tmp_path / "x").exists()

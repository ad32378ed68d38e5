"""source = "lock" end to end, offline: a tarball of nix/hostpkgs is the
"nixpkgs" that `nixbuild lock --from` pins; the image builds from it with
--locked; a tampered tarball, a tampered checkout, a stale lock and a
missing lock are refused with exit 7, expected vs actual hash and a hint."""

from __future__ import annotations

import json
import shutil
import tarfile
import uuid
from pathlib import Path

import pytest

from tests.conftest import REPO, copy_example, nix_env, nixbuild, run
from tests.e2e.test_errors import assert_one_error_line

pytestmark = pytest.mark.nix


def fake_nixpkgs(dest: Path, *, unique: bool) -> Path:
    """nix/hostpkgs as a nixpkgs checkout (one top-level directory); ``unique`` adds a file so
    that its hash is new to the store (Nix only verifies what it has to fetch)."""
    tree = dest / "nixpkgs"
    shutil.copytree(REPO / "nix" / "hostpkgs", tree, ignore=shutil.ignore_patterns("__pycache__"))
    if unique:
        (tree / "test-marker").write_text(uuid.uuid4().hex + "\n")
    return tree


def tarball(tree: Path, dest: Path) -> Path:
    with tarfile.open(dest, "w:gz") as tar:
        tar.add(tree, arcname="nixpkgs")
    return dest


def locked_project(tmp_path: Path, overlays: bool = True) -> Path:
    root = copy_example("hello-c", tmp_path)
    toml = root / "nixbuild.toml"
    extra = '\noverlays = ["overlays/*.nix"]' if overlays else ""
    toml.write_text(toml.read_text().replace('source = "hostpkgs"', 'source = "lock"' + extra))
    if overlays:
        (root / "overlays").mkdir()
        (root / "overlays" / "env.nix").write_text("final: prev: { }\n")
    return root


def nix_hash(path: Path) -> str:
    return run(["nix-hash", "--type", "sha256", "--base32", str(path)]).stdout.strip()


@pytest.mark.e2e
def test_lock_from_tarball_builds_the_image_with_locked(tmp_path: Path) -> None:
    tree = fake_nixpkgs(tmp_path / "src", unique=False)
    archive = tarball(tree, tmp_path / "nixpkgs.tar.gz")
    project = locked_project(tmp_path / "p")
    result = nixbuild("lock", "--from", str(archive), "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    report = result.json()
    # The pin is the NAR hash of the unpacked tree: what nix-hash says of the directory itself.
    assert report["nixpkgs"] == {"type": "tarball", "url": archive.as_uri(), "sha256": nix_hash(tree)}
    lock = json.loads((project / "nixbuild.lock").read_text())
    assert lock["nixpkgs"] == report["nixpkgs"] and lock["version"] == 1
    assert [o["name"] for o in lock["overlays"]] == ["overlays/env.nix"]
    image = nixbuild("image", "--locked", "--json", "-C", str(project))
    assert image.returncode == 0, image.stderr
    pkgs = (project / ".nixbuild" / "nixpkgs.nix").read_text()
    assert "builtins.fetchTarball {" in pkgs and report["nixpkgs"]["sha256"] in pkgs
    assert (Path(image.json()["image"]) / "index.json").is_file()
    # CI defaults to --locked; an overlay edit makes the lock stale → exit 7 naming it.
    (project / "overlays" / "env.nix").write_text("final: prev: { marker = 1; }\n")
    stale = nixbuild("image", "-C", str(project), env=nix_env(CI="true"))
    assert stale.returncode == 7
    line = assert_one_error_line(stale.stderr)
    assert "overlays/env.nix changed: expected sha256:" in line and "actual sha256:" in line
    assert "nixbuild lock" in line
    assert nixbuild("image", "--no-locked", "--no-build", "-C", str(project), env=nix_env(CI="true")).returncode == 0
    relock = nixbuild("lock", "-C", str(project))
    assert relock.returncode == 0 and "overlay overlays/env.nix: sha256:" in relock.stdout
    assert json.loads((project / "nixbuild.lock").read_text())["nixpkgs"] == report["nixpkgs"]  # pin kept


def test_tampered_tarball_is_refused_with_expected_and_actual_hash(tmp_path: Path) -> None:
    tree = fake_nixpkgs(tmp_path / "src", unique=True)
    archive = tarball(tree, tmp_path / "nixpkgs.tar.gz")
    project = locked_project(tmp_path / "p")
    assert nixbuild("lock", "--from", str(archive), "-C", str(project)).returncode == 0
    locked = json.loads((project / "nixbuild.lock").read_text())["nixpkgs"]["sha256"]
    (tree / "all-packages.nix").write_text((tree / "all-packages.nix").read_text() + "\n# tampered\n")
    tarball(tree, archive)
    result = nixbuild("image", "--locked", "-C", str(project))
    assert result.returncode == 7, result.stderr
    line = assert_one_error_line(result.stderr)
    assert f"expected sha256:{locked} (locked), actual sha256:{nix_hash(tree)}" in line
    assert archive.as_uri() in line and "nixbuild update" in line
    # `nixbuild update` re-pins the (new) tarball and says what moved.
    update = nixbuild("update", "--json", "-C", str(project))
    assert update.returncode == 0, update.stderr
    (change,) = [c for c in update.json()["changes"] if c["what"] == "nixpkgs"]
    assert locked in change["old"] and nix_hash(tree) in change["new"]


def test_tampered_lock_and_checkout_pins(tmp_path: Path) -> None:
    tree = fake_nixpkgs(tmp_path / "src", unique=True)
    project = locked_project(tmp_path / "p", overlays=False)
    result = nixbuild("lock", "--from", str(tree), "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    assert result.json()["nixpkgs"] == {"type": "path", "path": str(tree), "sha256": nix_hash(tree)}
    assert nixbuild("generate", "-C", str(project)).returncode == 0
    assert "builtins.path {" in (project / ".nixbuild" / "nixpkgs.nix").read_text()
    run(["nix-instantiate", str(project / ".nixbuild"), "-A", "package"])
    locked = result.json()["nixpkgs"]["sha256"]
    (tree / "stage.nix").write_text((tree / "stage.nix").read_text() + "\n# tampered\n")
    refused = nixbuild("image", "-C", str(project))
    assert refused.returncode == 7, refused.stderr
    line = assert_one_error_line(refused.stderr)
    assert f"expected sha256:{locked} (locked), actual sha256:{nix_hash(tree)}" in line
    # A lock edited by hand to another (valid) hash: Nix refuses the tarball it has to fetch.
    archive = tarball(fake_nixpkgs(tmp_path / "src2", unique=True), tmp_path / "n.tar.gz")
    assert nixbuild("lock", "--from", str(archive), "-C", str(project)).returncode == 0
    data = json.loads((project / "nixbuild.lock").read_text())
    real = data["nixpkgs"]["sha256"]
    data["nixpkgs"]["sha256"] = ("0" if real[0] != "0" else "1") + real[1:]
    (project / "nixbuild.lock").write_text(json.dumps(data))
    refused = nixbuild("image", "-C", str(project))
    assert refused.returncode == 7
    assert f"actual sha256:{real}" in assert_one_error_line(refused.stderr)


def test_missing_lock_and_missing_pin(tmp_path: Path) -> None:
    project = locked_project(tmp_path / "p")
    missing = nixbuild("image", "--locked", "-C", str(project))
    assert missing.returncode == 7 and "nixbuild.lock does not exist" in assert_one_error_line(missing.stderr)
    no_pin = nixbuild("lock", "-C", str(project))
    assert no_pin.returncode == 2 and "--from FILE|DIR" in assert_one_error_line(no_pin.stderr)
    git = tmp_path / "checkout"
    (git / ".git").mkdir(parents=True)
    (git / "default.nix").write_text("{ ... }: { }\n")
    refused = nixbuild("lock", "--from", str(git), "-C", str(project))
    assert refused.returncode == 2 and "archive --prefix=nixpkgs/" in assert_one_error_line(refused.stderr)
    assert not (project / "nixbuild.lock").exists()


@pytest.mark.e2e
def test_provenance_records_the_pin_and_every_overlay(tmp_path: Path) -> None:
    import hashlib

    tree = fake_nixpkgs(tmp_path / "src", unique=False)
    archive = tarball(tree, tmp_path / "nixpkgs.tar.gz")
    project = locked_project(tmp_path / "p")
    assert nixbuild("lock", "--from", str(archive), "-C", str(project)).returncode == 0
    result = nixbuild("provenance", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    doc = json.loads(Path(result.json()["file"]).read_text())
    deps = {d["name"]: d for d in doc["predicate"]["buildDefinition"]["resolvedDependencies"]}
    assert deps["nixpkgs"]["uri"] == archive.as_uri()
    hex_hash = run(["nix-hash", "--type", "sha256", "--to-base16", nix_hash(tree)]).stdout.strip()
    assert deps["nixpkgs"]["digest"] == {"narSha256": hex_hash}
    assert deps["nixbuild.lock"]["digest"]["sha256"] == hashlib.sha256(
        (project / "nixbuild.lock").read_bytes()).hexdigest()
    own = REPO / "overlays" / "cross-shared-cacert.nix"
    assert deps["nixbuild/cross-shared-cacert.nix"]["digest"]["sha256"] == hashlib.sha256(own.read_bytes()).hexdigest()
    assert deps["overlays/env.nix"]["digest"]["sha256"] == hashlib.sha256(b"final: prev: { }\n").hexdigest()

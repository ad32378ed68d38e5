"""--locked (the default under CI) guards every command that builds, not only
`image`: the generated CI workflow runs verify and sbom after image."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import copy_example, nix_env, nixbuild

pytestmark = pytest.mark.nix


@pytest.mark.parametrize("command", [["build"], ["sbom"], ["provenance"], ["verify"], ["push", "localhost:1/x:y"],
                                     ["load", "--podman"]])
def test_ci_refuses_to_build_without_a_lock(tmp_path: Path, command: list[str]) -> None:
    project = copy_example("hello-c", tmp_path)
    result = nixbuild(*command, "-C", str(project), env=nix_env(CI="true"))
    assert result.returncode == 7, result.stderr
    assert "nixbuild.lock" in result.stderr
    assert not (project / "nixbuild-result").exists()


def test_no_locked_overrides_ci(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    result = nixbuild("build", "--no-locked", "-C", str(project), env=nix_env(CI="true"))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", [["build"], ["sbom"], ["verify"]])
def test_a_tampered_checkout_pin_is_refused_by_every_building_command(tmp_path: Path, command: list[str]) -> None:
    from tests.e2e.test_lock import fake_nixpkgs, locked_project

    tree = fake_nixpkgs(tmp_path / "src", unique=True)
    project = locked_project(tmp_path / "p", overlays=False)
    assert nixbuild("lock", "--from", str(tree), "-C", str(project)).returncode == 0
    (tree / "stage.nix").write_text((tree / "stage.nix").read_text() + "\n# tampered\n")
    result = nixbuild(*command, "-C", str(project))
    assert result.returncode == 7, result.stderr
    assert "does not match nixbuild.lock: expected sha256:" in result.stderr

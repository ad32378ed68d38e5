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

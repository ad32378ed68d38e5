"""The shell environment's target variables equal what nixpkgs' lib/systems
says for each target (tests/data/nixpkgs-platforms.json, recorded from
nixpkgs' lib): config triple ({triple}, NIXBUILD_TARGET_CONFIG), GOOS,
GOARCH, GOARM, CARGO_BUILD_TARGET and cargo's linker variable."""

from __future__ import annotations

import json

import pytest

from nixbuild import platforms, render
from tests.conftest import REPO

FACTS = json.loads((REPO / "tests/data/nixpkgs-platforms.json").read_text())["targets"]


def test_every_target_is_recorded() -> None:
    assert sorted(FACTS) == sorted(platforms.TARGETS)


@pytest.mark.parametrize("name", sorted(platforms.TARGETS))
def test_shell_env_matches_nixpkgs(name: str) -> None:
    plat, facts = platforms.get(name), FACTS[name]
    env = platforms.shell_env(plat)
    assert plat.config == env["NIXBUILD_TARGET_CONFIG"] == facts["config"]
    assert (env["GOOS"], env["GOARCH"], env.get("GOARM", "")) == (facts["go.GOOS"], facts["go.GOARCH"], facts["go.GOARM"])
    assert env["CARGO_BUILD_TARGET"] == facts["rust.rustcTarget"]
    entry = render._target_entry(plat)
    assert entry["cargoLinkerVar"] == f"CARGO_TARGET_{facts['rust.cargoEnvVarTarget']}_LINKER"
    assert entry["triple"] == facts["config"]

"""`nixbuild doctor` with Nix's real settings: the builders it reads from
`nix show-config` decide the plans (a macOS host simulated with
NIXBUILD_HOST_SYSTEM; macOS cannot run here)."""

from __future__ import annotations

import pytest

from tests.conftest import NIX_CONFIG, nix_env, nixbuild

pytestmark = pytest.mark.nix


def doctor(**env: str) -> dict:  # type: ignore[type-arg]
    result = nixbuild("doctor", "--json", env=nix_env(**env))
    assert result.returncode == 0, result.stderr
    return result.json()


def test_linux_host_builds_every_target_itself() -> None:
    report = doctor()
    how = {t["target"]: t["how"] for t in report["targets"]}
    assert how["x86_64-linux"] == "native" and how["aarch64-linux"] == "cross"
    assert report["nix"] and report["sandbox"] == "true"


def test_macos_without_builders_is_told_what_to_configure() -> None:
    report = doctor(NIXBUILD_HOST_SYSTEM="aarch64-darwin")
    assert all(t["how"] is None for t in report["targets"])
    assert "builders = ssh-ng://builder aarch64-linux" in report["targets"][0]["reason"]


def test_macos_uses_the_configured_linux_builders() -> None:
    config = NIX_CONFIG + "\nbuilders = ssh://arm64 aarch64-linux ; ssh://amd64 x86_64-linux"
    report = doctor(NIXBUILD_HOST_SYSTEM="aarch64-darwin", NIX_CONFIG=config)
    assert {(b["uri"], tuple(b["systems"])) for b in report["builders"]} == {
        ("ssh://arm64", ("aarch64-linux",)), ("ssh://amd64", ("x86_64-linux",))}
    plans = {t["target"]: (t["how"], t["build_system"]) for t in report["targets"]}
    assert plans["aarch64-linux"] == ("remote", "aarch64-linux")
    assert plans["x86_64-linux-static"] == ("remote", "x86_64-linux")
    assert plans["riscv64-linux"] == ("remote", "aarch64-linux")  # cross-compiled on the first Linux builder

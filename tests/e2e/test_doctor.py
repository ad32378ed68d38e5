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


def test_probe_builds_a_new_derivation_each_time() -> None:
    """`doctor --probe` (what `make setup` ends with) really builds: silent and exit 0 here."""
    for _ in range(2):
        result = nixbuild("doctor", "--probe")
        assert result.returncode == 0, result.stderr
        assert result.stdout == "" and result.stderr == ""
    assert doctor()["builds"] is True


def test_probe_without_build_users_is_one_line_and_exit_3(tmp_path) -> None:
    """A machine whose Nix build group does not exist (nix-bin installed without
    nix-setup-systemd): one line naming the group and the fix, exit 3, and the
    same line for any building command instead of Nix's own error."""
    env = nix_env(NIX_CONFIG=NIX_CONFIG + "\nbuild-users-group = nixbld-absent")
    result = nixbuild("doctor", "--probe", env=env)
    assert result.returncode == 3
    assert result.stderr.splitlines() == [
        "nixbuild: error: Nix cannot build: its build users are missing (the group 'nixbld-absent' does not exist) "
        "(hint: run `make setup` (it installs nix-setup-systemd, which creates them), "
        "or `sudo apt-get install --reinstall nix-setup-systemd`)"]
    report = nixbuild("doctor", "--json", env=env)
    assert report.returncode == 0 and report.json()["builds"] is False
    assert any("build users are missing" in m for m in report.json()["missing"])

"""Build plans for simulated hosts (macOS cannot run here): native, cross, or a
remote Linux builder — or a clear error saying what to configure."""

from __future__ import annotations

import pytest

from nixbuild import platforms
from nixbuild.plan import Builder, NoBuilderError, parse_builders, plan

T = platforms.TARGETS


@pytest.mark.parametrize(
    ("host", "target", "how", "build_system"),
    [
        ("x86_64-linux", "x86_64-linux", "native", "x86_64-linux"),
        ("x86_64-linux", "x86_64-linux-static", "native", "x86_64-linux"),
        ("x86_64-linux", "aarch64-linux", "cross", "x86_64-linux"),
        ("x86_64-linux", "armv7l-linux", "cross", "x86_64-linux"),
        ("aarch64-linux", "aarch64-linux", "native", "aarch64-linux"),
        ("aarch64-linux", "x86_64-linux", "cross", "aarch64-linux"),
        ("aarch64-linux", "riscv64-linux", "cross", "aarch64-linux"),
    ],
)
def test_linux_hosts_build_natively_or_cross_compile(host: str, target: str, how: str, build_system: str) -> None:
    p = plan(host, T[target])
    assert (p.how, p.build_system, p.builder) == (how, build_system, None)


def test_extra_platforms_make_a_foreign_target_native() -> None:
    p = plan("x86_64-linux", T["aarch64-linux"], extra_platforms=("aarch64-linux",))
    assert p.how == "native" and p.build_system == "aarch64-linux"


@pytest.mark.parametrize("host", ["aarch64-darwin", "x86_64-darwin"])
def test_macos_without_builder_says_what_to_configure(host: str) -> None:
    with pytest.raises(NoBuilderError) as info:
        plan(host, T["x86_64-linux"])
    assert "no Linux builder is configured" in info.value.message
    assert "builders = ssh-ng://" in (info.value.hint or "") and "linux-builder" in (info.value.hint or "")
    assert info.value.exit_code == 2


def test_macos_uses_a_builder_of_the_targets_system() -> None:
    builders = (Builder("ssh://x86", ("x86_64-linux",)), Builder("ssh://arm", ("aarch64-linux",)))
    p = plan("aarch64-darwin", T["aarch64-linux"], builders)
    assert (p.how, p.build_system, p.builder) == ("remote", "aarch64-linux", "ssh://arm")
    p = plan("aarch64-darwin", T["x86_64-linux-static"], builders)
    assert (p.how, p.build_system, p.builder) == ("remote", "x86_64-linux", "ssh://x86")


def test_macos_cross_compiles_on_any_linux_builder() -> None:
    p = plan("aarch64-darwin", T["riscv64-linux"], (Builder("ssh-ng://b", ("aarch64-linux",)),))
    assert (p.how, p.build_system, p.builder) == ("remote", "aarch64-linux", "ssh-ng://b")
    assert "cross-compiled for riscv64-unknown-linux-gnu" in p.reason


def test_darwin_only_builders_do_not_count() -> None:
    with pytest.raises(NoBuilderError):
        plan("aarch64-darwin", T["x86_64-linux"], (Builder("ssh://mac", ("x86_64-darwin",)),))


def test_parse_builders_handles_separators_and_machine_files() -> None:
    files = {"/etc/nix/machines": "ssh://a x86_64-linux,aarch64-linux /key 4\n# comment\n"}
    spec = "ssh://b riscv64-linux; @/etc/nix/machines\nssh-ng://c - - 1"
    got = parse_builders(spec, read_file=files.__getitem__)
    assert got == (
        Builder("ssh://b", ("riscv64-linux",)),
        Builder("ssh://a", ("x86_64-linux", "aarch64-linux")),
        Builder("ssh-ng://c", ()),
    )


def test_platform_table_is_consistent() -> None:
    for p in T.values():
        assert p.system.endswith("-linux")
        assert p.cross_config.split("-")[0] == p.system.split("-")[0]
        assert ("musl" in p.config) == p.static
    assert T["armv7l-linux"].oci_platform == "linux/arm/v7"
    assert T["aarch64-linux"].oci_platform == "linux/arm64"
    assert platforms.native_target("aarch64-darwin") == "aarch64-linux"
    assert platforms.native_target("x86_64-linux") == "x86_64-linux"


def test_shell_env_has_what_cargo_and_go_expect() -> None:
    env = platforms.shell_env(T["armv7l-linux"])
    assert env["GOARCH"] == "arm" and env["GOARM"] == "7" and env["GOOS"] == "linux"
    assert env["CARGO_BUILD_TARGET"] == "armv7-unknown-linux-gnueabihf"
    assert "GOARM" not in platforms.shell_env(T["aarch64-linux"])

"""Shell mode for a target: the environment has the target's toolchain and
what cargo and go expect; artifacts are checked against the target's CPU."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixbuild import elf, platforms
from tests.conftest import copy_example, nixbuild
from tests.e2e.tools import skopeo_inspect

pytestmark = [pytest.mark.nix, pytest.mark.e2e]

PRINT_ENV = ("for v in CC CXX AR STRIP NIXBUILD_TARGET CARGO_BUILD_TARGET "
             "CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER GOOS GOARCH GOARM CGO_ENABLED; "
             "do echo \"$v=${!v}\"; done")


def test_shell_env_for_armv7(tmp_path: Path) -> None:
    project = copy_example("hello-c-shell", tmp_path)
    result = nixbuild("shell", "--target", "armv7l-linux", "--run", PRINT_ENV, "-C", str(project))
    assert result.returncode == 0, result.stderr
    env = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert env["CC"] == "armv7l-unknown-linux-gnueabihf-cc"
    assert env["STRIP"] == "armv7l-unknown-linux-gnueabihf-strip"
    assert env["AR"] == "armv7l-unknown-linux-gnueabihf-ar"
    assert env["CARGO_BUILD_TARGET"] == "armv7-unknown-linux-gnueabihf"
    assert env["CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER"] == env["CC"]
    assert (env["GOOS"], env["GOARCH"], env["GOARM"], env["CGO_ENABLED"]) == ("linux", "arm", "7", "1")
    assert env["NIXBUILD_TARGET"] == "armv7l-linux"


def test_shell_build_for_aarch64_gives_an_arm64_image(tmp_path: Path) -> None:
    project = copy_example("hello-c-shell", tmp_path)
    result = nixbuild("image", "--target", "aarch64-linux", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    artifact = project / "build/aarch64-linux/hello"
    header = elf.read_header(artifact)
    assert header is not None and header.machine == platforms.EM_AARCH64
    assert skopeo_inspect(Path(result.json()["image"]))["Architecture"] == "arm64"


def test_artifact_for_the_wrong_cpu_is_refused(tmp_path: Path) -> None:
    """A build that ignores the target (here: a fixed path make will not
    rebuild) is caught before it becomes an image labelled for the wrong arch."""
    project = copy_example("hello-c-shell", tmp_path)
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('artifact = "build/{target}/hello"', 'artifact = "build/x86_64-linux/hello"'))
    first = nixbuild("build", "--target", "x86_64-linux", "-C", str(project))
    assert first.returncode == 0, first.stderr
    result = nixbuild("image", "--target", "aarch64-linux", "--no-build", "-C", str(project))
    assert result.returncode == 8  # the closure proof's verdict, given before the artifact is imaged
    assert ("nixbuild: error: the image would not start: build/x86_64-linux/hello: is an ELF binary for x86_64 "
            "(64-bit), but the image is for aarch64-linux") in result.stderr
    assert "use `$CC`" in result.stderr and 'artifact = \"build/{target}/app\"' in result.stderr

"""Shell mode for a target: the environment has the target's toolchain and
what cargo and go expect; artifacts are checked against the target's CPU."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nixbuild import elf, platforms
from tests.conftest import REPO, copy_example, nixbuild
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


FACTS = json.loads((REPO / "tests/data/nixpkgs-platforms.json").read_text())["targets"]
# Every tool the shell names, resolved in the shell, and a C and a C++ program
# built with $CC and $CXX for the target (their ELF machine is checked here).
PROBE = ("set -e; for v in CC CXX AR STRIP PKG_CONFIG GOOS GOARCH CARGO_BUILD_TARGET NIXBUILD_TARGET_CONFIG; do "
         "echo \"$v=${!v-<unset>}\"; done; "
         "for v in CC CXX AR STRIP PKG_CONFIG; do if [ -n \"${!v-}\" ]; then "
         "echo \"which-$v=$(command -v \"${!v%% *}\")\"; fi; done; "
         "printf 'int main(void){return 0;}\\n' > probe.c; $CC -o probe-c probe.c; "
         "if [ -n \"${CXX-}\" ]; then printf '#include <vector>\\nint main(){std::vector<int> v{1};return v[0]-1;}\\n'"
         " > probe.cc; $CXX -o probe-cxx probe.cc; fi")


@pytest.mark.parametrize("target", ["x86_64-linux", "x86_64-linux-static", "aarch64-linux", "riscv64-linux",
                                    "armv7l-linux"])
def test_shell_tools_exist_for_every_target(target: str, tmp_path: Path) -> None:
    project = copy_example("hello-c-shell", tmp_path)
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace(
        'platforms = ["x86_64-linux", "aarch64-linux", "armv7l-linux"]',
        f'platforms = ["{target}"]'))
    result = nixbuild("shell", "--target", target, "--run", PROBE, "-C", str(project))
    assert result.returncode == 0, result.stderr
    env = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    plat, facts = platforms.get(target), FACTS[target]
    prefix = "" if target == "x86_64-linux" else plat.config + "-"
    assert env["CC"] == prefix + "cc" and env["AR"] == prefix + "ar" and env["STRIP"] == prefix + "strip"
    assert env["PKG_CONFIG"] == prefix + "pkg-config"
    for var in ("CC", "AR", "STRIP", "PKG_CONFIG"):
        assert env[f"which-{var}"].startswith("/nix/store/"), (var, env)
    assert (env["GOOS"], env["GOARCH"], env["CARGO_BUILD_TARGET"], env["NIXBUILD_TARGET_CONFIG"]) == (
        facts["go.GOOS"], facts["go.GOARCH"], facts["rust.rustcTarget"], facts["config"])
    built = [project / "probe-c"]
    if plat.static:
        # No musl C++ compiler on the host (hostpkgs README): CXX is not set rather than wrong.
        assert env["CXX"] == "<unset>"
    else:
        assert env["CXX"] == prefix + "c++" and env["which-CXX"].startswith("/nix/store/")
        built.append(project / "probe-cxx")
    for binary in built:
        header = elf.read_header(binary)
        assert header is not None and (header.machine, header.elf_class) == (plat.elf_machine, plat.elf_class)

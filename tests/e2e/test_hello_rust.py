"""examples/hello-rust end to end: rustPlatform.buildRustPackage for the host,
aarch64 and armv7l (Rust's standard library from Debian's multiarch
libstd-rust-dev:arm64 and :armhf), each image checked with skopeo and umoci
and its program run from the rootfs inside bwrap (under qemu-user for the
foreign ones). A
target whose standard library this host cannot have fails with one line
naming what is missing, as `nixbuild doctor` says."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixbuild import elf, platforms
from nixbuild.builders import rust
from tests.conftest import copy_example, nixbuild, run
from tests.e2e.tools import rootfs_command, skopeo_inspect, store_paths_in, unpack

pytestmark = [pytest.mark.nix, pytest.mark.e2e]

TARGETS = ["x86_64-linux", "aarch64-linux", "armv7l-linux"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):  # type: ignore[no-untyped-def]
    project = copy_example("hello-rust", tmp_path_factory.mktemp("hello-rust"))
    result = nixbuild("image", "--target", "all", "-j", "2", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    return project, {t["target"]: t for t in result.json()["targets"]}


def test_the_generated_package_uses_build_rust_package(built) -> None:  # type: ignore[no-untyped-def]
    project, by_target = built
    assert sorted(by_target) == sorted(TARGETS) and all(t["status"] == "ok" for t in by_target.values())
    package = (project / ".nixbuild" / "package.nix").read_text()
    assert "rustPlatform.buildRustPackage {" in package
    assert 'cargoLock.lockFile = (../. + "/Cargo.lock");' in package
    assert 'buildType = "release";' in package and 'cargoBuildFlags = [ "--bin" "hello" ];' in package
    assert "target/" not in package  # the binary is found by cargo's install hook, not by a path


@pytest.mark.parametrize("target", TARGETS)
def test_the_program_runs_in_its_image(built, target: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, by_target = built
    plat = platforms.TARGETS[target]
    archive = Path(by_target[target]["image"])
    assert skopeo_inspect(archive)["Architecture"] == plat.oci_arch
    cfg = skopeo_inspect(archive, config=True)["config"]
    (entrypoint,) = cfg["Entrypoint"]
    assert entrypoint.endswith("/bin/hello")
    rootfs = unpack(archive, tmp_path)
    binary = rootfs / entrypoint.lstrip("/")
    header = elf.read_header(binary)
    assert header is not None and (header.machine, header.elf_class) == (plat.elf_machine, plat.elf_class)
    # Linked by the package set's C compiler: the interpreter is the store's glibc,
    # and the image holds the program's whole closure.
    interpreter = run(["readelf", "-l", str(binary)]).stdout.split("program interpreter: ")[1].split("]")[0]
    assert interpreter.startswith("/nix/store/") and "glibc" in interpreter
    output = "/".join(entrypoint.split("/")[:4])
    closure = set(run(["nix-store", "--query", "--requisites", output]).stdout.split())
    assert closure <= store_paths_in(rootfs) and len(closure) == 2
    # The package holds the one program cargo built for the image.
    assert sorted(p.name for p in Path(output, "bin").iterdir()) == ["hello"]
    out = run(rootfs_command(rootfs, [entrypoint], target=target, uid=65532, gid=65532, env=cfg["Env"],
                             workdir=cfg["WorkingDir"])).stdout
    arch = {"x86_64-linux": "x86_64", "aarch64-linux": "aarch64", "armv7l-linux": "arm"}[target]
    assert out.splitlines() == [f"Hello from nixbuild! (hello-rust {arch})", "uid=65532 gid=65532", "tmp=writable"]


def test_a_target_without_its_standard_library_fails_in_one_line_naming_it(tmp_path: Path) -> None:
    project = copy_example("hello-rust", tmp_path)
    missing = {name for name, plat in platforms.TARGETS.items() if rust.host_missing(plat)}
    # riscv64: Debian 12 has no riscv64 architecture, so no libstd-rust-dev for it.
    assert "riscv64-linux" in missing
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('platforms = ["x86_64-linux", "aarch64-linux", "armv7l-linux"]',
                                             'platforms = ["riscv64-linux"]'))
    result = nixbuild("build", "-C", str(project))
    assert result.returncode != 0
    assert ("Rust's standard library for riscv64gc-unknown-linux-gnu is not available on this host: "
            "Debian 12 has no riscv64 architecture in its archive") in result.stderr
    assert "Traceback" not in result.stderr
    doctor = nixbuild("doctor", "--json").json()
    assert any(m.startswith("builder rust (") and "riscv64-linux" in m and "riscv64gc-unknown-linux-gnu" in m
               for m in doctor["missing"])

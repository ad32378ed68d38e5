"""The go and rust builders on trees shaped like real projects (tests/projects):

- inventory-go: two commands under cmd/, an internal package, a vendored
  dependency (vendorHash = null), `program` choosing the server (so only
  cmd/inventory-server is built) and cgo on: linked against the target's
  glibc, whose NSS resolves the image's user through fake-nss;
- greet-rust: a dependency vendored by `cargo vendor` (cargoVendorDir, found
  without configuration) and two binaries, of which only the program is built.

Each for the host and aarch64, each image started (qemu-user for aarch64)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nixbuild import platforms
from tests.conftest import REPO, nixbuild, run
from tests.e2e.tools import rootfs_command, skopeo_inspect, store_paths_in, unpack

pytestmark = [pytest.mark.nix, pytest.mark.e2e]

PROJECTS = REPO / "tests" / "projects"
TARGETS = ["x86_64-linux", "aarch64-linux"]


def copy_project(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(PROJECTS / name, target, ignore=shutil.ignore_patterns(".nixbuild", "nixbuild-result", "target"))
    return target


@pytest.fixture(scope="module", params=["inventory-go", "greet-rust"])
def built(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    project = copy_project(request.param, tmp_path_factory.mktemp(request.param))
    result = nixbuild("image", "--target", "all", "-j", "2", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    return request.param, project, {t["target"]: t for t in result.json()["targets"]}


def run_image(archive: Path, target: str, tmp_path: Path) -> tuple[str, str, Path]:
    cfg = skopeo_inspect(archive, config=True)["config"]
    rootfs = unpack(archive, tmp_path)
    argv = [*cfg["Entrypoint"], *cfg.get("Cmd", [])]
    out = run(rootfs_command(rootfs, argv, target=target, uid=65532, gid=65532, env=cfg["Env"],
                             workdir=cfg["WorkingDir"])).stdout
    return out, cfg["Entrypoint"][0], rootfs


@pytest.mark.parametrize("target", TARGETS)
def test_the_project_runs_in_its_image(built, target: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    name, project, by_target = built
    archive = Path(by_target[target]["image"])
    assert skopeo_inspect(archive)["Architecture"] == platforms.TARGETS[target].oci_arch
    out, entrypoint, rootfs = run_image(archive, target, tmp_path)
    output = "/".join(entrypoint.split("/")[:4])
    closure = set(run(["nix-store", "--query", "--requisites", output]).stdout.split())
    assert closure <= store_paths_in(rootfs)
    installed = sorted(p.name for p in Path(output, "bin").iterdir())
    if name == "inventory-go":
        # The vendored quote package and the internal store package, through cgo's os/user.
        assert out == 'user=nonroot total=42 quote="Count what counts."\n'
        assert installed == ["inventory-server"]  # not inventoryctl
        interpreter = run(["readelf", "-l", entrypoint]).stdout.split("program interpreter: ")[1].split("]")[0]
        assert interpreter.startswith("/nix/store/") and "glibc" in interpreter
        assert Path(interpreter).parent.parent.as_posix() in closure
        package = (project / ".nixbuild" / "package.nix").read_text()
        assert 'subPackages = [ "cmd/inventory-server" ];' in package and "env.CGO_ENABLED = 1;" in package
    else:
        assert out == "Hello, nix! (from nixbuild-greeting 0.1.0)\n"
        assert installed == ["greet"]  # not greet-admin
        package = (project / ".nixbuild" / "package.nix").read_text()
        assert 'cargoVendorDir = "vendor";' in package and "cargoLock" not in package

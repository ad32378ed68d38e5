"""examples/hello-go end to end: buildGoModule for every configured target
(x86_64, aarch64, armv7l, riscv64) in one `nixbuild image --target all`, each
image checked with skopeo and umoci, and each server started from its rootfs
(under qemu-user for the foreign ones) inside bwrap, sharing only the host's
network namespace, and reached over loopback from the test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nixbuild import elf, platforms
from tests.conftest import copy_example, nixbuild, run
from tests.e2e.tools import free_port, http_get, rootfs_command, serving, skopeo_inspect, store_paths_in, unpack

pytestmark = [pytest.mark.nix, pytest.mark.e2e]

TARGETS = ["x86_64-linux", "aarch64-linux", "armv7l-linux", "riscv64-linux"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):  # type: ignore[no-untyped-def]
    project = copy_example("hello-go", tmp_path_factory.mktemp("hello-go"))
    result = nixbuild("image", "--target", "all", "-j", "2", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    return project, {t["target"]: t for t in result.json()["targets"]}


def test_every_target_is_built(built) -> None:  # type: ignore[no-untyped-def]
    project, by_target = built
    assert sorted(by_target) == sorted(TARGETS)
    assert all(t["status"] == "ok" for t in by_target.values())
    package = (project / ".nixbuild" / "package.nix").read_text()
    assert "buildGoModule {" in package and "vendorHash = null;" in package
    assert 'ldflags = [ "-s" "-w" "-X" "main.version=1.0.0" ];' in package
    assert "env.CGO_ENABLED = 0;" in package


@pytest.mark.parametrize("target", TARGETS)
def test_the_server_answers_over_loopback_from_its_image(built, target: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, by_target = built
    plat = platforms.TARGETS[target]
    archive = Path(by_target[target]["image"])
    info = skopeo_inspect(archive)
    assert info["Architecture"] == plat.oci_arch and info["Os"] == "linux"
    cfg = skopeo_inspect(archive, config=True)["config"]
    assert cfg["ExposedPorts"] == {"8080/tcp": {}}
    rootfs = unpack(archive, tmp_path)
    (entrypoint,) = cfg["Entrypoint"]
    binary = rootfs / entrypoint.lstrip("/")
    header = elf.read_header(binary)
    assert header is not None and (header.machine, header.elf_class) == (plat.elf_machine, plat.elf_class)
    # cgo off: a static binary (no interpreter), whose closure is itself.
    assert "INTERP" not in run(["readelf", "-l", str(binary)]).stdout
    output = "/".join(entrypoint.split("/")[:4])
    assert set(run(["nix-store", "--query", "--requisites", output]).stdout.split()) == {output}
    assert output in store_paths_in(rootfs)
    port = free_port()
    command = rootfs_command(rootfs, [entrypoint], target=target, uid=65532, gid=65532,
                             env=[*cfg["Env"], f"ADDR=127.0.0.1:{port}"], workdir=cfg["WorkingDir"], network=True)
    with serving(command, f"http://127.0.0.1:{port}/healthz"):
        status, body = http_get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200 and json.loads(body) == {"status": "ok", "version": "1.0.0"}
        status, body = http_get(f"http://127.0.0.1:{port}/")
        assert (status, body) == (200, f"Hello from nixbuild! linux/{plat.oci_arch}, uid 65532\n")
        assert http_get(f"http://127.0.0.1:{port}/missing")[0] == 404


@pytest.mark.parametrize("target", TARGETS)
def test_the_binary_records_the_targets_go_settings(built, target: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Go writes its build settings into the binary (`go version -m`): GOOS,
    GOARCH, GOARM (7 for armv7l, from the package set's Go), CGO_ENABLED,
    -trimpath (buildGoModule's GOFLAGS); -s -w left no symbol table."""
    project, by_target = built
    plat = platforms.TARGETS[target]
    entrypoint = skopeo_inspect(Path(by_target[target]["image"]), config=True)["config"]["Entrypoint"][0]
    settings = {}
    for line in run(["go", "version", "-m", entrypoint]).stdout.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[1] == "build":
            key, _, value = parts[2].partition("=")
            settings[key] = value
    assert settings["GOOS"] == "linux" and settings["GOARCH"] == plat.oci_arch
    assert settings.get("GOARM") == plat.goarm
    assert settings["CGO_ENABLED"] == "0"
    assert settings["-trimpath"] == "true"
    assert ".symtab" not in run(["readelf", "-S", "-W", entrypoint]).stdout


def test_cgo_on_a_static_target_links_statically_and_serves(tmp_path: Path) -> None:
    """cgo = true on x86_64-linux-static: pkgsStatic's musl, linked with
    -linkmode=external -extldflags=-static; the binary is its own closure."""
    project = copy_example("hello-go", tmp_path)
    toml = project / "nixbuild.toml"
    text = toml.read_text().replace('builder = "go"', 'builder = "go"\ncgo = true')
    toml.write_text(text.replace('platforms = ["x86_64-linux", "aarch64-linux", "armv7l-linux", "riscv64-linux"]',
                                 'platforms = ["x86_64-linux-static"]'))
    result = nixbuild("image", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    archive = Path(result.json()["image"])
    cfg = skopeo_inspect(archive, config=True)["config"]
    (entrypoint,) = cfg["Entrypoint"]
    assert "INTERP" not in run(["readelf", "-l", entrypoint]).stdout
    output = "/".join(entrypoint.split("/")[:4])
    assert set(run(["nix-store", "--query", "--requisites", output]).stdout.split()) == {output}
    rootfs = unpack(archive, tmp_path / "run")
    port = free_port()
    command = rootfs_command(rootfs, [entrypoint], target="x86_64-linux-static", uid=65532, gid=65532,
                             env=[*cfg["Env"], f"ADDR=127.0.0.1:{port}"], network=True)
    with serving(command, f"http://127.0.0.1:{port}/healthz"):
        assert http_get(f"http://127.0.0.1:{port}/")[1] == "Hello from nixbuild! linux/amd64, uid 65532\n"

"""`nixbuild init` on the CMake, Go and Rust examples without their
nixbuild.toml: the file it writes builds, and the image runs (the server
answers over loopback, the programs print their greeting)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import copy_example, nixbuild
from tests.e2e.tools import free_port, http_get, rootfs_command, run_image, serving, skopeo_inspect, unpack

pytestmark = [pytest.mark.nix, pytest.mark.e2e]


@pytest.mark.parametrize("name", ["hello-cmake", "hello-go", "hello-rust"])
def test_init_writes_a_config_that_builds_and_runs(name: str, tmp_path: Path) -> None:
    project = copy_example(name, tmp_path)
    (project / "nixbuild.toml").unlink()
    result = nixbuild("init", "-C", str(project), "--source", "hostpkgs", "--json")
    assert result.returncode == 0, result.stderr
    decided = result.json()
    assert decided["builder"] == name.removeprefix("hello-")
    image = nixbuild("image", "-C", str(project), "--json")
    assert image.returncode == 0, image.stderr
    archive = Path(image.json()["image"])
    if name == "hello-cmake":
        # project(hello-cmake VERSION 1.0.0 …) and its one install(TARGETS) program
        assert decided["program"] == "hello-cmake" and decided["package_version"] == "1.0.0"
        assert run_image(archive, tmp_path / "run", ["init"]) == "Hello, init, from a CMake library!\n"
        return
    if name == "hello-rust":
        assert decided["program"] == "hello" and decided["package_version"] == "0.2.0"
        assert run_image(archive, tmp_path / "run", []).splitlines()[0] == "Hello from nixbuild! (hello-rust x86_64)"
        return
    assert decided["program"] == "hello-go" and decided["package_version"] == "0.0.0"
    cfg = skopeo_inspect(archive, config=True)["config"]
    rootfs = unpack(archive, tmp_path / "run")
    port = free_port()
    command = rootfs_command(rootfs, cfg["Entrypoint"], target="x86_64-linux", uid=65532, gid=65532,
                             env=[*cfg["Env"], f"ADDR=127.0.0.1:{port}"], network=True)
    with serving(command, f"http://127.0.0.1:{port}/healthz"):
        status, body = http_get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200 and json.loads(body) == {"status": "ok", "version": "0.0.0"}

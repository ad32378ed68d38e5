"""Cross-compiled images from one x86_64 host: every target of examples/hello-c
in one `nixbuild image --target all -j 2`, checked with skopeo and umoci, the
entrypoint's ELF machine read from the rootfs, and the binary run from the
rootfs under qemu-user inside bwrap. The multi-platform OCI index is checked
with `skopeo inspect --raw` and `skopeo copy --all`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from nixbuild import elf, platforms
from tests.conftest import copy_example, nixbuild, run
from tests.e2e.tools import run_entrypoint, skopeo_inspect, store_paths_in, unpack

pytestmark = [pytest.mark.nix, pytest.mark.e2e]

TARGETS = ["x86_64-linux", "aarch64-linux", "riscv64-linux", "armv7l-linux", "x86_64-linux-static"]


@pytest.fixture(scope="module")
def all_targets(tmp_path_factory):  # type: ignore[no-untyped-def]
    project = copy_example("hello-c", tmp_path_factory.mktemp("cross"))
    result = nixbuild("image", "--target", "all", "-j", "2", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    report = result.json()
    return project, {t["target"]: t for t in report["targets"]}, report["index"]


def test_every_target_succeeded(all_targets) -> None:  # type: ignore[no-untyped-def]
    project, by_target, index = all_targets
    assert sorted(by_target) == sorted(TARGETS)
    assert all(t["status"] == "ok" for t in by_target.values())


@pytest.mark.parametrize("target", TARGETS)
def test_image_is_for_the_target(all_targets, target: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, by_target, index = all_targets
    plat = platforms.TARGETS[target]
    archive = Path(by_target[target]["image"])
    info = skopeo_inspect(archive)
    assert info["Architecture"] == plat.oci_arch and info["Os"] == "linux"
    config = skopeo_inspect(archive, config=True)["config"]
    rootfs = unpack(archive, tmp_path)
    binary = rootfs / config["Entrypoint"][0].lstrip("/")
    header = elf.read_header(binary)
    assert header is not None and (header.machine, header.elf_class) == (plat.elf_machine, plat.elf_class)
    # The closure of the binary is in the image, and nothing of the host's.
    output = "/".join(config["Entrypoint"][0].split("/")[:4])
    closure = set(run(["nix-store", "--query", "--requisites", output]).stdout.split())
    assert closure <= store_paths_in(rootfs)
    if plat.static:
        assert closure == {output}  # a static binary's closure is itself
        assert b"PT_INTERP" not in run(["readelf", "-l", str(binary)]).stdout.encode()
        assert "INTERP" not in run(["readelf", "-l", str(binary)]).stdout


@pytest.mark.parametrize("target", ["aarch64-linux", "riscv64-linux", "armv7l-linux", "x86_64-linux-static"])
def test_binary_runs_from_the_rootfs_under_qemu(all_targets, target: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, by_target, index = all_targets
    out = run_entrypoint(Path(by_target[target]["image"]), tmp_path, target, ["--check"])
    assert out.splitlines() == ["Hello from nixbuild!", "uid=65532 gid=65532", "certs=readable", "tmp=writable"]


def test_index_lists_every_platform_once(all_targets) -> None:  # type: ignore[no-untyped-def]
    project, by_target, index = all_targets
    layout = Path(index["layout"])
    raw = json.loads(run(["skopeo", "inspect", "--raw", f"oci:{layout}:{index['tag']}"]).stdout)
    got = sorted((m["platform"]["architecture"], m["platform"].get("variant")) for m in raw["manifests"])
    assert got == sorted([("amd64", None), ("arm64", None), ("riscv64", None), ("arm", "v7")])
    assert index["left_out"] == ["x86_64-linux-static"]
    # Each manifest's layers are the docker-archive's layers of that target.
    for entry in raw["manifests"]:
        target = next(t for t in TARGETS if platforms.TARGETS[t].oci_arch == entry["platform"]["architecture"])
        manifest = json.loads((layout / "blobs/sha256" / entry["digest"].split(":")[1]).read_text())
        assert [l["digest"] for l in manifest["layers"]] == [l["digest"] for l in by_target[target]["layers"]]


def test_index_copies_with_all(all_targets, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, by_target, index = all_targets
    dest = tmp_path / "copy"
    run(["skopeo", "copy", "--all", f"oci:{index['layout']}:{index['tag']}", f"oci:{dest}:x"])
    copied = json.loads(run(["skopeo", "inspect", "--raw", f"oci:{dest}:x"]).stdout)
    assert len(copied["manifests"]) == 4


def test_one_failing_target_does_not_hide_the_others(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace(
        'platforms = ["x86_64-linux", "aarch64-linux", "riscv64-linux", "armv7l-linux", "x86_64-linux-static"]',
        'platforms = ["x86_64-linux", "aarch64-linux-static"]'))
    result = nixbuild("image", "--target", "all", "--json", "-C", str(project))
    assert result.returncode == 5  # the hostpkgs toolchain stand-in's builder fails: a build failure
    status = {t["target"]: t["status"] for t in result.json()["targets"]}
    assert status == {"x86_64-linux": "ok", "aarch64-linux-static": "failed"}
    assert result.json()["index"] is None
    assert "aarch64 musl toolchain is not available" in result.stderr


def test_aarch64_streams_without_the_target_shebang_wrapper(all_targets, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """nixbuild streams with the build-platform stream script and the conf; the
    image's own stream-<name> wrapper names the target's shell (as nixpkgs'
    did before PR 536230) and could not run here."""
    project, by_target, index = all_targets
    report = by_target["aarch64-linux"]
    outdir = project / "nixbuild-result" / "aarch64-linux"
    script, conf = (outdir / "stream-script").resolve(), (outdir / "stream-conf").resolve()
    assert (str(script), str(conf)) == (report["stream_script"], report["stream_conf"])
    assert script.read_text().startswith("#!/usr/bin/python3")
    # The same archive again from the two result links.
    again = tmp_path / "again.tar"
    with again.open("wb") as out:
        run_stream = subprocess.run([outdir / "stream-script", outdir / "stream-conf"], stdout=out)
    assert run_stream.returncode == 0
    # The same image as the layout nixbuild wrote from its layer cache: config bytes and layers.
    layout = Path(report["image"])
    assert skopeo_inspect(again)["Layers"] == skopeo_inspect(layout)["Layers"]
    configs = [run(["skopeo", "inspect", "--config", "--raw", ref]).stdout
               for ref in (f"docker-archive:{again}", f"oci:{layout}")]
    assert configs[0] == configs[1]
    # The wrapper nixbuild never built: its #! is an AArch64 program.
    wrapper = run(["nix-build", str(project / ".nixbuild"), "-A", "image", "--argstr", "target", "aarch64-linux",
                   "-o", str(tmp_path / "wrapper")]).stdout.split()[0]
    interpreter = Path(wrapper).read_text().splitlines()[0].removeprefix("#!")
    header = elf.read_header(Path(interpreter))
    assert header is not None and header.machine == platforms.TARGETS["aarch64-linux"].elf_machine
    with pytest.raises(OSError, match="Exec format error"):
        subprocess.run([wrapper], capture_output=True, timeout=60)

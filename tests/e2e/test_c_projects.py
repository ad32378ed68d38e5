"""The `c` builder on trees shaped like real projects (tests/projects/):

- squash: shaped like pigz's Makefile — `CC = gcc` hard-coded, `-lz`, the
  expander a hard link of the compressor, no install target — built with
  `inputs = ["zlib"]` and `[package] install` naming the two programs;
- hello-autotools: a real autoconf/automake tree (configure generated here with
  autoreconf, as a release tarball ships it), whose configure the stdenv runs
  with --prefix and, for a cross target, --build/--host, as nixpkgs does.

Every image is started and made to do its job (qemu-user for aarch64)."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, nix_available, nixbuild
from tests.e2e.tools import rootfs_command, run_image, skopeo_inspect, unpack

pytestmark = [pytest.mark.nix, pytest.mark.skipif(not nix_available(), reason="needs Nix")]

PROJECTS = REPO / "tests" / "projects"


def squash(dest: Path, install: str = '["squash", "unsquash"]') -> Path:
    root = dest / "squash"
    shutil.copytree(PROJECTS / "squash", root)
    (root / "nixbuild.toml").write_text(f"""version = 1
[package]
name = "squash"
version = "1.0"
inputs = ["zlib"]
install = {install}
[image]
certs = false
[nixpkgs]
source = "hostpkgs"
""")
    return root


def test_a_makefile_without_install_target_installs_what_install_names(tmp_path: Path) -> None:
    root = squash(tmp_path)
    result = nixbuild("image", "--json", "-C", str(root))
    assert result.returncode == 0, result.stderr
    archive = Path(result.json()["image"])
    assert run_image(archive, tmp_path / "v", ["-V"]).startswith("squash with zlib 1.")
    # Both programs, through the image's own files: compress with squash, expand with unsquash.
    config = skopeo_inspect(archive, config=True)["config"]
    rootfs = unpack(archive, tmp_path / "io")
    program = Path(config["Entrypoint"][0])
    argv = {name: rootfs_command(rootfs, [str(program.parent / name)], target="x86_64-linux", uid=65532,
                                 gid=65532, env=config["Env"]) for name in ("squash", "unsquash")}
    text = b"the quick brown fox\n" * 100
    packed = subprocess.run(argv["squash"], input=text, capture_output=True, check=True).stdout
    assert gzip.decompress(packed) == text and len(packed) < len(text) // 10
    assert subprocess.run(argv["unsquash"], input=packed, capture_output=True, check=True).stdout == text


def test_an_install_entry_the_build_did_not_make_is_a_build_failure(tmp_path: Path) -> None:
    root = squash(tmp_path, '["squash", "nosuch"]')
    result = nixbuild("image", "-C", str(root))
    assert result.returncode == 5, result.stderr
    errors = [x for x in result.stderr.splitlines() if x.startswith("nixbuild: error:")]
    assert len(errors) == 1 and "nosuch was not built" in result.stderr, result.stderr
    assert not list((root / "nixbuild-result").glob("*/*.oci"))


@pytest.mark.parametrize("bad", ['["/usr/bin/squash"]', '["../squash"]', '["two words"]', "[]"])
def test_install_entries_outside_the_build_tree_are_refused(tmp_path: Path, bad: str) -> None:
    root = squash(tmp_path, bad)
    result = nixbuild("image", "-C", str(root))
    assert result.returncode == 2, result.stderr
    assert "package.install" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def autotools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("autoreconf") is None:
        pytest.fail("autoreconf is missing: scripts/setup.sh installs autoconf and automake")
    root = tmp_path_factory.mktemp("autotools") / "hello-autotools"
    shutil.copytree(PROJECTS / "hello-autotools", root)
    subprocess.run(["autoreconf", "-i"], cwd=root, check=True, capture_output=True)
    shutil.rmtree(root / "autom4te.cache")
    (root / "nixbuild.toml").write_text("""version = 1
[package]
name = "hello-autotools"
version = "2.1.0"
[image]
certs = false
[target]
platforms = ["x86_64-linux", "aarch64-linux"]
[nixpkgs]
source = "hostpkgs"
""")
    return root


@pytest.mark.parametrize(("target", "triple"), [("x86_64-linux", "x86_64-pc-linux-gnu"),
                                                 ("aarch64-linux", "aarch64-unknown-linux-gnu")])
def test_configure_runs_with_prefix_and_the_targets_host(autotools: Path, tmp_path: Path, target: str,
                                                         triple: str) -> None:
    result = nixbuild("image", "--json", "--target", target, "-C", str(autotools))
    assert result.returncode == 0, result.stderr
    out = run_image(Path(result.json()["image"]), tmp_path, [], target=target)
    # configure's --host (cross) or its own guess (native) reached the program
    assert out == f"Hello from hello-autotools 2.1.0, configured for {triple}!\n"
    paths = [p["path"] for p in result.json()["store_paths"]]
    assert not any(p.endswith("-dev") or p.endswith("-out") for p in paths), paths  # bin only, docs stay in out

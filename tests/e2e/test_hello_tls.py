"""examples/hello-tls end to end: a program linked against openssl and zlib.

Its image must hold the program, glibc, openssl.out, zlib.out and the opt-in
pieces — exactly the closure of the imaged output plus those pieces; never a
-dev output, never openssl.bin — and the program must hash with EVP and
round-trip through zlib when run under bwrap as the image's non-root user.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.conftest import copy_example, nixbuild, run
from nixbuild import elf, platforms
from tests.e2e.tools import bwrap_run, run_entrypoint, skopeo_inspect, store_paths_in, unpack

pytestmark = [pytest.mark.nix, pytest.mark.e2e]


@pytest.fixture(scope="module")
def built(tmp_path_factory):  # type: ignore[no-untyped-def]
    project = copy_example("hello-tls", tmp_path_factory.mktemp("tls"))
    result = nixbuild("image", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    return project, result.json()


def _attr(project: Path, attr: str) -> str:
    out = run(["nix-instantiate", "--eval", "--json", str(project / ".nixbuild"), "-A", attr + ".outPath"]).stdout
    return out.strip().strip('"')


def test_rootfs_holds_program_glibc_and_the_library_outputs_only(built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, report = built
    rootfs = unpack(Path(report["image"]), tmp_path)
    in_image = store_paths_in(rootfs)
    entrypoint = skopeo_inspect(Path(report["image"]), config=True)["config"]["Entrypoint"][0]
    program = "/".join(entrypoint.split("/")[:4])
    opt_in = {p for p in in_image if re.search(r"-(fake-nss|ca-certificates|os-release)$", p)}
    assert len(opt_in) == 3, in_image
    expected = set(run(["nix-store", "--query", "--requisites", program, *sorted(opt_in)]).stdout.split())
    assert in_image == expected
    assert in_image == {p["path"] for p in report["store_paths"]}
    # The program's own closure is itself, glibc and the two libraries' `out` outputs.
    own = set(run(["nix-store", "--query", "--requisites", program]).stdout.split())
    openssl_out, zlib_out, glibc = _attr(project, "pkgs.openssl.out"), _attr(project, "pkgs.zlib.out"), _attr(project, "pkgs.glibc")
    assert own == {program, openssl_out, zlib_out, glibc}
    # The parts that must stay out exist in the store (they were built against) but not in the image.
    for attr in ("pkgs.openssl.dev", "pkgs.openssl.bin", "pkgs.zlib.dev", "pkgs.zlib.static"):
        path = _attr(project, attr)
        assert Path(path).exists(), attr
        assert path not in in_image, attr
    assert not [p for p in in_image if p.endswith("-dev")]
    for shell in ("bin/sh", "bin/bash", "usr/bin/env", "bin/openssl"):
        assert not (rootfs / shell).exists()


def test_program_hashes_and_compresses_as_nonroot(built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, report = built
    archive = Path(report["image"])
    config = skopeo_inspect(archive, config=True)["config"]
    assert config["User"] == "65532:65532"
    rootfs = unpack(archive, tmp_path)
    out = bwrap_run(rootfs, [*config["Entrypoint"], "--check"], uid=65532, gid=65532, env=config["Env"],
                    workdir=config["WorkingDir"])
    lines = dict(line.split("=", 1) for line in out.splitlines()[1:])
    assert out.splitlines()[0] == "Hello from nixbuild!"
    openssl_version = _attr(project, "pkgs.openssl.out").split("-openssl-", 1)[1]
    zlib_version = _attr(project, "pkgs.zlib.out").split("-zlib-", 1)[1]
    assert lines["openssl"].startswith(f"OpenSSL {openssl_version} ")
    assert lines["zlib"] == zlib_version
    assert lines["sha256"] == hashlib.sha256(b"Hello from nixbuild!").hexdigest()
    assert lines["zlib-round-trip"] == "ok"


@pytest.fixture(scope="module")
def foreign(tmp_path_factory):  # type: ignore[no-untyped-def]
    project = copy_example("hello-tls", tmp_path_factory.mktemp("tls-cross"))
    result = nixbuild("image", "--target", "aarch64-linux", "--target", "armv7l-linux", "-j", "2", "--json",
                      "-C", str(project))
    assert result.returncode == 0, result.stderr
    return project, {t["target"]: t for t in result.json()["targets"]}


@pytest.mark.parametrize(("target", "config"), [("aarch64-linux", "aarch64-unknown-linux-gnu"),
                                                ("armv7l-linux", "armv7l-unknown-linux-gnueabihf")])
def test_foreign_image_runs_with_the_targets_libraries(foreign, target: str, config: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, by_target = foreign
    archive = Path(by_target[target]["image"])
    out = run_entrypoint(archive, tmp_path / "run", target, ["--check"])
    lines = dict(line.split("=", 1) for line in out.splitlines()[1:])
    assert lines["sha256"] == hashlib.sha256(b"Hello from nixbuild!").hexdigest()
    assert lines["zlib-round-trip"] == "ok"
    # The image holds the target's openssl.out and zlib.out (pkgsCross.<target>),
    # never the host's, never a -dev output; every ELF file is for the target.
    rootfs = unpack(archive, tmp_path / "look")
    in_image = store_paths_in(rootfs)
    for attr in ("openssl", "zlib"):
        path = run(["nix-instantiate", "--eval", "--json", str(project / ".nixbuild"), "--argstr", "target", target,
                    "-A", f"pkgs.{attr}.out.outPath"]).stdout.strip().strip('"')
        assert path in in_image and f"-{attr}-{config}-" in path, path
    assert not [p for p in in_image if p.endswith("-dev")]
    plat = platforms.TARGETS[target]
    checked = 0
    for f in (rootfs / "nix" / "store").rglob("*.so*"):
        header = elf.read_header(f)
        if f.is_file() and not f.is_symlink() and header is not None:
            assert (header.machine, header.elf_class) == (plat.elf_machine, plat.elf_class), f
            checked += 1
    assert checked >= 3  # libc, libcrypto, libz

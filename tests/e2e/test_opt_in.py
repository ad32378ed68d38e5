"""The opt-in pieces: tzdata at /usr/share/zoneinfo with TZDIR; certs and the
non-root user switched off leave nothing of theirs behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import copy_example, nixbuild
from tests.e2e.tools import skopeo_inspect, store_paths_in, unpack

pytestmark = [pytest.mark.nix, pytest.mark.e2e]


def configured(tmp_path: Path, lines: str) -> Path:
    project = copy_example("hello-c", tmp_path)
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('tag = "1.0.0"', 'tag = "1.0.0"\n' + lines))
    return project


def resolve_in(rootfs: Path, path: str) -> str:
    """Follow symlinks as the container would, with ``rootfs`` as /."""
    for _ in range(40):
        link = rootfs / path.lstrip("/")
        if not link.is_symlink():
            return path
        target = str(link.readlink())
        path = target if target.startswith("/") else str(Path(path).parent / target)
    raise AssertionError(f"symlink loop at {path}")


def test_tzdata_at_usr_share_zoneinfo_with_tzdir(tmp_path: Path) -> None:
    result = nixbuild("image", "--json", "-C", str(configured(tmp_path, "tzdata = true")))
    assert result.returncode == 0, result.stderr
    archive = Path(result.json()["image"])
    env = skopeo_inspect(archive, config=True)["config"]["Env"]
    assert "TZDIR=/usr/share/zoneinfo" in env
    rootfs = unpack(archive, tmp_path / "u")
    target = resolve_in(rootfs, "/usr/share/zoneinfo")
    assert re.fullmatch(r"/nix/store/[a-z0-9]{32}-tzdata[^/]*/share/zoneinfo", target)
    assert (rootfs / target.lstrip("/") / "Europe/Paris").is_file()
    assert any("-tzdata" in p for p in store_paths_in(rootfs))


def test_without_certs_and_as_root(tmp_path: Path) -> None:
    result = nixbuild("image", "--json", "-C", str(configured(tmp_path, 'certs = false\nuser = "root"')))
    assert result.returncode == 0, result.stderr
    archive = Path(result.json()["image"])
    config = skopeo_inspect(archive, config=True)["config"]
    assert not any(e.startswith("SSL_CERT_FILE=") for e in config["Env"])
    assert "User" not in config and config["WorkingDir"] == "/"
    rootfs = unpack(archive, tmp_path / "u")
    assert not (rootfs / "etc/ssl").exists() and not (rootfs / "home").exists()
    assert not [p for p in store_paths_in(rootfs) if re.search(r"cacert|ca-certificates", p)]
    assert "root:x:0:0:" in (rootfs / "etc/passwd").read_text()

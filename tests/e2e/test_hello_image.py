"""examples/hello-c end to end, in both modes: nixbuild image → skopeo → umoci → bwrap.

The image must hold exactly the closure of the imaged outputs plus the opt-in
pieces (fake NSS, CA certificates), no shell, no coreutils, no -dev output,
and its entrypoint must run as the image's non-root user.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import nixbuild, run
from tests.e2e.tools import bwrap_run, layer_tars, layout_size, skopeo_inspect, store_paths_in, unpack

pytestmark = [pytest.mark.nix, pytest.mark.e2e]

FORBIDDEN = re.compile(r"-(bash|coreutils|busybox|gcc|python3)[-\d]|-dev$")
MODES = {"c": "hello-c", "shell": "hello-c-shell"}


@pytest.fixture(scope="module", params=sorted(MODES))
def built(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    from tests.conftest import copy_example

    project = copy_example(MODES[request.param], tmp_path_factory.mktemp(request.param))
    result = nixbuild("image", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    return request.param, project, result.json()


def test_report_names_the_image_and_its_contents(built) -> None:  # type: ignore[no-untyped-def]
    mode, project, report = built
    assert (Path(report["image"]) / "oci-layout").is_file()  # an OCI layout; no docker-archive unless asked
    assert report["archive"] is None and not list(Path(report["image"]).parent.glob("*.tar"))
    assert report["reference"] == ("hello:1.0.0" if mode == "c" else "hello-shell:1.0.0")
    assert report["architecture"] == "amd64" and report["os"] == "linux"
    assert report["size"] == layout_size(Path(report["image"]))
    assert report["layer_count"] == len(report["layers"]) >= 2
    assert all(p["size"] > 0 for p in report["store_paths"])


def test_skopeo_sees_arch_entrypoint_user_and_env(built) -> None:  # type: ignore[no-untyped-def]
    mode, project, report = built
    archive = Path(report["image"])
    info = skopeo_inspect(archive)
    assert info["Architecture"] == "amd64" and info["Os"] == "linux"
    config = skopeo_inspect(archive, config=True)["config"]
    (entrypoint,) = config["Entrypoint"]
    assert re.fullmatch(r"/nix/store/[a-z0-9]{32}-hello-1\.0\.0(-bin)?/bin/hello", entrypoint)
    assert config["User"] == "65532:65532"
    assert "SSL_CERT_FILE=/etc/ssl/certs/ca-bundle.crt" in config["Env"]
    assert config.get("WorkingDir") == "/home/nonroot"
    assert info["Created"].startswith("1970-01-01T00:00:01")


def test_rootfs_holds_exactly_the_explicit_closure(built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mode, project, report = built
    rootfs = unpack(Path(report["image"]), tmp_path)
    in_image = store_paths_in(rootfs)
    # The imaged output: the directory two levels above the entrypoint binary.
    entrypoint = skopeo_inspect(Path(report["image"]), config=True)["config"]["Entrypoint"][0]
    output = "/".join(entrypoint.split("/")[:4])
    # The opt-in pieces, found by their nixpkgs names among the image's top-level links.
    opt_in = {p for p in in_image if re.search(r"-(fake-nss|ca-certificates|os-release)$", p)}
    assert len(opt_in) == 3, in_image
    expected = set(run(["nix-store", "--query", "--requisites", output, *sorted(opt_in)]).stdout.split())
    assert in_image == expected
    assert in_image == {p["path"] for p in report["store_paths"]}
    assert not [p for p in in_image if FORBIDDEN.search(p)]
    if mode == "c":
        # The package's `out` output (docs) exists but is not in the image.
        out = run(["nix-build", str(project / ".nixbuild"), "-A", "package.out", "--no-out-link"]).stdout.strip()
        assert (Path(out) / "share/doc/hello/README.md").is_file()
        assert out not in in_image
    # No shell anywhere in the image.
    for shell in ("bin/sh", "bin/bash", "usr/bin/env"):
        assert not (rootfs / shell).exists()
    assert (rootfs / "tmp").stat().st_mode & 0o7777 == 0o1777
    passwd = (rootfs / "etc/passwd").read_text()
    assert "nonroot:x:65532:65532:" in passwd
    name = report["reference"].split(":")[0]
    os_release = (rootfs / "etc/os-release").read_text()
    assert f'NAME="{name}"' in os_release and 'VERSION_ID="1.0.0"' in os_release


def test_entrypoint_runs_as_nonroot_in_the_rootfs(built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mode, project, report = built
    archive = Path(report["image"])
    config = skopeo_inspect(archive, config=True)["config"]
    rootfs = unpack(archive, tmp_path)
    out = bwrap_run(rootfs, [*config["Entrypoint"], "--check"], uid=65532, gid=65532, env=config["Env"],
                    workdir=config["WorkingDir"])
    assert out.splitlines() == ["Hello from nixbuild!", "uid=65532 gid=65532", "certs=readable", "tmp=writable"]


def test_human_report_lists_store_paths_and_sizes(built) -> None:  # type: ignore[no-untyped-def]
    mode, project, report = built
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 0, result.stderr
    assert f"image:       {report['image']}" in result.stdout
    for path in report["store_paths"]:
        assert path["path"] in result.stdout
    assert "layers" in result.stdout


def test_home_is_owned_by_the_user_in_the_layer(built) -> None:  # type: ignore[no-untyped-def]
    mode, project, report = built
    owners = {}
    for layer in layer_tars(Path(report["image"])):
        for member in layer:
            owners[member.name.lstrip("./")] = (member.uid, member.gid, member.mode)
    assert owners["home/nonroot"][:2] == (65532, 65532)
    assert owners["tmp"] == (0, 0, 0o1777)
    assert all(uid == 0 for path, (uid, _, _) in owners.items() if path.startswith("nix/"))


def test_source_date_epoch_sets_created(tmp_path: Path) -> None:
    from tests.conftest import copy_example, nix_env

    project = copy_example("hello-c", tmp_path)
    result = nixbuild("image", "--json", "-C", str(project), env=nix_env(SOURCE_DATE_EPOCH="1700000000"))
    assert result.returncode == 0, result.stderr
    info = skopeo_inspect(Path(result.json()["image"]))
    assert info["Created"].startswith("2023-11-14T22:13:20")
    # Store paths' files get SOURCE_DATE_EPOCH; the customisation layer (the
    # links at /, /etc, /tmp, /home/nonroot) 1980-01-01, as nixpkgs tars it
    # with the stdenv's SOURCE_DATE_EPOCH (README, "Config reference").
    *store, custom = layer_tars(Path(result.json()["image"]))
    assert {m.mtime for layer in store for m in layer.getmembers()} == {1700000000}
    assert {m.mtime for m in custom.getmembers()} == {315532800}
    assert {"etc/passwd", "tmp", "home/nonroot"} <= {m.name.lstrip("./") for m in custom.getmembers()}


def test_an_image_name_with_a_registry_path_builds_and_runs(tmp_path: Path) -> None:
    """`name = "org/hello"` failed: the closure policy's derivation had "/" in its store name."""
    from tests.conftest import copy_example

    project = copy_example("hello-c", tmp_path)
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('[image]\nname = "hello"', '[image]\nname = "example.org/team/hello"'))
    result = nixbuild("image", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    report = result.json()
    assert report["reference"] == "example.org/team/hello:1.0.0"
    assert Path(report["image"]).name == "example.org-team-hello-1.0.0.oci"
    rootfs = unpack(Path(report["image"]), tmp_path / "unpacked")
    config = skopeo_inspect(Path(report["image"]), config=True)["config"]
    out = bwrap_run(rootfs, config["Entrypoint"], uid=65532, gid=65532, env=config["Env"])
    assert out == "Hello from nixbuild!\n"

"""nixbuild inspect, why and diff on real images (hello-tls, hello-c), checked
against Nix's own records (nix path-info, nix-store) and skopeo."""

from __future__ import annotations

import base64
import json
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import copy_example, nix_env, nixbuild, run
from tests.e2e.tools import layout_size, skopeo_inspect

pytestmark = [pytest.mark.nix, pytest.mark.e2e]


@pytest.fixture(scope="module")
def tls(tmp_path_factory):  # type: ignore[no-untyped-def]
    project = copy_example("hello-tls", tmp_path_factory.mktemp("tls"))
    result = nixbuild("image", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    return project, result.json()


def path_info(paths: list[str]) -> dict[str, dict]:  # type: ignore[type-arg]
    out = run(["nix", "--extra-experimental-features", "nix-command", "path-info", "--json", *paths]).stdout
    return {entry["path"]: entry for entry in json.loads(out)}


def entrypoint_root(archive: Path) -> str:
    entrypoint = skopeo_inspect(archive, config=True)["config"]["Entrypoint"][0]
    return "/".join(entrypoint.split("/")[:4])


def test_inspect_lists_every_store_path_with_nar_size_layer_and_output(tls) -> None:  # type: ignore[no-untyped-def]
    _, report = tls
    archive = Path(report["image"])
    result = nixbuild("inspect", str(archive), "--json")
    assert result.returncode == 0, result.stderr
    data = result.json()
    paths = {p["path"]: p for p in data["store_paths"]}
    assert set(paths) == {p["path"] for p in report["store_paths"]}
    infos = path_info(sorted(paths))
    for path, entry in paths.items():
        assert entry["size"] == infos[path]["narSize"], path
        assert entry["source"] == "store"
        assert sorted(entry["references"]) == sorted(r for r in infos[path]["references"] if r != path)
        assert path in report["layers"][entry["layer"]]["store_paths"]
    by_package = {(p["package"], p["output"]) for p in paths.values()}
    assert ("hello-tls-1.0.0", "bin") in by_package
    assert any(pkg.startswith("openssl-") and out == "out" for pkg, out in by_package)
    assert data["image_size"] == layout_size(archive)
    assert data["closure_size"] == sum(i["narSize"] for i in infos.values())
    assert data["path_count"] == len(paths) and data["layer_count"] == len(report["layers"])
    assert [l["digest"] for l in data["layers"]] == skopeo_inspect(archive)["Layers"]
    assert data["roots"][0] == entrypoint_root(archive)


def test_inspect_of_the_project_and_the_tree(tls) -> None:  # type: ignore[no-untyped-def]
    project, report = tls
    result = nixbuild("inspect", "--tree", "-C", str(project))
    assert result.returncode == 0, result.stderr
    for path in report["store_paths"]:
        assert path["path"] in result.stdout
    lines = result.stdout.splitlines()
    start = lines.index(next(l for l in lines if l.startswith("tree from hello-tls-1.0.0-bin (entrypoint)")))
    root = entrypoint_root(Path(report["image"]))
    assert lines[start + 1].strip().startswith(root)
    children = {l.strip().split()[0] for l in lines[start + 2:] if l.startswith("    /nix/store/")}
    direct = set(run(["nix-store", "--query", "--references", root]).stdout.split())
    assert {c for c in children if c in direct} == direct
    assert f"total: {len(report['store_paths'])} store paths" in result.stdout


def test_why_gives_the_chain_from_the_entrypoint(tls) -> None:  # type: ignore[no-untyped-def]
    project, report = tls
    archive = Path(report["image"])
    root = entrypoint_root(archive)
    openssl = next(p["path"] for p in report["store_paths"] if "-openssl-" in p["path"])
    assert openssl in run(["nix-store", "--query", "--references", root]).stdout.split()
    base = openssl.removeprefix("/nix/store/")  # as `inspect` and `why` print it: "<hash>-openssl-3.0.19"
    for query in ("openssl", openssl, openssl + "/lib/libcrypto.so.3", base, base + "/lib/libcrypto.so.3"):
        result = nixbuild("why", query, "--json", "--image", str(archive))
        assert result.returncode == 0, result.stderr
        assert result.json()["chain"] == [root, openssl]
    # A contents root other than the entrypoint: passwd comes in through fake-nss.
    data = nixbuild("why", "passwd", "--json", "-C", str(project)).json()
    assert data["root_kind"] == "contents root" and data["chain"][0].endswith("-fake-nss")
    assert data["path"] in run(["nix-store", "--query", "--references", data["chain"][-2]]).stdout.split()


def test_inspect_and_why_of_the_project_never_rebuild_an_existing_image(tls) -> None:  # type: ignore[no-untyped-def]
    project, report = tls
    archive = Path(report["image"])
    before = archive.stat()
    for args in (["inspect"], ["why", "openssl"], ["inspect", "--tree", "-t", "x86_64-linux"]):
        result = nixbuild(*args, "-C", str(project))
        assert result.returncode == 0, result.stderr
        assert "building" not in result.stderr, result.stderr
    after = archive.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not even re-streamed


def test_inspect_builds_when_the_image_is_stale_or_a_run_was_killed_before_writing_it(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    first = nixbuild("image", "--json", "-C", str(project))
    assert first.returncode == 0, first.stderr
    archive = Path(first.json()["image"])
    built = archive.stat().st_ino
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('[image]\n', '[image]\nlabels = { stage = "two" }\n'))
    result = nixbuild("inspect", "-C", str(project))
    assert result.returncode == 0, result.stderr
    assert archive.stat().st_ino != built
    assert skopeo_inspect(archive, config=True)["config"]["Labels"] == {"stage": "two"}
    # A run killed after Nix built the new conf (and renewed the stream link), before the
    # layout and its record were written: the record names the old conf, so the layout
    # is not taken for the current image.
    toml.write_text(toml.read_text().replace('stage = "two"', 'stage = "three"'))
    assert nixbuild("generate", "-C", str(project)).returncode == 0
    run(["nix-build", str(project / ".nixbuild"), "-A", "image.conf", "--argstr", "target", "x86_64-linux",
         "-o", str(archive.parent / "stream-conf")], env=nix_env())
    inode = archive.stat().st_ino
    again = nixbuild("why", "hello", "-C", str(project))
    assert again.returncode == 0, again.stderr
    rewritten = archive.stat().st_ino
    assert rewritten != inode  # written anew
    current = nixbuild("inspect", "-C", str(project))
    assert current.returncode == 0 and "building" not in current.stderr
    assert archive.stat().st_ino == rewritten


def test_why_of_a_path_not_in_the_image_or_an_ambiguous_name(tls) -> None:  # type: ignore[no-untyped-def]
    project, report = tls
    archive = str(report["image"])
    openssl_bin = run(["nix-instantiate", "--eval", "--json", str(project / ".nixbuild"), "-A",
                       "pkgs.openssl.bin.outPath"]).stdout.strip().strip('"')
    absent = nixbuild("why", openssl_bin, "--image", archive)
    assert absent.returncode == 1
    assert absent.stderr.startswith(f"nixbuild: error: {openssl_bin} is not in the image")
    gone = nixbuild("why", "coreutils", "--image", archive)
    assert gone.returncode == 1 and "not in the image" in gone.stderr
    ambiguous = nixbuild("why", "s", "--image", archive)
    assert ambiguous.returncode == 2
    (line,) = ambiguous.stderr.splitlines()
    assert "matches" in line and "openssl-3" in line and "passwd" in line


def test_diff_after_an_app_change_and_against_another_app(tls, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, report = tls
    before = Path(report["image"])
    changed = tmp_path / "v2"
    shutil.copytree(project, changed, ignore=shutil.ignore_patterns(".nixbuild", "nixbuild-result"))
    src = changed / "hello-tls.c"
    src.write_text(src.read_text().replace('"Hello from nixbuild!"', '"Hello again from nixbuild!"'))
    after = nixbuild("image", "--json", "-C", str(changed))
    assert after.returncode == 0, after.stderr
    result = nixbuild("diff", str(before), str(changed), "--json")
    assert result.returncode == 0, result.stderr
    d = result.json()
    (change,) = d["changes"]
    assert change["kind"] == "changed" and change["name"] == "hello-tls-1.0.0-bin"
    sizes = path_info([change["before"], change["after"]])
    assert change["delta"] == sizes[change["after"]]["narSize"] - sizes[change["before"]]["narSize"]
    new_archive = Path(after.json()["image"])
    assert d["image_size_delta"] == new_archive.stat().st_size - before.stat().st_size
    old_layers, new_layers = skopeo_inspect(before)["Layers"], skopeo_inspect(new_archive)["Layers"]
    assert d["shared_layers"] == [l for l in new_layers if l in old_layers]
    assert len(d["shared_layers"]) == len(new_layers) - 2  # the app's layer and the customisation layer

    other = copy_example("hello-c", tmp_path / "c")
    hello = nixbuild("image", "--json", "-C", str(other))
    assert hello.returncode == 0, hello.stderr
    result = nixbuild("diff", hello.json()["image"], str(before))
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "added    openssl-3" in text and "added    zlib-" in text
    assert "removed  hello-1.0.0-bin" in text and "added    hello-tls-1.0.0-bin" in text
    assert "glibc" not in text.split("image bytes:")[0]  # unchanged paths are not listed


def test_inspect_an_archive_whose_paths_were_garbage_collected(tmp_path: Path) -> None:
    """Sizes and references are recomputed from the layer: the same as Nix recorded."""
    project = copy_example("hello-c", tmp_path)
    (project / "hello.c").write_text((project / "hello.c").read_text() + f"/* gc test {time.time_ns()} */\n")
    built = nixbuild("image", "--json", "--format", "docker-archive", "-C", str(project))
    assert built.returncode == 0, built.stderr
    archive = tmp_path / "kept.tar"
    shutil.copy(built.json()["archive"], archive)
    app = entrypoint_root(archive)
    recorded = path_info([app])[app]
    shutil.rmtree(project / "nixbuild-result")  # the GC roots
    doomed = run(["nix-store", "--query", "--referrers-closure", app]).stdout.split()
    run(["nix-store", "--delete", *doomed])
    assert not Path(app).exists()
    data = nixbuild("inspect", str(archive), "--json")
    assert data.returncode == 0, data.stderr
    entry = next(p for p in data.json()["store_paths"] if p["path"] == app)
    assert entry["source"] == "layer"
    assert entry["size"] == recorded["narSize"]
    assert entry["references"] == sorted(r for r in recorded["references"] if r != app)
    why = nixbuild("why", "glibc", "--image", str(archive), "--json")
    assert why.returncode == 0 and why.json()["chain"][0] == app


def test_nar_recomputed_from_the_layers_equals_nix(tls) -> None:  # type: ignore[no-untyped-def]
    from nixbuild.image import read as read_image
    from nixbuild.inspect import read_contents

    _, report = tls
    archive = Path(report["image"])
    contents = read_contents(archive, read_image(archive))
    infos = path_info(sorted(contents.paths))
    for path, found in contents.paths.items():
        algo, _, b64 = infos[path]["narHash"].partition("-")
        assert algo == "sha256"
        assert found.nar_sha256 == base64.b64decode(b64).hex(), path
        assert found.nar_size == infos[path]["narSize"]
        assert sorted(found.references) == sorted(r for r in infos[path]["references"] if r != path)

"""Rebuilds cost what changed: the layer cache, the OCI layout, no-op rebuilds.

For every example: a first build (empty layer cache: the stream script runs on the
whole conf), then a source change (only the changed layers are streamed), each
compared with a full stream of the same image — the stream script run by hand on
the conf (`./stream-script ./stream-conf > full.tar`, the `streamLayeredImage |
docker load` workflow) — by config bytes, layer digests and manifest. The images
are run. Then: a rebuild with nothing changed writes nothing; the layout's blobs
are the cache's files; a docker-archive is written when asked and holds the same
image; `push` of an app-only change sends only the changed layers.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.conftest import copy_example, nix_env, nixbuild, run
from tests.e2e.tools import image_ref, run_image, serve_registry, skopeo_inspect

# The file changed in each example, and the greeting its image prints (None: not run here).
# The change puts a new string into the program: a shell-mode artifact whose bytes did not
# change would keep its store path (and its layer).
C_CHANGE = '\nconst char *nixbuild_test_marker = "changed";\n'
EXAMPLES = {
    "hello-c": ("hello.c", C_CHANGE, "Hello from nixbuild!"),
    "hello-c-shell": ("hello.c", C_CHANGE, "Hello from nixbuild!"),
    "hello-cmake": ("src/main.cpp", "\n// changed\n", "Hello, nixbuild, from a CMake library!"),
    "hello-go": ("main.go", "\n// changed\n", None),  # a server: test_hello_go.py asks it over its port
    "hello-rust": ("src/main.rs", "\n// changed\n", "Hello from nixbuild!"),
    "hello-tls": ("hello-tls.c", C_CHANGE, None),
    "hello-zlib-shell": ("hello-zlib.c", C_CHANGE, None),
}


def _env(cache: Path) -> dict[str, str]:
    return nix_env(NIXBUILD_CACHE_DIR=str(cache))


def _build(project: Path, cache: Path, *args: str) -> dict:  # type: ignore[type-arg]
    result = nixbuild("image", "--json", "-C", str(project), *args, env=_env(cache))
    assert result.returncode == 0, result.stderr
    return result.json()


def _full_stream(project: Path, dest: Path) -> tuple[bytes, list[str]]:
    """The stream script run by hand on the conf: (config bytes, layer sha256 digests)."""
    outdir = next((project / "nixbuild-result").iterdir())
    with open(dest, "wb") as out:
        subprocess.run([str(outdir / "stream-script"), str(outdir / "stream-conf")], stdout=out,
                       stderr=subprocess.DEVNULL, check=True)
    with tarfile.open(dest) as tar:
        (manifest,) = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        config = tar.extractfile(manifest["Config"]).read()  # type: ignore[union-attr]
        digests = ["sha256:" + hashlib.sha256(tar.extractfile(n).read()).hexdigest()  # type: ignore[union-attr]
                   for n in manifest["Layers"]]
    return config, digests


def _layout(image: Path) -> tuple[dict, bytes, list[str]]:  # type: ignore[type-arg]
    """(manifest, config bytes, sha256 of each layer blob as read) of an OCI layout."""
    blobs = image / "blobs" / "sha256"
    (entry,) = json.loads((image / "index.json").read_text())["manifests"]
    raw = (blobs / entry["digest"].removeprefix("sha256:")).read_bytes()
    assert entry["digest"] == "sha256:" + hashlib.sha256(raw).hexdigest()
    manifest = json.loads(raw)
    config = (blobs / manifest["config"]["digest"].removeprefix("sha256:")).read_bytes()
    digests = ["sha256:" + hashlib.sha256((blobs / l["digest"].removeprefix("sha256:")).read_bytes()).hexdigest()
               for l in manifest["layers"]]
    return manifest, config, digests


def _same_as_full_stream(project: Path, report: dict, tmp: Path) -> None:  # type: ignore[type-arg]
    manifest, config, digests = _layout(Path(report["image"]))
    full_config, full_digests = _full_stream(project, tmp)
    assert config == full_config  # the same config digest (the image ID)
    assert digests == full_digests == [l["digest"] for l in manifest["layers"]] == json.loads(config)["rootfs"][
        "diff_ids"]
    assert manifest["config"]["digest"] == report["config_digest"] == "sha256:" + hashlib.sha256(config).hexdigest()
    # skopeo reads the layout as the image the full stream is.
    assert skopeo_inspect(Path(report["image"]))["Layers"] == skopeo_inspect(tmp)["Layers"] == full_digests


def test_every_example_is_compared() -> None:
    from tests.conftest import EXAMPLES as EXAMPLES_DIR

    assert sorted(EXAMPLES) == sorted(p.name for p in EXAMPLES_DIR.iterdir() if (p / "nixbuild.toml").is_file())


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_incremental_image_equals_the_full_stream(name: str, tmp_path: Path) -> None:
    source, change, greeting = EXAMPLES[name]
    project = copy_example(name, tmp_path)
    cache = tmp_path / "cache"
    first = _build(project, cache)
    assert first["layers_streamed"] == [l["digest"] for l in first["layers"]]  # empty cache: all of them
    _same_as_full_stream(project, first, tmp_path / "full1.tar")

    # A source change: new package outputs, so new layers for them and the customisation layer;
    # exactly those are made by the stream script, every other layer comes from the cache.
    with open(project / source, "a") as f:
        f.write(change)
    second = _build(project, cache)
    assert second["stream_conf"] != first["stream_conf"]
    old_digests = {l["digest"] for l in first["layers"]}
    old_paths = {p["path"] for p in first["store_paths"]}
    new = [l for l in second["layers"] if l["digest"] not in old_digests]
    assert sorted(second["layers_streamed"]) == sorted(l["digest"] for l in new)
    assert new[-1] == second["layers"][-1]  # the customisation layer (links to the new outputs)
    assert all(p not in old_paths for l in new[:-1] for p in l["store_paths"])  # only new paths' layers
    assert 1 <= len(new) <= 4 < len(second["layers"])
    # The sizes of the paths the first image had come from its record: still Nix's own.
    sizes = {p["path"]: p["size"] for p in second["store_paths"]}
    assert list(sizes.values()) == [int(v) for v in run(["nix-store", "--query", "--size", *sizes]).stdout.split()]
    _same_as_full_stream(project, second, tmp_path / "full2.tar")
    if greeting is not None:
        out = run_image(Path(second["image"]), tmp_path / "run", [])
        assert greeting in out


def _snapshot(*dirs: Path) -> dict[str, tuple[int, int, int]]:
    """Every file and directory under ``dirs`` with its inode, size and mtime."""
    seen = {}
    for top in dirs:
        for root, subdirs, files in os.walk(top):
            for name in [*subdirs, *files]:
                st = os.lstat(os.path.join(root, name))
                seen[os.path.join(root, name)] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return seen


def test_a_rebuild_with_nothing_changed_writes_nothing(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    cache = tmp_path / "cache"
    first = _build(project, cache)
    assert first["unchanged"] is False
    before = _snapshot(project / "nixbuild-result", cache, project / ".nixbuild")
    again = _build(project, cache)
    assert again["unchanged"] is True and again["layers_streamed"] == []
    assert _snapshot(project / "nixbuild-result", cache, project / ".nixbuild") == before
    for key in ("image", "manifest_digest", "config_digest", "layers", "store_paths", "proof"):
        assert again[key] == first[key], key
    text = nixbuild("image", "-C", str(project), env=_env(cache))
    assert "layers:      unchanged: nothing written" in text.stdout

    # A file of the image that no longer matches its record: written again, from the cache.
    blob = Path(first["image"]) / "blobs" / "sha256" / first["layers"][0]["digest"].removeprefix("sha256:")
    blob.unlink()
    repaired = _build(project, cache)
    assert repaired["unchanged"] is False and repaired["layers_streamed"] == []
    assert blob.is_file() and repaired["manifest_digest"] == first["manifest_digest"]

    # A changed [test] table is run: the record says what the image was checked against.
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text() + '\n[test]\nname = "greets"\nstdout = "^Hello from nixbuild!$"\n')
    tested = _build(project, cache)
    assert tested["unchanged"] is False and [t["name"] for t in tested["tests"]] == ["greets"]
    assert _build(project, cache)["unchanged"] is True


def test_a_rebuild_of_several_targets_with_nothing_changed_writes_nothing(tmp_path: Path) -> None:
    """The multi-platform index too is left as it is when it is already this one."""
    project = copy_example("hello-c", tmp_path)
    cache = tmp_path / "cache"
    args = ("image", "-C", str(project), "-t", "x86_64-linux", "-t", "aarch64-linux")
    first = nixbuild(*args, env=_env(cache))
    assert first.returncode == 0, first.stderr
    before = _snapshot(project / "nixbuild-result", cache, project / ".nixbuild")
    again = nixbuild(*args, env=_env(cache))
    assert again.returncode == 0, again.stderr
    assert _snapshot(project / "nixbuild-result", cache, project / ".nixbuild") == before
    index = json.loads((project / "nixbuild-result" / "index" / "index.json").read_text())
    assert index["manifests"][0]["digest"].removeprefix("sha256:") in again.stdout

    # An index whose blob was removed is written again.
    blob = project / "nixbuild-result" / "index" / "blobs" / "sha256" / index["manifests"][0]["digest"].removeprefix(
        "sha256:")
    blob.unlink()
    assert nixbuild(*args, env=_env(cache)).returncode == 0 and blob.is_file()


def test_the_layout_links_the_cached_layers_and_the_archive_is_written_when_asked(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    cache = tmp_path / "cache"
    report = _build(project, cache)
    layout = Path(report["image"])
    assert report["archive"] is None and not layout.with_suffix(".tar").exists()
    for layer in report["layers"]:
        blob = layout / "blobs" / "sha256" / layer["digest"].removeprefix("sha256:")
        cached = cache / "layers" / "blobs" / "sha256" / blob.name
        assert os.path.samefile(blob, cached) and blob.stat().st_nlink >= 2  # a hard link, not a copy

    # --format docker-archive: NAME-TAG.tar beside the layout, the same image.
    archived = _build(project, cache, "--format", "docker-archive")
    archive = Path(archived["archive"])
    assert archive == layout.with_suffix(".tar") and archived["unchanged"] is True
    assert skopeo_inspect(archive)["Layers"] == [l["digest"] for l in report["layers"]]
    config = json.loads(run(["skopeo", "inspect", "--config", "--raw", image_ref(archive)]).stdout)
    assert "sha256:" + hashlib.sha256(run(["skopeo", "inspect", "--config", "--raw", image_ref(archive)]).stdout
                                      .encode()).hexdigest() == report["config_digest"]
    assert config["rootfs"]["diff_ids"] == [l["digest"] for l in report["layers"]]
    # [image] archive = true: on every build.
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace("[image]\n", "[image]\narchive = true\n", 1))
    with open(project / "hello.c", "a") as f:
        f.write("\n/* changed */\n")
    changed = _build(project, cache)
    assert changed["archive"] == str(archive) and skopeo_inspect(archive)["Layers"] == [
        l["digest"] for l in changed["layers"]]


def test_push_after_an_app_only_change_sends_only_the_changed_layers(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    cache = tmp_path / "cache"
    env = _env(cache)
    first = {l["digest"] for l in _build(project, cache)["layers"]}
    with serve_registry(tmp_path / "registry") as (address, data):
        ref = f"{address}/team/hello:1.0.0"
        assert nixbuild("push", "--no-tls-verify", ref, "-C", str(project), env=env).returncode == 0
        stored = _snapshot(data)
        with open(project / "hello.c", "a") as f:
            f.write("\n/* changed */\n")
        result = nixbuild("push", "--json", "--no-tls-verify", ref, "-C", str(project), env=env)
        assert result.returncode == 0, result.stderr
        report = _build(project, cache)  # nothing changed since the push: the record's report
        new_blobs = {p for p in _snapshot(data) if p not in stored and p.endswith("/data")}
        received = sum(os.path.getsize(p) for p in new_blobs)
        changed = sum(l["size"] for l in report["layers"] if l["digest"] not in first)
        assert 0 < changed < sum(l["size"] for l in report["layers"]) // 4
        # The new app layer, the customisation layer, the config and the manifest: nothing else.
        assert 0 < received <= changed + (1 << 20), (received, changed)
        assert len(new_blobs) <= 4
        pulled = json.loads(run(["skopeo", "inspect", "--tls-verify=false", f"docker://{ref}"]).stdout)
        assert len(pulled["Layers"]) == len(report["layers"])

"""verify's comparisons on real tar files and directories written here: which
layer and which member differ, and in what (content, mode, owner, mtime, link)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

from nixbuild.archivediff import (
    compare_archives,
    config_differences,
    diff_entries,
    tar_entries,
    tree_entries,
)

HASH_A = "a" * 32
HASH_B = "b" * 32


def _layer(files: dict[str, tuple[bytes, int, int, int]], links: dict[str, str] | None = None) -> bytes:
    """A layer tar: name → (content, mode, uid, mtime); symlinks name → target."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, (data, mode, uid, mtime) in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.uid, info.gid, info.mtime = len(data), mode, uid, uid, mtime
            tar.addfile(info, io.BytesIO(data))
        for name, target in sorted((links or {}).items()):
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
            tar.addfile(info)
    return out.getvalue()


def _archive(path: Path, layers: list[bytes], config: dict | None = None) -> Path:  # type: ignore[type-arg]
    diff_ids = ["sha256:" + hashlib.sha256(layer).hexdigest() for layer in layers]
    config_bytes = json.dumps({"architecture": "amd64", "os": "linux", "config": config or {},
                               "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    names = [f"{d.removeprefix('sha256:')}/layer.tar" for d in diff_ids]
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    manifest = json.dumps([{"Config": config_name, "RepoTags": ["x:1"], "Layers": names}]).encode()
    with tarfile.open(path, "w") as tar:
        for name, data in [(config_name, config_bytes), ("manifest.json", manifest), *zip(names, layers, strict=True)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


BASE = {
    f"nix/store/{HASH_A}-hello-1.0.0-bin/bin/hello": (b"\x7fELF hello", 0o555, 0, 1),
    f"nix/store/{HASH_A}-hello-1.0.0-bin/bin/stamp": (b"123", 0o444, 0, 1),
}


def test_identical_archives_compare_identical(tmp_path: Path) -> None:
    layers = [_layer(BASE), _layer({"etc/passwd": (b"root:x:0:0", 0o644, 0, 1)})]
    a = _archive(tmp_path / "a.tar", layers, {"User": "65532"})
    b = _archive(tmp_path / "b.tar", layers, {"User": "65532"})
    comparison = compare_archives(a, b)
    assert comparison.identical
    assert comparison.first_config == comparison.second_config and comparison.layers == ()


def test_a_differing_layer_is_named_with_its_store_path_and_member(tmp_path: Path) -> None:
    other = dict(BASE)
    other[f"nix/store/{HASH_A}-hello-1.0.0-bin/bin/stamp"] = (b"456", 0o444, 0, 1)
    common = _layer({"etc/passwd": (b"root:x:0:0", 0o644, 0, 1)})
    a = _archive(tmp_path / "a.tar", [common, _layer(BASE)])
    b = _archive(tmp_path / "b.tar", [common, _layer(other)])
    comparison = compare_archives(a, b)
    assert not comparison.identical
    (layer,) = comparison.layers
    assert layer.index == 1
    assert layer.store_paths == (f"/nix/store/{HASH_A}-hello-1.0.0-bin",)
    assert layer.first_digest != layer.second_digest
    (diff,) = layer.files
    assert diff.path.endswith("bin/stamp") and diff.fields == ("content",)
    assert comparison.config_fields == ("rootfs.diff_ids[1]",)


def test_mode_owner_mtime_and_link_differences_are_told_apart() -> None:
    a = tar_entries(io.BytesIO(_layer({"f": (b"x", 0o644, 0, 1), "g": (b"y", 0o644, 0, 1)}, {"l": "/a"})))
    b = tar_entries(io.BytesIO(_layer({"f": (b"x", 0o755, 7, 1), "g": (b"y", 0o644, 0, 99)}, {"l": "/b"})))
    diffs = {d.path: d.fields for d in diff_entries(a, b)}
    assert diffs == {"f": ("mode", "owner"), "g": ("mtime",), "l": ("link",)}


def test_members_are_matched_across_store_hashes() -> None:
    """Two builds at different store paths: the files inside are still compared pairwise."""
    moved = {k.replace(HASH_A, HASH_B): v for k, v in BASE.items()}
    moved[f"nix/store/{HASH_B}-hello-1.0.0-bin/bin/hello"] = (b"\x7fELF other", 0o555, 0, 1)
    diffs = diff_entries(tar_entries(io.BytesIO(_layer(BASE))), tar_entries(io.BytesIO(_layer(moved))))
    assert [(d.path, d.fields) for d in diffs] == [(f"nix/store/{HASH_A}-hello-1.0.0-bin/bin/hello", ("content",))]


def test_files_only_in_one_build_are_listed() -> None:
    extra = {**BASE, "tmp/new": (b"", 0o644, 0, 1)}
    diffs = diff_entries(tar_entries(io.BytesIO(_layer(BASE))), tar_entries(io.BytesIO(_layer(extra))))
    assert [(d.path, d.fields) for d in diffs] == [("tmp/new", ("only in second",))]


def test_store_output_trees_compare_content_mode_and_links(tmp_path: Path) -> None:
    for name, stamp, target in (("out", "1", "hello"), ("out.check", "2", "other")):
        root = tmp_path / name
        (root / "bin").mkdir(parents=True)
        (root / "bin" / "hello").write_bytes(b"same")
        (root / "bin" / "stamp").write_text(stamp)
        os.symlink(target, root / "bin" / "link")
    (tmp_path / "out.check" / "bin" / "hello").chmod(0o700)
    for path in sorted(tmp_path.rglob("*"), reverse=True):  # the store's mtime, so that only what differs differs
        os.utime(path, (1, 1), follow_symlinks=False)
    os.utime(tmp_path / "out.check" / "bin" / "stamp", (2, 2))
    diffs = {d.path: d.fields for d in diff_entries(tree_entries(tmp_path / "out"), tree_entries(tmp_path / "out.check"))}
    assert diffs == {"bin/hello": ("mode",), "bin/link": ("link",), "bin/stamp": ("content", "mtime")}


def test_config_differences_name_json_paths() -> None:
    a = {"config": {"Entrypoint": ["/nix/store/x/bin/hello"], "Env": ["A=1"]}, "created": "1970"}
    b = {"config": {"Entrypoint": ["/nix/store/y/bin/hello"], "Env": ["A=1"]}, "created": "1970", "extra": 1}
    assert config_differences(a, b) == ("config.Entrypoint[0]", "extra")
    assert config_differences(a, a) == ()


def test_a_rebuilt_layer_that_moved_is_matched_by_its_store_path_names(tmp_path: Path) -> None:
    """Layers are ordered by popularity, ties by path: a new hash can swap two layers."""
    certs = _layer({f"nix/store/{HASH_B}-ca-certificates/etc/ca.crt": (b"certs", 0o444, 0, 1)})
    moved = {k.replace(HASH_A, "c" * 32): v for k, v in BASE.items()}
    moved[f"nix/store/{'c' * 32}-hello-1.0.0-bin/bin/stamp"] = (b"456", 0o444, 0, 1)
    a = _archive(tmp_path / "a.tar", [_layer(BASE), certs])
    b = _archive(tmp_path / "b.tar", [certs, _layer(moved)])
    (layer,) = compare_archives(a, b).layers
    assert (layer.index, layer.second_index) == (0, 1)
    assert layer.label == "layer 0 (1 in the second build)"
    assert [(d.path.rsplit("/", 1)[-1], d.fields) for d in layer.files] == [("stamp", ("content",))]


def test_a_layer_only_in_one_image_is_reported(tmp_path: Path) -> None:
    extra = _layer({"etc/extra": (b"x", 0o644, 0, 1)})
    a = _archive(tmp_path / "a.tar", [_layer(BASE)])
    b = _archive(tmp_path / "b.tar", [_layer(BASE), extra])
    (layer,) = compare_archives(a, b).layers
    assert (layer.index, layer.second_index, layer.first_digest) == (None, 1, None)
    assert [(d.path, d.fields) for d in layer.files] == [("etc/extra", ("only in second",))]


def test_a_differing_tar_in_a_rebuilt_output_is_compared_member_by_member(tmp_path: Path) -> None:
    """The customisation layer's output is a layer.tar: name the member that differs."""
    from nixbuild.verify import _output_files

    for name, mode in (("out", 0o755), ("out.check", 0o700)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "layer.tar").write_bytes(_layer({"home/nonroot/.keep": (b"", mode, 65532, 1)}))
    diffs = {d.path: d.fields for d in _output_files(str(tmp_path / "out"), str(tmp_path / "out.check"))}
    assert diffs == {"layer.tar": ("content",), "layer.tar:home/nonroot/.keep": ("mode",)}
    assert _output_files(str(tmp_path / "out"), None) == ()

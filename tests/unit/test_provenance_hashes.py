"""The source-tree hash against the shell pipeline in-toto documents for dirHash,
and Nix's sha256 encodings against nix-hash."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pytest

from nixbuild import provenance
from tests.conftest import nix_available, run

DIRHASH_PIPELINE = ("find . -type f {excludes} | cut -c3- | LC_ALL=C sort | xargs -r -d '\\n' sha256sum "
                    "| sha256sum | cut -f1 -d' '")
EXCLUDES = ("-not -path './.nixbuild/*' -not -path './nixbuild-result/*' -not -path './result*' "
            "-not -path '*/.git/*'")


def _pipeline(root: Path) -> str:
    return run(["bash", "-c", DIRHASH_PIPELINE.format(excludes=EXCLUDES)], cwd=root, env=dict(os.environ)).stdout.strip()


def _tree(root: Path) -> None:
    for rel, text in {
        "nixbuild.toml": "version = 1\n", "src/main.c": "int main(){}\n", "src/Ä ü.txt": "unicode name\n",
        "B/upper.txt": "sorted by bytes\n", "a b/space.txt": "x", ".hidden": "dot file\n",
        ".nixbuild/default.nix": "{}", "nixbuild-result/x/img.tar": "tar", "result/bin/x": "link target",
        "result-bin": "out link", ".git/HEAD": "ref", "sub/.git/config": "sub", "empty": "",
    }.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    os.symlink("src/main.c", root / "link-to-file")  # not a regular file for find -type f: not hashed


def test_tree_hash_equals_the_dirhash_shell_pipeline(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert provenance.tree_hash(tmp_path) == _pipeline(tmp_path)
    files = provenance.tree_files(tmp_path)
    assert "src/main.c" in files and ".hidden" in files and "empty" in files
    assert not [f for f in files if f.startswith((".nixbuild", "nixbuild-result", "result")) or ".git" in f.split("/")]
    assert "link-to-file" not in files


def test_tree_hash_changes_with_content_and_names_but_not_with_excluded_files(tmp_path: Path) -> None:
    _tree(tmp_path)
    before = provenance.tree_hash(tmp_path)
    (tmp_path / ".nixbuild" / "new.nix").write_text("{ }")
    (tmp_path / ".git" / "index").write_text("changed")
    assert provenance.tree_hash(tmp_path) == before
    (tmp_path / "src" / "main.c").write_text("int main(){return 1;}\n")
    changed = provenance.tree_hash(tmp_path)
    assert changed != before and changed == _pipeline(tmp_path)
    (tmp_path / "src" / "main.c").rename(tmp_path / "src" / "main2.c")
    assert provenance.tree_hash(tmp_path) not in (before, changed)


@pytest.mark.skipif(not nix_available(), reason="needs nix-hash")
def test_nix_sha256_encodings_all_give_the_hex() -> None:
    digest = hashlib.sha256(b"nixpkgs tarball").digest()
    nix32 = run(["nix-hash", "--type", "sha256", "--to-base32", digest.hex()]).stdout.strip()
    sri = "sha256-" + base64.b64encode(digest).decode()
    for form in (digest.hex(), nix32, "sha256:" + nix32, sri):
        assert provenance.nix_sha256_hex(form) == digest.hex()
    with pytest.raises(ValueError):
        provenance.nix_sha256_hex("sha256-" + base64.b64encode(b"short").decode())


def test_statement_records_lock_overlays_and_pin() -> None:
    from nixbuild.image import ImageInfo

    image = ImageInfo(path=Path("x.tar"), size=0, repo_tags=("app:2",), architecture="amd64", os="linux",
                      variant=None, config={}, config_digest="sha256:" + "1" * 64, layers=())
    pin = provenance.NixpkgsPin("lock", url="https://example.org/nixpkgs.tar.gz",
                                sha256="sha256-" + base64.b64encode(bytes(range(32))).decode())
    args = dict(archive_name="x.tar", archive_sha256="2" * 64, target="aarch64-linux", config_name="nixbuild.toml",
                config_sha256="3" * 64, nixpkgs=pin, source_tree_hash="4" * 64, lock_sha256="5" * 64,
                overlays=[("overlays/b.nix", "7" * 64), ("overlays/a.nix", "6" * 64)], nix_version="2.18.1")
    doc = __import__("json").loads(provenance.statement(image, **args))
    deps = doc["predicate"]["buildDefinition"]["resolvedDependencies"]
    assert deps[0] == {"name": "nixpkgs", "uri": "https://example.org/nixpkgs.tar.gz",
                       "digest": {"narSha256": bytes(range(32)).hex()}, "annotations": {"source": "lock"}}
    assert [d["name"] for d in deps] == ["nixpkgs", "nixbuild.lock", "source", "overlays/a.nix", "overlays/b.nix"]
    assert deps[1]["digest"] == {"sha256": "5" * 64}
    assert [s["name"] for s in doc["subject"]] == ["app:2", "x.tar"]  # no manifest digest given
    assert provenance.statement(image, **args) == provenance.statement(image, **args)

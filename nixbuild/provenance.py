"""SLSA provenance v1 of an image, as an in-toto Statement v1 (https://slsa.dev/provenance/v1).

Subjects (what the statement is about):
- the image reference (``hello:1.0.0``) with the sha256 of the docker-archive's
  image *config* — the image ID. ``nixbuild push`` (Docker v2s2) and ``podman
  load`` keep that config blob, so it is the ID a registry and ``podman images``
  show, whatever the transport does to the layers (skopeo gzips them on push,
  which gives the registry manifest its own digest);
- the docker-archive file nixbuild wrote, with the sha256 of its bytes;
- the image reference with the sha256 of its OCI image *manifest*, as in the
  OCI layout nixbuild writes (uncompressed layers, the config blob unchanged),
  when the caller passes it.

buildDefinition.externalParameters: the target and the config file (path +
sha256). resolvedDependencies: the package set pin (URL + sha256 for a
locked nixpkgs; a tree hash for hostpkgs; just the source name for a channel),
the lock file, the source tree (``dirHash``: in-toto's directory hash, see
``tree_hash``), and each overlay file. runDetails.builder: an id and the
versions of nixbuild and Nix. Nothing time- or host-dependent is recorded, so
the same inputs give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nixbuild import __version__, readfile
from nixbuild.image import ImageInfo
from nixbuild.nixstore import nar_sha256_hex

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
BUILD_TYPE = "https://github.com/nixbuild/nixbuild/blob/main/docs/provenance.md#image-v1"
DEFAULT_BUILDER_ID = "urn:nixbuild:builder:local"
# Not part of the source tree: nixbuild's outputs, nix-build result links, VCS data.
EXCLUDED_TOP = (".nixbuild", "nixbuild-result")
EXCLUDED_ANYWHERE = (".git",)


@dataclass(frozen=True)
class NixpkgsPin:
    source: str  # "lock" | "hostpkgs" | "channel" | "path"
    url: str | None = None  # lock: the tarball URL; path: the directory
    sha256: str | None = None  # lock: the tarball's sha256 (any Nix encoding, as locked)
    tree_hash: str | None = None  # hostpkgs: dirHash of nix/hostpkgs


def sha256_file(path: Path) -> str:
    """sha256 (hex) of a file; one line (exit 2) when it cannot be read."""
    return readfile.sha256(path, hint="provenance hashes every file of the project: make it readable")


def _excluded(rel_parts: tuple[str, ...]) -> bool:
    top = rel_parts[0]
    if top in EXCLUDED_TOP or top.startswith("result"):
        return True
    return any(part in EXCLUDED_ANYWHERE for part in rel_parts)


def tree_files(root: Path) -> list[str]:
    """Regular files under root (symlinks not followed nor listed), as sorted POSIX paths, exclusions applied."""
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        dirnames[:] = [d for d in dirnames if not _excluded((rel_dir / d).parts)]
        for name in filenames:
            rel = rel_dir / name
            if not _excluded(rel.parts) and (root / rel).is_file() and not (root / rel).is_symlink():
                files.append(rel.as_posix())
    return sorted(files, key=lambda p: p.encode())


def tree_hash(root: Path) -> str:
    """in-toto ``dirHash`` (Go's dirhash Hash1 in hex): sha256 of the lines "<sha256>  <path>\\n" of every
    regular file, sorted by path bytes. Equal to
    ``find . -type f | cut -c3- | LC_ALL=C sort | xargs -r sha256sum | sha256sum``."""
    summary = hashlib.sha256()
    for rel in tree_files(root):
        if "\n" in rel:
            raise ValueError(f"{root / rel}: file names with newlines cannot be hashed")
        summary.update(f"{sha256_file(root / rel)}  {rel}\n".encode())
    return summary.hexdigest()


def nix_sha256_hex(value: str) -> str:
    """A sha256 as Nix writes it (hex, Nix base-32, SRI ``sha256-<base64>``, optionally ``sha256:``) → hex."""
    text = value.strip().removeprefix("sha256:")
    if text.startswith("sha256-"):
        raw = base64.b64decode(text[len("sha256-"):], validate=True)
        if len(raw) != 32:
            raise ValueError(f"not a sha256: {value!r}")
        return raw.hex()
    return nar_sha256_hex("sha256:" + text)


def _hex(digest: str) -> str:
    algo, _, value = digest.partition(":")
    assert algo == "sha256" and len(value) == 64, digest
    return value


def _nixpkgs_descriptor(pin: NixpkgsPin) -> dict[str, object]:
    descriptor: dict[str, object] = {"name": "nixpkgs"}
    if pin.source == "lock":
        if pin.url:
            descriptor["uri"] = pin.url
        if pin.sha256:
            # fetchTarball's sha256 is the NAR hash of the unpacked tree, not of the URL's bytes.
            descriptor["digest"] = {"narSha256": nix_sha256_hex(pin.sha256)}
    elif pin.source == "hostpkgs":
        descriptor["uri"] = "urn:nixbuild:hostpkgs"
        if pin.tree_hash:
            descriptor["digest"] = {"dirHash": pin.tree_hash}
    elif pin.source == "path" and pin.url:
        descriptor["uri"] = Path(pin.url).as_uri()
    descriptor["annotations"] = {"source": pin.source}
    return descriptor


def statement(
    image: ImageInfo,
    *,
    archive_name: str,
    archive_sha256: str,
    target: str,
    config_name: str,
    config_sha256: str,
    nixpkgs: NixpkgsPin,
    source_tree_hash: str,
    lock_sha256: str | None = None,
    overlays: Sequence[tuple[str, str]] = (),  # (path relative to the project, sha256)
    manifest_digest: str | None = None,  # "sha256:…" of the OCI manifest, if known
    nix_version: str,
    builder_id: str = DEFAULT_BUILDER_ID,
) -> bytes:
    """The provenance statement as deterministic JSON bytes."""
    reference = image.repo_tags[0] if image.repo_tags else archive_name
    subjects: list[dict[str, object]] = [
        {"name": reference, "digest": {"sha256": _hex(image.config_digest)},
         "annotations": {"kind": "image-config"}},
        {"name": archive_name, "digest": {"sha256": archive_sha256},
         "annotations": {"kind": "docker-archive"}},
    ]
    if manifest_digest is not None:
        subjects.append({"name": reference, "digest": {"sha256": _hex(manifest_digest)},
                         "annotations": {"kind": "oci-manifest"}})
    dependencies: list[dict[str, object]] = [_nixpkgs_descriptor(nixpkgs)]
    if lock_sha256 is not None:
        dependencies.append({"name": "nixbuild.lock", "digest": {"sha256": lock_sha256}})
    dependencies.append({"name": "source", "uri": "file:.", "digest": {"dirHash": source_tree_hash}})
    for path, digest in sorted(overlays):
        dependencies.append({"name": path, "digest": {"sha256": digest}, "annotations": {"kind": "overlay"}})
    document = {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {
                    "target": target,
                    "config": {"path": config_name, "digest": {"sha256": config_sha256}},
                },
                "internalParameters": {"nixpkgsSource": nixpkgs.source},
                "resolvedDependencies": dependencies,
            },
            "runDetails": {
                "builder": {"id": builder_id, "version": {"nixbuild": __version__, "nix": nix_version}},
            },
        },
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()

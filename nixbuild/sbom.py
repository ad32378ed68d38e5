"""SBOMs of an image: SPDX 2.3 JSON and CycloneDX 1.5 JSON, one element per store path.

Inputs are plain data: the image (``ImageInfo`` from the docker-archive) and
the facts of each of its store paths (``nixstore.StoreFacts``: NAR size and
sha256, references), plus an optional map store path → SPDX license
expression. The image is the root element (SPDX: the package the document
DESCRIBES; CycloneDX: ``metadata.component``), identified by its config digest
(the image ID). Each store path is a package/component named and versioned by
Nix's ``builtins.parseDrvName`` rule, with its output name, store hash and NAR
sha256; references become DEPENDS_ON relationships / ``dependencies``.

Output is deterministic: same inputs ⇒ same bytes. The creation time is
SOURCE_DATE_EPOCH (or 1970-01-01T00:00:01Z, the image's own default), and the
SPDX namespace and CycloneDX serial number derive from the image digest.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nixbuild import __version__, sourcedate
from nixbuild.image import ImageInfo
from nixbuild.nixstore import StoreFacts

SPDX_VERSION = "SPDX-2.3"
CYCLONEDX_VERSION = "1.5"
DEFAULT_CREATED = sourcedate.DEFAULT
NOASSERTION = "NOASSERTION"
# Output names nixpkgs' multiple-output packages use; a store name ending in
# "-<one of these>" is that output, anything else is "out".
KNOWN_OUTPUTS = ("bin", "dev", "lib", "man", "doc", "devdoc", "info", "static", "debug", "include", "out")
# Fixed namespace for uuid5 serial numbers (uuid5(NAMESPACE_URL, "nixbuild:sbom")).
_SERIAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "nixbuild:sbom")


@dataclass(frozen=True)
class StoreName:
    hash: str  # the 32-character store hash
    name: str  # package name per builtins.parseDrvName
    version: str | None  # None when the name has no version
    output: str  # "out" unless the store name ends in a known output name


def parse_store_path(path: str) -> StoreName:
    """``/nix/store/<hash>-<name>-<version>[-<output>]`` → its parts.

    The version starts at the first ``-`` not followed by a letter
    (``builtins.parseDrvName``); a trailing ``-bin``/``-lib``/``-dev``/… of the
    version names the output. Versionless names keep their suffix (``fake-nss``).
    """
    base = path.rstrip("/").rsplit("/", 1)[-1]
    store_hash, sep, full = base.partition("-")
    if not sep or len(store_hash) != 32 or not full:
        raise ValueError(f"not a store path: {path!r}")
    name, version = full, None
    for i, char in enumerate(full):
        if char == "-" and i + 1 < len(full) and not full[i + 1].isalpha():
            name, version = full[:i], full[i + 1:]
            break
    output = "out"
    if version is not None:
        head, dash, tail = version.rpartition("-")
        if dash and tail in KNOWN_OUTPUTS:
            version, output = head, tail
    return StoreName(hash=store_hash, name=name, version=version, output=output)


def _image_name_version(image: ImageInfo) -> tuple[str, str]:
    ref = image.repo_tags[0] if image.repo_tags else ""
    name, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "")
    return (name or "image"), (tag or "latest")


def _hex(digest: str) -> str:
    algo, _, value = digest.partition(":")
    assert algo == "sha256" and len(value) == 64, digest
    return value


def _check_facts(image: ImageInfo, facts: Sequence[StoreFacts]) -> list[StoreFacts]:
    ordered = sorted(facts, key=lambda f: f.path)
    if [f.path for f in ordered] != list(image.store_paths):
        raise ValueError("store facts do not match the image's store paths")
    return ordered


def _dumps(document: object) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


def _spdx_id(facts: StoreFacts) -> str:
    parsed = parse_store_path(facts.path)
    safe = "".join(c if c.isalnum() or c in ".-" else "-" for c in f"{parsed.name}-{parsed.output}")
    return f"SPDXRef-StorePath-{parsed.hash}-{safe}"


def spdx(image: ImageInfo, facts: Sequence[StoreFacts], *, licenses: Mapping[str, str] = {},
         created: str = DEFAULT_CREATED) -> bytes:
    """SPDX 2.3 JSON document of the image and its store paths."""
    ordered = _check_facts(image, facts)
    name, tag = _image_name_version(image)
    digest = _hex(image.config_digest)
    image_id = "SPDXRef-Image"
    packages: list[dict[str, object]] = [{
        "SPDXID": image_id,
        "name": name,
        "versionInfo": tag,
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": False,
        "checksums": [{"algorithm": "SHA256", "checksumValue": digest}],
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": NOASSERTION,
        "copyrightText": NOASSERTION,
        "primaryPackagePurpose": "CONTAINER",
        "comment": f"OCI image {name}:{tag}, config digest {image.config_digest}, "
                   f"{image.os}/{image.architecture}{'/' + image.variant if image.variant else ''}",
    }]
    relationships: list[dict[str, str]] = [
        {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": image_id},
    ]
    ids = {f.path: _spdx_id(f) for f in ordered}
    for f in ordered:
        parsed = parse_store_path(f.path)
        package: dict[str, object] = {"SPDXID": ids[f.path], "name": parsed.name}
        if parsed.version is not None:
            package["versionInfo"] = parsed.version
        license_id = licenses.get(f.path, NOASSERTION)
        package.update({
            "packageFileName": f.path,
            "downloadLocation": NOASSERTION,
            "filesAnalyzed": False,
            "checksums": [{"algorithm": "SHA256", "checksumValue": f.nar_sha256}],
            "licenseConcluded": license_id,
            "licenseDeclared": license_id,
            "copyrightText": NOASSERTION,
            "comment": f"Nix store path {f.path}; store hash {parsed.hash}; output {parsed.output}; "
                       f"NAR size {f.nar_size} bytes; checksum is the NAR sha256",
        })
        packages.append(package)
        relationships.append({"spdxElementId": image_id, "relationshipType": "CONTAINS",
                              "relatedSpdxElement": ids[f.path]})
    for f in ordered:
        for ref in f.references:
            if ref in ids:
                relationships.append({"spdxElementId": ids[f.path], "relationshipType": "DEPENDS_ON",
                                      "relatedSpdxElement": ids[ref]})
    document = {
        "spdxVersion": SPDX_VERSION,
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": f"{name}:{tag}",
        "documentNamespace": f"https://spdx.org/spdxdocs/nixbuild-{name.replace('/', '-')}-{tag}-{digest}",
        "creationInfo": {"created": created, "creators": [f"Tool: nixbuild-{__version__}"]},
        "packages": packages,
        "relationships": relationships,
    }
    return _dumps(document)


def cyclonedx(image: ImageInfo, facts: Sequence[StoreFacts], *, licenses: Mapping[str, str] = {},
              created: str = DEFAULT_CREATED) -> bytes:
    """CycloneDX 1.5 JSON BOM of the image (metadata.component) and its store paths (components)."""
    ordered = _check_facts(image, facts)
    name, tag = _image_name_version(image)
    image_ref = f"image:{image.config_digest}"
    components = []
    for f in ordered:
        parsed = parse_store_path(f.path)
        component: dict[str, object] = {"type": "library", "bom-ref": f.path, "name": parsed.name}
        if parsed.version is not None:
            component["version"] = parsed.version
        component["hashes"] = [{"alg": "SHA-256", "content": f.nar_sha256}]
        if f.path in licenses:
            component["licenses"] = [{"expression": licenses[f.path]}]
        component["properties"] = [
            {"name": "nixbuild:nix:store-path", "value": f.path},
            {"name": "nixbuild:nix:store-hash", "value": parsed.hash},
            {"name": "nixbuild:nix:output", "value": parsed.output},
            {"name": "nixbuild:nix:nar-size", "value": str(f.nar_size)},
        ]
        components.append(component)
    paths = {f.path for f in ordered}
    dependencies = [{"ref": image_ref, "dependsOn": [f.path for f in ordered]}]
    dependencies += [{"ref": f.path, "dependsOn": [r for r in f.references if r in paths]} for f in ordered]
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": CYCLONEDX_VERSION,
        "serialNumber": "urn:uuid:" + str(uuid.uuid5(_SERIAL_NAMESPACE, image.config_digest)),
        "version": 1,
        "metadata": {
            "timestamp": created,
            "tools": {"components": [{"type": "application", "name": "nixbuild", "version": __version__}]},
            "component": {
                "type": "container",
                "bom-ref": image_ref,
                "name": name,
                "version": tag,
                "hashes": [{"alg": "SHA-256", "content": _hex(image.config_digest)}],
                "properties": [
                    {"name": "nixbuild:image:config-digest", "value": image.config_digest},
                    {"name": "nixbuild:image:os", "value": image.os},
                    {"name": "nixbuild:image:architecture", "value": image.architecture},
                ],
            },
        },
        "components": components,
        "dependencies": dependencies,
    }
    return _dumps(document)

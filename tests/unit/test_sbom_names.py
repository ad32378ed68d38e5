"""Store-name parsing against Nix's own builtins.parseDrvName, and Nix base-32 against nix-hash."""

from __future__ import annotations

import hashlib
import json

import pytest

from nixbuild import nixstore, sbom, sourcedate
from nixbuild.errors import UsageError
from tests.conftest import nix_available, run

NAMES = [
    "hello-1.0.0", "hello-1.0.0-bin", "openssl-3.0.13-dev", "glibc-2.39-52", "glibc-2.39-52-bin",
    "fake-nss", "nss-cacert-host", "ca-certificates", "python3.11-requests-2.31.0", "go-1.22.1",
    "util-linux-minimal-2.39.3-lib", "nsswitch.conf", "hello-", "foo-1-", "x-_y-2", "gcc-wrapper-13.2.0-man",
    "zlib-1.3.1-static", "a-b-c", "libxml2-2.12.5-py",
]


@pytest.mark.nix
@pytest.mark.skipif(not nix_available(), reason="needs nix-instantiate")
def test_name_and_version_follow_builtins_parseDrvName() -> None:
    expr = "builtins.map builtins.parseDrvName " + "[ " + " ".join(json.dumps(n) for n in NAMES) + " ]"
    expected = json.loads(run(["nix-instantiate", "--eval", "--strict", "--json", "--expr", expr]).stdout)
    for full, nix in zip(NAMES, expected, strict=True):
        parsed = sbom.parse_store_path("/nix/store/" + "0" * 32 + "-" + full)
        # Our version drops a trailing output name; put it back to compare with Nix.
        version = parsed.version if parsed.output == "out" or parsed.version is None else f"{parsed.version}-{parsed.output}"
        if parsed.version is None:
            assert (parsed.name, "") == (nix["name"], nix["version"]), full
        else:
            assert (parsed.name, version) == (nix["name"], nix["version"]), full


def test_output_suffix_names_the_output() -> None:
    base = "/nix/store/" + "a" * 32 + "-"
    assert sbom.parse_store_path(base + "hello-1.0.0-bin").output == "bin"
    assert sbom.parse_store_path(base + "hello-1.0.0-bin").version == "1.0.0"
    assert sbom.parse_store_path(base + "hello-1.0.0").output == "out"
    assert sbom.parse_store_path(base + "fake-nss").output == "out"
    with pytest.raises(ValueError):
        sbom.parse_store_path("/nix/store/short-name")


@pytest.mark.nix
@pytest.mark.skipif(not nix_available(), reason="needs nix-hash")
def test_nix32_decoding_agrees_with_nix_hash() -> None:
    hexes = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(20)]
    for hex_digest in hexes:
        nix32 = run(["nix-hash", "--type", "sha256", "--to-base32", hex_digest]).stdout.strip()
        assert nixstore.nar_sha256_hex("sha256:" + nix32) == hex_digest
    assert nixstore.nar_sha256_hex("sha256:" + hexes[0]) == hexes[0]
    with pytest.raises(ValueError):
        nixstore.nar_sha256_hex("sha256:" + "e" * 52)  # 'e' is not in Nix's alphabet


def test_created_uses_source_date_epoch() -> None:
    assert sourcedate.from_epoch(None) == "1970-01-01T00:00:01Z"
    assert sourcedate.from_epoch("0") == "1970-01-01T00:00:00Z"
    assert sourcedate.from_epoch("86401") == "1970-01-02T00:00:01Z"
    with pytest.raises(UsageError):
        sourcedate.from_epoch("yesterday")

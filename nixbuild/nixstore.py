"""Store-path facts for SBOMs: NAR hash, NAR size and references of each path,
from one ``nix path-info`` call through nix.py's ``Nix``. ``nar_sha256_hex``
turns the hash forms Nix prints (SRI base64, ``sha256:<nix-base32>``) into the
lowercase hex SBOM formats expect."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from nixbuild.nix import Nix

# Nix's base-32 alphabet (no e, o, u, t), least significant digit last.
_NIX32 = "0123456789abcdfghijklmnpqrsvwxyz"


@dataclass(frozen=True)
class StoreFacts:
    path: str  # /nix/store/<hash>-<name>
    nar_size: int  # bytes of the path's NAR serialisation
    nar_sha256: str  # lowercase hex sha256 of the NAR
    references: tuple[str, ...]  # store paths this path refers to (itself excluded), sorted


def nix32_decode(text: str) -> bytes:
    """Decode Nix's base-32 (``nix-hash --to-base32`` output) into bytes."""
    size = len(text) * 5 // 8
    out = bytearray(size)
    for n, char in enumerate(reversed(text)):
        digit = _NIX32.find(char)
        if digit < 0:
            raise ValueError(f"invalid Nix base-32 character {char!r} in {text!r}")
        bit = n * 5
        i, j = divmod(bit, 8)
        out[i] |= (digit << j) & 0xFF
        if i + 1 < size:
            out[i + 1] |= digit >> (8 - j)
        elif digit >> (8 - j):
            raise ValueError(f"invalid Nix base-32 hash {text!r} (bits beyond its length)")
    return bytes(out)


def nar_sha256_hex(value: str) -> str:
    """``sha256:<nix-base32>``, ``sha256:<hex>`` (nix-store) or ``sha256-<base64>`` (SRI) → lowercase hex."""
    value = value.strip()
    if value.startswith("sha256-"):
        raw = base64.b64decode(value[len("sha256-"):], validate=True)
        if len(raw) != 32:
            raise ValueError(f"not a sha256 NAR hash: {value!r}")
        return raw.hex()
    algo, _, digest = value.partition(":")
    if algo != "sha256" or not digest:
        raise ValueError(f"not a sha256 NAR hash: {value!r}")
    if len(digest) == 64:
        return digest.lower()
    raw = nix32_decode(digest)
    if len(raw) != 32:
        raise ValueError(f"not a sha256 NAR hash: {value!r}")
    return raw.hex()


def collect_store_facts(nix: Nix, paths: Sequence[str]) -> tuple[StoreFacts, ...]:
    """Size, NAR hash and references of each path, sorted by path (one `nix path-info`)."""
    infos = {i.path: i for i in nix.path_info(sorted(set(paths)))}
    return tuple(
        StoreFacts(path=p, nar_size=i.nar_size, nar_sha256=nar_sha256_hex(i.nar_hash), references=i.references)
        for p, i in sorted(infos.items())
    )

"""Store-path facts for SBOMs: NAR hash, NAR size and references of each path.

The queries go through the ``Nix`` object's own runner and environment (the
same ``Runner`` that nix.py uses, echoed in verbose mode), so no subprocess is
started here. ``nix-store --query --hash`` prints ``sha256:<nix-base32>``;
``nar_sha256_hex`` turns that into the lowercase hex SBOM formats expect.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from nixbuild.errors import NixFailedError, NixMissingError
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
    """``sha256:<nix-base32>`` or ``sha256:<hex>`` (as printed by nix-store) → lowercase hex."""
    algo, _, digest = value.strip().partition(":")
    if algo != "sha256" or not digest:
        raise ValueError(f"not a sha256 NAR hash: {value!r}")
    if len(digest) == 64:
        return digest.lower()
    raw = nix32_decode(digest)
    if len(raw) != 32:
        raise ValueError(f"not a sha256 NAR hash: {value!r}")
    return raw.hex()


def nar_hashes(nix: Nix, paths: Sequence[str]) -> dict[str, str]:
    """NAR sha256 (hex) of each store path, from ``nix-store --query --hash``."""
    if not paths:
        return {}
    args = ["nix-store", "--query", "--hash", *paths]
    if nix.verbose:
        nix.log("+ " + shlex.join(args))
    try:
        result = nix.runner(args, env=nix.env)
    except FileNotFoundError as exc:
        raise NixMissingError("nix-store not found: Nix is not installed or not on PATH",
                              hint="install Nix (Debian/Ubuntu: apt-get install nix-bin) and re-run") from exc
    if result.returncode != 0:
        first = next((l.strip() for l in result.stderr.splitlines() if l.strip()), f"exit {result.returncode}")
        raise NixFailedError(f"nix-store --query --hash failed: {first}",
                             hint="are these paths still in the store? rebuild the image and re-run")
    values = result.stdout.split()
    return {path: nar_sha256_hex(value) for path, value in zip(paths, values, strict=True)}


def collect_store_facts(nix: Nix, paths: Sequence[str]) -> tuple[StoreFacts, ...]:
    """Size, NAR hash and references of each path, sorted by path."""
    ordered = sorted(set(paths))
    sizes = nix.sizes(ordered)
    hashes = nar_hashes(nix, ordered)
    facts = []
    for path in ordered:
        refs = tuple(sorted(r for r in nix.references(path) if r != path))
        facts.append(StoreFacts(path=path, nar_size=sizes[path], nar_sha256=hashes[path], references=refs))
    return tuple(facts)

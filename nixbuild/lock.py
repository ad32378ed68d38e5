"""nixbuild.lock: the nixpkgs pin and the hashes of the overlays a project applies.

The lock (JSON, ``version`` 1) records
- ``settings``: the [nixpkgs] table it was made for (source, path, overlay
  globs, nixbuild-overlays), so a changed table makes it stale;
- ``nixpkgs``: for ``source = "lock"``, the pinned package set, hashed by Nix's
  own tools: a tarball ``{type = "tarball", url, sha256}`` (``nix-prefetch-url
  --unpack``: the NAR hash of the unpacked tree, which ``builtins.fetchTarball
  { url; sha256; }`` verifies) or a local checkout ``{type = "path", path,
  sha256}`` (``nix-hash --type sha256 --base32``, which ``builtins.path { path;
  sha256; }`` verifies); null for the other sources;
- ``overlays``: every project overlay file (``[nixpkgs] overlays``) with the
  sha256 of its bytes, in application order. nixbuild's own overlays are
  versioned with nixbuild (like its Nix library); whether they are applied is
  part of ``settings``, and provenance records their hashes.

Stale: the settings or an overlay hash differ from the project's. ``--locked``
(the default when ``CI`` is set) refuses a missing or stale lock (LockError,
exit 7); so does a pin whose hash Nix finds different when it fetches.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nixbuild import nixexpr, overlays, readfile
from nixbuild.atomicfile import write_atomic
from nixbuild.config import CONFIG_NAME, Project
from nixbuild.errors import LockError, NixbuildError, UsageError
from nixbuild.nix import Nix

LOCK_NAME = "nixbuild.lock"
LOCK_VERSION = 1
_BASE32 = re.compile(r"[0-9a-df-np-sv-z]{52}\Z")  # Nix base-32 sha256
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")  # never in a URL or a pinned path (they appear in comments)
RELOCK_HINT = "if the change is intended, run `nixbuild lock` (or `nixbuild update` to move the nixpkgs pin) and commit nixbuild.lock"


@dataclass(frozen=True)
class Pin:
    kind: str  # "tarball" | "path"
    url: str  # tarball: its URL; path: the absolute directory
    sha256: str  # Nix base-32 NAR hash of the unpacked tree

    def to_json(self) -> dict[str, str]:
        key = "url" if self.kind == "tarball" else "path"
        return {"type": self.kind, key: self.url, "sha256": self.sha256}

    @property
    def uri(self) -> str:
        return self.url if self.kind == "tarball" else Path(self.url).as_uri()


@dataclass(frozen=True)
class Lock:
    settings: dict[str, Any]
    nixpkgs: Pin | None
    overlays: tuple[tuple[str, str], ...] = field(default=())  # (name, sha256 hex), in order

    def to_bytes(self) -> bytes:
        document = {
            "version": LOCK_VERSION,
            "settings": self.settings,
            "nixpkgs": self.nixpkgs.to_json() if self.nixpkgs else None,
            "overlays": [{"name": n, "sha256": h} for n, h in self.overlays],
        }
        return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def lock_path(project: Project) -> Path:
    return project.root / LOCK_NAME


def settings(project: Project) -> dict[str, Any]:
    """The [nixpkgs] settings a lock is valid for."""
    n = project.nixpkgs
    return {"source": n.source, "path": n.path, "overlays": list(n.overlays), "nixbuild-overlays": n.nixbuild_overlays}


def _bad(path: Path, what: str) -> LockError:
    return LockError(f"{path.name}: {what}", hint=f"regenerate it with `nixbuild lock` (see {CONFIG_NAME} [nixpkgs])")


def read(project: Project) -> Lock | None:
    """The project's lock, None when there is none; LockError when it is malformed."""
    path = lock_path(project)
    hint = f"{LOCK_NAME} must be a readable file; remove what is there and run `nixbuild lock`"
    if not readfile.regular(path, LOCK_NAME, hint=hint):
        return None
    raw = readfile.read_bytes(path, LOCK_NAME, hint=hint)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _bad(path, f"not valid UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise _bad(path, f"not valid JSON: {exc}") from None
    except RecursionError:
        raise _bad(path, "not a lock: JSON nested too deeply") from None
    if not isinstance(data, dict) or data.get("version") != LOCK_VERSION:
        raise _bad(path, f"unsupported lock version {data.get('version') if isinstance(data, dict) else None!r}")
    keys = {"version", "settings", "nixpkgs", "overlays"}
    if set(data) != keys:
        raise _bad(path, "expected the keys " + ", ".join(sorted(keys)))
    if not isinstance(data["settings"], dict):
        raise _bad(path, "settings must be an object")
    pin = _pin(path, data["nixpkgs"])
    entries = data["overlays"]
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and set(e) == {"name", "sha256"} and isinstance(e["name"], str)
        and isinstance(e["sha256"], str) and re.fullmatch(r"[0-9a-f]{64}", e["sha256"]) for e in entries
    ):
        raise _bad(path, 'overlays must be a list of {"name", "sha256" (hex)}')
    return Lock(settings=data["settings"], nixpkgs=pin, overlays=tuple((e["name"], e["sha256"]) for e in entries))


def _pin(path: Path, raw: Any) -> Pin | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("type") not in ("tarball", "path"):
        raise _bad(path, 'nixpkgs must be null or {"type": "tarball" | "path", …}')
    key = "url" if raw["type"] == "tarball" else "path"
    if set(raw) != {"type", key, "sha256"} or not isinstance(raw[key], str) or not isinstance(raw["sha256"], str):
        raise _bad(path, f'nixpkgs of type {raw["type"]!r} needs exactly "{key}" and "sha256"')
    if not _BASE32.match(raw["sha256"]):
        raise _bad(path, f"nixpkgs.sha256 {raw['sha256']!r} is not a Nix base-32 sha256")
    if raw["type"] == "path" and not raw[key].startswith("/"):
        raise _bad(path, "nixpkgs.path must be absolute")
    if _UNSAFE.search(raw[key]):
        raise _bad(path, f"nixpkgs.{key} contains whitespace or control characters")
    return Pin(raw["type"], raw[key], raw["sha256"])


def current(project: Project, pin: Pin | None) -> Lock:
    return Lock(settings=settings(project), nixpkgs=pin, overlays=overlays.hashes(project, own=False))


def write(project: Project, lock: Lock) -> bool:
    return write_atomic(lock_path(project), lock.to_bytes())


# ---------------------------------------------------------------------------
# Staleness


@dataclass(frozen=True)
class Change:
    what: str  # "nixpkgs" | "settings.<key>" | "overlay <name>"
    old: str | None
    new: str | None

    def text(self) -> str:
        if self.old is None:
            return f"{self.what}: added ({self.new})"
        if self.new is None:
            return f"{self.what}: removed (was {self.old})"
        return f"{self.what}: {self.old} → {self.new}"

    def to_json(self) -> dict[str, str | None]:
        return {"what": self.what, "old": self.old, "new": self.new}


def _pin_text(pin: Pin | None) -> str | None:
    return None if pin is None else f"{pin.uri} sha256:{pin.sha256}"


def diff(old: Lock | None, new: Lock, *, with_pin: bool = True) -> list[Change]:
    """What differs from ``old`` to ``new`` (settings, overlays, and the pin if ``with_pin``)."""
    changes: list[Change] = []
    old_settings = old.settings if old else {}
    for key in sorted(set(old_settings) | set(new.settings)):
        a, b = old_settings.get(key), new.settings.get(key)
        if a != b:
            changes.append(Change(f"settings.{key}", None if key not in old_settings else json.dumps(a),
                                  None if key not in new.settings else json.dumps(b)))
    if with_pin and (old is None or old.nixpkgs != new.nixpkgs) and (old and old.nixpkgs or new.nixpkgs):
        changes.append(Change("nixpkgs", _pin_text(old.nixpkgs if old else None), _pin_text(new.nixpkgs)))
    before = dict(old.overlays) if old else {}
    after = dict(new.overlays)
    for name in list(dict.fromkeys([*before, *after])):
        a, b = before.get(name), after.get(name)
        if a != b:
            changes.append(Change(f"overlay {name}", a and f"sha256:{a}", b and f"sha256:{b}"))
    if old and [n for n, _ in old.overlays if n in after] != [n for n, _ in new.overlays if n in before]:
        changes.append(Change("overlay order", " ".join(n for n, _ in old.overlays), " ".join(n for n, _ in new.overlays)))
    return changes


def staleness(project: Project, lock: Lock) -> list[Change]:
    """Why ``lock`` does not describe the project now (empty: it is fresh)."""
    changes = diff(lock, current(project, lock.nixpkgs), with_pin=False)
    if project.nixpkgs.source == "lock" and lock.nixpkgs is None:
        changes.append(Change("nixpkgs", None, "a pin (source = \"lock\")"))
    return changes


def require_fresh(project: Project) -> Lock:
    """--locked: the lock must exist and match the project; LockError (exit 7) otherwise."""
    lock = read(project)
    if lock is None:
        raise LockError(f"--locked: {LOCK_NAME} does not exist",
                        hint="run `nixbuild lock` and commit nixbuild.lock, or run without --locked")
    changes = staleness(project, lock)
    if changes:
        first = changes[0]
        if first.what.startswith("overlay ") and first.old and first.new:
            message = (f"--locked: {LOCK_NAME} is stale: {first.what[len('overlay '):]} changed: "
                       f"expected {first.old} (locked), actual {first.new}")
        else:
            message = f"--locked: {LOCK_NAME} is stale: {first.text()}"
        more = f" and {len(changes) - 1} more change(s)" if len(changes) > 1 else ""
        raise LockError(message + more, hint=RELOCK_HINT,
                        details="\n".join(c.text() for c in changes) if len(changes) > 1 else None)
    return lock


def enforce(project: Project, locked: bool | None) -> None:
    """`--locked` (or CI without `--no-locked`): refuse a missing or stale lock."""
    if locked_default() if locked is None else locked:
        require_fresh(project)


def locked_default(environ: Mapping[str, str] | None = None) -> bool:
    """--locked is on by default when CI is set (to anything but "", "0" or "false")."""
    value = (os.environ if environ is None else environ).get("CI", "")
    return value.strip().lower() not in ("", "0", "false", "no")


# ---------------------------------------------------------------------------
# Pinning and the generated expression


def pin_expr(pin: Pin) -> str:
    """The Nix expression (a top-level one: .nixbuild/nixpkgs.nix) for a pinned nixpkgs."""
    if pin.kind == "tarball":
        return ("builtins.fetchTarball {\n  url = " + nixexpr.string(pin.url) + ";\n  sha256 = "
                + nixexpr.string(pin.sha256) + ";\n}")
    return ("builtins.path {\n  name = \"nixpkgs\";\n  path = " + nixexpr.absolute_path(pin.url)
            + ";\n  sha256 = " + nixexpr.string(pin.sha256) + ";\n}")


def required_pin(project: Project) -> Pin:
    """The pin for source = "lock" (render time); LockError when there is none."""
    lock = read(project)
    if lock is None or lock.nixpkgs is None:
        raise LockError(
            f"{CONFIG_NAME}: nixpkgs.source = \"lock\" needs a nixpkgs pin in {LOCK_NAME}"
            + ("" if lock is None else ", which has none"),
            hint="pin one with `nixbuild lock --url URL` (a nixpkgs tarball) or `nixbuild lock --from FILE|DIR`",
        )
    return lock.nixpkgs


def prefetch(nix: Nix, what: str, base: Path) -> Pin:
    """Pin a URL (``https://…``, ``file://…``), a local tarball or a local checkout, hashed by Nix."""
    from urllib.parse import urlparse

    if urlparse(what).scheme in ("http", "https", "file", "ftp"):
        if _UNSAFE.search(what):
            raise UsageError(f"{what!r} contains whitespace or control characters", hint="percent-encode them")
        return Pin("tarball", what, nix.prefetch_url(what, unpack=True))
    path = (base / what).resolve()
    if path.is_file():
        return Pin("tarball", path.as_uri(), nix.prefetch_url(path.as_uri(), unpack=True))
    if path.is_dir():
        if (path / ".git").exists():
            raise UsageError(f"{path} is a git checkout: its .git directory would be part of the pinned hash",
                             hint=f"pin a tarball of it instead: git -C {path} archive --prefix=nixpkgs/ -o "
                                  "nixpkgs.tar.gz HEAD, then nixbuild lock --from nixpkgs.tar.gz")
        if _UNSAFE.search(path.as_posix()):
            raise UsageError(f"{path}: a pinned directory's path must not contain whitespace or control characters",
                             hint="move it, or pin a tarball of it (tarball paths are URL-encoded)")
        if not (path / "default.nix").is_file():
            raise UsageError(f"{path} has no default.nix: not a nixpkgs checkout", hint="pass a nixpkgs directory")
        return Pin("path", path.as_posix(), nix.hash_path(path))
    raise UsageError(f"{what}: no such file or directory, and not a URL",
                     hint="pass a nixpkgs tarball URL, a local tarball, or a local checkout")


_FETCH_MISMATCH = re.compile(
    r"hash mismatch in file downloaded from '([^']+)':\s*specified:\s*(sha256:[0-9a-z]+)\s*got:\s*(sha256:[0-9a-z]+)")
_PATH_MISMATCH = re.compile(r"store path mismatch in \(possibly filtered\) path added from '([^']+)'")


def mismatch_error(project: Project, exc: NixbuildError, nix: Nix | None = None) -> LockError | None:
    """A LockError naming expected and actual hash when Nix refused a pinned source, else None."""
    text = exc.log or exc.message + "\n" + (exc.details or "")
    fetched = _FETCH_MISMATCH.search(text)
    if fetched:
        url, expected, actual = fetched.groups()
        return LockError(
            f"nixpkgs tarball {url} does not match {LOCK_NAME}: expected {expected} (locked), actual {actual}",
            hint="the tarball or nixbuild.lock was changed; if the new tarball is intended, re-pin it with "
                 "`nixbuild update` and review the change",
        )
    added = _PATH_MISMATCH.search(text)
    if added:
        directory = added.group(1)
        lock = read(project)
        expected = f"sha256:{lock.nixpkgs.sha256}" if lock and lock.nixpkgs else "the locked hash"
        actual = f"sha256:{nix.hash_path(Path(directory))}" if nix is not None and Path(directory).is_dir() else "?"
        return LockError(
            f"nixpkgs checkout {directory} does not match {LOCK_NAME}: expected {expected} (locked), actual {actual}",
            hint="the checkout or nixbuild.lock was changed; if intended, re-pin it with `nixbuild update`",
        )
    return None


# ---------------------------------------------------------------------------
# nixbuild lock / update


@dataclass(frozen=True)
class Relock:
    path: Path
    old: Lock | None
    new: Lock
    changes: tuple[Change, ...]
    written: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "file": str(self.path),
            "written": self.written,
            "changes": [c.to_json() for c in self.changes],
            "nixpkgs": self.new.nixpkgs.to_json() if self.new.nixpkgs else None,
            "overlays": [{"name": n, "sha256": h} for n, h in self.new.overlays],
        }

    def text(self) -> str:
        lines = [f"{self.path.name}: " + ("written" if self.written else "up to date")]
        lines += [f"  {c.text()}" for c in self.changes]
        if self.new.nixpkgs:
            lines.append(f"nixpkgs:  {self.new.nixpkgs.uri}")
            lines.append(f"sha256:   {self.new.nixpkgs.sha256}")
        lines.append(f"overlays: {len(self.new.overlays)}")
        lines += [f"  {h[:16]}…  {n}" for n, h in self.new.overlays]
        return "\n".join(lines)


def relock(project: Project, nix: Nix, *, pin_from: str | None = None, move: bool = False) -> Relock:
    """Write nixbuild.lock for the project. ``pin_from`` (a URL, tarball or checkout) pins nixpkgs anew;
    ``move`` re-fetches the pinned URL/path (``nixbuild update``); otherwise an existing pin is kept."""
    try:
        old = read(project)
    except LockError:
        old = None  # a malformed lock is replaced
    pin: Pin | None = None
    if project.nixpkgs.source != "lock":
        if pin_from is not None:
            raise UsageError(f"--url/--from pin nixpkgs for [nixpkgs] source = \"lock\", not {project.nixpkgs.source!r}",
                             hint=f"set source = \"lock\" in {CONFIG_NAME} first")
    elif pin_from is not None:
        pin = prefetch(nix, pin_from, project.root)
    elif old is not None and old.nixpkgs is not None:
        pin = prefetch(nix, old.nixpkgs.url, project.root) if move else old.nixpkgs
    else:
        raise UsageError(f"source = \"lock\" needs a nixpkgs pin and {LOCK_NAME} has none",
                         hint="pass --url URL (a nixpkgs tarball, e.g. https://github.com/NixOS/nixpkgs/archive/"
                              "<commit>.tar.gz) or --from FILE|DIR (a local tarball or checkout)")
    new = current(project, pin)
    changes = tuple(diff(old, new))
    written = write(project, new)
    return Relock(lock_path(project), old, new, changes, written)


def verify_checkout(project: Project, nix: Nix) -> None:
    """A checkout pin (type "path") is re-hashed before each build: Nix would silently keep using the
    store copy of the locked content after the directory changed. Tarball pins need no check: Nix
    verifies what it fetches, and a cached copy is the locked content by construction."""
    if project.nixpkgs.source != "lock":
        return
    lock = read(project)
    if lock is None or lock.nixpkgs is None or lock.nixpkgs.kind != "path":
        return
    directory = Path(lock.nixpkgs.url)
    if not directory.is_dir():
        raise LockError(f"the nixpkgs checkout {directory} pinned in {LOCK_NAME} does not exist",
                        hint="restore it, or pin another with `nixbuild update --from FILE|DIR`")
    actual = nix.hash_path(directory)
    if actual != lock.nixpkgs.sha256:
        raise LockError(
            f"nixpkgs checkout {directory} does not match {LOCK_NAME}: expected sha256:{lock.nixpkgs.sha256} "
            f"(locked), actual sha256:{actual}",
            hint="the checkout or nixbuild.lock was changed; if intended, re-pin it with `nixbuild update`",
        )

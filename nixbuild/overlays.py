"""Which overlays a project applies, in which order, and how pkgs.nix names them.

Order (as nixpkgs applies its ``overlays`` argument, ``final: prev:``, to
every package set of a target): nixbuild's own overlays (the repository's
``overlays/``, sorted by file name) unless ``[nixpkgs] nixbuild-overlays =
false``, then the files matched by the ``[nixpkgs] overlays`` globs, all
matches sorted together by their path relative to the project.

nixbuild's own overlays are copied into ``.nixbuild/overlays/`` (they live in
nixbuild's installation, not in the project); project overlays are imported
where they are (``../overlays/x.nix`` from ``.nixbuild/``), like the package
source, so an overlay can refer to files beside it (``./fix.patch``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from nixbuild import nixexpr, readfile
from nixbuild.config import Project
from nixbuild.resources import nix_dir

OWN_PREFIX = "nixbuild/"  # how nixbuild's own overlays are named (in the lock, list, provenance)
GENERATED_SUBDIR = "overlays"  # .nixbuild/overlays/: copies of nixbuild's own overlays
_OWN_FILE = re.compile(r"[a-z0-9][a-z0-9._-]*\.nix\Z")
_GLOB_CHARS = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class Overlay:
    name: str  # "nixbuild/<file>" or the path relative to the project ("overlays/a.nix")
    origin: str  # "nixbuild" | "project"
    file: Path  # the file nixbuild reads (the project's, or nixbuild's own)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.read()).hexdigest()

    def read(self) -> bytes:
        return readfile.read_bytes(self.file, self.name if self.origin == "project" else str(self.file),
                                   hint="an overlay must be a readable file")

    @property
    def import_expr(self) -> str:
        """``(import …)`` as written in .nixbuild/pkgs.nix."""
        if self.origin == "nixbuild":
            return f"(import ./{GENERATED_SUBDIR}/{self.file.name})"
        return f"(import {nixexpr.project_path(self.name)})"

    @property
    def summary(self) -> str:
        """The first line of the header comment after the title, e.g. "What it fixes: …"."""
        return header(self.read().decode("utf-8", errors="replace")).get("summary", "")


def own_dir() -> Path:
    """nixbuild's own overlays (the repository's top-level overlays/)."""
    return nix_dir().parent / "overlays"


def own_overlays() -> tuple[Overlay, ...]:
    directory = own_dir()
    if not directory.is_dir():
        return ()
    files = sorted(p for p in directory.iterdir() if p.is_file() and _OWN_FILE.match(p.name))
    return tuple(Overlay(OWN_PREFIX + p.name, "nixbuild", p) for p in files)


def project_overlays(project: Project) -> tuple[Overlay, ...]:
    """The files the [nixpkgs] overlays globs match, sorted; each must be a file inside the project."""
    root = project.root
    key = ("nixpkgs", "overlays")
    found: dict[str, Path] = {}
    for pattern in project.nixpkgs.overlays:
        literal = not _GLOB_CHARS.search(pattern)
        try:
            matches = sorted(root.glob(pattern))
        except (OSError, ValueError) as exc:
            raise project.key_error(key, f"{pattern!r} cannot be matched: {exc}",
                                    hint='e.g. overlays = ["overlays/*.nix"]') from None
        if not matches and literal:
            raise project.key_error(key, f"{pattern!r} does not exist",
                                    hint="create it (`nixbuild overlay new NAME --attr PKG`) or remove it from the list")
        for path in matches:
            rel = path.relative_to(root).as_posix()
            if literal:  # named explicitly: it must be a readable file
                readfile.regular(path, rel, hint="an overlay must be a readable file")
            elif not path.is_file():
                continue  # a directory (or a FIFO …) a glob matched
            resolved = path.resolve()
            if not (root in resolved.parents):
                raise project.key_error(key, f"{rel!r} resolves outside the project ({resolved})",
                                        hint="overlays must be files inside the project; copy it in")
            if rel.split("/", 1)[0] in (".nixbuild", "nixbuild-result"):
                continue
            found[rel] = path
    return tuple(Overlay(rel, "project", found[rel]) for rel in sorted(found))


def applied(project: Project) -> tuple[Overlay, ...]:
    """Every overlay pkgs.nix applies, in order."""
    own = own_overlays() if project.nixpkgs.nixbuild_overlays else ()
    return own + project_overlays(project)


def hashes(project: Project, *, own: bool = True) -> tuple[tuple[str, str], ...]:
    """(name, sha256 hex) of the applied overlays, in order (provenance records all; the lock
    only the project's, ``own=False``: nixbuild's own are versioned with nixbuild)."""
    return tuple((o.name, o.sha256) for o in applied(project) if own or o.origin == "project")


def pkgs_overlays_expr(project: Project) -> str:
    """The default of pkgs.nix's ``overlays`` argument."""
    items = [nixexpr.Raw(o.import_expr) for o in applied(project)]
    return nixexpr.value(items, 1)


def generated_files(project: Project) -> dict[str, bytes]:
    """Files under .nixbuild/: copies of nixbuild's own overlays (when enabled)."""
    if not project.nixpkgs.nixbuild_overlays:
        return {}
    return {f"{GENERATED_SUBDIR}/{o.file.name}": o.read() for o in own_overlays()}


_HEADER_FIELD = re.compile(r"#\s*(What it fixes|Targets|Upstream|Test):\s*(.*)")


def header(text: str) -> dict[str, str]:
    """Fields of an overlay's header comment: title, summary (the first sentence of "What it fixes:"),
    targets, upstream, test. A field runs on over the following comment lines up to a blank one."""
    fields: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line.lstrip("#").strip()
        match = _HEADER_FIELD.match(line)
        if match:
            key = match.group(1).split()[0].lower()  # what | targets | upstream | test
            current = "summary" if key == "what" else key
            fields[current] = match.group(2).strip()
        elif not body:
            current = None
        elif current is not None:
            fields[current] += " " + body
        elif "title" not in fields:
            fields["title"] = body
    if "summary" in fields:
        first, dot, _ = fields["summary"].partition(". ")
        fields["summary"] = first + ("." if dot else "")
    return fields


# ---------------------------------------------------------------------------
# nixbuild overlay new

_NEW_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
_ATTR = re.compile(r"[A-Za-z_][A-Za-z0-9_'-]*\Z")
NEW_DIR = "overlays"


@dataclass(frozen=True)
class Scaffold:
    overlay: Path
    test: Path
    matched: bool  # whether [nixpkgs] overlays already matches the new file


def scaffold(project: Project, name: str, attr: str) -> Scaffold:
    """overlays/NAME.nix with a filled-in header, and overlays/tests/NAME.nix, a test stub for it."""
    from nixbuild.errors import UsageError

    if not _NEW_NAME.match(name):
        raise UsageError(f"{name!r} is not an overlay name", hint="lowercase letters, digits, - and _, e.g. openssl-no-tests")
    if not _ATTR.match(attr):
        raise UsageError(f"--attr {attr!r} is not a top-level package-set attribute",
                         hint="name the package (e.g. --attr openssl); edit the scaffold for nested sets")
    overlay = project.root / NEW_DIR / f"{name}.nix"
    test = project.root / NEW_DIR / "tests" / f"{name}.nix"
    for path in (overlay, test):
        if path.exists():
            raise UsageError(f"{path.relative_to(project.root)} already exists", hint="choose another name")
    rel = overlay.relative_to(project.root).as_posix()
    sel = "prev." + nixexpr.attr_name(attr)
    overlay_text = f"""# {name}: an overlay of `{attr}`
#
# What it fixes: TODO: the problem in {attr} this overlay works around.
# Targets: TODO: all targets, or which (scope it: see the `lib.optionalAttrs` example below).
# Upstream: TODO: the nixpkgs issue or pull request that fixes it, or "none".
# Test: {NEW_DIR}/tests/{name}.nix (run by `nixbuild overlay check`).
final: prev: {{
  {nixexpr.attr_name(attr)} = {sel}.overrideAttrs (old: {{
    # TODO: the change, e.g.
    # configureFlags = (old.configureFlags or [ ]) ++ [ "--disable-foo" ];
  }});
}}
# For some targets only:
#   final: prev: prev.lib.optionalAttrs prev.stdenv.hostPlatform.isStatic {{ … }}
"""
    test_text = f"""# Test of {rel}: `nixbuild overlay check` evaluates this file for every
# configured target (`--argstr target T`); it must evaluate to true.
{{
  target ? null,
}}:
let
  args = if target == null then {{ }} else {{ inherit target; }};
  # The package set as nixbuild builds it, and without any overlay.
  pkgs = import ../../.nixbuild/pkgs.nix args;
  unpatched = import ../../.nixbuild/pkgs.nix (args // {{ overlays = [ ]; }});
in
# TODO: assert what the overlay is for, e.g.
#   builtins.elem "--disable-foo" pkgs.{nixexpr.attr_name(attr)}.configureFlags
pkgs.{nixexpr.attr_name(attr)}.drvPath != unpatched.{nixexpr.attr_name(attr)}.drvPath
"""
    test.parent.mkdir(parents=True, exist_ok=True)
    from nixbuild.atomicfile import write_atomic

    write_atomic(overlay, overlay_text.encode())
    write_atomic(test, test_text.encode())
    matched = any(o.file == overlay for o in project_overlays(project))
    return Scaffold(overlay, test, matched)

"""`nixbuild init`: a nixbuild.toml for an existing source tree.

The builders are asked in ``builders.all.DETECTION_ORDER`` whether the tree is
theirs (``detect``: read-only, it never runs the project); the first that
recognises it decides, unless the user names one. Everything guessed comes
with the file and line it was read from, and every guess can be overridden
(``--builder``, ``--name``, ``--target``). The file is written with tomlkit
(comments included) and loaded back with the real config reader before it is
written, so what init writes is always a valid config.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import tomlkit

from nixbuild import atomicfile, config, platforms
from nixbuild.builders import all as builders
from nixbuild.builders.base import Detection
from nixbuild.errors import ConfigError, UsageError

_NOT_NAME_CHARS = re.compile(r"[^A-Za-z0-9+._?=-]+")
_NOT_IMAGE_CHARS = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True)
class Decision:
    path: Path  # the nixbuild.toml written (or that would be)
    detection: Detection
    name: str
    version: str
    program: str
    targets: tuple[str, ...]
    source: str
    reasons: tuple[str, ...]  # what was decided and why, one line each
    text: str  # the file's contents


def decide(root: Path, *, builder: str | None = None, name: str | None = None,
           targets: tuple[str, ...] = (), source: str = "channel") -> Decision:
    """What init would write for the tree at ``root`` (nothing is written)."""
    root = root.resolve()
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory", hint="run nixbuild init in the source tree, or pass -C DIR")
    path = root / config.CONFIG_NAME
    if path.exists() or path.is_symlink():
        raise UsageError(f"{path}: already exists; nixbuild init never overwrites it",
                         hint="edit it, or remove it and run nixbuild init again")
    detection = _detect(root, builder)
    reasons = [f"builder: {detection.builder}" + ("" if builder is None else " (--builder)"), *(
        f"  {line}" for line in detection.evidence)]
    if name is not None:
        pkg_name, why = name, "--name"
    elif detection.name:
        pkg_name, why = detection.name, "the project's metadata"
    else:
        pkg_name, why = root.name, "the directory's name"
    pkg_name = _NOT_NAME_CHARS.sub("-", pkg_name).strip("-.") or "app"
    reasons.append(f"name: {pkg_name} ({why})")
    version = detection.version or "0.0.0"
    reasons.append(f"version: {version} (" + ("the project's metadata" if detection.version
                                              else "none found in the project's metadata; edit it") + ")")
    program = detection.program or pkg_name
    reasons.append(f"program: {program} (" + ("found in the build files" if detection.program
                                              else "none found; the package name") + ")")
    for target in targets:
        if target not in platforms.TARGETS:
            raise UsageError(f"unknown target {target!r}",
                             hint="targets: " + ", ".join(platforms.TARGETS))
    chosen = tuple(dict.fromkeys(targets)) or (platforms.native_target(),)
    reasons.append("targets: " + ", ".join(chosen) + ("" if targets else " (this host's)"))
    reasons.append(f"package set: source = {source!r}")
    text = _render(detection, pkg_name, version, program, chosen, source)
    try:
        config.parse(tomlkit.parse(text).unwrap(), text, path)
    except ConfigError as exc:
        # The builder recognised the tree, but it cannot be built as it is
        # (e.g. a Cargo project without Cargo.lock, a Go module without main).
        raise UsageError(f"{root}: a {detection.builder!r} project that cannot be built as it is: "
                         + exc.message.split(": ", 2)[-1], hint=exc.hint) from None
    return Decision(path, detection, pkg_name, version, program, chosen, source, tuple(reasons), text)


def write(decision: Decision) -> None:
    """Write the file complete or not at all, and never over one that appeared meanwhile
    (a hard link of the finished temporary: it fails when the name is taken)."""
    path = decision.path
    with atomicfile.claimed_temp(path.parent, f".{path.name}.", ".tmp") as tmp:
        tmp.write_text(decision.text)
        tmp.chmod(0o644)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise UsageError(f"{path}: already exists; nixbuild init never overwrites it",
                             hint="edit it, or remove it and run nixbuild init again") from None


def _detect(root: Path, builder: str | None) -> Detection:
    if builder is not None:
        if builder not in builders.BUILDERS:
            raise UsageError(f"unknown builder {builder!r}", hint="builders: " + ", ".join(builders.BUILDERS))
        found = builders.BUILDERS[builder].detect(root)
        if found is None:
            raise UsageError(f"{root}: does not look like a {builder!r} project",
                             hint="nixbuild init --builder shell takes any tree")
        return found
    for name in builders.DETECTION_ORDER:
        found = builders.BUILDERS[name].detect(root)
        if found is not None:
            return found
    raise UsageError(f"{root}: no builder recognises this tree (looked for: "
                     + ", ".join(builders.DETECTION_ORDER) + ")",
                     hint="nixbuild init --builder shell, then set [package] build and artifact")


def _render(d: Detection, name: str, version: str, program: str, targets: tuple[str, ...], source: str) -> str:
    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"Written by `nixbuild init` for a {d.builder!r} project; edit freely."))
    doc.add(tomlkit.comment("Reference: the README's \"Config reference\"."))
    doc.add("version", config.CONFIG_VERSION)

    pkg = tomlkit.table()
    pkg.add("name", name)
    pkg.add("version", version)
    pkg.add("builder", d.builder)
    pkg["builder"].comment(_BUILDER_NOTES.get(d.builder, "see the README's builder table"))
    if program != name:
        pkg.add("program", program)
    for key, value in d.package.items():
        pkg.add(key, value)
    if "inputs" not in d.package:
        pkg.add(tomlkit.comment('inputs = ["zlib"]   # package-set libraries the build links against'))
    doc.add(tomlkit.nl())
    doc.add("package", pkg)

    image = tomlkit.table()
    image.add("name", _NOT_IMAGE_CHARS.sub("-", name.lower()).strip("-._") or "app")
    image.add("tag", version)
    image.add(tomlkit.comment("ports = [8080]   # exposed ports; more keys: env, cmd, user, certs, tzdata"))
    doc.add(tomlkit.nl())
    doc.add("image", image)

    target = tomlkit.table()
    target.add(tomlkit.comment("The first is the default; `nixbuild image --target all` builds every one."))
    target.add("platforms", list(targets))
    doc.add(tomlkit.nl())
    doc.add("target", target)

    nixpkgs = tomlkit.table()
    nixpkgs.add("source", source)
    nixpkgs["source"].comment('"channel" (<nixpkgs>), "lock" (pinned by `nixbuild lock`), "path:DIR", "hostpkgs"')
    doc.add(tomlkit.nl())
    doc.add("nixpkgs", nixpkgs)
    return tomlkit.dumps(doc)


_BUILDER_NOTES = {
    "c": "stdenv.mkDerivation: make && make install PREFIX=$out",
    "shell": "your build command in nix-shell; the artifact is taken into the store",
    "go": "nixpkgs' buildGoModule: go install, static (cgo off) unless cgo = true",
    "rust": "nixpkgs' rustPlatform.buildRustPackage: cargo build --release, offline",
    "cmake": "stdenv.mkDerivation with cmake: configure, make, make install (Release)",
}

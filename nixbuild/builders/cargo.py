"""What a Cargo project's own files say: the package's name and version, the
binaries cargo builds (``[[bin]]`` targets and cargo's automatic ones:
src/main.rs, src/bin/*.rs, src/bin/*/main.rs), the workspace members, the
lock file and a vendored dependency directory (``cargo vendor``).

Only reads files; never runs cargo.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Crate:
    name: str | None  # [package] name (None for a virtual workspace)
    version: str | None  # [package] version (a string; None when inherited or absent)
    binaries: dict[str, str]  # binary name → the manifest that declares it, relative to the root
    lock: bool  # Cargo.lock exists at the root
    lock_version: int | None  # its `version` (3: cargo ≤ 1.77 writes it; 4: newer cargo)


class CargoError(ValueError):
    """A Cargo.toml that cannot be read."""


def _load(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(errors="replace"))
    except (tomllib.TOMLDecodeError, OSError) as exc:
        raise CargoError(f"{path.name}: {exc}") from None


def read(root: Path) -> Crate | None:
    """The project at ``root`` (its Cargo.toml), or None when there is none."""
    manifest = root / "Cargo.toml"
    if not manifest.is_file():
        return None
    data = _load(manifest)
    package = data.get("package") if isinstance(data.get("package"), dict) else None
    binaries: dict[str, str] = {}
    if package is not None:
        binaries.update(_binaries(root, data, "Cargo.toml"))
    workspace = data.get("workspace")
    members = workspace.get("members", []) if isinstance(workspace, dict) else []
    for pattern in members if isinstance(members, list) else []:
        if not isinstance(pattern, str):
            continue
        for member in sorted(root.glob(pattern)):
            member_manifest = member / "Cargo.toml"
            if member.is_dir() and member_manifest.is_file() and member.resolve() != root.resolve():
                rel = member_manifest.relative_to(root).as_posix()
                for name, where in _binaries(member, _load(member_manifest), rel).items():
                    binaries.setdefault(name, where)
    lock = root / "Cargo.lock"
    lock_version = None
    if lock.is_file():
        try:
            value = tomllib.loads(lock.read_text(errors="replace")).get("version")
            lock_version = value if isinstance(value, int) else None
        except tomllib.TOMLDecodeError:
            lock_version = None
    name = package.get("name") if package and isinstance(package.get("name"), str) else None
    version = package.get("version") if package and isinstance(package.get("version"), str) else None
    return Crate(name=name, version=version, binaries=binaries, lock=lock.is_file(), lock_version=lock_version)


def _binaries(root: Path, data: dict[str, Any], manifest: str) -> dict[str, str]:
    package = data.get("package") if isinstance(data.get("package"), dict) else {}
    found: dict[str, str] = {}
    explicit_paths: set[str] = set()
    package_name = package.get("name")
    for target in data.get("bin", []) if isinstance(data.get("bin"), list) else []:
        if isinstance(target, dict) and isinstance(target.get("name"), str):
            found[target["name"]] = manifest
            path = target.get("path")
            if not isinstance(path, str):  # cargo's inference for a [[bin]] without path
                path = "src/main.rs" if target["name"] == package_name else f"src/bin/{target['name']}.rs"
            explicit_paths.add(Path(path).as_posix().removeprefix("./"))
    if package.get("autobins", True) is not False:
        # cargo's automatic binaries, unless a [[bin]] already builds that file
        auto: list[tuple[str, str]] = []
        if isinstance(package_name, str) and (root / "src" / "main.rs").is_file():
            auto.append((package_name, "src/main.rs"))
        bin_dir = root / "src" / "bin"
        if bin_dir.is_dir():
            for entry in sorted(bin_dir.iterdir()):
                if entry.is_file() and entry.suffix == ".rs":
                    auto.append((entry.stem, f"src/bin/{entry.name}"))
                elif entry.is_dir() and (entry / "main.rs").is_file():
                    auto.append((entry.name, f"src/bin/{entry.name}/main.rs"))
        for name, path in auto:
            if path not in explicit_paths:
                found.setdefault(name, manifest)
    return found


def vendored(directory: Path) -> bool:
    """Whether ``directory`` holds crates as `cargo vendor` writes them
    (each with its .cargo-checksum.json)."""
    return directory.is_dir() and any(p.is_file() for p in directory.glob("*/.cargo-checksum.json"))

"""`nixbuild doctor`: what this host can build, and what is missing."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from nixbuild import __version__, config, platforms, render, window
from nixbuild import plan as plan_mod
from nixbuild.builders import all as builders
from nixbuild.errors import NixbuildError
from nixbuild.nix import Nix

TOOLS = {
    "skopeo": "copy and push images (apt-get install skopeo)",
    "umoci": "unpack OCI images (apt-get install umoci)",
    "bwrap": "run image rootfs isolated in tests (apt-get install bubblewrap)",
    "podman": "run images (apt-get install podman runc)",
}
QEMU = {"aarch64-linux": "qemu-aarch64-static", "riscv64-linux": "qemu-riscv64-static", "armv7l-linux": "qemu-arm-static"}


@dataclass(frozen=True)
class TargetStatus:
    target: str
    plan: plan_mod.Plan | None
    problem: str | None


@dataclass(frozen=True)
class NixpkgsStatus:
    """The project's nixpkgs against the supported window and this Nix."""

    source: str  # [nixpkgs] source
    facts: window.NixpkgsFacts | None  # None: it could not be read (problem says why)
    problem: str | None  # what to upgrade or fix; None when nixbuild can use it with this Nix


@dataclass(frozen=True)
class Report:
    nixbuild_version: str
    host: str
    nix_version: str | None
    builds: str | None  # None: a trivial sandboxed build succeeded; else why it failed
    settings: dict[str, str]
    builders: tuple[plan_mod.Builder, ...]
    targets: tuple[TargetStatus, ...]
    tools: dict[str, str | None]  # name → path or None
    missing: tuple[str, ...]
    window: window.Window
    nixpkgs: NixpkgsStatus | None  # None: no nixbuild.toml in the directory


def diagnose(nix: Nix, host: str | None = None, project_dir: Path | None = None) -> Report:
    host = host or platforms.host_system()
    missing: list[str] = []
    try:
        version: str | None = nix.check_installed()
        settings = nix.show_config()
    except NixbuildError as exc:
        version, settings = None, {}
        missing.append(f"Nix: {exc.message}")
    builds: str | None = "Nix is not installed"
    if version is not None:
        try:
            probe(nix)
            builds = None
        except NixbuildError as exc:
            builds = exc.message
            missing.append(f"Nix: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""))
    builders = plan_mod.parse_builders(settings.get("builders", ""))
    extra = tuple(settings.get("extra-platforms", "").split())
    statuses = []
    for name, plat in platforms.TARGETS.items():
        try:
            statuses.append(TargetStatus(name, plan_mod.plan(host, plat, builders, extra), None))
        except NixbuildError as exc:
            statuses.append(TargetStatus(name, None, exc.message + (f" ({exc.hint})" if exc.hint else "")))
    tools = {name: shutil.which(name) for name in [*TOOLS, *QEMU.values()]}
    for name, why in TOOLS.items():
        if tools[name] is None:
            missing.append(f"{name}: {why}")
    missing.extend(toolchains_missing())
    if settings.get("sandbox") == "false":
        missing.append("sandbox = false: builds are not isolated (set `sandbox = true` in nix.conf)")
    nixpkgs = None
    if version is not None and project_dir is not None and (project_dir / config.CONFIG_NAME).is_file():
        nixpkgs = nixpkgs_status(nix, project_dir)
        if nixpkgs.problem:
            missing.append(f"nixpkgs: {nixpkgs.problem}")
    return Report(__version__, host, version, builds, settings, builders, tuple(statuses), tools, tuple(missing),
                  window.window(), nixpkgs)


def nixpkgs_status(nix: Nix, project_dir: Path) -> NixpkgsStatus:
    """The project's nixpkgs (as .nixbuild/nixpkgs.nix names it): its release, the Nix it
    needs, and — from the generated code's own check — what to upgrade when nixbuild
    cannot use it with this Nix."""
    source = "?"
    try:
        project = config.load(project_dir)
        source = project.nixpkgs.source
        report = render.write(project)
        facts = window.facts(nix, report.directory)
    except NixbuildError as exc:
        return NixpkgsStatus(source, None, f"cannot read it: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""))
    try:
        window.check(nix, report.directory)
    except NixbuildError as exc:
        return NixpkgsStatus(source, facts, exc.message + (f" ({exc.hint})" if exc.hint else ""))
    return NixpkgsStatus(source, facts, None)


def toolchains_missing() -> list[str]:
    """What each builder lacks on this host to build each target through hostpkgs
    (e.g. a target's Rust standard library), one line per missing piece with the
    targets it affects."""
    lines = []
    for builder in builders.BUILDERS.values():
        affected: dict[str, list[str]] = {}
        for name, plat in platforms.TARGETS.items():
            for piece in builder.host_missing(plat):
                affected.setdefault(piece, []).append(name)
        for piece, names in affected.items():
            where = "every target" if len(names) == len(platforms.TARGETS) else ", ".join(names)
            lines.append(f"builder {builder.NAME} ({where}): {piece}")
    return lines


def probe(nix: Nix) -> None:
    """Prove that Nix can build on this machine, as this user (one line and exit 3 if not)."""
    nix.check_installed()
    nix.probe_build(nonce=str(time.time_ns()))

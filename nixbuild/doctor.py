"""`nixbuild doctor`: what this host can build, and what is missing."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass

from nixbuild import __version__, platforms
from nixbuild import plan as plan_mod
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


def diagnose(nix: Nix, host: str | None = None) -> Report:
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
    if settings.get("sandbox") == "false":
        missing.append("sandbox = false: builds are not isolated (set `sandbox = true` in nix.conf)")
    return Report(__version__, host, version, builds, settings, builders, tuple(statuses), tools, tuple(missing))


def probe(nix: Nix) -> None:
    """Prove that Nix can build on this machine, as this user (one line and exit 3 if not)."""
    nix.check_installed()
    nix.probe_build(nonce=str(time.time_ns()))

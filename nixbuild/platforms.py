"""Target names ↔ nixpkgs system/crossSystem/pkgsCross ↔ OCI architecture.

One table decides every mapping; see ../shared/nixpkgs-api.md for the source
of each value.
"""

from __future__ import annotations

import platform as _platform
from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    name: str  # nixbuild target name, e.g. "aarch64-linux-static"
    system: str  # nixpkgs system double, e.g. "aarch64-linux"
    config: str  # GNU triple for crossSystem.config
    pkgs_cross: str  # pkgsCross attribute name
    static: bool  # built through pkgsStatic (musl, -static)
    oci_arch: str
    oci_variant: str | None = None


_TABLE = (
    Platform("x86_64-linux", "x86_64-linux", "x86_64-unknown-linux-gnu", "gnu64", False, "amd64"),
    Platform("x86_64-linux-static", "x86_64-linux", "x86_64-unknown-linux-musl", "musl64", True, "amd64"),
    Platform("aarch64-linux", "aarch64-linux", "aarch64-unknown-linux-gnu", "aarch64-multiplatform", False, "arm64"),
    Platform("aarch64-linux-static", "aarch64-linux", "aarch64-unknown-linux-musl", "aarch64-multiplatform-musl", True, "arm64"),
    Platform("riscv64-linux", "riscv64-linux", "riscv64-unknown-linux-gnu", "riscv64", False, "riscv64"),
    Platform("armv7l-linux", "armv7l-linux", "armv7l-unknown-linux-gnueabihf", "armv7l-hf-multiplatform", False, "arm", "v7"),
)

TARGETS: dict[str, Platform] = {p.name: p for p in _TABLE}

_MACHINE_TO_SYSTEM = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64",
                      "riscv64": "riscv64", "armv7l": "armv7l"}


def host_system() -> str:
    """The Nix system double of this machine, e.g. "x86_64-linux" or "aarch64-darwin"."""
    machine = _MACHINE_TO_SYSTEM.get(_platform.machine().lower(), _platform.machine().lower())
    kernel = _platform.system().lower()
    return f"{machine}-{kernel}"


def native_target() -> str:
    """The Linux target matching the host's CPU (the default target)."""
    cpu = host_system().split("-", 1)[0]
    name = f"{cpu}-linux"
    return name if name in TARGETS else "x86_64-linux"


def get(name: str) -> Platform:
    try:
        return TARGETS[name]
    except KeyError:
        from nixbuild.errors import UsageError

        raise UsageError(f"unknown target {name!r}", hint="valid targets: " + ", ".join(TARGETS)) from None

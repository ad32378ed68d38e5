"""Target names ↔ nixpkgs system/crossSystem/pkgsCross ↔ OCI architecture.

One table decides every mapping (see ../shared/nixpkgs-api.md for the source
of each value). A static target is the gnu set's ``pkgsStatic`` (musl,
``-static``), as nixpkgs composes ``pkgsCross.<name>.pkgsStatic``.
"""

from __future__ import annotations

import os
import platform as _platform
from dataclasses import dataclass

from nixbuild.errors import UsageError


@dataclass(frozen=True)
class Platform:
    name: str  # nixbuild target name, e.g. "aarch64-linux-static"
    system: str  # nixpkgs system double of the target, e.g. "aarch64-linux"
    cross_config: str  # GNU triple passed as crossSystem.config (the gnu set; static adds pkgsStatic)
    pkgs_cross: str  # pkgsCross attribute of the gnu set (a static target adds .pkgsStatic)
    static: bool  # through pkgsStatic (musl, -static)
    oci_arch: str  # OCI/Go architecture
    oci_variant: str | None  # OCI platform variant (arm v7)
    elf_machine: int  # e_machine of the binaries
    elf_class: int  # 1 = 32-bit, 2 = 64-bit
    rust_target: str  # rustc target triple (CARGO_BUILD_TARGET)
    goarm: str | None = None

    @property
    def config(self) -> str:
        """The GNU triple of the binaries (musl for static targets)."""
        return self.cross_config.replace("-gnueabihf", "-musleabihf").replace("-gnu", "-musl") if self.static else self.cross_config

    @property
    def oci_platform(self) -> str:
        return "linux/" + self.oci_arch + (f"/{self.oci_variant}" if self.oci_variant else "")


EM_X86_64, EM_AARCH64, EM_RISCV, EM_ARM = 62, 183, 243, 40

_TABLE = (
    Platform("x86_64-linux", "x86_64-linux", "x86_64-unknown-linux-gnu", "gnu64", False, "amd64", None,
             EM_X86_64, 2, "x86_64-unknown-linux-gnu"),
    Platform("x86_64-linux-static", "x86_64-linux", "x86_64-unknown-linux-gnu", "gnu64", True, "amd64", None,
             EM_X86_64, 2, "x86_64-unknown-linux-musl"),
    Platform("aarch64-linux", "aarch64-linux", "aarch64-unknown-linux-gnu", "aarch64-multiplatform", False, "arm64",
             None, EM_AARCH64, 2, "aarch64-unknown-linux-gnu"),
    Platform("aarch64-linux-static", "aarch64-linux", "aarch64-unknown-linux-gnu", "aarch64-multiplatform", True,
             "arm64", None, EM_AARCH64, 2, "aarch64-unknown-linux-musl"),
    Platform("riscv64-linux", "riscv64-linux", "riscv64-unknown-linux-gnu", "riscv64", False, "riscv64", None,
             EM_RISCV, 2, "riscv64gc-unknown-linux-gnu"),
    Platform("armv7l-linux", "armv7l-linux", "armv7l-unknown-linux-gnueabihf", "armv7l-hf-multiplatform", False,
             "arm", "v7", EM_ARM, 1, "armv7-unknown-linux-gnueabihf", goarm="7"),
)

TARGETS: dict[str, Platform] = {p.name: p for p in _TABLE}

_MACHINE_TO_CPU = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64",
                   "riscv64": "riscv64", "armv7l": "armv7l"}


def host_system() -> str:
    """The Nix system double of this machine, e.g. "x86_64-linux" or "aarch64-darwin".

    ``NIXBUILD_HOST_SYSTEM`` overrides it: plan as if on another host (e.g.
    to check the plans of a macOS colleague, or to force remote builds)."""
    override = os.environ.get("NIXBUILD_HOST_SYSTEM", "").strip()
    if override:
        return override
    machine = _MACHINE_TO_CPU.get(_platform.machine().lower(), _platform.machine().lower())
    return f"{machine}-{_platform.system().lower()}"


def native_target(host: str | None = None) -> str:
    """The Linux target matching the host's CPU (the default target)."""
    cpu = (host or host_system()).split("-", 1)[0]
    name = f"{cpu}-linux"
    return name if name in TARGETS else "x86_64-linux"


def get(name: str) -> Platform:
    try:
        return TARGETS[name]
    except KeyError:
        raise UsageError(f"unknown target {name!r}", hint="valid targets: " + ", ".join(TARGETS)) from None


def shell_env(p: Platform) -> dict[str, str]:
    """What cargo and go expect for the target, besides CC/CXX/AR/STRIP from the stdenv."""
    env = {
        "NIXBUILD_TARGET": p.name,
        "NIXBUILD_TARGET_CONFIG": p.config,
        "CARGO_BUILD_TARGET": p.rust_target,
        "GOOS": "linux",
        "GOARCH": p.oci_arch,
        "CGO_ENABLED": "1",
    }
    if p.goarm:
        env["GOARM"] = p.goarm
    return env

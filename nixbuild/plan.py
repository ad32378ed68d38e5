"""Decides, for a host system × target, how the image gets built:
natively, cross-compiled locally, or on a remote Linux builder.

Pure: it takes the host system and the configured Nix builders as data, so
every host (macOS included) can be planned and unit-tested anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nixbuild.errors import NixbuildError
from nixbuild.platforms import Platform

LINUX_SYSTEMS = ("x86_64-linux", "aarch64-linux", "riscv64-linux", "armv7l-linux")


class NoBuilderError(NixbuildError):
    exit_code = 2


@dataclass(frozen=True)
class Builder:
    uri: str
    systems: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    target: str
    how: str  # "native" | "cross" | "remote"
    build_system: str  # localSystem of the package set (where derivations run)
    builder: str | None  # remote builder URI when how == "remote"
    reason: str


def parse_builders(spec: str, read_file: "callable[[str], str] | None" = None) -> tuple[Builder, ...]:  # type: ignore[valid-type]
    """Nix's `builders` setting: entries separated by ';' or newlines, fields by spaces;
    '@FILE' includes a machines file."""
    builders: list[Builder] = []
    for raw in spec.replace(";", "\n").splitlines():
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        if entry.startswith("@"):
            path = entry[1:]
            try:
                text = read_file(path) if read_file else Path(path).read_text()
            except OSError:
                continue
            builders.extend(parse_builders(text, read_file))
            continue
        fields = entry.split()
        systems = tuple(fields[1].split(",")) if len(fields) > 1 and fields[1] != "-" else ()
        builders.append(Builder(uri=fields[0], systems=systems))
    return tuple(builders)


def plan(host: str, target: Platform, builders: tuple[Builder, ...] = (), extra_platforms: tuple[str, ...] = ()) -> Plan:
    """How to build ``target`` on ``host`` given the configured builders."""
    cpu, _, kernel = host.partition("-")
    if kernel == "linux":
        if target.system == host or target.system in extra_platforms:
            return Plan(target.name, "native", target.system, None,
                        f"{host} builds {target.system} natively" + (" (pkgsStatic)" if target.static else ""))
        return Plan(target.name, "cross", host, None,
                    f"cross-compiled on {host} for {target.cross_config}" + (" (pkgsStatic)" if target.static else ""))
    # Not Linux (macOS): derivations for Linux must run on a Linux builder.
    for builder in builders:
        if target.system in builder.systems:
            return Plan(target.name, "remote", target.system, builder.uri,
                        f"built natively on the {target.system} builder {builder.uri}")
    for builder in builders:
        linux = [s for s in builder.systems if s in LINUX_SYSTEMS]
        if linux:
            return Plan(target.name, "remote", linux[0], builder.uri,
                        f"cross-compiled for {target.cross_config} on the {linux[0]} builder {builder.uri}")
    wanted = "aarch64-linux" if cpu == "aarch64" else "x86_64-linux"
    raise NoBuilderError(
        f"{host} cannot build Linux images by itself and no Linux builder is configured for {target.name}",
        hint=(f"add a Linux builder to nix.conf, e.g. `builders = ssh-ng://builder {wanted}` "
              "(nix-darwin: nix.linux-builder.enable = true), then check with `nixbuild doctor`"),
    )

"""builder = "rust": a Cargo project built hermetically by nixpkgs'
``rustPlatform.buildRustPackage`` (release profile, ``cargo build --offline
--target <the target's rustc triple> --bin <program>``).

The dependencies, in the order nixbuild looks for them: a vendored tree
(``cargoVendorDir``: ``[package] cargo-vendor-dir``, or vendor/ when it holds
crates as `cargo vendor` writes them; offline everywhere), ``cargo-hash``
(``cargoHash``: real nixpkgs downloads the crates in a fixed-output
derivation, with network), else Cargo.lock (``cargoLock.lockFile``: nothing to
fetch when there are no registry dependencies). cargo's install hook copies
the program cargo built into $out/bin: its path is never spelled out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from nixbuild import nixexpr, platforms
from nixbuild.builders import cargo
from nixbuild.builders.base import Detection
# A hermetic builder: all of the build happens in nix-build.
from nixbuild.builders.base import clean_copy as clean_copy
from nixbuild.builders.base import produce as produce
from nixbuild.builders.base import serial_targets as serial_targets
from nixbuild.resources import nix_dir

if TYPE_CHECKING:
    from nixbuild.config import Package, Project, Reader

NAME = "rust"
SCHEMA = {"cargo-vendor-dir": "string", "cargo-hash": "string", "cargo-build-flags": "string list",
          "build-features": "string list", "build-no-default-features": "boolean"}
KEYS = frozenset(SCHEMA)
DEFAULT_OUTPUTS = ("out",)
TEMPLATE = "package-rust.nix.j2"
FIXUP_OUTPUT = None  # built by Nix with the package set's toolchain: nothing to fix up
_SRI = re.compile(r"(?:sha256|sha512)-[A-Za-z0-9+/]+={0,2}\Z|\Z")
# Cargo's output directory: never part of the source (it is large and changes with every build).
TARGET_DIR = "target"


@dataclass(frozen=True)
class Options:
    vendor_dir: str | None  # cargoVendorDir, relative to src
    cargo_hash: str | None  # cargoHash (fetchCargoVendor, network)
    lock_file: str | None  # Cargo.lock relative to the project, for cargoLock.lockFile
    cargo_build_flags: tuple[str, ...]
    build_features: tuple[str, ...]
    no_default_features: bool
    program: str  # the binary cargo builds and the image runs


def options(r: Reader, table: dict[str, Any], root: Path, outputs: tuple[str, ...]) -> Options:
    s = "package"
    if outputs != ("out",):
        raise r.error((s, "outputs"), "buildRustPackage installs into the `out` output only", hint='outputs = ["out"]')
    src_rel = r.relative_inside(s, "src", r.get(s, table, "src", str, "."), root)
    src = root / src_rel
    try:
        crate = cargo.read(src)
    except cargo.CargoError as exc:
        raise r.error((s, "builder"), f"cannot read the Cargo project: {exc}") from None
    if crate is None:
        shown = "" if src_rel == "." else src_rel + "/"
        raise r.error((s, "builder"), f"builder = \"rust\" needs a Cargo project: {shown}Cargo.toml does not exist",
                      hint="set [package] src to the directory holding Cargo.toml")
    vendor_dir = r.get(s, table, "cargo-vendor-dir", str)
    cargo_hash = r.get(s, table, "cargo-hash", str)
    if vendor_dir is not None:
        rel = r.relative_inside(s, "cargo-vendor-dir", (PurePosixPath(src_rel) / vendor_dir).as_posix(), root)
        if not cargo.vendored(root / rel):
            raise r.error((s, "cargo-vendor-dir"), f"{vendor_dir!r} holds no vendored crates "
                          "(directories with .cargo-checksum.json)", hint="write it with `cargo vendor`")
        vendor_dir = PurePosixPath(vendor_dir).as_posix()
    elif cargo_hash is None and cargo.vendored(src / "vendor"):
        vendor_dir = "vendor"
    if cargo_hash is not None:
        if not _SRI.match(cargo_hash):
            raise r.error((s, "cargo-hash"), f"{cargo_hash!r} is not an SRI hash",
                          hint='e.g. cargo-hash = "sha256-…=" as nix-build prints it (or "" to be told)')
        if vendor_dir is not None:
            raise r.error((s, "cargo-hash"), "the dependencies are vendored (cargoVendorDir); cargoHash would "
                          "download them again", hint="remove cargo-hash, or cargo-vendor-dir and vendor/")
    lock_file = None
    if vendor_dir is None and cargo_hash is None:
        if not crate.lock:
            raise r.error((s, "builder"), "the Cargo project has no Cargo.lock: buildRustPackage builds offline "
                          "from the locked dependencies", hint="run `cargo generate-lockfile` and commit Cargo.lock")
        lock_file = (PurePosixPath(src_rel) / "Cargo.lock").as_posix()
    requested = r.get(s, table, "program", str)
    binaries = crate.binaries
    if requested is not None:
        if requested not in binaries:
            raise r.error((s, "program"), f"{requested!r} is not a binary of this Cargo project",
                          hint="its binaries: " + (_listing(binaries) or "none"))
        program = requested
    elif len(binaries) == 1:
        program = next(iter(binaries))
    elif not binaries:
        raise r.error((s, "builder"), "the Cargo project builds no binary (no src/main.rs, src/bin/ or [[bin]])",
                      hint="nixbuild images a program; add a binary target")
    elif crate.name in binaries:
        program = crate.name  # type: ignore[assignment]
    else:
        raise r.error((s, "program"), "the Cargo project has several binaries: " + _listing(binaries),
                      hint=f'choose one, e.g. program = "{next(iter(binaries))}"')
    return Options(
        vendor_dir=vendor_dir,
        cargo_hash=cargo_hash,
        lock_file=lock_file,
        cargo_build_flags=tuple(r.str_list(s, table, "cargo-build-flags", ()) or ()),
        build_features=tuple(r.str_list(s, table, "build-features", ()) or ()),
        no_default_features=r.get(s, table, "build-no-default-features", bool, False),
        program=program,
    )


def _listing(binaries: dict[str, str]) -> str:
    return ", ".join(f"{name} ({manifest})" for name, manifest in binaries.items())


def default_program(options: Options) -> str | None:
    return options.program


def package_args(pkg: Package) -> str:
    return "{ }"


def render_context(project: Project) -> dict[str, object]:
    pkg = project.package
    opts: Options = pkg.options
    return {
        "src_expr": nixexpr.project_path(pkg.src),
        "source_name": f"{pkg.name}-{pkg.version}-source",
        "lock_expr": nixexpr.project_path(opts.lock_file) if opts.lock_file else None,
        "vendor_dir": opts.vendor_dir,
        "cargo_hash": opts.cargo_hash,
        "cargo_build_flags": ["--bin", pkg.program, *opts.cargo_build_flags],
        "build_features": list(opts.build_features),
        "no_default_features": opts.no_default_features,
        "target_dir": TARGET_DIR,
    }



# -- this host (nixbuild doctor) --------------------------------------------------------


def _debian_std() -> dict[str, Any]:
    """Which Debian package gives Debian's rustc a target's standard library
    (shared with hostpkgs' rustc: nix/hostpkgs/rust/debian-std.json)."""
    return json.loads((nix_dir() / "hostpkgs" / "rust" / "debian-std.json").read_text())


def host_missing(target: platforms.Platform) -> tuple[str, ...]:
    """What this host lacks to build ``target`` with hostpkgs' Rust: Debian's rustc
    and cargo, and the target's standard library."""
    missing = [f"{tool} (hostpkgs wraps Debian's {tool}: apt-get install rustc cargo)"
               for tool in ("rustc", "cargo") if not Path("/usr/bin", tool).exists()]
    facts = _debian_std()
    triple = target.rust_target
    if not (Path(facts["rustlib"]) / triple / "lib").is_dir():
        arch = facts["debianArchitectures"].get(triple)
        if arch is not None:
            missing.append(f"Rust's standard library for {triple} (dpkg --add-architecture {arch} && apt-get update "
                           f"&& apt-get install libstd-rust-dev:{arch})")
        else:
            why = facts["why"]["musl"] if "-musl" in triple else facts["why"].get(triple, "no Debian package ships it")
            missing.append(f"Rust's standard library for {triple}: {why}")
    return tuple(missing)


# -- nixbuild init ---------------------------------------------------------------


def detect(root: Path) -> Detection | None:
    """A tree with Cargo.toml is a Cargo project: name, version and binaries from it."""
    try:
        crate = cargo.read(root)
    except cargo.CargoError:
        return None
    if crate is None:
        return None
    evidence = [f"Cargo.toml: package {crate.name} {crate.version}" if crate.name
                else "Cargo.toml: a workspace without a root package"]
    if cargo.vendored(root / "vendor"):
        evidence.append("vendor/: crates vendored by `cargo vendor` (cargoVendorDir, builds offline)")
    elif crate.lock:
        evidence.append("Cargo.lock: the locked dependencies (cargoLock.lockFile)")
    else:
        evidence.append("no Cargo.lock: run `cargo generate-lockfile` before building")
    program = None
    if len(crate.binaries) == 1 or crate.name in crate.binaries:
        program = crate.name if crate.name in crate.binaries else next(iter(crate.binaries))
        evidence.append(f"{crate.binaries[program]}: binary {program}")
    elif crate.binaries:
        program = next(iter(crate.binaries))
        evidence.append("several binaries: " + _listing(crate.binaries) + f"; chose {program} (set program)")
    else:
        evidence.append("no binary target: nixbuild images a program")
    return Detection(builder=NAME, name=crate.name, version=crate.version, program=program,
                     evidence=tuple(evidence))

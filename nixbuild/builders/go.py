"""builder = "go": a Go module built hermetically by nixpkgs' ``buildGoModule``.

``vendorHash = null`` when the dependencies are in the tree (a committed
vendor/) or there are none; otherwise ``[package] vendor-hash`` is passed
through, and real nixpkgs fetches the modules in a fixed-output derivation
(network; hostpkgs cannot). ``subPackages`` from ``sub-packages`` (default:
every main package, or only the program's when there are several);
``ldflags`` default ``-s -w -X main.version=<version>``; ``env.CGO_ENABLED``
from ``cgo`` (default off: a static binary whose closure is itself). The
target's GOOS/GOARCH/GOARM come from the package set's Go (nixpkgs:
``stdenv.hostPlatform.go``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from nixbuild import nixexpr, platforms
from nixbuild.builders import gomod
from nixbuild.builders.base import Detection
# A hermetic builder: all of the build happens in nix-build.
from nixbuild.builders.base import clean_copy as clean_copy
from nixbuild.builders.base import produce as produce
from nixbuild.builders.base import serial_targets as serial_targets

if TYPE_CHECKING:
    from nixbuild.config import Package, Project, Reader

NAME = "go"
SCHEMA = {"sub-packages": "string list", "ldflags": "string list", "cgo": "boolean", "vendor-hash": "string"}
KEYS = frozenset(SCHEMA)
DEFAULT_OUTPUTS = ("out",)
TEMPLATE = "package-go.nix.j2"
FIXUP_OUTPUT = None  # built by Nix with the package set's toolchain: nothing to fix up
# An SRI hash as Nix writes them, or "" (nixpkgs' way of asking for the right one).
_SRI = re.compile(r"(?:sha256|sha512)-[A-Za-z0-9+/]+={0,2}\Z|\Z")


@dataclass(frozen=True)
class Options:
    sub_packages: tuple[str, ...]  # () = every package of the module (buildGoModule's default)
    ldflags: tuple[str, ...] | None  # None: -s -w -X main.version=<version>
    cgo: bool
    vendor_hash: str | None  # None: vendorHash = null (vendored, or no dependencies)
    program: str  # the program the image runs, as `go install` names it


def options(r: Reader, table: dict[str, Any], root: Path, outputs: tuple[str, ...]) -> Options:
    s = "package"
    if outputs != ("out",):
        raise r.error((s, "outputs"), "buildGoModule installs into the `out` output only", hint='outputs = ["out"]')
    src = root / r.relative_inside(s, "src", r.get(s, table, "src", str, "."), root)
    module = gomod.read(src)
    if module is None:
        raise r.error((s, "builder"), f"builder = \"go\" needs a Go module: {_shown(src, root)}go.mod does not exist",
                      hint="set [package] src to the directory holding go.mod")
    vendor_hash = r.get(s, table, "vendor-hash", str)
    if vendor_hash is not None:
        if not _SRI.match(vendor_hash):
            raise r.error((s, "vendor-hash"), f"{vendor_hash!r} is not an SRI hash",
                          hint='e.g. vendor-hash = "sha256-…=" as nix-build prints it (or "" to be told)')
        if module.vendored:
            raise r.error((s, "vendor-hash"), "the module has a vendor/ directory: buildGoModule uses it with "
                          "vendorHash = null", hint="remove vendor-hash")
    elif module.requires and not module.vendored:
        raise r.error((s, "builder"), f"go.mod requires modules ({', '.join(module.requires[:3])}"
                      + (", …" if len(module.requires) > 3 else "") + ") that are not vendored",
                      hint="commit them with `go mod vendor` (builds offline), or set vendor-hash (real nixpkgs "
                      "fetches them with network)")
    sub_packages = r.str_list(s, table, "sub-packages", None)
    for package in sub_packages or ():
        path = PurePosixPath(package)
        if path.is_absolute() or ".." in path.parts or not gomod.has_go_files(src / package):
            raise r.error((s, "sub-packages"), f"{package!r} is not a directory with Go files inside src",
                          hint='e.g. sub-packages = ["cmd/server"]')
    programs = {module.program_of(p): p for p in (sub_packages or gomod.main_packages(src))}
    requested = r.get(s, table, "program", str)
    if requested is not None:
        if programs and requested not in programs:
            raise r.error((s, "program"), f"{requested!r} is not a program this module installs",
                          hint="its programs: " + _listing(programs))
        program = requested
        if sub_packages is None and len(programs) > 1:
            sub_packages = (programs[requested],)  # only what the image runs
    elif len(programs) == 1:
        program = next(iter(programs))
    elif not programs:
        raise r.error((s, "builder"), "the module has no main package (no program to run)",
                      hint='name the package of the program, e.g. sub-packages = ["cmd/server"]')
    else:
        raise r.error((s, "program"), "the module has several programs: " + _listing(programs),
                      hint=f'choose one, e.g. program = "{next(iter(programs))}" (then only its package is built)')
    ldflags = r.str_list(s, table, "ldflags", None)
    cgo = r.get(s, table, "cgo", bool, False)
    return Options(sub_packages=tuple(sub_packages or ()), ldflags=ldflags, cgo=cgo, vendor_hash=vendor_hash,
                   program=program)


def _listing(programs: dict[str, str]) -> str:
    return ", ".join(f"{name} ({package})" for name, package in programs.items())


def _shown(src: Path, root: Path) -> str:
    rel = src.relative_to(root).as_posix()
    return "" if rel == "." else rel + "/"


def default_program(options: Options) -> str | None:
    return options.program


def default_ldflags(version: str) -> list[str]:
    return ["-s", "-w", "-X", f"main.version={version}"]


def package_args(pkg: Package) -> str:
    return "{ }"


def render_context(project: Project) -> dict[str, object]:
    pkg = project.package
    opts: Options = pkg.options
    return {
        "src_expr": nixexpr.project_path(pkg.src),
        "source_name": f"{pkg.name}-{pkg.version}-source",
        "vendor_hash": opts.vendor_hash,
        "sub_packages": list(opts.sub_packages),
        "ldflags": list(opts.ldflags) if opts.ldflags is not None else default_ldflags(pkg.version),
        "cgo": 1 if opts.cgo else 0,
    }



def host_missing(target: platforms.Platform) -> tuple[str, ...]:
    """What this host lacks to build ``target`` with hostpkgs' Go: the Go toolchain
    (every target, cgo off, needs only it)."""
    if not (Path("/usr/lib/go/VERSION").is_file() and Path("/usr/bin/go").exists()):
        return ("Go (hostpkgs wraps Debian's golang-go: apt-get install golang-go)",)
    return ()


# -- nixbuild init ---------------------------------------------------------------


def detect(root: Path) -> Detection | None:
    """A tree with go.mod is a Go module. Go modules carry no version: init
    leaves it to the user."""
    module = gomod.read(root)
    if module is None:
        return None
    evidence = [f"go.mod: module {module.path}" + (f" (go {module.go})" if module.go else "")]
    if module.vendored:
        evidence.append("vendor/modules.txt: dependencies are vendored (vendorHash = null, builds offline)")
    elif module.requires:
        evidence.append(f"go.mod: requires {len(module.requires)} module(s) and there is no vendor/: "
                        "run `go mod vendor`, or set vendor-hash for real nixpkgs")
    else:
        evidence.append("go.mod: no requirements (vendorHash = null)")
    mains = gomod.main_packages(root)
    programs = {module.program_of(p): p for p in mains}
    package: dict[str, Any] = {}
    program = None
    if len(programs) == 1:
        program = next(iter(programs))
        evidence.append(f"{_main_file(root, mains[0])}: package main, installed as bin/{program}")
    elif programs:
        program = next(iter(programs))
        evidence.append("several main packages: " + _listing(programs) + f"; chose {program} (set program)")
        package["sub-packages"] = [programs[program]]
    else:
        evidence.append("no main package found: set sub-packages to the program's package")
    name = module.program_of(".")
    return Detection(builder=NAME, name=name, version=None, program=program, evidence=tuple(evidence),
                     package=package)


def _main_file(root: Path, package_dir: str) -> str:
    directory = root / package_dir
    for path in sorted(directory.glob("*.go")):
        if not path.name.endswith("_test.go") and gomod.package_name(path) == "main":
            return path.relative_to(root).as_posix()
    return package_dir

"""builder = "shell": the project's own build command in ``nix-shell`` (a
nixpkgs shell for the target, with ``[package] inputs``); the artifact it
produces is then taken into the store and fixed up as nixpkgs fixes up
binaries (``stdenv.mkDerivation`` with ``autoPatchelfHook``; see
templates/package-shell.nix.j2 and ``artifact`` for what an artifact is)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from nixbuild import platforms
from nixbuild.builders import artifact as artifact_mod
from nixbuild.builders.base import Detection, inputs_expr
from nixbuild.errors import BuildCommandError, UsageError

if TYPE_CHECKING:
    from nixbuild import plan as plan_mod
    from nixbuild.config import Package, Project, Reader
    from nixbuild.nix import Nix

NAME = "shell"
SCHEMA = {"build": "string", "artifact": "string or string list"}
KEYS = frozenset(SCHEMA)
DEFAULT_OUTPUTS = ("out",)
TEMPLATE = "package-shell.nix.j2"
FIXUP_OUTPUT = "fixup"  # the package's output holding the fix-up record (nixbuild/fixup.py)
BUILD_LOG = "build.log"  # the build command's whole output, in nixbuild-result/TARGET/


@dataclass(frozen=True)
class Options:
    build: str  # the build command
    artifact: tuple[str, ...]  # built files and directories, relative to the project; {target}, {triple}


def options(r: Reader, table: dict[str, Any], root: Path, outputs: tuple[str, ...]) -> Options:
    s = "package"
    if outputs != ("out",):
        raise r.error((s, "outputs"), "a shell-built artifact has only the `out` output")
    build = r.get(s, table, "build", str)
    if build is None:
        raise r.error((s, "build"), "is required for builder = \"shell\"", hint='e.g. build = "make"')
    if "artifact" not in table:
        raise r.error((s, "artifact"), "is required for builder = \"shell\"", hint='the built file, e.g. artifact = "hello"')
    return Options(build=build, artifact=_artifact(r, table, root))


def _artifact(r: Reader, table: dict[str, Any], root: Path) -> tuple[str, ...]:
    """[package] artifact: a path or a list of paths (files or directories)."""
    from nixbuild.config import STORE_NAME_MAX  # config imports the builders
    s, key = "package", "artifact"
    value = r.get(s, table, key, (str, list))
    items = (value,) if isinstance(value, str) else r.str_list(s, table, key)
    assert items is not None
    if not items:
        raise r.error((s, key), "must name at least one file or directory")
    out: list[str] = []
    for item in items:
        unknown = artifact_mod.unknown_placeholders(item)
        if unknown:
            raise r.error((s, key), f"{item!r}: unknown placeholder {{{unknown[0]}}}",
                          hint="known: " + ", ".join(f"{{{p}}}" for p in artifact_mod.PLACEHOLDERS))
        # Every target's expansion must stay inside the project.
        probes = {r.relative_inside(s, key, artifact_mod.expand(item, p), root) for p in platforms.TARGETS.values()}
        if "." in probes:
            raise r.error((s, key), f"{item!r} names the project directory itself",
                          hint="name the built files, or the directory they are installed into")
        entry = PurePosixPath(item).as_posix().removeprefix("./")
        base = artifact_mod.expand(PurePosixPath(entry).name, platforms.TARGETS["x86_64-linux"])
        if not artifact_mod.valid_store_name(base):
            raise r.error((s, key), f"{item!r}: the file name {base!r} cannot be a Nix store name",
                          hint="use letters, digits and + - . _ ? = only, not starting with a dot")
        if len(base) > STORE_NAME_MAX:
            raise r.error((s, key), f"{item!r}: the file name is too long for a Nix store name "
                          f"(at most {STORE_NAME_MAX} characters)")
        out.append(entry)
    bases = [PurePosixPath(e).name for e in out]
    for base in bases:
        if bases.count(base) > 1:
            raise r.error((s, key), f"two entries are named {base!r}; they would be installed at the same place")
    return tuple(out)


def package_args(pkg: Package) -> str:
    return "{\n    inherit target;\n    inputs = " + inputs_expr(pkg, 2) + ";\n  }"


def render_context(project: Project) -> dict[str, object]:
    return {"artifacts": [{"name": artifact_mod.name_expr(e), "path": artifact_mod.path_expr(e)}
                          for e in project.package.options.artifact]}


def entries(project: Project, target: str) -> tuple[artifact_mod.Entry, ...]:
    """The artifact's files and directories for ``target`` (not checked)."""
    return artifact_mod.entries(project.root, project.package.options.artifact, target)


def produce(project: Project, nix: Nix, plan: plan_mod.Plan, generated: Path, *,
            run: bool, output: object = None) -> tuple[Path, ...] | None:
    """Runs the build command in nix-shell (``run``), checks and returns the artifact."""
    if run:
        if plan.how == "remote":
            raise UsageError(
                f"builder = \"shell\" runs the build command on this host, which cannot run {plan.target}'s "
                f"toolchain (it builds on {plan.builder})",
                hint="use a hermetic builder, or run nixbuild on the Linux builder itself",
            )
        from nixbuild.render import RESULT_DIR

        nix.shell_run(
            generated / "shell.nix",
            project.package.options.build,
            cwd=project.root,
            log_file=project.root / RESULT_DIR / plan.target / BUILD_LOG,
            argstrs={"target": plan.target, "buildSystem": plan.build_system},
            output=output,  # type: ignore[arg-type]
        )
    else:
        for e in entries(project, plan.target):
            if not e.path.exists():
                raise BuildCommandError(f"{e.rel} does not exist", hint="run `nixbuild build` first, or drop --no-build")
    pkg = project.package
    found = artifact_mod.check(project.root, pkg.options.artifact, pkg.program, plan.target)
    return tuple(e.path for e in found)


def serial_targets(pkg: Package) -> bool:
    # An entry without a per-target placeholder: builds of different targets overwrite it.
    return not all("{target}" in e or "{triple}" in e for e in pkg.options.artifact)


def clean_copy(project: Project, copy: Path, target: str) -> None:
    for e in entries(project, target):
        path = copy / e.rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def default_program(options: Options) -> str | None:
    return None  # the package name


def host_missing(target: object) -> tuple[str, ...]:
    return ()  # the C toolchains are the package set's own (doctor's targets)


def detect(root: Path) -> Detection | None:
    """Shell mode is never guessed (``nixbuild init`` picks it only with --builder shell):
    its build command and artifact are the user's. The guess offered, to edit: for a Go
    module, ``go build`` of its main package into a per-target path; for a Makefile, ``make
    -B CC=$CC`` (the target's compiler even where the Makefile names gcc; -B rebuilds every
    object, so one target's objects never end up in another's program) and the program the
    Makefile installs or its first target builds; after a ``configure``, ``./configure &&
    make`` (configure takes $CC from the shell)."""
    from nixbuild.builders import c, go, gomod

    module = go.detect(root)
    if module is not None and module.program is not None:
        mod = gomod.read(root)
        main = next((p for p in gomod.main_packages(root) if mod and mod.program_of(p) == module.program), ".")
        package_arg = "." if main in ("", ".") else f"./{main}"
        build = f"go build -o build/$NIXBUILD_TARGET/{module.program} {package_arg}"
        evidence = (*module.evidence, f"--builder shell: build = \"{build}\" (GOOS, GOARCH and CC are the "
                                      "target's in the shell), artifact = build/{target}/" + module.program)
        return Detection(builder=NAME, name=module.name, version=None, program=module.program, evidence=evidence,
                         package={"build": build, "artifact": f"build/{{target}}/{module.program}"})
    found = c.detect(root)
    program = found.program if found else None
    configure = (root / "configure").is_file()
    build = "./configure && make" if configure else "make -B CC=$CC"
    # What the c builder read that holds for shell mode too: the program, the libraries it links.
    evidence = [line for line in (found.evidence if found else ())
                if ": installs bin/" in line or ": links -l" in line]
    evidence.append(f"--builder shell: build = \"{build}\", artifact = the program (edit both to your build)")
    package: dict[str, Any] = {"build": build, "artifact": program or "app"}
    if found and "inputs" in found.package:
        package["inputs"] = found.package["inputs"]
    return Detection(builder=NAME, name=found.name if found else None, version=found.version if found else None,
                     program=program, evidence=tuple(evidence), package=package)
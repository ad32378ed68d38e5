"""builder = "shell": the project's own build command in ``nix-shell``; the
artifact it produces is then taken into the store (``runCommandCC``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from nixbuild import nixexpr, platforms
from nixbuild.builders.base import Detection
from nixbuild.errors import BuildCommandError, UsageError

if TYPE_CHECKING:
    from nixbuild import plan as plan_mod
    from nixbuild.config import Package, Project, Reader
    from nixbuild.nix import Nix

NAME = "shell"
SCHEMA = {"build": "string", "artifact": "string"}
KEYS = frozenset(SCHEMA)
DEFAULT_OUTPUTS = ("out",)
TEMPLATE = "package-shell.nix.j2"
BUILD_LOG = "build.log"  # the build command's whole output, in nixbuild-result/TARGET/


@dataclass(frozen=True)
class Options:
    build: str  # the build command
    artifact: str  # the built file, relative to the project; "{target}" is the target name


def options(r: Reader, table: dict[str, Any], root: Path, outputs: tuple[str, ...]) -> Options:
    s = "package"
    if outputs != ("out",):
        raise r.error((s, "outputs"), "a shell-built artifact has only the `out` output")
    build = r.get(s, table, "build", str)
    artifact = r.get(s, table, "artifact", str)
    if build is None:
        raise r.error((s, "build"), "is required for builder = \"shell\"", hint='e.g. build = "make"')
    if artifact is None:
        raise r.error((s, "artifact"), "is required for builder = \"shell\"", hint='the built file, e.g. artifact = "hello"')
    probe = r.relative_inside(s, "artifact", artifact.replace("{target}", "x86_64-linux"), root)
    if probe == "." or artifact.endswith(("/", "/.", "/..")) or artifact in (".", ".."):
        raise r.error((s, "artifact"), f"{artifact!r} names a directory, not the file the build produces",
                      hint='e.g. artifact = "build/{target}/app"')
    artifact = PurePosixPath(artifact).as_posix().removeprefix("./")
    return Options(build=build, artifact=artifact)


def package_args(pkg: Package) -> str:
    return "{ inherit target; }"


def render_context(project: Project) -> dict[str, object]:
    pkg = project.package
    return {
        "drv_name": f"{pkg.name}-{pkg.version}",
        "artifact_name": f"{pkg.name}-{pkg.version}-artifact",
        "artifact_expr": _artifact_expr(pkg.options.artifact),
    }


def _artifact_expr(artifact: str) -> str:
    """The artifact's path; ``{target}`` becomes the target name at evaluation time."""
    if "{target}" not in artifact:
        return nixexpr.project_path(artifact)
    pieces = artifact.split("{target}")
    parts = [nixexpr.string("/" + pieces[0])]
    for piece in pieces[1:]:
        parts.append("target")
        if piece:
            parts.append(nixexpr.string(piece))
    # Concatenate the string first: `path + "/dir/"` would drop the trailing slash.
    return "(../. + (" + " + ".join(parts) + "))"


def artifact_path(project: Project, target: str) -> str:
    """The artifact for ``target``, relative to the project."""
    return project.package.options.artifact.replace("{target}", target)


def produce(project: Project, nix: Nix, plan: plan_mod.Plan, generated: Path, *,
            run: bool, output: object = None) -> Path | None:
    """Runs the build command in nix-shell (``run``) and returns the artifact."""
    rel = artifact_path(project, plan.target)
    artifact = project.root / rel
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
        if not artifact.is_file():
            raise BuildCommandError(
                f"the build command succeeded but did not produce {rel}",
                hint="check [package] artifact in nixbuild.toml",
            )
    elif not artifact.is_file():
        raise BuildCommandError(f"{rel} does not exist", hint="run `nixbuild build` first, or drop --no-build")
    from nixbuild import proof  # pyelftools: only when an artifact is checked

    proof.check_built_file(artifact, rel, platforms.get(plan.target))
    return artifact


def serial_targets(pkg: Package) -> bool:
    # One artifact path for every target: builds of different targets overwrite it.
    return "{target}" not in pkg.options.artifact


def clean_copy(project: Project, copy: Path, target: str) -> None:
    artifact = copy / artifact_path(project, target)
    if artifact.is_file() or artifact.is_symlink():
        artifact.unlink()


def default_program(options: Options) -> str | None:
    return None  # the package name


def host_missing(target: object) -> tuple[str, ...]:
    return ()  # the C toolchains are the package set's own (doctor's targets)


def detect(root: Path) -> Detection | None:
    """Shell mode is never guessed (``nixbuild init`` picks it only with --builder shell):
    its build command and artifact are the user's. The guess offered then is make and the
    program a Makefile installs, to edit."""
    from nixbuild.builders import c

    found = c.detect(root)
    program = found.program if found else None
    evidence = ("--builder shell: build = \"make\", artifact = the program (edit both to your build)",)
    return Detection(builder=NAME, name=found.name if found else None, version=found.version if found else None,
                     program=program, evidence=evidence,
                     package={"build": "make", "artifact": program or "app"})

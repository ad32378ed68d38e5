"""The steps of `nixbuild generate | build | shell | image`, as plain functions.

Each step takes a Project and a Nix runner and returns a typed result; the CLI
only parses flags and prints these results.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nixbuild import config as config_mod
from nixbuild import image as image_mod
from nixbuild import platforms, render
from nixbuild.config import Project
from nixbuild.errors import BuildCommandError, UsageError
from nixbuild.nix import HOSTPKGS_NIX_CONFIG, Log, Nix

RESULT_DIR = "nixbuild-result"


@dataclass(frozen=True)
class StorePath:
    path: str
    size: int  # NAR size in bytes


@dataclass(frozen=True)
class BuildOutcome:
    target: str
    builder: str
    out_paths: tuple[str, ...]  # hermetic: the package's outputs
    artifact: Path | None  # shell: the file the build command produced


@dataclass(frozen=True)
class ImageOutcome:
    target: str
    file: Path
    stream_script: str
    info: image_mod.ImageInfo
    store_paths: tuple[StorePath, ...]

    @property
    def reference(self) -> str:
        return self.info.repo_tags[0] if self.info.repo_tags else ""


def load_project(project_dir: Path) -> Project:
    return config_mod.load(project_dir)


def make_nix(project: Project, *, verbose: bool = False, log: Log = lambda line: None) -> Nix:
    extra = HOSTPKGS_NIX_CONFIG if project.nixpkgs.source == "hostpkgs" else ()
    return Nix(extra_config=extra, verbose=verbose, log=log)


def resolve_target(project: Project, target: str | None) -> str:
    name = target or project.default_target
    plat = platforms.get(name)
    if name not in project.target.platforms:
        raise UsageError(
            f"target {name!r} is not in [target] platforms of {config_mod.CONFIG_NAME}",
            hint="configured: " + ", ".join(project.target.platforms),
        )
    host = platforms.host_system()
    if plat.system != host:
        raise UsageError(
            f"target {name!r} needs cross compilation from {host}, which this nixbuild does not do yet",
            hint="build a native target (" + platforms.native_target() + ")",
        )
    return name


def generate(project: Project, *, dry_run: bool = False) -> render.RenderReport:
    return render.write(project, dry_run=dry_run)


def _generated(project: Project) -> Path:
    return project.root / render.GENERATED_DIR


def result_dir(project: Project, target: str) -> Path:
    return project.root / RESULT_DIR / target


def run_shell_build(project: Project, nix: Nix, target: str, output: object = None) -> Path:
    """Shell mode: the project's build command in nix-shell; returns the artifact."""
    pkg = project.package
    assert pkg.build is not None and pkg.artifact is not None
    nix.shell_run(
        _generated(project) / "shell.nix",
        pkg.build,
        cwd=project.root,
        argstrs={"target": target},
        output=output,  # type: ignore[arg-type]
    )
    artifact = project.root / pkg.artifact
    if not artifact.is_file():
        raise BuildCommandError(
            f"the build command succeeded but did not produce {pkg.artifact}",
            hint=f"check [package] artifact in {config_mod.CONFIG_NAME}",
        )
    return artifact


def build(project: Project, nix: Nix, target: str, output: object = None) -> BuildOutcome:
    generate(project)
    if project.package.builder == "shell":
        artifact = run_shell_build(project, nix, target, output)
        return BuildOutcome(target=target, builder="shell", out_paths=(), artifact=artifact)
    result = nix.build(
        _generated(project),
        "package",
        out_link=result_dir(project, target) / "package",
        argstrs={"target": target},
    )
    return BuildOutcome(target=target, builder=project.package.builder, out_paths=result.out_paths, artifact=None)


def image(project: Project, nix: Nix, target: str, *, build_first: bool = True, output: object = None) -> ImageOutcome:
    generate(project)
    if project.package.builder == "shell":
        if build_first:
            run_shell_build(project, nix, target, output)
        elif not (project.root / str(project.package.artifact)).is_file():
            raise BuildCommandError(
                f"{project.package.artifact} does not exist",
                hint="run `nixbuild build` first, or drop --no-build",
            )
    outdir = result_dir(project, target)
    result = nix.build(_generated(project), "image", out_link=outdir / "stream", argstrs={"target": target})
    script = result.out_paths[0]
    file = outdir / f"{project.image.name.replace('/', '-')}-{project.image.tag}.tar"
    fd, tmp_name = tempfile.mkstemp(prefix=".image-", suffix=".tar.tmp", dir=outdir)
    try:
        with os.fdopen(fd, "wb") as tmp:
            nix.stream_image(Path(script), tmp)
        os.replace(tmp_name, file)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    info = image_mod.read_docker_archive(file)
    sizes = nix.sizes(info.store_paths)
    store_paths = tuple(StorePath(p, sizes[p]) for p in info.store_paths)
    return ImageOutcome(target=target, file=file, stream_script=script, info=info, store_paths=store_paths)

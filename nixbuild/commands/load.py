"""`nixbuild load`."""

from __future__ import annotations

from pathlib import Path

import click

from nixbuild import pipeline
from nixbuild.commands._common import build_image, check_option, common, emit, json_option, locked_option, log, start, target_option
from nixbuild.errors import UsageError
from nixbuild.registry import Containers, PodmanStorage


@click.command()
@common
@check_option
@locked_option
@target_option
@json_option
@click.option("--podman", "engine", flag_value="podman", help="Load into podman's image store.")
@click.option("--docker", "engine", flag_value="docker", help="Load into a running Docker engine.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="podman --root: the image store to load into.")
@click.option("--runroot", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="podman --runroot: podman's runtime state directory.")
def load(directory: Path, verbose: bool, target: str | None, as_json: bool, engine: str | None,
         root: Path | None, runroot: Path | None, locked: bool | None, check: bool) -> None:
    """Build the image and load it into podman (--podman) or Docker (--docker)."""
    if engine is None:
        raise UsageError("say where to load the image: --podman or --docker",
                         hint="nixbuild load --podman [--root DIR --runroot DIR]")
    if engine == "docker" and (root or runroot):
        raise UsageError("--root/--runroot are podman options", hint="drop them, or use --podman")
    s = start(directory, verbose, locked, check=check)
    name = pipeline.resolve_target(s.project, target)
    outcome = build_image(s, name, archive=True)  # podman and docker load a docker-archive
    assert outcome.archive is not None
    containers = Containers(verbose=verbose, log=log)
    if engine == "podman":
        names = containers.load_podman(outcome.archive, PodmanStorage(root=root, runroot=runroot))
    else:
        names = containers.load_docker(outcome.archive)
    emit(as_json, {"version": 1, "target": name, "engine": engine, "image": str(outcome.archive),
                   "loaded": list(names), "config_digest": outcome.info.config_digest},
         "\n".join(f"loaded ({engine}): {n}" for n in names) or f"loaded ({engine}): {outcome.archive}")

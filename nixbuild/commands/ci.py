"""`nixbuild ci github`."""

from __future__ import annotations

from pathlib import Path

import click

from nixbuild import ciworkflow, pipeline
from nixbuild.atomicfile import write_atomic
from nixbuild.commands._common import common, emit, json_option, log


@click.group()
def ci() -> None:
    """Generate CI configuration for the project."""


@ci.command()
@common
@json_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=f"Workflow file to write (default: {ciworkflow.DEFAULT_PATH} in the project).")
@click.option("--install", default=None, metavar="SPEC",
              help="What the workflow pip-installs (default: this nixbuild version from PyPI).")
@click.option("--repository", default="", metavar="REPO",
              help="Where tags are pushed, e.g. ghcr.io/me/app (default: ghcr.io/<owner>/<image name>).")
def github(directory: Path, verbose: bool, as_json: bool, output: Path | None, install: str | None,
           repository: str) -> None:
    """Write a GitHub Actions workflow: a build matrix over the configured targets."""
    project = pipeline.load_project(directory, log)
    path = output if output is not None else project.root / ciworkflow.DEFAULT_PATH
    existed = path.is_file()
    changed = write_atomic(path, ciworkflow.github_workflow(project, install=install, repository=repository))
    status = "unchanged" if not changed else ("changed" if existed else "created")
    emit(as_json, {"version": 1, "file": str(path), "status": status,
                   "targets": list(project.target.platforms)}, f"{status}: {path}")

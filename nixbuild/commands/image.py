"""`nixbuild image`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nixbuild import pipeline, report
from nixbuild.commands._common import common, emit, json_option, log, target_option


@click.command()
@common
@target_option
@json_option
@click.option("--no-build", is_flag=True, help="Shell mode: image the existing artifact without running the build command.")
def image(directory: Path, verbose: bool, target: str | None, as_json: bool, no_build: bool) -> None:
    """Build the image and print where it is and what is in it."""
    project = pipeline.load_project(directory)
    nix = pipeline.make_nix(project, verbose=verbose, log=log)
    nix.check_installed()
    name = pipeline.resolve_target(project, target)
    outcome = pipeline.image(project, nix, name, build_first=not no_build, output=sys.stderr.buffer)
    emit(as_json, report.image_dict(outcome), report.image_text(outcome))

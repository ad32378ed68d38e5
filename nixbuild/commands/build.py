"""`nixbuild build`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nixbuild import pipeline, report
from nixbuild import lock as lock_mod
from nixbuild.commands._common import locked_option, common, emit, json_option, log, target_option


@click.command()
@common
@locked_option
@target_option
@json_option
def build(directory: Path, verbose: bool, target: str | None, as_json: bool, locked: bool | None) -> None:
    """Build the package: nix-build (hermetic) or the build command in nix-shell (shell)."""
    project = pipeline.load_project(directory)
    lock_mod.enforce(project, locked)
    nix = pipeline.make_nix(project, verbose=verbose, log=log)
    nix.check_installed()
    outcome = pipeline.build(project, nix, pipeline.resolve_target(project, target), output=sys.stderr.buffer)
    emit(as_json, report.build_dict(outcome), report.build_text(outcome))

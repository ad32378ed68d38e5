"""`nixbuild build`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nixbuild import pipeline, report
from nixbuild.commands._common import common, emit, json_option, locked_option, pinned, start, target_option


@click.command()
@common
@locked_option
@target_option
@json_option
def build(directory: Path, verbose: bool, target: str | None, as_json: bool, locked: bool | None) -> None:
    """Build the package: nix-build (hermetic) or the build command in nix-shell (shell)."""
    s = start(directory, verbose, locked)
    name = pipeline.resolve_target(s.project, target)
    outcome = pinned(s, lambda: pipeline.build(s.project, s.nix, name, output=sys.stderr.buffer))
    emit(as_json, report.build_dict(outcome), report.build_text(outcome))
